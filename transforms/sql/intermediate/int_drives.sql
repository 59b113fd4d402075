-- grain: one row per driver per constructor per season (Grand Prix and sprint rows)
-- first_drive orders a season's pairings: the round, then the result id, of the first drive.
-- driver and constructor are the references the season lines list (driver_season's
-- constructors, constructor_season's drivers).
with

results as (select * from stg_results),
sprint_results as (select * from stg_sprint_results),
races as (select * from stg_races),
drivers as (select * from stg_drivers),
constructors as (select * from stg_constructors),

pairings as (
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
)

select
    pairings.driver_id,
    pairings.constructor_id,
    pairings.season,
    pairings.first_drive,
    {
        'driver_id': drivers.driver_id,
        'driver_ref': drivers.driver_ref,
        'name': full_name(drivers.forename, drivers.surname),
    } as driver,
    {
        'constructor_id': constructors.constructor_id,
        'constructor_ref': constructors.constructor_ref,
        'name': constructors.name,
    } as constructor,
from pairings
join drivers on drivers.driver_id = pairings.driver_id
join constructors on constructors.constructor_id = pairings.constructor_id
