-- grain: one row per season with at least one scheduled race
-- key: season
-- Champions only for complete seasons (every scheduled race has results).
with

seasons as (select * from int_seasons),
season_urls as (select * from stg_seasons),
driver_seasons as (select * from driver_season),
constructor_seasons as (select * from constructor_season),

driver_champions as (
    select season, min(driver_id) as driver_id
    from driver_seasons
    where champion
    group by season
),

constructor_champions as (
    select season, min(constructor_id) as constructor_id
    from constructor_seasons
    where champion
    group by season
)

select
    seasons.season,
    season_urls.url,
    seasons.rounds,
    seasons.races_held,
    seasons.complete,
    driver_champions.driver_id as champion_driver_id,
    champion_driver.driver_ref as champion_driver_ref,
    champion_driver.full_name as champion_driver_name,
    champion_driver.championship_points as champion_driver_points,
    constructor_champions.constructor_id as champion_constructor_id,
    champion_constructor.constructor_ref as champion_constructor_ref,
    champion_constructor.name as champion_constructor_name,
    champion_constructor.championship_points as champion_constructor_points,
from seasons
left join season_urls on season_urls.season = seasons.season
left join driver_champions on driver_champions.season = seasons.season
left join driver_seasons as champion_driver
    on champion_driver.season = seasons.season
    and champion_driver.driver_id = driver_champions.driver_id
left join constructor_champions on constructor_champions.season = seasons.season
left join constructor_seasons as champion_constructor
    on champion_constructor.season = seasons.season
    and champion_constructor.constructor_id = constructor_champions.constructor_id
