-- grain: one row per driver per race: the drivers' championship after that race
select
    driverStandingsId as driver_standings_id,
    raceId as race_id,
    driverId as driver_id,
    points,
    position,
    positionText as position_text,
    wins,
from raw_driver_standings
