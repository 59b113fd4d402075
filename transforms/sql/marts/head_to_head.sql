-- grain: one row per pair of drivers who started at least one Grand Prix together, the lower
-- driver id first (and each driver with himself, so /drivers/{a}/vs/{a} is a lookup too)
-- key: driver_id, other_driver_id
-- Over the races both started, each driver's line being his best-classified car (driver_race).
-- Finished ahead: lower position_order. Qualified ahead: the better qualifying position where
-- both have one (qualifying.csv), else the better starting grid slot where both have one.
-- Teammates: both credited to the same constructor. About 22k rows on the real data.
with

driver_races as (select * from driver_race where started),

pairs as (
    select
        driver.driver_id,
        other.driver_id as other_driver_id,
        driver.season,
        driver.constructor_id = other.constructor_id as teammates,
        -- -1: the driver ahead, 1: the other driver ahead, 0: neither
        sign(driver.finish_order - other.finish_order) as finish,
        coalesce(
            sign(driver.qualifying_position - other.qualifying_position),
            sign(driver.grid - other.grid),
            0
        ) as qualifying,
        driver.won as driver_won,
        other.won as other_won,
        driver.podium as driver_podium,
        other.podium as other_podium,
        driver.points as driver_points,
        other.points as other_points,
    from driver_races as driver
    join driver_races as other
        on other.race_id = driver.race_id and other.driver_id >= driver.driver_id
)

select
    driver_id,
    other_driver_id,
    count(*) as races,
    count(*) filter (where teammates) as races_as_teammates,
    min(season) as first_season,
    max(season) as last_season,
    count(*) filter (where finish < 0) as driver_finished_ahead,
    count(*) filter (where finish > 0) as other_finished_ahead,
    count(*) filter (where qualifying < 0) as driver_qualified_ahead,
    count(*) filter (where qualifying > 0) as other_qualified_ahead,
    count(*) filter (where driver_won) as driver_wins,
    count(*) filter (where other_won) as other_wins,
    count(*) filter (where driver_podium) as driver_podiums,
    count(*) filter (where other_podium) as other_podiums,
    round(sum(driver_points), 2) as driver_points,
    round(sum(other_points), 2) as other_points,
from pairs
group by driver_id, other_driver_id
