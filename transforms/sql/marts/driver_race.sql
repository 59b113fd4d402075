-- grain: one row per driver per Grand Prix entered (shared-drive rows folded into one)
-- key: driver_id, race_id
-- index: race_id
-- The car a driver is credited with is his best-classified row (lowest position_order).
with

driver_races as (select * from int_driver_races),
results as (select * from stg_results),
qualifying as (select * from stg_qualifying),

best_rows as (
    select
        driver_id,
        race_id,
        constructor_id,
        position_order as finish_order,
        min(nullif(grid, 0)) over (partition by driver_id, race_id) as grid,
    from results
    qualify row_number() over (
        partition by driver_id, race_id order by position_order, result_id
    ) = 1
),

qualifying_positions as (
    select driver_id, race_id, min(position) as qualifying_position
    from qualifying
    group by driver_id, race_id
)

select
    driver_races.driver_id,
    driver_races.race_id,
    driver_races.season,
    driver_races.round,
    best_rows.constructor_id,
    driver_races.started,
    best_rows.finish_order,
    driver_races.best_position as position,
    qualifying_positions.qualifying_position,
    best_rows.grid,
    driver_races.won,
    driver_races.podium,
    driver_races.points,
from driver_races
join best_rows
    on best_rows.driver_id = driver_races.driver_id and best_rows.race_id = driver_races.race_id
left join qualifying_positions
    on qualifying_positions.driver_id = driver_races.driver_id
    and qualifying_positions.race_id = driver_races.race_id
