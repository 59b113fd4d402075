"""An independent reference for the statistics: plain Python over the raw CSVs, written from the
README's definitions without reusing any SQL. Tests compare the API and the marts with it."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

NULL = "\\N"


def read(directory: Path, name: str) -> list[dict[str, str | None]]:
    path = directory / f"{name}.csv"
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return [
            {k: (None if v == NULL else v) for k, v in row.items()} for row in csv.DictReader(f)
        ]


def num(value: str | None) -> int | None:
    return None if value is None else int(value)


def lap_ms(text: str | None) -> int | None:
    """'m:ss.sss' or 'h:mm:ss.sss' -> milliseconds."""
    if text is None:
        return None
    total = 0.0
    for part in text.split(":"):
        total = total * 60 + float(part)
    return round(total * 1000)


@dataclass
class Career:
    entries: set[int] = field(default_factory=set)
    starts: set[int] = field(default_factory=set)
    wins: set[int] = field(default_factory=set)
    podiums: set[int] = field(default_factory=set)
    poles: set[int] = field(default_factory=set)
    points: float = 0.0
    championships: int = 0
    seasons: set[int] = field(default_factory=set)
    best_finish: int | None = None


@dataclass
class Reference:
    careers: dict[int, Career]
    champions: dict[int, int]  # season -> driver_id, complete seasons only
    races_held: dict[int, int]  # circuit_id -> races with results
    lap_records: dict[int, tuple[int, int, int]]  # circuit_id -> (ms, driver_id, race_id)
    races_with_results: int
    constructor_podiums: dict[int, int]  # constructor_id -> podium finishes, one per car
    race_entries: dict[int, int]  # race_id -> cars entered


def car(row: dict) -> tuple:
    """A car in a race: the constructor's entry under a race number. Drivers sharing a car have
    a row each with the same race, constructor and number; a row without a number is its own."""
    number = row["number"] if row["number"] is not None else f"row {row['resultId']}"
    return (int(row["raceId"]), int(row["constructorId"]), number)


def compute(directory: Path) -> Reference:
    races = {int(r["raceId"]): r for r in read(directory, "races")}
    results = read(directory, "results")
    careers: dict[int, Career] = defaultdict(Career)
    with_results: set[int] = set()
    for row in results:
        race_id, driver_id = int(row["raceId"]), int(row["driverId"])
        career = careers[driver_id]
        with_results.add(race_id)
        career.entries.add(race_id)
        career.seasons.add(int(races[race_id]["year"]))
        if row["positionText"] not in ("F", "W"):
            career.starts.add(race_id)
        position = num(row["position"])
        if position is not None:
            if position == 1:
                career.wins.add(race_id)
            if position <= 3:
                career.podiums.add(race_id)
            if career.best_finish is None or position < career.best_finish:
                career.best_finish = position
        if num(row["grid"]) == 1:
            career.poles.add(race_id)
        career.points += float(row["points"] or 0)
    for row in read(directory, "sprint_results"):
        careers[int(row["driverId"])].points += float(row["points"] or 0)

    champions = _champions(directory, races, with_results)
    for driver_id in champions.values():
        careers[driver_id].championships += 1

    races_held: dict[int, int] = defaultdict(int)
    for race_id in with_results:
        races_held[int(races[race_id]["circuitId"])] += 1

    cars = {car(row) for row in results}
    podium_cars = {car(row) for row in results if (num(row["position"]) or 99) <= 3}
    constructor_podiums: dict[int, int] = defaultdict(int)
    for _race, constructor_id, _number in podium_cars:
        constructor_podiums[constructor_id] += 1
    race_entries: dict[int, int] = defaultdict(int)
    for race_id, _constructor, _number in cars:
        race_entries[race_id] += 1

    return Reference(
        constructor_podiums=dict(constructor_podiums),
        race_entries=dict(race_entries),
        careers=dict(careers),
        champions=champions,
        races_held=dict(races_held),
        lap_records=_lap_records(directory, races, results),
        races_with_results=len(with_results),
    )


def _champions(directory: Path, races: dict, with_results: set[int]) -> dict[int, int]:
    by_season: dict[int, list[int]] = defaultdict(list)
    for race_id, race in races.items():
        by_season[int(race["year"])].append(race_id)
    standings: dict[int, list[dict]] = defaultdict(list)
    for row in read(directory, "driver_standings"):
        standings[int(row["raceId"])].append(row)
    champions = {}
    for season, race_ids in by_season.items():
        if not all(race_id in with_results for race_id in race_ids):
            continue
        with_standings = [r for r in race_ids if standings.get(r)]
        if not with_standings:
            continue
        final = max(with_standings, key=lambda r: int(races[r]["round"]))
        leaders = [int(s["driverId"]) for s in standings[final] if num(s["position"]) == 1]
        if leaders:
            champions[season] = leaders[0]
    return champions


def _lap_records(directory: Path, races: dict, results: list[dict]) -> dict[int, tuple]:
    candidates: list[tuple[int, str, int, int, int]] = []  # (ms, date, race, driver, circuit)
    for row in read(directory, "lap_times"):
        race_id = int(row["raceId"])
        race = races[race_id]
        candidates.append(
            (
                int(row["milliseconds"]),
                race["date"],
                race_id,
                int(row["driverId"]),
                int(race["circuitId"]),
            )
        )
    for row in results:
        ms = lap_ms(row["fastestLapTime"])
        if ms is not None:
            race_id = int(row["raceId"])
            race = races[race_id]
            candidates.append(
                (ms, race["date"], race_id, int(row["driverId"]), int(race["circuitId"]))
            )
    records: dict[int, tuple] = {}
    for ms, _date, race_id, driver_id, circuit_id in sorted(candidates):
        records.setdefault(circuit_id, (ms, driver_id, race_id))
    return records


@dataclass
class HeadToHead:
    races: int = 0
    teammates: int = 0
    finished_ahead: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    wins: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    points: dict[int, float] = field(default_factory=lambda: defaultdict(float))


def head_to_head(directory: Path, a: int, b: int) -> HeadToHead:
    """Races both started; a driver's line in a race is his best-classified row."""
    best: dict[tuple[int, int], dict] = {}
    started: set[tuple[int, int]] = set()
    points: dict[tuple[int, int], float] = defaultdict(float)
    wins: set[tuple[int, int]] = set()
    for row in read(directory, "results"):
        key = (int(row["raceId"]), int(row["driverId"]))
        if key[1] not in (a, b):
            continue
        points[key] += float(row["points"] or 0)
        if row["positionText"] not in ("F", "W"):
            started.add(key)
        if num(row["position"]) == 1:
            wins.add(key)
        order = (int(row["positionOrder"]), int(row["resultId"]))
        if key not in best or order < best[key]["order"]:
            best[key] = {"order": order, "constructor": row["constructorId"]}
    result = HeadToHead()
    for race_id in {race for race, _ in started}:
        if (race_id, a) not in started or (race_id, b) not in started:
            continue
        result.races += 1
        line_a, line_b = best[(race_id, a)], best[(race_id, b)]
        result.teammates += line_a["constructor"] == line_b["constructor"]
        if line_a["order"][0] != line_b["order"][0]:
            ahead = a if line_a["order"][0] < line_b["order"][0] else b
            result.finished_ahead[ahead] += 1
        for driver in (a, b):
            result.wins[driver] += (race_id, driver) in wins
            result.points[driver] += points[(race_id, driver)]
    return result
