-- grain: one row per constructor per race: the constructors' championship after that race
select
    constructorStandingsId as constructor_standings_id,
    raceId as race_id,
    constructorId as constructor_id,
    points,
    position,
    positionText as position_text,
    wins,
from raw_constructor_standings
