"""Ground truths on the real data set (../shared/data/f1), through the API, on every backend."""

from __future__ import annotations

import pytest

from tests import oracle

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


@pytest.mark.parametrize(
    ("ref", "podiums", "wins"), [("ferrari", 834, 248), ("vanwall", 13, 9), ("kurtis_kraft", 16, 5)]
)
def test_constructor_podiums_count_a_shared_car_once(real_client, ref, podiums, wins):
    """Podium finishes, one per car: 846, 14 and 19 podium rows (issue 17)."""
    constructor = real_client.get(f"/constructors/{ref}").json()
    assert (constructor["podiums"], constructor["wins"]) == (podiums, wins)
    seasons = real_client.get(f"/constructors/{ref}/seasons").json()
    assert sum(s["podiums"] for s in seasons) == podiums


def test_1957_british_grand_prix_brooks_and_moss_shared_the_winning_vanwall(real_client):
    season = real_client.get("/seasons/1957").json()
    race = next(r for r in season["races"] if r["name"] == "British Grand Prix")
    detail = real_client.get(f"/races/{race['race_id']}").json()
    winners = [r["driver_ref"] for r in detail["results"] if r["position"] == 1]
    assert sorted(winners) == ["brooks", "moss"]
    # 22 result rows, 19 cars: three cars were shared (the winning Vanwall among them).
    assert (len(detail["results"]), race["entries"]) == (22, 19)
    vanwall = real_client.get("/constructors/vanwall/seasons").json()
    assert next(s for s in vanwall if s["season"] == 1957)["podiums"] == 4  # 5 podium rows


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("hamilton", "rosberg"),
        ("senna", "prost"),
        ("max_verstappen", "leclerc"),
        ("moss", "brooks"),  # the shared 1957 Vanwall
        ("fangio", "hamilton"),  # never raced each other
    ],
)
def test_head_to_head_matches_the_reference(real_client, real_data, a, b):
    drivers = [real_client.get(f"/drivers/{ref}").json() for ref in (a, b)]
    ids = [d["driver_id"] for d in drivers]
    expected = oracle.head_to_head(real_data, *ids)
    body = real_client.get(f"/drivers/{a}/vs/{b}").json()
    assert (body["races"], body["races_as_teammates"]) == (expected.races, expected.teammates)
    for side, driver_id in zip(("a", "b"), ids, strict=True):
        assert body[side]["driver_id"] == driver_id
        assert body[side]["finished_ahead"] == expected.finished_ahead[driver_id]
        assert body[side]["wins"] == expected.wins[driver_id]
        assert body[side]["points"] == round(expected.points[driver_id], 2)
    mirrored = real_client.get(f"/drivers/{b}/vs/{a}").json()
    assert (mirrored["a"], mirrored["b"]) == (body["b"], body["a"])
    if a == "fangio":
        assert body["races"] == 0 and body["first_season"] is None
