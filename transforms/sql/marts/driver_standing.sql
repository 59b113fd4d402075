-- grain: one row per driver per race with standings: the drivers' championship after that round
-- key: race_id, driver_id
-- index: season, round
-- list: constructors
-- `constructors`: JSON list of the constructors the driver raced for in the season up to that
-- round, in the order he first drove for them.
with

standings as (select * from stg_driver_standings),
races as (select * from stg_races),
drivers as (select * from stg_drivers),
constructors as (select * from stg_constructors),
results as (select * from stg_results),

first_drives as (
    select
        results.driver_id,
        races.season,
        results.constructor_id,
        min((races.round, results.result_id)) as first_drive,
    from results
    join races on races.race_id = results.race_id
    group by all
),

constructor_lists as (
    select
        standings.race_id,
        standings.driver_id,
        to_json(list(
            {
                'constructor_id': constructors.constructor_id,
                'constructor_ref': constructors.constructor_ref,
                'name': constructors.name,
                'nationality': constructors.nationality,
                'url': constructors.url,
            }
            order by first_drives.first_drive
        ))::varchar as constructors,
    from standings
    join races on races.race_id = standings.race_id
    join first_drives
        on first_drives.driver_id = standings.driver_id
        and first_drives.season = races.season
        and first_drives.first_drive[1] <= races.round
    join constructors on constructors.constructor_id = first_drives.constructor_id
    group by all
)

select
    standings.race_id,
    races.season,
    races.round,
    standings.position,
    standings.position_text,
    standings.driver_id,
    drivers.driver_ref,
    standings.points,
    standings.wins,
    coalesce(constructor_lists.constructors, '[]') as constructors,
from standings
join races on races.race_id = standings.race_id
join drivers on drivers.driver_id = standings.driver_id
left join constructor_lists
    on constructor_lists.race_id = standings.race_id
    and constructor_lists.driver_id = standings.driver_id
