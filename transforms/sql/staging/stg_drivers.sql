-- grain: one row per driver
select
    driverId as driver_id,
    driverRef as driver_ref,
    number,
    code,
    forename,
    surname,
    dob as date_of_birth,
    nationality,
    url,
from raw_drivers
