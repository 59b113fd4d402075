-- grain: one row per pit stop
select
    raceId as race_id,
    driverId as driver_id,
    stop,
    lap,
    time as time_of_day,
    duration,
    milliseconds as duration_ms,
from raw_pit_stops
