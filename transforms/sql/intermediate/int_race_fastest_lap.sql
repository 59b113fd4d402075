-- grain: one row per race with any lap time: the fastest lap of the race
-- Candidates are every lap in lap_times and every result's fastest-lap time; the minimum wins,
-- ties go to the lower driver id, then the earlier lap.
with

laps as (
    select race_id, driver_id, lap, time_ms from stg_lap_times
),

result_laps as (
    select race_id, driver_id, fastest_lap as lap, fastest_lap_time_ms as time_ms
    from stg_results
    where fastest_lap_time_ms is not null
),

candidates as (
    select * from laps
    union all
    select * from result_laps
)

select
    race_id,
    arg_min(driver_id, (time_ms, driver_id, coalesce(lap, 0))) as driver_id,
    arg_min(lap, (time_ms, driver_id, coalesce(lap, 0))) as lap,
    min(time_ms) as time_ms,
from candidates
group by race_id
