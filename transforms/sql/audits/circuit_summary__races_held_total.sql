-- the circuits' races_held add up to the races with results
select sum(races_held) as races_held, (select count(distinct race_id) from stg_results) as races
from circuit_summary
having sum(races_held) <> (select count(distinct race_id) from stg_results)
