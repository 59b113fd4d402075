-- grain: one row per driver per season entered (a Grand Prix or a sprint)
-- key: driver_id, season
-- index: season
-- list: constructors
with

driver_races as (select * from int_driver_races),
sprint_points as (select * from int_sprint_points),
awards as (select * from int_fastest_lap_awards),
seasons as (select * from int_seasons),
drivers as (select * from stg_drivers),
standings as (select * from stg_driver_standings),
drives as (select * from int_drives),

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

season_keys as (
    select driver_id, season from race_lines
    union
    select driver_id, season from sprint_lines
),

final_standings as (
    select standings.driver_id, seasons.season, standings.position, standings.points
    from standings
    join seasons on seasons.final_race_id = standings.race_id
),

constructor_lists as (
    select
        driver_id,
        season,
        to_json(list(constructor order by first_drive))::varchar as constructors,
    from drives
    group by driver_id, season
)

select
    season_keys.driver_id,
    season_keys.season,
    drivers.driver_ref,
    full_name(drivers.forename, drivers.surname) as full_name,
    coalesce(race_lines.races_entered, 0) as races_entered,
    coalesce(race_lines.races_started, 0) as races_started,
    coalesce(race_lines.wins, 0) as wins,
    coalesce(race_lines.podiums, 0) as podiums,
    coalesce(race_lines.poles, 0) as poles,
    case when race_lines.races_with_fastest_lap_data > 0 then race_lines.fastest_laps_awarded end
        as fastest_laps,
    round(coalesce(race_lines.race_points, 0) + coalesce(sprint_lines.sprint_points, 0), 2)
        as points,
    final_standings.position as championship_position,
    final_standings.points as championship_points,
    coalesce(seasons.complete and final_standings.position = 1, false) as champion,
    constructor_lists.constructors,
from season_keys
join drivers on drivers.driver_id = season_keys.driver_id
join seasons on seasons.season = season_keys.season
left join race_lines
    on race_lines.driver_id = season_keys.driver_id and race_lines.season = season_keys.season
left join sprint_lines
    on sprint_lines.driver_id = season_keys.driver_id and sprint_lines.season = season_keys.season
left join final_standings
    on final_standings.driver_id = season_keys.driver_id
    and final_standings.season = season_keys.season
left join constructor_lists
    on constructor_lists.driver_id = season_keys.driver_id
    and constructor_lists.season = season_keys.season
