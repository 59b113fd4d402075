-- driver_ref is a lookup key of the API
select driver_ref, count(*) as drivers from driver_summary group by driver_ref having count(*) > 1
