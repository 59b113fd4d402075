-- grain: one row per car in a sprint race
select
    resultId as result_id,
    raceId as race_id,
    driverId as driver_id,
    constructorId as constructor_id,
    number,
    grid,
    position,
    positionText as position_text,
    positionOrder as position_order,
    points,
    laps,
    time,
    milliseconds as time_ms,
    fastestLap as fastest_lap,
    rank as fastest_lap_rank,
    fastestLapTime as fastest_lap_time,
    duration_ms(fastestLapTime) as fastest_lap_time_ms,
    cast(null as double) as fastest_lap_speed_kph,  -- not in sprint_results.csv
    statusId as status_id,
from raw_sprint_results
