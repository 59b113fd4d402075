"""SQL for the Ergast interface over the marts. Every value is a bound parameter; the SQL text is
composed only from the fixed fragments below. Each resource is one count query and one page
query (rows in Ergast's order, cut by limit/offset), plus the race headers of the page's races."""

from __future__ import annotations

import asyncio
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from app.backends import Backend, Row, limit_offset
from app.ergast.grammar import NUMERIC, Query

# Race-level filters on `ra` (the race mart) and result-level ones on `rr` (race_result).
RACE_FILTERS = {"season": "ra.season = ?", "round": "ra.round = ?", "circuit": "ra.circuit_ref = ?"}
RESULT_FILTERS = {
    "driver": "rr.driver_ref = ?",
    "constructor": "rr.constructor_ref = ?",
    "grid": "rr.grid = ?",
    "position": "rr.position = ?",
    "fastest": "rr.fastest_lap_rank = ?",
    "status": "rr.status_id = ?",
}

RACE_HEADER = """
    ra.race_id, ra.season, ra.round, ra.url, ra.name, ra.date, ra.time,
    c.circuit_ref, c.url as circuit_url, c.name as circuit_name, c.lat, c.lng, c.location,
    c.country"""
SESSIONS = """,
    ra.fp1_date, ra.fp1_time, ra.fp2_date, ra.fp2_time, ra.fp3_date, ra.fp3_time,
    ra.qualifying_date, ra.qualifying_time, ra.sprint_date, ra.sprint_time"""
DRIVER = """
    d.driver_ref, d.number as driver_number, d.code, d.url as driver_url, d.forename,
    d.surname, d.date_of_birth, d.nationality as driver_nationality"""
CONSTRUCTOR = """
    k.constructor_ref, k.url as constructor_url, k.name as constructor_name,
    k.nationality as constructor_nationality"""


@dataclass
class Where:
    """A growing `where` clause and its parameters, in order."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return " and ".join(self.clauses) if self.clauses else "1 = 1"


@dataclass
class Page:
    total: int
    rows: list[Row]


def values(query: Query, season: int | None, round_: int | None) -> dict[str, Any]:
    """The resolved filters: those the grammar checked as numbers as ints, ids (refs) as the
    text given, even when it is digits only (`/drivers/44`): a ref bound as a number is compared
    with a text column, which DuckDB and PostgreSQL refuse (a 500) and SQLite answers."""
    found: dict[str, Any] = {}
    if season is not None:
        found["season"] = season
    if round_ is not None:
        found["round"] = round_
    for name, value in query.filters.items():
        found[name] = int(value) if name in NUMERIC else value
    if found.get("fastest") == 0:  # `fastest/0`: no filter, as Ergast
        del found["fastest"]
    return found


def _in_races(filters: dict[str, Any], where: Where, column: str, race_column: str) -> None:
    """Seasons and circuits: those of the races matching the filters (through the races' Grand
    Prix results when a result filter is given)."""
    inner = Where()
    for name, clause in {**RACE_FILTERS, **RESULT_FILTERS}.items():
        if name in filters:
            inner.add(clause, filters[name])
    if inner.clauses:
        join = ""
        if set(filters) & set(RESULT_FILTERS):
            join = "join race_result rr on rr.race_id = ra.race_id and rr.session = 'race'"
        where.add(
            f"{column} in (select {race_column} from race ra {join} where {inner.sql()})",
            *inner.params,
        )


def _in_results(filters: dict[str, Any], where: Where, column: str, result_column: str) -> None:
    """Drivers and constructors: those with a Grand Prix result matching the filters (`in`
    rather than a correlated `exists`: SQLite then builds the set once)."""
    inner = Where()
    for name, clause in {**RACE_FILTERS, **RESULT_FILTERS}.items():
        if name in filters:
            inner.add(clause, filters[name])
    if inner.clauses:
        join = "join race ra on ra.race_id = rr.race_id" if set(filters) & set(RACE_FILTERS) else ""
        where.add(
            f"{column} in (select {result_column} from race_result rr {join} "
            f"where rr.session = 'race' and {inner.sql()})",
            *inner.params,
        )


def _entry_filters(filters: dict[str, Any], where: Where, alias: str, own: dict[str, str]) -> None:
    """Filters on rows of one race each (races; qualifying, pit stop, lap and standings lines):
    `own` ones on the row itself, race filters on `ra`, the rest through the Grand Prix results
    of that race (of that driver, when the row has one)."""
    for name, clause in {**RACE_FILTERS, **own}.items():
        if name in filters:
            where.add(own.get(name, clause), filters[name])
    inner = Where()
    for name, clause in RESULT_FILTERS.items():
        if name in filters and name not in own:
            inner.add(clause, filters[name])
    if inner.clauses:
        correlate = f"rr.race_id = {alias}.race_id"
        if alias != "ra":
            correlate += f" and rr.driver_id = {alias}.driver_id"
        where.add(
            f"exists (select 1 from race_result rr where {correlate} "
            f"and rr.session = 'race' and {inner.sql()})",
            *inner.params,
        )


# Past this many rows, each stage of a page's document (rows as dicts, the document, its
# encoding) gets a turn of the event loop of its own: a page of 1000 lap timings is ~1.5 ms of
# Python, which would otherwise hold every other request at once.
LONG_PAGE = 200


async def _page(
    backend: Backend, select: str, body: str, where: Where, order: str, limit: int, offset: int
) -> Page:
    rows = await backend.fetch_all(
        f"select {select} {body} where {where.sql()} order by {order} {limit_offset(limit)}",
        [*where.params, offset],
    )
    if 0 < len(rows) < limit:  # cut short by the end of the matches: its own count
        total = offset + len(rows)
    else:
        count = await backend.fetch_all(
            f"select count(*) as n {body} where {where.sql()}", where.params
        )
        total = count[0][0]
    if len(rows) > LONG_PAGE:
        await asyncio.sleep(0)
    return Page(total, rows.dicts())


async def seasons(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    where = Where()
    _in_races(filters, where, "s.season", "ra.season")
    return await _page(
        backend, "s.season, s.url", "from season_summary s", where, "s.season", limit, offset
    )


async def circuits(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    where = Where()
    if "circuit" in filters:
        where.add("c.circuit_ref = ?", filters["circuit"])
    rest = {n: v for n, v in filters.items() if n != "circuit"}
    _in_races(rest, where, "c.circuit_id", "ra.circuit_id")
    select = (
        "c.circuit_ref, c.url as circuit_url, c.name as circuit_name, c.lat, c.lng, "
        "c.location, c.country"
    )
    body = "from circuit_summary c"
    return await _page(backend, select, body, where, "c.circuit_ref", limit, offset)


async def races(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    where = Where()
    _entry_filters(filters, where, "ra", {})
    body = "from race ra join circuit_summary c on c.circuit_id = ra.circuit_id"
    order = "ra.season, ra.round"
    return await _page(backend, RACE_HEADER + SESSIONS, body, where, order, limit, offset)


def _surname_key(row: Row) -> tuple:
    """Ergast's driver order: surname ignoring case and accents (ties by driver id)."""
    folded = unicodedata.normalize("NFKD", row["surname"] or "").casefold()
    return ("".join(ch for ch in folded if not unicodedata.combining(ch)), row["driver_id"])


