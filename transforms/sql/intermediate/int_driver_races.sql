-- grain: one row per driver per Grand Prix entered (shared-drive rows folded into one)
-- started: not "F" (failed to qualify / pre-qualify, 107% rule) and not "W" (withdrawn, did not start)
with

results as (select * from stg_results),
races as (select * from stg_races)

select
    results.driver_id,
    results.race_id,
    races.season,
    races.round,
    races.date,
    bool_or(results.position_text not in ('F', 'W')) as started,
    bool_or(results.position = 1) as won,
    bool_or(results.position between 1 and 3) as podium,
    bool_or(results.grid = 1) as pole,
    min(results.position) as best_position,
    sum(results.points) as points,
from results
join races on races.race_id = results.race_id
group by all
