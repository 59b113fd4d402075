-- an incomplete season has no champion, and a season has at most one drivers' champion
select season, complete, champion_driver_id
from season_summary
where (not complete and (champion_driver_id is not null or champion_constructor_id is not null))
    or season in (select season from driver_season where champion group by season having count(*) > 1)
