-- grain: one row per pit stop of a driver in a race (pit_stops.csv; 2011 on in the real data)
-- key: race_id, driver_id, stop
-- `time_of_day` is the local clock time the car stopped ('17:28:24'); `duration` is Ergast's
-- text ('23.227', '16:44.718' for long stops), served verbatim, and `duration_ms` the number.
with

stops as (select * from stg_pit_stops),
races as (select * from stg_races),
drivers as (select * from stg_drivers)

select
    stops.race_id,
    races.season,
    races.round,
    stops.driver_id,
    drivers.driver_ref,
    stops.stop,
    stops.lap,
    stops.time_of_day,
    stops.duration,
    stops.duration_ms,
from stops
join races on races.race_id = stops.race_id
join drivers on drivers.driver_id = stops.driver_id
