-- grain: one row per car in a qualifying classification (qualifying.csv; 1994 on)
-- key: qualify_id
-- index: race_id
-- q1/q2/q3 are Ergast's lap-time text ('1:26.572'), null where the car set no time in that part.
with

qualifying as (select * from stg_qualifying),
races as (select * from stg_races),
drivers as (select * from stg_drivers),
constructors as (select * from stg_constructors)

select
    qualifying.qualify_id,
    qualifying.race_id,
    races.season,
    races.round,
    qualifying.position,
    qualifying.driver_id,
    drivers.driver_ref,
    qualifying.constructor_id,
    constructors.constructor_ref,
    qualifying.number,
    qualifying.q1,
    duration_ms(qualifying.q1) as q1_ms,
    qualifying.q2,
    duration_ms(qualifying.q2) as q2_ms,
    qualifying.q3,
    duration_ms(qualifying.q3) as q3_ms,
from qualifying
join races on races.race_id = qualifying.race_id
join drivers on drivers.driver_id = qualifying.driver_id
join constructors on constructors.constructor_id = qualifying.constructor_id
