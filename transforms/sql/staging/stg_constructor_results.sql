-- grain: one row per constructor per race
select
    constructorResultsId as constructor_results_id,
    raceId as race_id,
    constructorId as constructor_id,
    points,
    status,
from raw_constructor_results
