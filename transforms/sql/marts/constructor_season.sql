-- grain: one row per constructor per season entered
-- key: constructor_id, season
-- The constructors' championship exists from 1958; earlier seasons have no position or title.
with

results as (select * from stg_results),
sprint_results as (select * from stg_sprint_results),
races as (select * from stg_races),
seasons as (select * from int_seasons),
standings as (select * from stg_constructor_standings),
constructors as (select * from stg_constructors),
drivers as (select * from stg_drivers),

race_lines as (
    select
        results.constructor_id,
        races.season,
        count(distinct results.race_id) as races_entered,
        count(distinct results.race_id) filter (where results.position = 1) as wins,
        count(*) filter (where results.position between 1 and 3) as podiums,
        count(distinct results.race_id) filter (where results.grid = 1) as poles,
        sum(results.points) as race_points,
    from results
    join races on races.race_id = results.race_id
    group by all
),

sprint_lines as (
    select sprint_results.constructor_id, races.season, sum(sprint_results.points) as sprint_points
    from sprint_results
    join races on races.race_id = sprint_results.race_id
    group by all
),

final_standings as (
    select standings.constructor_id, seasons.season, standings.position, standings.points
    from standings
    join seasons on seasons.final_race_id = standings.race_id
),

driver_firsts as (
    select
        results.constructor_id,
        races.season,
        results.driver_id,
        min((races.round, results.result_id)) as first_drive,
    from results
    join races on races.race_id = results.race_id
    group by all
),

driver_lists as (
    select
        driver_firsts.constructor_id,
        driver_firsts.season,
        to_json(list(
            {
                'driver_id': drivers.driver_id,
                'driver_ref': drivers.driver_ref,
                'name': concat_ws(' ', drivers.forename, drivers.surname),
            }
            order by driver_firsts.first_drive
        ))::varchar as drivers,
        count(*) as drivers_fielded,
    from driver_firsts
    join drivers on drivers.driver_id = driver_firsts.driver_id
    group by all
)

select
    race_lines.constructor_id,
    race_lines.season,
    constructors.constructor_ref,
    constructors.name,
    race_lines.races_entered,
    race_lines.wins,
    race_lines.podiums,
    race_lines.poles,
    round(race_lines.race_points + coalesce(sprint_lines.sprint_points, 0), 2) as points,
    final_standings.position as championship_position,
    final_standings.points as championship_points,
    coalesce(seasons.complete and final_standings.position = 1, false) as champion,
    driver_lists.drivers_fielded,
    driver_lists.drivers,
from race_lines
join constructors on constructors.constructor_id = race_lines.constructor_id
join seasons on seasons.season = race_lines.season
left join sprint_lines
    on sprint_lines.constructor_id = race_lines.constructor_id
    and sprint_lines.season = race_lines.season
left join final_standings
    on final_standings.constructor_id = race_lines.constructor_id
    and final_standings.season = race_lines.season
left join driver_lists
    on driver_lists.constructor_id = race_lines.constructor_id
    and driver_lists.season = race_lines.season
