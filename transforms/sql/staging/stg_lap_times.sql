-- grain: one row per driver per lap of a race
select
    raceId as race_id,
    driverId as driver_id,
    lap,
    position,
    time,
    milliseconds as time_ms,
from raw_lap_times
