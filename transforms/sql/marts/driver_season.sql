-- grain: one row per driver per season entered
-- key: driver_id, season
with

driver_races as (select * from int_driver_races),
sprint_points as (select * from int_sprint_points),
awards as (select * from int_fastest_lap_awards),
seasons as (select * from int_seasons),
drivers as (select * from stg_drivers),
standings as (select * from stg_driver_standings),
results as (select * from stg_results),
races as (select * from stg_races),
constructors as (select * from stg_constructors),

race_lines as (
    select
        driver_races.driver_id,
        driver_races.season,
        count(*) as races_entered,
        count(*) filter (where started) as races_started,
        count(*) filter (where won) as wins,
        count(*) filter (where podium) as podiums,
        count(*) filter (where pole) as poles,
        count(awards.race_id) filter (where awards.driver_id = driver_races.driver_id)
            as fastest_laps_awarded,
        count(awards.race_id) as races_with_fastest_lap_data,
        sum(driver_races.points) as race_points,
    from driver_races
    left join awards on awards.race_id = driver_races.race_id
    group by all
),

sprint_lines as (
    select driver_id, season, sum(points) as sprint_points
    from sprint_points
    group by all
),

final_standings as (
    select standings.driver_id, seasons.season, standings.position, standings.points
    from standings
    join seasons on seasons.final_race_id = standings.race_id
),

constructor_firsts as (
    select
        results.driver_id,
        races.season,
        results.constructor_id,
        min((races.round, results.result_id)) as first_drive,
    from results
    join races on races.race_id = results.race_id
    group by all
),

constructor_lists as (
    select
        constructor_firsts.driver_id,
        constructor_firsts.season,
        to_json(list(
            {
                'constructor_id': constructors.constructor_id,
                'constructor_ref': constructors.constructor_ref,
                'name': constructors.name,
            }
            order by constructor_firsts.first_drive
        ))::varchar as constructors,
    from constructor_firsts
    join constructors on constructors.constructor_id = constructor_firsts.constructor_id
    group by all
)

select
    race_lines.driver_id,
    race_lines.season,
    drivers.driver_ref,
    concat_ws(' ', drivers.forename, drivers.surname) as full_name,
    race_lines.races_entered,
    race_lines.races_started,
    race_lines.wins,
    race_lines.podiums,
    race_lines.poles,
    case when race_lines.races_with_fastest_lap_data > 0 then race_lines.fastest_laps_awarded end
        as fastest_laps,
    round(race_lines.race_points + coalesce(sprint_lines.sprint_points, 0), 2) as points,
    final_standings.position as championship_position,
    final_standings.points as championship_points,
    coalesce(seasons.complete and final_standings.position = 1, false) as champion,
    constructor_lists.constructors,
from race_lines
join drivers on drivers.driver_id = race_lines.driver_id
join seasons on seasons.season = race_lines.season
left join sprint_lines
    on sprint_lines.driver_id = race_lines.driver_id and sprint_lines.season = race_lines.season
left join final_standings
    on final_standings.driver_id = race_lines.driver_id
    and final_standings.season = race_lines.season
left join constructor_lists
    on constructor_lists.driver_id = race_lines.driver_id
    and constructor_lists.season = race_lines.season
