-- grain: one row per driver in drivers.csv (drivers without a result keep zero counts)
-- key: driver_id
-- index: driver_ref
-- index: surname
-- index: nationality
-- index: wins
-- index: podiums
-- index: points
with

drivers as (select * from stg_drivers),
driver_races as (select * from int_driver_races),
driver_seasons as (select * from driver_season),
races as (select * from stg_races),

careers as (
    select
        driver_id,
        count(*) as races_entered,
        count(*) filter (where started) as races_started,
        count(*) filter (where won) as wins,
        count(*) filter (where podium) as podiums,
        count(*) filter (where pole) as poles,
        min(best_position) as best_finish,
        arg_min(race_id, (date, race_id)) as first_race_id,
        arg_max(race_id, (date, race_id)) as last_race_id,
    from driver_races
    group by driver_id
),

season_totals as (
    select
        driver_id,
        count(*) as seasons,
        round(sum(points), 2) as points,
        cast(sum(fastest_laps) as bigint) as fastest_laps,
        count(*) filter (where champion) as championships,
    from driver_seasons
    group by driver_id
)

select
    drivers.driver_id,
    drivers.driver_ref,
    drivers.code,
    drivers.number,
    drivers.forename,
    drivers.surname,
    full_name(drivers.forename, drivers.surname) as full_name,
    drivers.date_of_birth,
    drivers.nationality,
    drivers.url,
    coalesce(careers.races_entered, 0) as races_entered,
    coalesce(careers.races_started, 0) as races_started,
    coalesce(careers.wins, 0) as wins,
    coalesce(careers.podiums, 0) as podiums,
    coalesce(careers.poles, 0) as poles,
    season_totals.fastest_laps,
    coalesce(season_totals.points, 0) as points,
    coalesce(season_totals.championships, 0) as championships,
    coalesce(season_totals.seasons, 0) as seasons,
    careers.first_race_id,
    first_race.season as first_race_year,
    first_race.name as first_race_name,
    careers.last_race_id,
    last_race.season as last_race_year,
    last_race.name as last_race_name,
    careers.best_finish,
    fold_search(concat_ws(' ', drivers.forename, drivers.surname, drivers.driver_ref, drivers.code))
        as search_name,
from drivers
left join careers on careers.driver_id = drivers.driver_id
left join season_totals on season_totals.driver_id = drivers.driver_id
left join races as first_race on first_race.race_id = careers.first_race_id
left join races as last_race on last_race.race_id = careers.last_race_id
