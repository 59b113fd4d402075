"""The marts' statistics: exact values on the hand-written tiny fixture (see
tests/fixtures/tiny/README.md for how each number comes about), then ground truths on the real
Ergast data set (../shared/data/f1/SOURCE.md)."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from transforms.build import build
from transforms.raw import RAW_BY_NAME

TINY = Path(__file__).parent / "fixtures" / "tiny"


def quiet(_message: str) -> None:
    pass


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny fixture's published version directory."""
    return build(TINY, tmp_path_factory.mktemp("tiny-artifacts"), log=quiet).directory


def table(directory: Path, mart: str) -> list[dict]:
    return pq.read_table(directory / f"{mart}.parquet").to_pylist()


def project(rows: list[dict], columns: tuple[str, ...]) -> list[tuple]:
    return [tuple(row[c] for c in columns) for row in rows]


# ---------------------------------------------------------------------------------------------
# Tiny fixture: exact rows


DRIVER_SUMMARY_COLUMNS = (
    "driver_id", "driver_ref", "races_entered", "races_started", "wins", "podiums", "poles",
    "fastest_laps", "points", "championships", "seasons", "best_finish", "first_race_id",
    "last_race_id",
)  # fmt: skip
DRIVER_SUMMARY = [
    (1, "ann", 4, 4, 2, 4, 1, 1, 86.0, 0, 2, 1, 1, 4),
    (2, "bob", 4, 4, 1, 3, 0, 1, 59.0, 1, 2, 1, 1, 4),
    (3, "cat", 4, 4, 1, 3, 3, 1, 54.0, 0, 2, 1, 1, 4),
    (4, "dan", 3, 2, 0, 2, 0, 0, 24.0, 0, 2, 2, 2, 4),
]

DRIVER_SEASON_COLUMNS = (
    "driver_id", "season", "races_entered", "races_started", "wins", "podiums", "poles",
    "fastest_laps", "points", "championship_position", "championship_points", "champion",
)  # fmt: skip
DRIVER_SEASON = [
    (1, 2020, 2, 2, 1, 2, 1, 0, 40.0, 2, 40.0, False),
    (1, 2021, 2, 2, 1, 2, 0, 1, 46.0, 1, 46.0, False),  # leads an incomplete season
    (2, 2020, 2, 2, 1, 2, 0, 1, 43.0, 1, 43.0, True),
    (2, 2021, 2, 2, 0, 1, 0, 0, 16.0, 4, 16.0, False),
    (3, 2020, 2, 2, 0, 1, 1, 0, 18.0, 3, 18.0, False),
    (3, 2021, 2, 2, 1, 2, 2, 1, 36.0, 2, 36.0, False),
    (4, 2020, 1, 0, 0, 0, 0, None, 0.0, 4, 0.0, False),  # only race 2: no fastest-lap data
    (4, 2021, 2, 2, 0, 2, 0, 0, 24.0, 3, 24.0, False),
]

CONSTRUCTOR_SUMMARY_COLUMNS = (
    "constructor_id", "constructor_ref", "name", "races_entered", "wins", "podiums", "poles",
    "points", "championships", "drivers_fielded", "seasons", "first_season", "last_season",
)  # fmt: skip
CONSTRUCTOR_SUMMARY = [
    (1, "alpha", "Alpha Racing", 4, 3, 7, 1, 145.0, 1, 2, 2, 2020, 2021),
    (2, "beta", "Beta GP", 4, 1, 4, 3, 78.0, 0, 2, 2, 2020, 2021),  # one podium per car
]

CONSTRUCTOR_SEASON_COLUMNS = (
    "constructor_id", "season", "races_entered", "wins", "podiums", "poles", "points",
    "championship_position", "championship_points", "champion", "drivers_fielded",
)  # fmt: skip
CONSTRUCTOR_SEASON = [
    (1, 2020, 2, 2, 4, 1, 83.0, 1, 83.0, True, 2),
    (1, 2021, 2, 1, 3, 0, 62.0, 1, 62.0, False, 2),
    (2, 2020, 2, 0, 1, 1, 18.0, 2, 18.0, False, 2),
    (2, 2021, 2, 1, 3, 2, 60.0, 2, 60.0, False, 2),  # race 4: cat and dan share car #13, P2
]

