-- grain: one row per driver per sprint race
select
    sprint.driver_id,
    sprint.race_id,
    races.season,
    sum(sprint.points) as points,
from stg_sprint_results as sprint
join stg_races as races on races.race_id = sprint.race_id
group by all
