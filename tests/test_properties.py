"""Properties that must hold on any Ergast data: random small data sets are written as CSVs,
built, and the marts checked against the rules and against a plain-Python recount."""

from __future__ import annotations

import datetime
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.build import build
from transforms.raw import RAW_BY_NAME

NULL = "\\N"
POINTS = [0.0, 0.0, 0.5, 1.0, 2.5, 6.0, 25.0]


@dataclass
class Race:
    race_id: int
    season: int
    round: int
    circuit_id: int
    held: bool
    results: list[dict] = field(default_factory=list)
    sprint: list[dict] = field(default_factory=list)
    laps: list[tuple[int, int, int]] = field(default_factory=list)  # driver, lap, ms

    @property
    def date(self) -> datetime.date:
        return datetime.date(self.season, 3, 1) + datetime.timedelta(days=14 * self.round)


@dataclass
class Data:
    drivers: int
    constructors: int
    circuits: int
    races: list[Race]


@st.composite
def results_for(draw, race: Race, drivers: int, constructors: int) -> None:
    entrants = draw(st.lists(st.integers(1, drivers), min_size=1, unique=True))
    kinds = [draw(st.sampled_from(["P", "P", "P", "R", "F", "W"])) for _ in entrants]
    rows = []
    position = 0
    for car, (driver, kind) in enumerate(zip(entrants, kinds, strict=True), 1):
        started = kind not in ("F", "W")
        position += kind == "P"
        rows.append(
            {
                "driver": driver,
                "number": car,
                "constructor": draw(st.integers(1, constructors)),
                "grid": draw(st.integers(0, len(entrants))) if started else 0,
                "position": position if kind == "P" else None,
                "text": str(position) if kind == "P" else kind,
                "points": draw(st.sampled_from(POINTS)) if kind == "P" else 0.0,
                "rank": None,
                "lap_ms": None,
            }
        )
    if len(entrants) > 1 and draw(st.booleans()):
        # A shared drive: a second driver in one car (its number and place), who may also
        # have driven a car of his own (SOURCE.md quirk 5).
        shared = dict(draw(st.sampled_from(rows)))
        shared["driver"] = draw(st.sampled_from([e for e in entrants if e != shared["driver"]]))
        shared["points"] = draw(st.sampled_from(POINTS)) if shared["position"] else 0.0
        shared["grid"] = 0
        rows.append(shared)
    starters = [r for r in rows if r["text"] not in ("F", "W")]
    source = draw(st.sampled_from(["none", "rank", "laps", "both"])) if starters else "none"
    if source in ("rank", "both"):
        for r in starters:
            r["lap_ms"] = draw(st.integers(80000, 80003))
        best = min(r["lap_ms"] for r in starters)
        for r in starters:  # ties share rank 1, as the data allows
            r["rank"] = 1 if r["lap_ms"] == best else 2
    if source in ("laps", "both"):
        for driver in sorted({r["driver"] for r in starters}):
            for lap in range(1, draw(st.integers(1, 3)) + 1):
                race.laps.append((driver, lap, draw(st.integers(79999, 80003))))
    race.results = rows
    if draw(st.booleans()):  # a sprint for some of the Grand Prix entrants
        sprinters = draw(st.lists(st.sampled_from(entrants), min_size=1, unique=True))
        race.sprint = [
            {"driver": d, "constructor": draw(st.integers(1, constructors)), "position": i,
             "points": draw(st.sampled_from(POINTS))}
            for i, d in enumerate(sprinters, 1)
        ]  # fmt: skip


@st.composite
def ergast_data(draw) -> Data:
    drivers = draw(st.integers(1, 5))
    constructors = draw(st.integers(1, 3))
    circuits = draw(st.integers(1, 3))
    races = []
    for season in range(2000, 2000 + draw(st.integers(1, 3))):
        for rnd in range(1, draw(st.integers(1, 3)) + 1):
            # The first race is held: the build refuses a results.csv without rows.
            held = not races or draw(st.sampled_from([True, True, True, False]))
            race = Race(len(races) + 1, season, rnd, draw(st.integers(1, circuits)), held)
            if held:
                draw(results_for(race, drivers, constructors))
            races.append(race)
    return Data(drivers, constructors, circuits, races)


# ---------------------------------------------------------------------------------------------
# Writing the CSVs


