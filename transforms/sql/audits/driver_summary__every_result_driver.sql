-- every driver with a result has a summary row that counts the entry
select distinct stg_results.driver_id
from stg_results
left join driver_summary on driver_summary.driver_id = stg_results.driver_id
where driver_summary.driver_id is null or driver_summary.races_entered = 0
