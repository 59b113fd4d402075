-- grain: one row per constructor per season entered
-- key: constructor_id, season
-- index: season
-- list: drivers
-- The constructors' championship exists from 1958; earlier seasons have no position or title.
-- Podiums are podium finishes, one per car (int_cars): a shared car counts once.
with

results as (select * from stg_results),
sprint_results as (select * from stg_sprint_results),
races as (select * from stg_races),
seasons as (select * from int_seasons),
standings as (select * from stg_constructor_standings),
constructors as (select * from stg_constructors),
drives as (select * from int_drives),
cars as (select * from int_cars),

race_lines as (
    select
        results.constructor_id,
        races.season,
        count(distinct results.race_id) as races_entered,
        count(distinct results.race_id) filter (where results.position = 1) as wins,
        count(distinct results.race_id) filter (where results.grid = 1) as poles,
        sum(results.points) as race_points,
    from results
    join races on races.race_id = results.race_id
    group by all
),

podium_lines as (
    select constructor_id, season, count(*) as podiums
    from cars
    where position between 1 and 3
    group by all
),

sprint_lines as (
    select sprint_results.constructor_id, races.season, sum(sprint_results.points) as sprint_points
    from sprint_results
    join races on races.race_id = sprint_results.race_id
    group by all
),

season_keys as (
    select constructor_id, season from race_lines
    union
    select constructor_id, season from sprint_lines
),

final_standings as (
    select standings.constructor_id, seasons.season, standings.position, standings.points
    from standings
    join seasons on seasons.final_constructor_race_id = standings.race_id
),

driver_lists as (
    select
        constructor_id,
        season,
        to_json(list(driver order by first_drive))::varchar as drivers,
        count(*) as drivers_fielded,
    from drives
    group by constructor_id, season
)

select
    season_keys.constructor_id,
    season_keys.season,
    constructors.constructor_ref,
    constructors.name,
    coalesce(race_lines.races_entered, 0) as races_entered,
    coalesce(race_lines.wins, 0) as wins,
    coalesce(podium_lines.podiums, 0) as podiums,
    coalesce(race_lines.poles, 0) as poles,
    round(coalesce(race_lines.race_points, 0) + coalesce(sprint_lines.sprint_points, 0), 2)
        as points,
    final_standings.position as championship_position,
    final_standings.points as championship_points,
    coalesce(seasons.complete and final_standings.position = 1, false) as champion,
    driver_lists.drivers_fielded,
    driver_lists.drivers,
from season_keys
join constructors on constructors.constructor_id = season_keys.constructor_id
join seasons on seasons.season = season_keys.season
left join race_lines
    on race_lines.constructor_id = season_keys.constructor_id
    and race_lines.season = season_keys.season
left join podium_lines
    on podium_lines.constructor_id = season_keys.constructor_id
    and podium_lines.season = season_keys.season
left join sprint_lines
    on sprint_lines.constructor_id = season_keys.constructor_id
    and sprint_lines.season = season_keys.season
left join final_standings
    on final_standings.constructor_id = season_keys.constructor_id
    and final_standings.season = season_keys.season
left join driver_lists
    on driver_lists.constructor_id = season_keys.constructor_id
    and driver_lists.season = season_keys.season
