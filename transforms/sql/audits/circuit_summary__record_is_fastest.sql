-- a circuit's lap record is no slower than any race's fastest lap there
select circuit_fastest_lap.race_id, circuit_fastest_lap.fastest_lap_time_ms, lap_record_time_ms
from circuit_fastest_lap
join circuit_summary using (circuit_id)
where circuit_fastest_lap.fastest_lap_time_ms < circuit_summary.lap_record_time_ms
    or (circuit_fastest_lap.fastest_lap_time_ms is not null and lap_record_time_ms is null)
