"""The routes people look for: a race by season and round, races newest first, and CSV wherever
there is a list (a race's classification, a season's calendar); a single resource asked for as
CSV answers 406, never JSON without saying so."""

from __future__ import annotations

import csv
import io

import pytest


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_races_newest_first(client):
    page = client.get("/races", params={"sort": "-date", "limit": 1000}).json()
    dates = [race["date"] for race in page["data"]]
    assert dates == sorted(dates, reverse=True)
    assert page["data"][0]["season"] == max(race["season"] for race in page["data"])
    default = client.get("/races", params={"limit": 1000}).json()["data"]
    assert [r["race_id"] for r in default] == [r["race_id"] for r in reversed(page["data"])]


def test_races_sorted_by_a_field_break_ties_in_calendar_order(client):
    races = client.get("/races", params={"sort": "-entries", "limit": 1000}).json()["data"]
    keys = [(-r["entries"], -r["season"], -r["round"]) for r in races]
    assert keys == sorted(keys)


@pytest.mark.parametrize("sort", ["wins", "-", "date;drop table race", "--date"])
def test_unknown_race_sort_is_a_400_naming_it(client, sort):
    response = client.get("/races", params={"sort": sort})
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["sort"]


def test_race_by_season_and_round_is_the_race(client):
    race = client.get("/races", params={"season": 2023, "limit": 100}).json()["data"][2]
    by_round = client.get(f"/seasons/2023/races/{race['round']}")
    assert by_round.status_code == 200
    assert by_round.json() == client.get(f"/races/{race['race_id']}").json()
    assert by_round.json()["results"]


@pytest.mark.parametrize("path", ["/seasons/2023/races/99", "/seasons/1950/races/1"])
def test_missing_round_is_a_404_problem(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_race_classification_as_csv(client):
    race = next(
        r
        for r in client.get("/races", params={"limit": 100}).json()["data"]
        if r["has_sprint"] and r["has_results"]
    )
    detail = client.get(f"/races/{race['race_id']}").json()
    rows = csv_rows(client.get(f"/races/{race['race_id']}", params={"format": "csv"}))
    expected = [("race", e) for e in detail["results"]]
    expected += [("sprint", e) for e in detail["sprint_results"]]
    assert [(r["session"], r["driver_ref"], r["position_order"]) for r in rows] == [
        (session, e["driver_ref"], str(e["position_order"])) for session, e in expected
    ]
    by_round = client.get(
        f"/seasons/{race['season']}/races/{race['round']}", headers={"Accept": "text/csv"}
    )
    assert csv_rows(by_round) == rows


def test_season_calendar_as_csv(client):
    season = client.get("/seasons/2024").json()
    rows = csv_rows(client.get("/seasons/2024", params={"format": "csv"}))
    assert [int(r["race_id"]) for r in rows] == [r["race_id"] for r in season["races"]]


SINGLE = [
    "/drivers/1",
    "/drivers/1/vs/2",
    "/circuits/1",
    "/constructors/1",
    "/meta",
    "/meta/changes",
]


@pytest.mark.parametrize("path", SINGLE)
def test_single_resource_as_csv_is_406_not_silent_json(client, path):
    asked = client.get(path, params={"format": "csv"})
    assert asked.status_code == 406
    assert asked.headers["content-type"].startswith("application/problem+json")
    assert "JSON only" in asked.json()["detail"]
    only_csv = client.get(path, headers={"Accept": "text/csv"})
    assert only_csv.status_code == 406
    either = client.get(path, headers={"Accept": "text/csv, application/json;q=0.5"})
    assert either.status_code == 200 and either.headers["content-type"] == "application/json"
    assert client.get(path, params={"format": "json"}).status_code == 200
