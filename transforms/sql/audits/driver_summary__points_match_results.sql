-- career points (rounded to 0.01, the data's precision) equal the sum of every Grand Prix and sprint result's points
with

result_points as (
    select driver_id, points from stg_results
    union all
    select driver_id, points from stg_sprint_results
),

totals as (
    select driver_id, sum(points) as points from result_points group by driver_id
)

select driver_summary.driver_id, driver_summary.points, totals.points as result_points
from driver_summary
join totals on totals.driver_id = driver_summary.driver_id
where abs(driver_summary.points - totals.points) > 0.005
