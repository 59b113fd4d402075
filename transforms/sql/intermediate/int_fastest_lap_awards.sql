-- grain: one row per race whose fastest lap is known: the driver credited with it
-- From lap_times where the race has laps (1996 on), else from results' fastest-lap rank 1.
with

lap_races as (select distinct race_id from stg_lap_times),

from_laps as (
    select
        race_id,
        arg_min(driver_id, (time_ms, driver_id, lap)) as driver_id,
    from stg_lap_times
    group by race_id
),

from_rank as (
    select race_id, min(driver_id) as driver_id
    from stg_results
    where fastest_lap_rank = 1
        and race_id not in (select race_id from lap_races)
    group by race_id
)

select race_id, driver_id from from_laps
union all
select race_id, driver_id from from_rank
