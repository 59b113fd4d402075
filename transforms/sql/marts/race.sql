-- grain: one row per race in races.csv, scheduled races without results included
-- key: race_id
-- index: season
-- index: circuit_id
-- entries: cars entered (int_cars), so a car shared by two drivers counts once
with

races as (select * from stg_races),
circuits as (select * from stg_circuits),
results as (select * from stg_results),
cars as (select * from int_cars),
sprints as (select distinct race_id from stg_sprint_results),
drivers as (select * from stg_drivers),
constructors as (select * from stg_constructors),
fastest as (select * from int_race_fastest_lap),

entries as (
    select race_id, count(*) as entries
    from cars
    group by race_id
),

winners as (
    select race_id, arg_min(result_id, (position_order, result_id)) as result_id
    from results
    where position = 1
    group by race_id
)

select
    races.race_id,
    races.season,
    races.round,
    races.name,
    races.date,
    races.time,
    races.url,
    races.circuit_id,
    circuits.circuit_ref,
    circuits.name as circuit_name,
    circuits.location,
    circuits.country,
    entries.race_id is not null as has_results,
    sprints.race_id is not null as has_sprint,
    coalesce(entries.entries, 0) as entries,
    winner.driver_id as winner_driver_id,
    winner_driver.driver_ref as winner_driver_ref,
    full_name(winner_driver.forename, winner_driver.surname) as winner_driver_name,
    winner.constructor_id as winner_constructor_id,
    winner_constructor.constructor_ref as winner_constructor_ref,
    winner_constructor.name as winner_constructor_name,
    fastest.time_ms as fastest_lap_time_ms,
    format_lap_time(fastest.time_ms) as fastest_lap_time,
    fastest.driver_id as fastest_lap_driver_id,
    -- the weekend's other sessions (UTC dates and times as in races.csv; null when not listed)
    races.fp1_date,
    races.fp1_time,
    races.fp2_date,
    races.fp2_time,
    races.fp3_date,
    races.fp3_time,
    races.quali_date as qualifying_date,
    races.quali_time as qualifying_time,
    races.sprint_date,
    races.sprint_time,
from races
join circuits on circuits.circuit_id = races.circuit_id
left join entries on entries.race_id = races.race_id
left join sprints on sprints.race_id = races.race_id
left join winners on winners.race_id = races.race_id
left join results as winner on winner.result_id = winners.result_id
left join drivers as winner_driver on winner_driver.driver_id = winner.driver_id
left join constructors as winner_constructor on winner_constructor.constructor_id = winner.constructor_id
left join fastest on fastest.race_id = races.race_id
