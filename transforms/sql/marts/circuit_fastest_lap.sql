-- grain: one row per race held (races with results); the race's fastest lap, null before lap data
-- key: race_id
-- index: circuit_id
with

races as (select * from stg_races),
held as (select distinct race_id from stg_results),
fastest as (select * from int_race_fastest_lap),
drivers as (select * from stg_drivers)

select
    races.circuit_id,
    races.race_id,
    races.season,
    races.round,
    races.name as race_name,
    races.date as race_date,
    fastest.time_ms as fastest_lap_time_ms,
    format_lap_time(fastest.time_ms) as fastest_lap_time,
    fastest.lap as fastest_lap_lap,
    fastest.driver_id as fastest_lap_driver_id,
    drivers.driver_ref as fastest_lap_driver_ref,
    full_name(drivers.forename, drivers.surname) as fastest_lap_driver_name,
from races
join held on held.race_id = races.race_id
left join fastest on fastest.race_id = races.race_id
left join drivers on drivers.driver_id = fastest.driver_id
