-- grain: one row per car in a Grand Prix or sprint classification (results.csv and
-- sprint_results.csv rows; result ids are unique within each file, so the key includes session)
-- key: session, result_id
-- index: race_id
-- index: driver_id
-- index: driver_ref
-- index: constructor_ref
with

results as (
    select 'race' as session, * from stg_results
    union all
    select 'sprint' as session, * from stg_sprint_results
),
races as (select * from stg_races),
drivers as (select * from stg_drivers),
constructors as (select * from stg_constructors),
status as (select * from stg_status)

select
    results.session,
    results.result_id,
    results.race_id,
    races.season,
    races.round,
    results.position_order,
    results.position,
    results.position_text,
    results.driver_id,
    drivers.driver_ref,
    full_name(drivers.forename, drivers.surname) as driver_name,
    results.constructor_id,
    constructors.constructor_ref,
    constructors.name as constructor_name,
    results.number,
    results.grid,
    results.laps,
    results.status_id,
    status.status,
    results.position_text not in ('F', 'W') as started,
    results.time,
    results.time_ms,
    results.points,
    results.fastest_lap,
    results.fastest_lap_rank,
    results.fastest_lap_time,
    results.fastest_lap_time_ms,
    results.fastest_lap_speed_kph,
from results
join races on races.race_id = results.race_id
join drivers on drivers.driver_id = results.driver_id
join constructors on constructors.constructor_id = results.constructor_id
join status on status.status_id = results.status_id
