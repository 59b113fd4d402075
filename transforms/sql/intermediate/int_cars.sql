-- grain: one row per car in a Grand Prix: a constructor's entry under one race number
-- In the 1950s a car could be shared: Ergast then has a result row per driver, with the same
-- race, constructor and number (and the same position when classified). Those rows are one car
-- here, so per-car figures (a constructor's podium finishes, a race's entries) count it once;
-- per-driver figures use the result rows. A row without a number is a car of its own.
with

results as (select * from stg_results),
races as (select * from stg_races)

select
    results.race_id,
    races.season,
    results.constructor_id,
    results.number,
    count(*) as result_rows,
    min(results.position) as position,
from results
join races on races.race_id = results.race_id
group by
    results.race_id,
    races.season,
    results.constructor_id,
    results.number,
    case when results.number is null then results.result_id end
