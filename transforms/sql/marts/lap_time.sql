-- grain: one row per driver per lap of a race (lap_times.csv; 1996 on in the real data)
-- key: race_id, driver_id, lap
-- The largest mart (about 600k rows), so it holds keys and values only: names come from `race`
-- and `driver_summary`. `time` is Ergast's text as published ('1:34.494', '0:58.160'), served
-- verbatim; `time_ms` is the same duration as a number.
select
    race_id,
    driver_id,
    lap,
    position,
    time,
    time_ms,
from stg_lap_times