CIRCUIT_SUMMARY_COLUMNS = (
    "circuit_id", "circuit_ref", "races_held", "first_year", "last_year", "lap_record_time_ms",
    "lap_record_time", "lap_record_driver_id", "lap_record_driver_ref", "lap_record_race_id",
    "lap_record_year", "lap_record_lap", "most_wins_driver_id", "most_wins_count",
)  # fmt: skip
CIRCUIT_SUMMARY = [
    (1, "alpha_ring", 2, 2020, 2021, 80000, "1:20.000", 2, "bob", 1, 2020, 5, 1, 1),
    (2, "beta_park", 2, 2020, 2021, 90500, "1:30.500", 3, "cat", 4, 2021, 7, 2, 1),
    (3, "gamma", 0, None, None, None, None, None, None, None, None, None, None, None),
]

CIRCUIT_FASTEST_LAP_COLUMNS = (
    "race_id", "circuit_id", "season", "round", "fastest_lap_time_ms", "fastest_lap_time",
    "fastest_lap_lap", "fastest_lap_driver_id", "fastest_lap_driver_ref",
)  # fmt: skip
CIRCUIT_FASTEST_LAP = [
    (1, 1, 2020, 1, 80000, "1:20.000", 5, 2, "bob"),
    (2, 2, 2020, 2, None, None, None, None, None),
    (3, 1, 2021, 1, 80000, "1:20.000", 2, 1, "ann"),  # lap_times: tie -> lower id, earlier lap
    (4, 2, 2021, 2, 90500, "1:30.500", 7, 3, "cat"),
]

SEASON_SUMMARY_COLUMNS = (
    "season", "url", "rounds", "races_held", "complete", "champion_driver_id",
    "champion_driver_ref", "champion_driver_name", "champion_driver_points",
    "champion_constructor_id", "champion_constructor_ref", "champion_constructor_points",
)  # fmt: skip
SEASON_SUMMARY = [
    (2020, None, 2, 2, True, 2, "bob", "Bob Baker", 43.0, 1, "alpha", 83.0),
    (2021, None, 3, 2, False, None, None, None, None, None, None, None),
]

RACE_COLUMNS = (
    "race_id", "season", "round", "circuit_ref", "date", "time", "has_results", "has_sprint",
    "entries", "winner_driver_ref", "winner_constructor_ref", "fastest_lap_time_ms",
    "fastest_lap_time", "fastest_lap_driver_id",
)  # fmt: skip
D = datetime.date
RACE = [
    (1, 2020, 1, "alpha_ring", D(2020, 3, 1), "13:00:00", True, False, 3, "ann", "alpha",
     80000, "1:20.000", 2),
    (2, 2020, 2, "beta_park", D(2020, 3, 15), None, True, False, 4, "bob", "alpha",
     None, None, None),
    (3, 2021, 1, "alpha_ring", D(2021, 3, 7), "13:00:00", True, True, 4, "cat", "beta",
     80000, "1:20.000", 1),
    (4, 2021, 2, "beta_park", D(2021, 3, 21), "14:00:00", True, False, 4, "ann", "alpha",
     90500, "1:30.500", 3),
    (5, 2021, 3, "gamma", D(2021, 4, 4), "12:00:00", False, False, 0, None, None,
     None, None, None),
]  # fmt: skip

RACE_RESULT_COLUMNS = (
    "result_id", "race_id", "driver_ref", "constructor_ref", "grid", "position", "position_text",
    "position_order", "points", "status", "started", "fastest_lap_time_ms",
)  # fmt: skip
RACE_RESULT = [
    (1, 1, "ann", "alpha", 1, 1, "1", 1, 25.0, "Finished", True, 82000),
    (2, 1, "bob", "alpha", 3, 2, "2", 2, 18.0, "Finished", True, 80000),
    (3, 1, "cat", "beta", 2, None, "R", 3, 0.0, "Engine", True, 81500),
    (4, 2, "bob", "alpha", 2, 1, "1", 1, 25.0, "Finished", True, None),
    (5, 2, "cat", "beta", 1, 2, "2", 2, 18.0, "Finished", True, None),
    (6, 2, "ann", "alpha", 3, 3, "3", 3, 15.0, "+1 Lap", True, None),
    (7, 2, "dan", "beta", 0, None, "F", 4, 0.0, "Did not qualify", False, None),
    (8, 3, "cat", "beta", 1, 1, "1", 1, 25.0, "Finished", True, 80000),
    (9, 3, "ann", "alpha", 2, 2, "2", 2, 18.0, "Finished", True, 80000),
    (10, 3, "dan", "beta", 3, 3, "3", 3, 15.0, "Finished", True, 81500),
    (11, 3, "bob", "alpha", 4, None, "R", 4, 0.0, "Engine", True, 90000),
    (12, 4, "ann", "alpha", 2, 1, "1", 1, 25.0, "Finished", True, 91000),
    (13, 4, "cat", "beta", 1, 2, "2", 2, 9.0, "Finished", True, 90500),
    (14, 4, "dan", "beta", 0, 2, "2", 2, 9.0, "Finished", True, None),
    (15, 4, "bob", "alpha", 4, 3, "3", 3, 15.0, "Finished", True, None),
    (16, 4, "dan", "beta", 3, None, "R", 4, 0.0, "Engine", True, None),
]

