-- grain: one row per constructor per race with standings: the constructors' championship after
-- that round (1958 on)
-- key: race_id, constructor_id
-- index: season, round
with

standings as (select * from stg_constructor_standings),
races as (select * from stg_races),
constructors as (select * from stg_constructors)

select
    standings.race_id,
    races.season,
    races.round,
    standings.position,
    standings.position_text,
    standings.constructor_id,
    constructors.constructor_ref,
    standings.points,
    standings.wins,
from standings
join races on races.race_id = standings.race_id
join constructors on constructors.constructor_id = standings.constructor_id
