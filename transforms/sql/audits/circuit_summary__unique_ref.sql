-- circuit_ref is a lookup key of the API
select circuit_ref, count(*) as circuits from circuit_summary group by circuit_ref having count(*) > 1