def cell(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return str(value)


def lap_text(ms: int | None) -> str | None:
    return None if ms is None else f"{ms // 60000}:{ms % 60000 // 1000:02d}.{ms % 1000:03d}"


def standings(data: Data, who: str) -> list[tuple]:
    """Cumulative GP + sprint points after every held race, ranked by points then id."""
    rows: list[tuple] = []
    totals: dict[tuple[int, int], float] = defaultdict(float)
    for race in data.races:
        if not race.held:
            continue
        for r in race.results + race.sprint:
            totals[race.season, r[who]] += r["points"]
        ranked = sorted(
            ((k[1], p) for k, p in totals.items() if k[0] == race.season),
            key=lambda x: (-x[1], x[0]),
        )
        for position, (ident, points) in enumerate(ranked, 1):
            rows.append((len(rows) + 1, race.race_id, ident, points, position, str(position), 0))
    return rows


def write_csvs(data: Data, directory: Path) -> None:
    tables: dict[str, list[tuple]] = {
        "status": [(1, "Finished"), (5, "Engine"), (54, "Withdrew"), (81, "Did not qualify")],
        "circuits": [
            (i, f"c{i}", f"Circuit {i}, Loop", "Town", "Land", 1.5, 2.5, 10, f"http://c/{i}")
            for i in range(1, data.circuits + 1)
        ],
        "constructors": [
            (i, f"k{i}", f"Team {i}", "X", f"http://k/{i}") for i in range(1, data.constructors + 1)
        ],
        "drivers": [
            (i, f"d{i}", None, None, "First", f"Last{i}", "1990-01-01", "X", f"http://d/{i}")
            for i in range(1, data.drivers + 1)
        ],
        "races": [],
        "results": [],
        "sprint_results": [],
        "lap_times": [],
        "driver_standings": standings(data, "driver"),
        "constructor_standings": standings(data, "constructor"),
    }
    for race in data.races:
        head = (race.race_id, race.season, race.round, race.circuit_id, f"GP {race.race_id}",
                race.date.isoformat(), None, f"http://r/{race.race_id}")  # fmt: skip
        tables["races"].append(head if not race.held else head + (None,) * 10)
        for order, r in enumerate(race.results, 1):
            status = {"R": 5, "F": 81, "W": 54}.get(r["text"], 1)
            tables["results"].append((
                len(tables["results"]) + 1, race.race_id, r["driver"], r["constructor"],
                r["number"], r["grid"], r["position"], r["text"], order, r["points"], 3, None, None,
                None, r["rank"], lap_text(r["lap_ms"]), None, status,
            ))  # fmt: skip
        for r in race.sprint:
            tables["sprint_results"].append((
                len(tables["sprint_results"]) + 1, race.race_id, r["driver"], r["constructor"],
                7, 1, r["position"], str(r["position"]), r["position"], r["points"], 2, None,
                None, None, None, 1, None,
            ))  # fmt: skip
        for driver, lap, ms in race.laps:
            tables["lap_times"].append((race.race_id, driver, lap, 1, lap_text(ms), ms))
    for name, rows in tables.items():
        header = ",".join(RAW_BY_NAME[name].columns)
        lines = [header] + [",".join(cell(v) for v in row) for row in rows]
        (directory / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The oracle: the statistics' definitions, recounted in plain Python


def recount(data: Data) -> dict[int, dict]:
    stats: dict[int, dict] = defaultdict(
        lambda: (
            {k: set() for k in ("entered", "started", "wins", "podiums", "poles")}
            | {"points": 0.0, "fastest": 0, "fastest_data": False}
        )
    )
    for race in data.races:
        for r in race.results:
            s = stats[r["driver"]]
            s["entered"].add(race.race_id)
            s["points"] += r["points"]
            if r["text"] not in ("F", "W"):
                s["started"].add(race.race_id)
            if r["position"] == 1:
                s["wins"].add(race.race_id)
            if r["position"] is not None and r["position"] <= 3:
                s["podiums"].add(race.race_id)
            if r["grid"] == 1:
                s["poles"].add(race.race_id)
        for r in race.sprint:
            stats[r["driver"]]["points"] += r["points"]
        if race.laps:
            winner = min(race.laps, key=lambda x: (x[2], x[0], x[1]))[0]
        else:
            ranked = [r["driver"] for r in race.results if r["rank"] == 1]
            winner = min(ranked) if ranked else None
        if winner is not None:
            for driver in {r["driver"] for r in race.results}:
                stats[driver]["fastest_data"] = True
            stats[winner]["fastest"] += 1
    return stats


def read(directory: Path, mart: str) -> list[dict]:
    return pq.read_table(directory / f"{mart}.parquet").to_pylist()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=ergast_data())
def test_marts_obey_the_rules_on_random_data(data: Data) -> None:
    with tempfile.TemporaryDirectory(prefix="ergast-") as tmp:
        source = Path(tmp) / "csv"
        source.mkdir()
        write_csvs(data, source)
        directory = build(source, Path(tmp) / "artifacts", log=lambda _m: None).directory
        summary = {r["driver_id"]: r for r in read(directory, "driver_summary")}
        seasons = read(directory, "driver_season")
        circuits = read(directory, "circuit_summary")
        season_summary = read(directory, "season_summary")

    expected = recount(data)
    for driver_id, row in summary.items():
        assert row["wins"] <= row["podiums"] <= row["races_started"] <= row["races_entered"]
        own = [s for s in seasons if s["driver_id"] == driver_id]
        assert abs(row["points"] - sum(s["points"] for s in own)) <= 0.01
        if driver_id not in expected:
            assert (row["races_entered"], row["points"], row["fastest_laps"]) == (0, 0, None)

    for driver_id, want in expected.items():
        row = summary[driver_id]
        assert row["races_entered"] >= 1
        counts = {k: len(want[k]) for k in ("entered", "started", "wins", "podiums", "poles")}
        got = ("races_entered", "races_started", "wins", "podiums", "poles")
        assert dict(zip(counts, (row[k] for k in got), strict=True)) == counts
        assert abs(row["points"] - want["points"]) <= 0.01
        assert row["fastest_laps"] == (want["fastest"] if want["fastest_data"] else None)

    held = [race for race in data.races if race.held]
    assert sum(c["races_held"] for c in circuits) == len(held)

    by_season: dict[int, list[Race]] = defaultdict(list)
    for race in data.races:
        by_season[race.season].append(race)
    for row in season_summary:
        races = by_season[row["season"]]
        complete = all(r.held for r in races)
        champions = [s for s in seasons if s["season"] == row["season"] and s["champion"]]
        assert row["complete"] == complete
        assert len(champions) <= 1
        if not complete:
            assert champions == [] and row["champion_driver_id"] is None
        else:  # the leader after the final race (standings rank by points, then id)
            totals: dict[int, float] = defaultdict(float)
            for race in races:
                for r in race.results + race.sprint:
                    totals[r["driver"]] += r["points"]
            leader = min(totals, key=lambda d: (-totals[d], d))
            assert row["champion_driver_id"] == leader
            assert [c["driver_id"] for c in champions] == [leader]
