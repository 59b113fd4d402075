"""Ground truths on the real data set (../shared/data/f1), through the API, on every backend."""

from __future__ import annotations

import pytest

DRIVER_TRUTHS = [
    # driver_ref, field, value (SOURCE.md, cross-checked there against f1db)
    ("hamilton", "races_entered", 374),
    ("hamilton", "wins", 105),
    ("hamilton", "podiums", 202),
    ("hamilton", "poles", 104),
    ("hamilton", "championships", 7),
    ("michael_schumacher", "podiums", 155),
    ("michael_schumacher", "wins", 91),
    ("michael_schumacher", "championships", 7),
    ("max_verstappen", "podiums", 121),
    ("max_verstappen", "wins", 67),
    ("vettel", "podiums", 122),
    ("prost", "podiums", 106),
    ("alonso", "podiums", 106),
    ("fangio", "championships", 5),
]


@pytest.mark.parametrize(("ref", "field", "value"), DRIVER_TRUTHS)
def test_driver_ground_truths(real_client, ref, field, value):
    assert real_client.get(f"/drivers/{ref}").json()[field] == value


def test_hamilton_by_id_is_hamilton(real_client):
    assert real_client.get("/drivers/1").content == real_client.get("/drivers/hamilton").content


def test_monza(real_client):
    monza = real_client.get("/circuits/monza").json()
    assert monza["races_held"] == 75
    assert monza["lap_record_time_ms"] == 80901
    assert monza["lap_record_time"] == "1:20.901"
    assert monza["lap_record_driver_ref"] == "norris"
    assert monza["lap_record_race_id"] == 1160
    assert monza["lap_record_lap"] == 53


@pytest.mark.parametrize(("ref", "held"), [("monaco", 71), ("silverstone", 60), ("spa", 58)])
def test_races_held(real_client, ref, held):
    assert real_client.get(f"/circuits/{ref}").json()["races_held"] == held


def test_every_circuit_is_listed(real_client):
    assert real_client.get("/circuits").json()["total"] == 77


@pytest.mark.parametrize(("ref", "titles"), [("ferrari", 16), ("mclaren", 9), ("williams", 9)])
def test_constructor_titles(real_client, ref, titles):
    assert real_client.get(f"/constructors/{ref}").json()["championships"] == titles


def test_2008_hamilton_by_one_point_from_massa(real_client):
    standings = real_client.get("/seasons/2008/driver-standings").json()
    assert [s["driver_ref"] for s in standings[:2]] == ["hamilton", "massa"]
    assert standings[0]["championship_points"] - standings[1]["championship_points"] == 1
    assert real_client.get("/seasons/2008").json()["champion_driver_ref"] == "hamilton"


def test_2025_is_incomplete_without_champions(real_client):
    season = real_client.get("/seasons/2025").json()
    assert season["complete"] is False
    assert season["rounds"] == 24 and season["races_held"] == 18
    assert season["champion_driver_id"] is None and season["champion_constructor_id"] is None


def test_races_with_results(real_client):
    meta = real_client.get("/meta").json()
    assert meta["coverage"]["races_with_results"] == 1143
    assert 1950 in meta["coverage"]["complete_seasons"]
    assert 2025 not in meta["coverage"]["complete_seasons"]
