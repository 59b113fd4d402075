"""The synthetic Ergast sample: deterministic, real headers, and the quirks tests rely on."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from transforms.sample import generate

EXPECTED_HEADERS = {
    "circuits": "circuitId,circuitRef,name,location,country,lat,lng,alt,url",
    "constructor_results": "constructorResultsId,raceId,constructorId,points,status",
    "constructor_standings": (
        "constructorStandingsId,raceId,constructorId,points,position,positionText,wins"
    ),
    "constructors": "constructorId,constructorRef,name,nationality,url",
    "driver_standings": "driverStandingsId,raceId,driverId,points,position,positionText,wins",
    "drivers": "driverId,driverRef,number,code,forename,surname,dob,nationality,url",
    "lap_times": "raceId,driverId,lap,position,time,milliseconds",
    "pit_stops": "raceId,driverId,stop,lap,time,duration,milliseconds",
    "qualifying": "qualifyId,raceId,driverId,constructorId,number,position,q1,q2,q3",
    "races": (
        "raceId,year,round,circuitId,name,date,time,url,fp1_date,fp1_time,fp2_date,fp2_time,"
        "fp3_date,fp3_time,quali_date,quali_time,sprint_date,sprint_time"
    ),
    "results": (
        "resultId,raceId,driverId,constructorId,number,grid,position,positionText,positionOrder,"
        "points,laps,time,milliseconds,fastestLap,rank,fastestLapTime,fastestLapSpeed,statusId"
    ),
    "seasons": "year,url",
    "sprint_results": (
        "resultId,raceId,driverId,constructorId,number,grid,position,positionText,positionOrder,"
        "points,laps,time,milliseconds,fastestLap,fastestLapTime,statusId,rank"
    ),
    "status": "statusId,status",
}
NULL = "\\N"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sample")
    generate(directory)
    return directory


def rows(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def to_ms(text: str) -> int:
    """``m:ss.sss`` or ``h:mm:ss.sss`` to milliseconds."""
    *hours_minutes, seconds = text.split(":")
    minutes = 0
    for part in hours_minutes:
        minutes = minutes * 60 + int(part)
    whole, fraction = seconds.split(".")
    return (minutes * 60 + int(whole)) * 1000 + int(fraction.ljust(3, "0"))


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=7)
    generate(tmp_path / "b", seed=7)
    for name in EXPECTED_HEADERS:
        first = (tmp_path / "a" / f"{name}.csv").read_bytes()
        assert first == (tmp_path / "b" / f"{name}.csv").read_bytes(), name


def test_different_seed_changes_results(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=1)
    generate(tmp_path / "b", seed=2)
    first = (tmp_path / "a" / "results.csv").read_bytes()
    assert first != (tmp_path / "b" / "results.csv").read_bytes()


def test_files_and_headers_match_ergast(sample: Path) -> None:
    assert sorted(path.stem for path in sample.glob("*.csv")) == sorted(EXPECTED_HEADERS)
    for name, header in EXPECTED_HEADERS.items():
        raw = (sample / f"{name}.csv").read_bytes()
        assert raw.decode("utf-8").split("\n", 1)[0] == header, name
        assert b"\r" not in raw and raw.endswith(b"\n"), name
        assert b'"\\N"' not in raw and b",," not in raw, name  # NULL is always an unquoted \N


def test_races_has_one_ragged_scheduled_race_without_results(sample: Path) -> None:
    with (sample / "races.csv").open(encoding="utf-8", newline="") as handle:
        races = list(csv.reader(handle))[1:]
    ragged = [race for race in races if len(race) == 8]
    assert len(ragged) == 1
    assert all(len(race) == 18 for race in races if race not in ragged)
    race_id, year = ragged[0][0], ragged[0][1]
    assert year == "2025"
    assert race_id == max((race for race in races if race[1] == "2025"), key=lambda r: int(r[2]))[0]
    raw_line = next(
        line
        for line in (sample / "races.csv").read_text(encoding="utf-8").splitlines()
        if line.startswith(f"{race_id},")
    )
    assert '"' not in raw_line
    for name in ("results", "qualifying", "lap_times", "pit_stops", "driver_standings"):
        assert all(row["raceId"] != race_id for row in rows(sample, name)), name
    with_results = {row["raceId"] for row in rows(sample, "results")}
    assert {race[0] for race in races if race[1] == "2025"} - with_results == {race_id}


def test_shared_drive_exists_with_a_podium_row(sample: Path) -> None:
    results = rows(sample, "results")
    counts = Counter((row["raceId"], row["driverId"]) for row in results)
    shared = {key for key, count in counts.items() if count > 1}
    assert shared
    shared_rows = [row for row in results if (row["raceId"], row["driverId"]) in shared]
    assert any(row["position"] in {"1", "2", "3"} for row in shared_rows)


def test_dnq_and_withdrawn_rows_exist(sample: Path) -> None:
    status = {row["statusId"]: row["status"] for row in rows(sample, "status")}
    results = rows(sample, "results")
    dnq = [row for row in results if status[row["statusId"]] == "Did not qualify"]
    assert dnq
    for row in dnq:
        assert (row["position"], row["positionText"], row["grid"], row["laps"]) == (
            NULL,
            "F",
            "0",
            "0",
        )
        assert row["time"] == NULL
    withdrawn = [row for row in results if row["positionText"] == "W"]
    assert withdrawn
    assert all(status[row["statusId"]] == "Withdrew" and row["grid"] == "0" for row in withdrawn)


def test_lap_time_milliseconds_match_time(sample: Path) -> None:
    laps = rows(sample, "lap_times")
    assert laps
    for row in laps:
        assert to_ms(row["time"]) == int(row["milliseconds"]), row


def test_final_standings_rank_the_top_scorer_first(sample: Path) -> None:
    races = rows(sample, "races")
    scored = rows(sample, "results") + rows(sample, "sprint_results")
    standings = rows(sample, "driver_standings")
    for year in ("2022", "2023", "2024"):
        season = [race for race in races if race["year"] == year]
        last = max(season, key=lambda race: int(race["round"]))["raceId"]
        race_ids = {race["raceId"] for race in season}
        totals: dict[str, float] = defaultdict(float)
        for row in scored:
            if row["raceId"] in race_ids:
                totals[row["driverId"]] += float(row["points"])
        leader = next(row for row in standings if row["raceId"] == last and row["position"] == "1")
        assert totals[leader["driverId"]] == max(totals.values()), year
        assert float(leader["points"]) == max(totals.values()), year


def test_titles_and_repeat_winner(sample: Path) -> None:
    races = {race["raceId"]: race for race in rows(sample, "races")}
    results = rows(sample, "results")
    seasons_raced: dict[str, set[str]] = defaultdict(set)
    win_seasons: dict[str, set[str]] = defaultdict(set)
    for row in results:
        seasons_raced[row["driverId"]].add(races[row["raceId"]]["year"])
        if row["position"] == "1":
            win_seasons[row["driverId"]].add(races[row["raceId"]]["year"])
    champions = {}
    for year in ("2022", "2023"):
        last = max((r for r in races.values() if r["year"] == year), key=lambda r: int(r["round"]))
        champions[year] = next(
            row["driverId"]
            for row in rows(sample, "driver_standings")
            if row["raceId"] == last["raceId"] and row["position"] == "1"
        )
    assert champions["2022"] != champions["2023"]
    assert len(seasons_raced[champions["2022"]]) >= 2
    assert any(len(years) > 1 for years in win_seasons.values())


FICTIONAL = {  # file: the columns that name a person, team or place
    "drivers": ("driverRef", "code", "surname"),
    "constructors": ("constructorRef", "name"),
    "circuits": ("circuitRef", "name", "location", "country"),
    "races": ("name",),
}


@pytest.mark.real_data
def test_people_teams_and_places_are_fictional(sample: Path, real_data: Path) -> None:
    """No sample driver, team, circuit, town, country or race shares a name with the real set."""
    for name, columns in FICTIONAL.items():
        for column in columns:
            ours = {row[column] for row in rows(sample, name)} - {NULL}
            real = {row[column] for row in rows(real_data, name)}
            assert not ours & real, f"{name}.{column}: {sorted(ours & real)}"
    real_people = {(r["forename"], r["surname"]) for r in rows(real_data, "drivers")}
    assert not {(r["forename"], r["surname"]) for r in rows(sample, "drivers")} & real_people


def test_sample_links_nowhere_real_and_says_it_is_a_sample(sample: Path) -> None:
    for name in ("drivers", "constructors", "circuits", "races", "seasons"):
        for row in rows(sample, name):
            url = row["url"]
            assert url.startswith(("http://example.org/", "https://example.org/")), url
    marker = json.loads((sample / "sample.json").read_text())
    assert marker == {"generator": "python -m transforms sample", "seed": 1, "fictional": True}
