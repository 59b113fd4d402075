-- grain: one row per constructor
select
    constructorId as constructor_id,
    constructorRef as constructor_ref,
    name,
    nationality,
    url,
from raw_constructors
