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


def sample_rows(sample_csvs, name: str, race_id: int) -> list[dict[str, str]]:
    with (sample_csvs / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["raceId"] == str(race_id)]


def nullable(text: str) -> str | None:
    return None if text == "\\N" else text


LAPPED_RACE = 7  # 2023, with lap times and pit stops (a red flag on lap 30)


def test_race_qualifying_is_the_source_classification(client, sample_csvs):
    lines = client.get("/races/2/qualifying").json()
    source = sample_rows(sample_csvs, "qualifying", 2)
    assert [(q["driver_id"], q["position"], q["q1"], q["q2"], q["q3"]) for q in lines] == [
        (int(r["driverId"]), int(r["position"]), *(nullable(r[k]) for k in ("q1", "q2", "q3")))
        for r in sorted(source, key=lambda r: int(r["position"]))
    ]
    assert all(q["race_id"] == 2 and q["driver_ref"] for q in lines)
    assert lines[0]["q3_ms"] is not None and lines[-1]["q2"] is None


def test_race_laps_filtered_by_driver_and_lap(client, sample_csvs):
    source = sample_rows(sample_csvs, "lap_times", LAPPED_RACE)
    laps = client.get(f"/races/{LAPPED_RACE}/laps").json()
    assert len(laps) == len(source)
    assert [(x["lap"], x["position"]) for x in laps] == sorted(
        (x["lap"], x["position"]) for x in laps
    )
    driver = client.get(f"/drivers/{laps[0]['driver_id']}").json()
    own = client.get(f"/races/{LAPPED_RACE}/laps", params={"driver": driver["driver_ref"]}).json()
    expected = [r for r in source if r["driverId"] == str(driver["driver_id"])]
    assert [(x["lap"], x["time"], x["time_ms"]) for x in own] == [
        (int(r["lap"]), r["time"], int(r["milliseconds"])) for r in expected
    ]
    first = client.get(f"/races/{LAPPED_RACE}/laps", params={"lap": 1}).json()
    assert [x["position"] for x in first] == list(range(1, len(first) + 1))
    one = client.get(
        f"/races/{LAPPED_RACE}/laps", params={"lap": 3, "driver": driver["driver_id"]}
    ).json()
    assert [(x["driver_id"], x["lap"]) for x in one] == [(driver["driver_id"], 3)]
    as_csv = csv_rows(client.get(f"/races/{LAPPED_RACE}/laps", params={"lap": 1, "format": "csv"}))
    assert [int(r["driver_id"]) for r in as_csv] == [x["driver_id"] for x in first]


def test_race_pit_stops_are_the_source_stops(client, sample_csvs):
    source = sample_rows(sample_csvs, "pit_stops", LAPPED_RACE)
    stops = client.get(f"/races/{LAPPED_RACE}/pit-stops").json()
    assert sorted((s["driver_id"], s["stop"], s["lap"], s["duration"]) for s in stops) == sorted(
        (int(r["driverId"]), int(r["stop"]), int(r["lap"]), r["duration"]) for r in source
    )
    assert [s["lap"] for s in stops] == sorted(s["lap"] for s in stops)
    red_flag = [s for s in stops if s["lap"] == 30 and s["duration_ms"] > 600_000]
    assert red_flag  # the sample's red-flag stops, served verbatim ('16:4x.xxx')
    assert all(s["duration"].startswith("16:4") for s in red_flag)


def test_race_without_laps_answers_empty_lists(client):
    assert client.get("/races/1/laps").json() == []  # 2022: the sample has no lap times
    assert client.get("/races/1/pit-stops").json() == []
    empty = client.get("/races/1/laps", params={"format": "csv"})
    assert empty.status_code == 200
    assert empty.text.splitlines() == ["race_id,driver_id,lap,position,time,time_ms"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/races/999/qualifying", 404),
        ("/races/999/laps", 404),
        ("/races/999/pit-stops", 404),
        (f"/races/{LAPPED_RACE}/laps?driver=nobody", 404),
        (f"/races/{LAPPED_RACE}/laps?lap=0", 400),
        (f"/races/{LAPPED_RACE}/laps?lap=201", 400),
    ],
)
def test_race_history_errors_are_problems(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