SPRINT_RESULT_COLUMNS = ("result_id", "race_id", "driver_ref", "position", "points", "started")
SPRINT_RESULT = [
    (1, 3, "ann", 1, 3.0, True),
    (2, 3, "cat", 2, 2.0, True),
    (3, 3, "bob", 3, 1.0, True),
    (4, 3, "dan", 4, 0.0, True),
]

HEAD_TO_HEAD_COLUMNS = (
    "driver_id", "other_driver_id", "races", "races_as_teammates", "first_season", "last_season",
    "driver_finished_ahead", "other_finished_ahead", "driver_qualified_ahead",
    "other_qualified_ahead", "driver_wins", "other_wins", "driver_podiums", "other_podiums",
    "driver_points", "other_points",
)  # fmt: skip
HEAD_TO_HEAD = {
    # ann and bob: teammates in all four races; grids decide "qualified" (no qualifying.csv).
    (1, 2): (1, 2, 4, 4, 2020, 2021, 3, 1, 3, 1, 2, 1, 4, 3, 83.0, 58.0),
    # cat and dan: race 2 is dan's DNQ; in race 4 dan's line is the shared car #13, P2 like cat
    # (same position_order: neither ahead), his grid the best of his two cars (3).
    (3, 4): (3, 4, 2, 2, 2021, 2021, 1, 0, 2, 0, 1, 0, 2, 2, 34.0, 24.0),
    # A driver with himself: his starts, nobody ahead.
    (4, 4): (4, 4, 2, 2, 2021, 2021, 0, 0, 0, 0, 0, 0, 2, 2, 24.0, 24.0),
}


def test_tiny_head_to_head(tiny: Path) -> None:
    rows = project(table(tiny, "head_to_head"), HEAD_TO_HEAD_COLUMNS)
    assert [row[:2] for row in rows] == [
        (1, 1), (1, 2), (1, 3), (1, 4), (2, 2), (2, 3), (2, 4), (3, 3), (3, 4), (4, 4),
    ]  # fmt: skip
    for row in rows:
        assert HEAD_TO_HEAD.get(row[:2], row) == row


EXACT = [
    ("driver_summary", DRIVER_SUMMARY_COLUMNS, DRIVER_SUMMARY),
    ("driver_season", DRIVER_SEASON_COLUMNS, DRIVER_SEASON),
    ("constructor_summary", CONSTRUCTOR_SUMMARY_COLUMNS, CONSTRUCTOR_SUMMARY),
    ("constructor_season", CONSTRUCTOR_SEASON_COLUMNS, CONSTRUCTOR_SEASON),
    ("circuit_summary", CIRCUIT_SUMMARY_COLUMNS, CIRCUIT_SUMMARY),
    ("circuit_fastest_lap", CIRCUIT_FASTEST_LAP_COLUMNS, CIRCUIT_FASTEST_LAP),
    ("season_summary", SEASON_SUMMARY_COLUMNS, SEASON_SUMMARY),
    ("race", RACE_COLUMNS, RACE),
]


@pytest.mark.parametrize(("mart", "columns", "expected"), EXACT, ids=[e[0] for e in EXACT])
def test_tiny_mart_rows(tiny: Path, mart: str, columns: tuple[str, ...], expected: list) -> None:
    # Parquet rows are written in key order, so the list order is part of the contract.
    assert project(table(tiny, mart), columns) == expected


