-- grain: one row per driver per constructor per season (Grand Prix and sprint rows)
-- first_drive orders a season's pairings: the round, then the result id, of the first drive.
with

results as (select * from stg_results),
sprint_results as (select * from stg_sprint_results),
races as (select * from stg_races)

select
    drives.driver_id,
    drives.constructor_id,
    races.season,
    min((races.round, drives.result_id)) as first_drive,
from (
    select driver_id, constructor_id, race_id, result_id from results
    union all
    select driver_id, constructor_id, race_id, result_id from sprint_results
) as drives
join races on races.race_id = drives.race_id
group by all
