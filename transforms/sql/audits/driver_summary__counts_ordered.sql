-- wins <= podiums <= races_started <= races_entered for every driver
select driver_id, wins, podiums, races_started, races_entered
from driver_summary
where not (wins <= podiums and podiums <= races_started and races_started <= races_entered)
