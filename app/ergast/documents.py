"""Ergast documents from rows: every scalar a string, a field with no value left out (never
null), field names and nesting as Ergast/Jolpica publish them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from app.backends import Row

Doc = dict[str, Any]


def text(value: Any) -> str | None:
    return None if value is None else str(value)


def compact(**fields: Any) -> Doc:
    """The fields that have a value, in the order given. The keyword dict is the call's own:
    it is returned, not copied (one dict fewer per object of a document)."""
    if None in fields.values():
        for name in [name for name, value in fields.items() if value is None]:
            del fields[name]
    return fields


def points(value: float | None) -> str | None:
    """10.0 -> '10', 0.5 -> '0.5' (as Ergast prints them)."""
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def clock(value: str | None) -> str | None:
    """A UTC clock time from races.csv, '05:00:00' -> '05:00:00Z'."""
    return f"{value}Z" if value else None


_GAP = re.compile(r"\+(\d+)\.(\d+)")


def race_time(value: str | None) -> str | None:
    """A result's time as Ergast and Jolpica print it. The data set writes gaps of a minute or
    more as seconds ('+67.262'); Ergast wrote '+1:07.262', and FastF1 parses only that form."""
    if value is None:
        return None
    gap = _GAP.fullmatch(value)
    if gap is None or int(gap[1]) < 60:
        return value
    minutes, seconds = divmod(int(gap[1]), 60)
    if minutes < 60:
        return f"+{minutes}:{seconds:02d}.{gap[2]}"
    hours, minutes = divmod(minutes, 60)
    return f"+{hours}:{minutes:02d}:{seconds:02d}.{gap[2]}"


def season(row: Row) -> Doc:
    return compact(season=text(row["season"]), url=row["url"])


def circuit(row: Row) -> Doc:
    return compact(
        circuitId=row["circuit_ref"],
        url=row["circuit_url"],
        circuitName=row["circuit_name"],
        Location=compact(
            lat=text(row["lat"]),
            long=text(row["lng"]),
            locality=row["location"],
            country=row["country"],
        ),
    )


def driver(row: Row) -> Doc:
    return compact(
        driverId=row["driver_ref"],
        permanentNumber=text(row["driver_number"]),
        code=row["code"],
        url=row["driver_url"],
        givenName=row["forename"],
        familyName=row["surname"],
        dateOfBirth=text(row["date_of_birth"]),
        nationality=row["driver_nationality"],
    )


def constructor(row: Row) -> Doc:
    return compact(
        constructorId=row["constructor_ref"],
        url=row["constructor_url"],
        name=row["constructor_name"],
        nationality=row["constructor_nationality"],
    )


def race(row: Row) -> Doc:
    """The race as it heads a list of results, laps or stops."""
    return compact(
        season=text(row["season"]),
        round=text(row["round"]),
        url=row["url"],
        raceName=row["name"],
        Circuit=circuit(row),
        date=text(row["date"]),
        time=clock(row["time"]),
    )


def _session(row: Row, prefix: str) -> Doc | None:
    found = compact(date=text(row[f"{prefix}_date"]), time=clock(row[f"{prefix}_time"]))
    return found or None


SESSIONS = {
    "FirstPractice": "fp1",
    "SecondPractice": "fp2",
    "ThirdPractice": "fp3",
    "Qualifying": "qualifying",
    "Sprint": "sprint",
}


def race_with_sessions(row: Row) -> Doc:
    """A calendar entry with the weekend's sessions that races.csv lists, under Ergast's names
    (on sprint weekends from 2023 `SecondPractice` is the sprint shootout/qualifying, as Ergast
    published it; Jolpica has since renamed it)."""
    sessions = {name: _session(row, prefix) for name, prefix in SESSIONS.items()}
    return {**race(row), **compact(**sessions)}


def status(row: Row) -> Doc:
    return {"statusId": str(row["status_id"]), "count": str(row["n"]), "status": row["status"]}


def result(row: Row) -> Doc:
    """A Grand Prix or sprint line: `position` is the classification order (retirements
    included), `positionText` says R, D, W... where the car was not classified."""
    time = None
    if row["time_ms"] is not None or row["time"] is not None:
        time = compact(millis=text(row["time_ms"]), time=race_time(row["time"]))
    fastest = None
    if row["fastest_lap"] is not None:
        speed = row["fastest_lap_speed_kph"]
        fastest = compact(
            rank=text(row["fastest_lap_rank"]),
            lap=str(row["fastest_lap"]),
            Time=compact(time=row["fastest_lap_time"]) or None,
            AverageSpeed=None if speed is None else {"units": "kph", "speed": f"{speed:.3f}"},
        )
    return compact(
        number=text(row["number"]),
        position=str(row["position_order"]),
        positionText=row["position_text"],
        points=points(row["points"]),
        Driver=driver(row),
        Constructor=constructor(row),
        grid=text(row["grid"]),
        laps=text(row["laps"]),
        status=row["status"],
        Time=time,
        FastestLap=fastest,
    )


def qualifying(row: Row) -> Doc:
    return compact(
        number=text(row["number"]),
        position=text(row["position"]),
        Driver=driver(row),
        Constructor=constructor(row),
        Q1=row["q1"],
        Q2=row["q2"],
        Q3=row["q3"],
    )


def pit_stop(row: Row) -> Doc:
    return compact(
        driverId=row["driver_ref"],
        lap=str(row["lap"]),
        stop=str(row["stop"]),
        time=row["time_of_day"],
        duration=row["duration"],
    )


def _standing(row: Row) -> Doc:
    return compact(
        position=text(row["position"]),
        positionText=row["position_text"],
        points=points(row["points"]),
        wins=text(row["wins"]),
    )


def driver_standing(row: Row) -> Doc:
    doc = _standing(row)
    doc["Driver"] = driver(row)
    doc["Constructors"] = [
        compact(
            constructorId=item["constructor_ref"],
            url=item["url"],
            name=item["name"],
            nationality=item["nationality"],
        )
        for item in msgspec.json.decode(row["constructors"])
    ]
    return doc


def constructor_standing(row: Row) -> Doc:
    doc = _standing(row)
    doc["Constructor"] = constructor(row)
    return doc


def by_race(
    rows: Iterable[Row], headers: dict[int, Row], key: str, item: Callable[[Row], Doc]
) -> list[Doc]:
    """Rows in page order, grouped into consecutive races: [{<race>, key: [items]}]."""
    races: list[Doc] = []
    current = None
    for row in rows:
        if row["race_id"] != current:
            current = row["race_id"]
            races.append({**race(headers[current]), key: []})
        races[-1][key].append(item(row))
    return races


def laps_by_race(rows: Iterable[Row], headers: dict[int, Row]) -> list[Doc]:
    """Lap timings grouped into races, then into laps: [{<race>, Laps: [{number, Timings}]}]."""
    races: list[Doc] = []
    current = lap = None
    timings: list[Doc] = []
    for row in rows:
        if row["race_id"] != current:
            current, lap = row["race_id"], None
            races.append({**race(headers[current]), "Laps": []})
        if row["lap"] != lap:
            lap = row["lap"]
            timings = []
            races[-1]["Laps"].append({"number": str(lap), "Timings": timings})
        # compact(driverId=..., position=text(...), time=...) written out: a page holds up to
        # a thousand timings.
        timing = {"driverId": row["driver_ref"]}
        if row["position"] is not None:
            timing["position"] = str(row["position"])
        if row["time"] is not None:
            timing["time"] = row["time"]
        timings.append(timing)
    return races