async def drivers(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    where = Where()
    if "driver" in filters:
        where.add("d.driver_ref = ?", filters["driver"])
    rest = {n: v for n, v in filters.items() if n != "driver"}
    _in_results(rest, where, "d.driver_id", "rr.driver_id")
    # The order folds accents, which SQL cannot do alike on three backends: sort here (at most
    # every driver, under a thousand rows).
    found = await backend.fetch_all(
        f"select d.driver_id, {DRIVER} from driver_summary d where {where.sql()}", where.params
    )
    rows = found.dicts()
    rows.sort(key=_surname_key)
    return Page(len(rows), rows[offset : offset + limit])


async def constructors(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    where = Where()
    if "constructor" in filters:
        where.add("k.constructor_ref = ?", filters["constructor"])
    rest = {n: v for n, v in filters.items() if n != "constructor"}
    _in_results(rest, where, "k.constructor_id", "rr.constructor_id")
    body = "from constructor_summary k"
    return await _page(backend, CONSTRUCTOR, body, where, "k.constructor_ref", limit, offset)


def _result_where(filters: dict, session: str) -> Where:
    where = Where()
    where.add("rr.session = ?", session)
    for name, clause in {**RACE_FILTERS, **RESULT_FILTERS}.items():
        if name in filters:
            where.add(clause, filters[name])
    return where


async def status(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    where = _result_where(filters, "race")
    join = "join race ra on ra.race_id = rr.race_id" if set(filters) & set(RACE_FILTERS) else ""
    rows = await backend.fetch_all(
        f"select rr.status_id, rr.status, count(*) as n from race_result rr {join} "
        f"where {where.sql()} group by rr.status_id, rr.status order by rr.status_id",
        where.params,
    )
    return Page(len(rows), rows.dicts()[offset : offset + limit])


RESULT_COLUMNS = f"""
    rr.race_id, rr.number, rr.position_order, rr.position_text, rr.points, rr.grid, rr.laps,
    rr.status, rr.time, rr.time_ms, rr.fastest_lap, rr.fastest_lap_rank, rr.fastest_lap_time,
    rr.fastest_lap_speed_kph, {DRIVER}, {CONSTRUCTOR}"""
RESULT_BODY = """from race_result rr
    join race ra on ra.race_id = rr.race_id
    join driver_summary d on d.driver_id = rr.driver_id
    join constructor_summary k on k.constructor_id = rr.constructor_id"""
RESULT_ORDER = "ra.season, ra.round, rr.position_order, rr.result_id"


async def results(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    where = _result_where(filters, "race")
    return await _page(backend, RESULT_COLUMNS, RESULT_BODY, where, RESULT_ORDER, limit, offset)


async def sprint(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    """Sprint classifications; grid, position, fastest and status filter the sprint line."""
    filters = dict(filters)
    if "sprint_position" in filters:
        filters["position"] = filters.pop("sprint_position")
    where = _result_where(filters, "sprint")
    return await _page(backend, RESULT_COLUMNS, RESULT_BODY, where, RESULT_ORDER, limit, offset)


async def qualifying(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    where = Where()
    own = {
        "driver": "d.driver_ref = ?",
        "constructor": "k.constructor_ref = ?",
        "qualifying_position": "q.position = ?",
    }
    _entry_filters(filters, where, "q", own)
    select = f"q.race_id, q.number, q.position, q.q1, q.q2, q.q3, {DRIVER}, {CONSTRUCTOR}"
    body = """from qualifying_result q
        join race ra on ra.race_id = q.race_id
        join driver_summary d on d.driver_id = q.driver_id
        join constructor_summary k on k.constructor_id = q.constructor_id"""
    order = "ra.season, ra.round, q.position is null, q.position, q.qualify_id"
    return await _page(backend, select, body, where, order, limit, offset)


async def pitstops(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    where = Where()
    own = {"driver": "d.driver_ref = ?", "lap": "p.lap = ?", "stop": "p.stop = ?"}
    _entry_filters(filters, where, "p", own)
    select = "p.race_id, d.driver_ref, p.lap, p.stop, p.time_of_day, p.duration"
    body = """from pit_stop p
        join race ra on ra.race_id = p.race_id
        join driver_summary d on d.driver_id = p.driver_id"""
    order = "ra.season, ra.round, p.time_of_day, p.lap, p.stop, p.driver_id"
    return await _page(backend, select, body, where, order, limit, offset)


async def laps(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    where = Where()
    _entry_filters(filters, where, "l", {"driver": "d.driver_ref = ?", "lap": "l.lap = ?"})
    select = "l.race_id, d.driver_ref, l.lap, l.position, l.time"
    body = """from lap_time l
        join race ra on ra.race_id = l.race_id
        join driver_summary d on d.driver_id = l.driver_id"""
    order = "ra.season, ra.round, l.lap, l.position, l.driver_id"
    return await _page(backend, select, body, where, order, limit, offset)


async def _standings(
    backend: Backend, filters: dict, limit: int, offset: int, entity: str, columns: str, join: str
) -> Page:
    """One round's standings lines (drivers' or constructors'), ranked lines first."""
    where = Where()
    own = {
        "season": "s.season = ?",
        "round": "s.round = ?",
        entity: f"s.{entity}_ref = ?",
        "standing": "s.position = ?",
    }
    _entry_filters(filters, where, "s", own)
    select = f"s.position, s.position_text, s.points, s.wins, {columns}"
    body = f"from {entity}_standing s {join}"
    order = f"s.position is null, s.position, s.{entity}_id"
    return await _page(backend, select, body, where, order, limit, offset)


async def driver_standings(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    join = "join driver_summary d on d.driver_id = s.driver_id"
    columns = f"s.constructors, {DRIVER}"
    return await _standings(backend, filters, limit, offset, "driver", columns, join)


async def constructor_standings(backend: Backend, filters: dict, limit: int, offset: int) -> Page:
    join = "join constructor_summary k on k.constructor_id = s.constructor_id"
    return await _standings(backend, filters, limit, offset, "constructor", CONSTRUCTOR, join)


async def race_headers(backend: Backend, race_ids: list[int]) -> dict[int, Row]:
    """The race (with its circuit) of every race id on a page."""
    if not race_ids:
        return {}
    marks = ", ".join("?" * len(race_ids))
    rows = await backend.fetch_all(
        f"select {RACE_HEADER} from race ra join circuit_summary c on c.circuit_id = ra.circuit_id "
        f"where ra.race_id in ({marks})",
        race_ids,
    )
    return {row["race_id"]: row for row in rows.dicts()}


async def latest_season(backend: Backend) -> int | None:
    rows = await backend.fetch_all("select max(season) as season from race")
    return rows[0][0]


async def season_rounds(backend: Backend, season: int) -> list[Row]:
    """(round, has_results) of a season's races, in order."""
    rows = await backend.fetch_all(
        "select round, has_results from race where season = ? order by round", [season]
    )
    return rows.dicts()


async def latest_standings_round(backend: Backend, table: str, season: int) -> int | None:
    rows = await backend.fetch_all(
        f"select max(round) as round from {table} where season = ?", [season]
    )
    return rows[0][0]
