-- grain: one row per constructor in constructors.csv
-- key: constructor_id
-- index: constructor_ref
with

constructors as (select * from stg_constructors),
results as (select * from stg_results),
constructor_seasons as (select * from constructor_season),

careers as (
    select
        constructor_id,
        count(distinct race_id) as races_entered,
        count(distinct race_id) filter (where position = 1) as wins,
        count(distinct race_id) filter (where grid = 1) as poles,
        count(distinct driver_id) as drivers_fielded,
    from results
    group by constructor_id
),

season_totals as (
    select
        constructor_id,
        count(*) as seasons,
        min(season) as first_season,
        max(season) as last_season,
        round(sum(points), 2) as points,
        sum(podiums)::bigint as podiums,
        count(*) filter (where champion) as championships,
    from constructor_seasons
    group by constructor_id
)

select
    constructors.constructor_id,
    constructors.constructor_ref,
    constructors.name,
    constructors.nationality,
    constructors.url,
    coalesce(careers.races_entered, 0) as races_entered,
    coalesce(careers.wins, 0) as wins,
    coalesce(season_totals.podiums, 0) as podiums,
    coalesce(careers.poles, 0) as poles,
    coalesce(season_totals.points, 0) as points,
    coalesce(season_totals.championships, 0) as championships,
    coalesce(careers.drivers_fielded, 0) as drivers_fielded,
    coalesce(season_totals.seasons, 0) as seasons,
    season_totals.first_season,
    season_totals.last_season,
    fold_search(concat_ws(' ', constructors.name, constructors.constructor_ref)) as search_name,
from constructors
left join careers on careers.constructor_id = constructors.constructor_id
left join season_totals on season_totals.constructor_id = constructors.constructor_id
