-- grain: one row per season that has at least one scheduled race
-- A season is complete when every scheduled race has results; only then does it have champions.
-- Final standings are those after the last race that has standings rows (each championship
-- separately: the constructors' standings may stop at another race).
with

races as (select * from stg_races),
results as (select distinct race_id from stg_results),
driver_standings as (select distinct race_id from stg_driver_standings),
constructor_standings as (select distinct race_id from stg_constructor_standings),

per_season as (
    select
        races.season,
        count(*) as rounds,
        count(results.race_id) as races_held,
        max(case when driver_standings.race_id is not null then races.round end) as final_round,
        max(case when constructor_standings.race_id is not null then races.round end)
            as final_constructor_round,
    from races
    left join results on results.race_id = races.race_id
    left join driver_standings on driver_standings.race_id = races.race_id
    left join constructor_standings on constructor_standings.race_id = races.race_id
    group by races.season
)

select
    per_season.season,
    per_season.rounds,
    per_season.races_held,
    per_season.races_held = per_season.rounds as complete,
    final_race.race_id as final_race_id,
    final_constructor_race.race_id as final_constructor_race_id,
from per_season
left join races as final_race
    on final_race.season = per_season.season and final_race.round = per_season.final_round
left join races as final_constructor_race
    on final_constructor_race.season = per_season.season
    and final_constructor_race.round = per_season.final_constructor_round
