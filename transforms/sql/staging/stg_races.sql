-- grain: one row per scheduled race (future races included; they have no results)
select
    raceId as race_id,
    year as season,
    round,
    circuitId as circuit_id,
    name,
    date,
    time,
    url,
    sprint_date,
from raw_races
