-- grain: one row per season listed in seasons.csv
select
    year as season,
    url,
from raw_seasons
