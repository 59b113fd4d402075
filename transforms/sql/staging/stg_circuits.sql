-- grain: one row per circuit
select
    circuitId as circuit_id,
    circuitRef as circuit_ref,
    name,
    location,
    country,
    lat,
    lng,
    alt,
    url,
from raw_circuits
