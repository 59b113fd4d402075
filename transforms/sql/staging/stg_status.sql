-- grain: one row per finishing status
select
    statusId as status_id,
    status,
from raw_status