def test_tiny_race_result_holds_both_sessions_in_key_order(tiny: Path) -> None:
    rows = table(tiny, "race_result")
    assert [r["session"] for r in rows] == ["race"] * len(RACE_RESULT) + ["sprint"] * len(
        SPRINT_RESULT
    )
    assert project(rows[: len(RACE_RESULT)], RACE_RESULT_COLUMNS) == RACE_RESULT
    assert project(rows[len(RACE_RESULT) :], SPRINT_RESULT_COLUMNS) == SPRINT_RESULT


def test_tiny_driver_text_and_nulls(tiny: Path) -> None:
    rows = {r["driver_ref"]: r for r in table(tiny, "driver_summary")}
    assert rows["dan"]["full_name"] == "Dan Dorsey, Jr."  # quoted field with a comma
    assert rows["ann"]["number"] is None and rows["ann"]["code"] == "ANN"
    assert rows["cat"]["code"] is None and rows["cat"]["number"] == 3
    assert rows["bob"]["date_of_birth"] == datetime.date(1991, 2, 2)
    assert (rows["ann"]["first_race_name"], rows["ann"]["last_race_year"]) == (
        "Alpha Grand Prix",
        2021,
    )


def test_tiny_circuit_text_and_nulls(tiny: Path) -> None:
    rows = {r["circuit_ref"]: r for r in table(tiny, "circuit_summary")}
    assert rows["alpha_ring"]["name"] == "Alpha Ring, North Loop"
    assert rows["beta_park"]["location"] == "Zürich"
    assert [rows["beta_park"][c] for c in ("lat", "lng", "alt")] == [None, None, None]
    assert rows["alpha_ring"]["lap_record_driver_name"] == "Bob Baker"
    assert rows["alpha_ring"]["most_wins_driver_ref"] == "ann"  # reached one win first
    assert rows["beta_park"]["most_wins_driver_ref"] == "bob"  # beat ann to one win


def test_tiny_constructor_driver_lists(tiny: Path) -> None:
    lists = {
        (r["constructor_ref"], r["season"]): [d["driver_ref"] for d in json.loads(r["drivers"])]
        for r in table(tiny, "constructor_season")
    }
    assert lists == {
        ("alpha", 2020): ["ann", "bob"],
        ("alpha", 2021): ["ann", "bob"],
        ("beta", 2020): ["cat", "dan"],
        ("beta", 2021): ["cat", "dan"],
    }


def test_tiny_coverage(tiny: Path) -> None:
    coverage = json.loads((tiny / "manifest.json").read_text())["coverage"]
    assert coverage == {
        "seasons": [2020, 2021],
        "seasons_with_results": [2020, 2021],
        "complete_seasons": [2020],
        "lap_data_seasons": [2021],
        "fastest_lap_seasons": [2020, 2021],
        "races_with_results": 4,
        "files_present": sorted(p.stem for p in TINY.glob("*.csv")),
        "optional_files_missing": ["constructor_results", "pit_stops", "qualifying", "seasons"],
        "optional_files": sorted(n for n, raw in RAW_BY_NAME.items() if not raw.required),
    }


def test_tiny_missing_driver_names_are_null(tiny: Path) -> None:
    race5 = next(r for r in table(tiny, "race") if r["race_id"] == 5)
    race2 = next(r for r in table(tiny, "circuit_fastest_lap") if r["race_id"] == 2)
    gamma = next(r for r in table(tiny, "circuit_summary") if r["circuit_ref"] == "gamma")
    assert race5["winner_driver_name"] is None
    assert race2["fastest_lap_driver_name"] is None
    assert gamma["most_wins_driver_name"] is None


