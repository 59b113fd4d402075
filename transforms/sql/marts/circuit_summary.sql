-- grain: one row per circuit in circuits.csv
-- key: circuit_id
-- index: circuit_ref
-- Lap record: the fastest race lap over every race held there (layouts under one circuit id are
-- mixed, as in the source); ties go to the earlier race, then the lower driver id.
-- Most wins: ties go to the driver who reached that number of wins there first.
with

circuits as (select * from stg_circuits),
race_laps as (select * from circuit_fastest_lap),
races as (select * from stg_races),
results as (select * from stg_results),
drivers as (select * from stg_drivers),

held as (
    select
        circuit_id,
        count(*) as races_held,
        min(season) as first_year,
        max(season) as last_year,
    from race_laps
    group by circuit_id
),

records as (
    select
        circuit_id,
        arg_min(race_id, (fastest_lap_time_ms, race_date, race_id, fastest_lap_driver_id)) as race_id,
    from race_laps
    where fastest_lap_time_ms is not null
    group by circuit_id
),

wins as (
    select
        races.circuit_id,
        results.driver_id,
        count(distinct results.race_id) as wins,
        max(races.date) as reached_on,
    from results
    join races on races.race_id = results.race_id
    where results.position = 1
    group by all
),

most_wins as (
    select
        circuit_id,
        arg_min(driver_id, (-wins, reached_on, driver_id)) as driver_id,
        max(wins) as wins,
    from wins
    group by circuit_id
)

select
    circuits.circuit_id,
    circuits.circuit_ref,
    circuits.name,
    circuits.location,
    circuits.country,
    circuits.lat,
    circuits.lng,
    circuits.alt,
    circuits.url,
    coalesce(held.races_held, 0) as races_held,
    held.first_year,
    held.last_year,
    record.fastest_lap_time_ms as lap_record_time_ms,
    record.fastest_lap_time as lap_record_time,
    record.fastest_lap_driver_id as lap_record_driver_id,
    record.fastest_lap_driver_ref as lap_record_driver_ref,
    record.fastest_lap_driver_name as lap_record_driver_name,
    record.race_id as lap_record_race_id,
    record.season as lap_record_year,
    record.fastest_lap_lap as lap_record_lap,
    most_wins.driver_id as most_wins_driver_id,
    winner.driver_ref as most_wins_driver_ref,
    full_name(winner.forename, winner.surname) as most_wins_driver_name,
    most_wins.wins as most_wins_count,
    fold_search(concat_ws(' ', circuits.name, circuits.circuit_ref, circuits.location, circuits.country))
        as search_name,
from circuits
left join held on held.circuit_id = circuits.circuit_id
left join records on records.circuit_id = circuits.circuit_id
left join race_laps as record on record.race_id = records.race_id
left join most_wins on most_wins.circuit_id = circuits.circuit_id
left join drivers as winner on winner.driver_id = most_wins.driver_id
