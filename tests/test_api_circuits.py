"""/circuits on every backend, against the independent oracle."""

from __future__ import annotations

import pytest

from tests import oracle


@pytest.fixture(scope="module")
def reference(sample_csvs):
    return oracle.compute(sample_csvs)


def all_circuits(client) -> list[dict]:
    return client.get("/circuits", params={"limit": 1000}).json()["data"]


def test_every_circuit_matches_the_reference(client, reference):
    circuits = all_circuits(client)
    assert circuits
    for circuit in circuits:
        cid = circuit["circuit_id"]
        assert circuit["races_held"] == reference.races_held.get(cid, 0), circuit["circuit_ref"]
        record = reference.lap_records.get(cid)
        if record is None:
            assert circuit["lap_record_time_ms"] is None
        else:
            ms, driver_id, race_id = record
            assert circuit["lap_record_time_ms"] == ms, circuit["circuit_ref"]
            assert circuit["lap_record_driver_id"] == driver_id
            assert circuit["lap_record_race_id"] == race_id
            minutes, rest = divmod(ms, 60000)
            assert circuit["lap_record_time"] == f"{minutes}:{rest // 1000:02d}.{rest % 1000:03d}"
    assert sum(c["races_held"] for c in circuits) == reference.races_with_results


def test_fastest_laps_are_one_per_race_held_and_contain_the_record(client):
    for circuit in all_circuits(client):
        laps = client.get(f"/circuits/{circuit['circuit_ref']}/fastest-laps").json()
        assert len(laps) == circuit["races_held"]
        assert [(lap["season"], lap["round"]) for lap in laps] == sorted(
            (lap["season"], lap["round"]) for lap in laps
        )
        times = [lap["fastest_lap_time_ms"] for lap in laps if lap["fastest_lap_time_ms"]]
        assert (min(times) if times else None) == circuit["lap_record_time_ms"]


def test_by_id_and_by_ref(client):
    circuit = all_circuits(client)[0]
    assert client.get(f"/circuits/{circuit['circuit_id']}").json() == circuit
    assert client.get(f"/circuits/{circuit['circuit_ref']}").json() == circuit
    assert client.get("/circuits/nowhere").status_code == 404
    assert client.get("/circuits/nowhere/fastest-laps").status_code == 404


def test_filters_and_sorting(client):
    circuits = all_circuits(client)
    country = circuits[0]["country"]
    body = client.get("/circuits", params={"country": country.lower()}).json()
    assert {c["circuit_id"] for c in body["data"]} == {
        c["circuit_id"] for c in circuits if c["country"] == country
    }
    ordered = client.get("/circuits", params={"sort": "-races_held", "limit": 1000}).json()["data"]
    held = [c["races_held"] for c in ordered]
    assert held == sorted(held, reverse=True)
    assert client.get("/circuits", params={"sort": "lat"}).status_code == 400