def test_sprint_points_of_a_driver_without_grand_prix_result(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(TINY, source)
    with (source / "drivers.csv").open("a") as f:
        f.write('5,"eve",\\N,\\N,"Eve","Early","1994-05-05","Elandish","http://example.com/eve"\n')
    with (source / "sprint_results.csv").open("a") as f:
        f.write("5,3,5,2,15,5,5,5,5,0.5,2,+9.000,179000,2,1:27.000,1,\\N\n")
    directory = build(source, tmp_path / "artifacts", log=quiet).directory
    eve = next(r for r in table(directory, "driver_summary") if r["driver_ref"] == "eve")
    assert (eve["races_entered"], eve["points"]) == (0, 0.5)


def test_constructor_title_from_last_race_with_constructor_standings(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(TINY, source)
    path = source / "constructor_standings.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if line.split(",")[1] != "2"))  # not race 2
    directory = build(source, tmp_path / "artifacts", log=quiet).directory
    season = next(r for r in table(directory, "season_summary") if r["season"] == 2020)
    # alpha leads the constructors' standings after race 1 (43 to 0), the last race they cover.
    assert season["champion_constructor_ref"] == "alpha"


# ---------------------------------------------------------------------------------------------
# Real data: ground truths from SOURCE.md


@pytest.fixture(scope="module")
def real(real_build) -> Path:
    return real_build.directory


DRIVER_TRUTHS = [
    (1, "races_entered", 374),
    (1, "wins", 105),
    (1, "podiums", 202),
    (1, "poles", 104),
    (1, "championships", 7),
    (30, "podiums", 155),
    (30, "wins", 91),
    (30, "championships", 7),
    (830, "podiums", 121),
    (830, "wins", 67),
    (20, "podiums", 122),
    (117, "podiums", 106),
    (4, "podiums", 106),
    (579, "championships", 5),  # Fangio
]


@pytest.mark.real_data
@pytest.mark.parametrize(("driver_id", "column", "expected"), DRIVER_TRUTHS)
def test_real_driver_truths(real: Path, driver_id: int, column: str, expected: int) -> None:
    row = next(r for r in table(real, "driver_summary") if r["driver_id"] == driver_id)
    assert row[column] == expected


@pytest.mark.real_data
@pytest.mark.parametrize(
    ("circuit_id", "races_held"), [(14, 75), (6, 71), (9, 60), (13, 58), (7, 44), (18, 41)]
)
def test_real_races_held(real: Path, circuit_id: int, races_held: int) -> None:
    row = next(r for r in table(real, "circuit_summary") if r["circuit_id"] == circuit_id)
    assert row["races_held"] == races_held


@pytest.mark.real_data
def test_real_monza_lap_record(real: Path) -> None:
    monza = next(r for r in table(real, "circuit_summary") if r["circuit_id"] == 14)
    columns = ("lap_record_time_ms", "lap_record_time", "lap_record_driver_id")
    columns += ("lap_record_race_id", "lap_record_lap")
    assert project([monza], columns) == [(80901, "1:20.901", 846, 1160, 53)]


@pytest.mark.real_data
def test_real_counts(real: Path) -> None:
    circuits = table(real, "circuit_summary")
    assert len(circuits) == 77
    assert all(c["races_held"] >= 1 for c in circuits)
    races = table(real, "race")
    assert sum(r["has_results"] for r in races) == 1143
    assert sum(c["races_held"] for c in circuits) == 1143
    manifest = json.loads((real / "manifest.json").read_text())
    assert manifest["coverage"]["races_with_results"] == 1143


@pytest.mark.real_data
def test_real_2025_incomplete_without_champion(real: Path) -> None:
    season = next(r for r in table(real, "season_summary") if r["season"] == 2025)
    assert (season["rounds"], season["races_held"], season["complete"]) == (24, 18, False)
    assert season["champion_driver_id"] is None and season["champion_constructor_id"] is None
    assert not any(r["champion"] for r in table(real, "driver_season") if r["season"] == 2025)


@pytest.mark.real_data
def test_real_2008_title(real: Path) -> None:
    season = next(r for r in table(real, "season_summary") if r["season"] == 2008)
    assert (season["champion_driver_ref"], season["champion_driver_points"]) == ("hamilton", 98.0)
    rows = {
        r["driver_ref"]: (r["championship_position"], r["championship_points"], r["champion"])
        for r in table(real, "driver_season")
        if r["season"] == 2008
    }
    assert rows["hamilton"] == (1, 98.0, True)
    assert rows["massa"] == (2, 97.0, False)


@pytest.mark.real_data
@pytest.mark.parametrize(("ref", "titles"), [("ferrari", 16), ("mclaren", 9), ("williams", 9)])
def test_real_constructor_titles(real: Path, ref: str, titles: int) -> None:
    row = next(r for r in table(real, "constructor_summary") if r["constructor_ref"] == ref)
    assert row["championships"] == titles
