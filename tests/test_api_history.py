"""Constructors, seasons, races, head-to-head and CSV, on every backend (sample data)."""

from __future__ import annotations

import csv
import io

import pytest

from tests import oracle


@pytest.fixture(scope="module")
def reference(sample_csvs):
    return oracle.compute(sample_csvs)


def test_seasons_and_champions_match_the_reference(client, reference):
    seasons = client.get("/seasons").json()["data"]
    assert [s["season"] for s in seasons] == sorted(s["season"] for s in seasons)
    champions = {s["season"]: s["champion_driver_id"] for s in seasons if s["complete"]}
    assert champions == reference.champions
    for season in seasons:
        if not season["complete"]:
            assert season["champion_driver_id"] is None
            assert season["champion_constructor_id"] is None
        detail = client.get(f"/seasons/{season['season']}").json()
        assert len(detail["races"]) == season["rounds"]
        assert sum(r["has_results"] for r in detail["races"]) == season["races_held"]
        assert [r["round"] for r in detail["races"]] == sorted(r["round"] for r in detail["races"])


def test_standings_are_ordered_and_led_by_the_champion(client, reference):
    for season, champion in reference.champions.items():
        drivers = client.get(f"/seasons/{season}/driver-standings").json()
        assert [d["championship_position"] for d in drivers] == sorted(
            d["championship_position"] for d in drivers
        )
        assert drivers[0]["driver_id"] == champion and drivers[0]["champion"]
        constructors = client.get(f"/seasons/{season}/constructor-standings").json()
        assert constructors[0]["champion"]
        detail = client.get(f"/seasons/{season}").json()
        assert detail["champion_constructor_id"] == constructors[0]["constructor_id"]
    assert client.get("/seasons/2099/driver-standings").status_code == 404


def test_constructors_add_up(client, reference):
    constructors = client.get("/constructors", params={"limit": 1000}).json()["data"]
    assert constructors
    titles = 0
    for constructor in constructors:
        seasons = client.get(f"/constructors/{constructor['constructor_ref']}/seasons").json()
        assert len(seasons) == constructor["seasons"]
        assert sum(s["wins"] for s in seasons) == constructor["wins"]
        podiums = reference.constructor_podiums.get(constructor["constructor_id"], 0)
        assert sum(s["podiums"] for s in seasons) == constructor["podiums"] == podiums
        assert round(sum(s["points"] for s in seasons), 2) == constructor["points"]
        assert sum(s["champion"] for s in seasons) == constructor["championships"]
        assert constructor["wins"] <= constructor["races_entered"]
        titles += constructor["championships"]
        by_id = client.get(f"/constructors/{constructor['constructor_id']}").json()
        assert by_id == constructor
    seasons = client.get("/seasons").json()["data"]
    assert titles == sum(s["champion_constructor_id"] is not None for s in seasons)


def test_races_list_and_detail(client, reference):
    page = client.get("/races", params={"limit": 1000}).json()
    races = page["data"]
    assert page["total"] == len(races)
    assert [(r["season"], r["round"]) for r in races] == sorted(
        (r["season"], r["round"]) for r in races
    )
    scheduled = [r for r in races if not r["has_results"]]
    assert scheduled, "the sample has a scheduled race without results"
    for race in races:
        detail = client.get(f"/races/{race['race_id']}").json()
        cars = {(r["constructor_id"], r["number"] or -r["result_id"]) for r in detail["results"]}
        assert len(cars) == race["entries"] == reference.race_entries.get(race["race_id"], 0)
        assert [r["position_order"] for r in detail["results"]] == sorted(
            r["position_order"] for r in detail["results"]
        )
        assert bool(detail["sprint_results"]) == race["has_sprint"]
        if race["winner_driver_id"] is not None:
            winners = [r for r in detail["results"] if r["position"] == 1]
            assert race["winner_driver_id"] in [w["driver_id"] for w in winners]
    season = races[0]["season"]
    filtered = client.get("/races", params={"season": season, "limit": 1000}).json()["data"]
    assert filtered == [r for r in races if r["season"] == season]
    circuit = races[0]["circuit_ref"]
    by_circuit = client.get("/races", params={"circuit": circuit, "limit": 1000}).json()["data"]
    assert by_circuit == [r for r in races if r["circuit_ref"] == circuit]
    assert client.get("/races/999999").status_code == 404


def test_head_to_head_matches_the_reference_and_mirrors(client, sample_csvs):
    drivers = client.get("/drivers", params={"sort": "-races_entered", "limit": 4}).json()["data"]
    for a, b in [(drivers[0], drivers[1]), (drivers[1], drivers[3])]:
        expected = oracle.head_to_head(sample_csvs, a["driver_id"], b["driver_id"])
        body = client.get(f"/drivers/{a['driver_ref']}/vs/{b['driver_id']}").json()
        assert body["races"] == expected.races
        assert body["races_as_teammates"] == expected.teammates
        for side, driver in (("a", a), ("b", b)):
            assert body[side]["driver_id"] == driver["driver_id"]
            assert body[side]["finished_ahead"] == expected.finished_ahead[driver["driver_id"]]
            assert body[side]["wins"] == expected.wins[driver["driver_id"]]
            assert body[side]["points"] == round(expected.points[driver["driver_id"]], 2)
        mirrored = client.get(f"/drivers/{b['driver_id']}/vs/{a['driver_ref']}").json()
        assert mirrored["a"] == body["b"] and mirrored["b"] == body["a"]
        assert body["a"]["qualified_ahead"] + body["b"]["qualified_ahead"] <= body["races"]
    # A driver against himself is defined: his started races, nobody ahead.
    same = client.get(f"/drivers/{drivers[0]['driver_id']}/vs/{drivers[0]['driver_ref']}").json()
    assert same["races"] == drivers[0]["races_started"]
    assert same["a"]["finished_ahead"] == same["b"]["finished_ahead"] == 0
    assert client.get(f"/drivers/{drivers[0]['driver_ref']}/vs/nobody").status_code == 404


LIST_URLS = [
    "/drivers?limit=1000&sort=-points",
    "/drivers/1/seasons",
    "/circuits?limit=1000",
    "/circuits/1/fastest-laps",
    "/constructors?limit=1000",
    "/constructors/1/seasons",
    "/seasons",
    "/races?limit=1000",
]


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def as_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize("url", LIST_URLS)
def test_csv_has_the_json_rows_in_the_same_order(sqlite_client, url):
    as_json = sqlite_client.get(url).json()
    rows = as_json["data"] if isinstance(as_json, dict) else as_json
    by_accept = sqlite_client.get(url, headers={"Accept": "text/csv"})
    separator = "&" if "?" in url else "?"
    by_format = sqlite_client.get(f"{url}{separator}format=csv")
    assert by_accept.headers["content-type"].startswith("text/csv")
    assert by_accept.content == by_format.content
    assert by_accept.headers["etag"] != sqlite_client.get(url).headers["etag"]
    parsed = csv_rows(by_accept.text)
    assert len(parsed) == len(rows)
    for row, item in zip(parsed, rows, strict=True):
        for key, value in item.items():
            if isinstance(value, list):
                for sub in value[0] if value else {}:
                    assert row[f"{key}_{sub}"] == "|".join(as_cell(v[sub]) for v in value)
            else:
                assert row[key] == as_cell(value), key


def test_csv_of_an_empty_list_still_has_its_header(sqlite_client):
    response = sqlite_client.get("/drivers", params={"q": "zzzz-nobody", "format": "csv"})
    assert response.status_code == 200
    assert response.text.splitlines()[0].startswith("driver_id,driver_ref,")
    assert response.headers["x-total-count"] == "0"
