"""Queries over the marts, returning response Structs. Every value reaches SQL as a bound
parameter; sort columns come from the whitelists below, never from the request text."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec

from app.backends import Backend, Row
from app.models import (
    CircuitFastestLap,
    CircuitSummary,
    ConstructorSeason,
    ConstructorSummary,
    DriverSeason,
    DriverSummary,
    HeadToHead,
    HeadToHeadSide,
    Page,
    Race,
    RaceDetail,
    RaceResult,
    SeasonDetail,
    SeasonSummary,
)
from contract import fold_search

T = TypeVar("T", bound=msgspec.Struct)

DRIVER_SORTS = (
    "driver_id",
    "driver_ref",
    "surname",
    "date_of_birth",
    "nationality",
    "races_entered",
    "races_started",
    "wins",
    "podiums",
    "poles",
    "fastest_laps",
    "points",
    "championships",
    "seasons",
    "first_race_year",
    "last_race_year",
)
CIRCUIT_SORTS = (
    "circuit_id",
    "circuit_ref",
    "name",
    "country",
    "races_held",
    "first_year",
    "last_year",
    "lap_record_time_ms",
)
CONSTRUCTOR_SORTS = (
    "constructor_id",
    "constructor_ref",
    "name",
    "nationality",
    "races_entered",
    "wins",
    "podiums",
    "poles",
    "points",
    "championships",
    "drivers_fielded",
    "seasons",
    "first_season",
    "last_season",
)
# Fields holding JSON text in the marts (lists that SQLite cannot store natively).
JSON_FIELDS = {DriverSeason: {"constructors"}, ConstructorSeason: {"drivers"}}


@functools.cache
def columns(struct: type[msgspec.Struct]) -> str:
    """The select list for a Struct: its fields, in order. Computed once per Struct (resolving
    the annotations costs about a millisecond)."""
    return ", ".join(f.name for f in msgspec.structs.fields(struct))


def convert(rows: list[Row], struct: type[T]) -> list[T]:
    for name in JSON_FIELDS.get(struct, ()):
        for row in rows:
            row[name] = msgspec.json.decode(row[name]) if row[name] else []
    return msgspec.convert(rows, list[struct], strict=False)


def order_by(sort: str, key: str) -> str:
    """`-wins` -> `wins desc`; nulls last on every backend; ties broken by the key."""
    column = sort.lstrip("-")
    direction = "desc" if sort.startswith("-") else "asc"
    return f"{column} {direction} nulls last, {key} asc"


def search_pattern(text: str) -> str:
    """Folded as the marts' search_name is (contract.fold_search), LIKE wildcards escaped."""
    escaped = fold_search(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def _page(
    backend: Backend,
    struct: type[T],
    table: str,
    where: Sequence[str],
    params: Sequence[Any],
    order: str,
    limit: int,
    offset: int,
) -> Page[T]:
    condition = " and ".join(where) if where else "1 = 1"
    # Two queries: a window count on the page query would make SQLite materialise every match.
    count = await backend.fetch_all(f"select count(*) as n from {table} where {condition}", params)
    rows = await backend.fetch_all(
        f"select {columns(struct)} from {table} where {condition} "
        f"order by {order} limit ? offset ?",
        [*params, limit, offset],
    )
    total = count[0]["n"]
    return Page(data=convert(rows, struct), total=total, limit=limit, offset=offset)


def _by_id_or_ref(ident: str, id_column: str, ref_column: str) -> tuple[str, list[Any]]:
    if ident.isdecimal() and len(ident) <= 9:
        return f"{id_column} = ?", [int(ident)]
    return f"{ref_column} = ?", [ident]


async def _select(
    backend: Backend,
    struct: type[T],
    table: str,
    condition: str = "1 = 1",
    params: Sequence[Any] = (),
    order: str | None = None,
) -> list[T]:
    order_clause = f" order by {order}" if order else ""
    rows = await backend.fetch_all(
        f"select {columns(struct)} from {table} where {condition}{order_clause}",
        params,
    )
    return convert(rows, struct)


async def _one(backend: Backend, struct: type[T], table: str, condition: str, params) -> T | None:
    found = await _select(backend, struct, table, condition, params)
    return found[0] if found else None


async def list_drivers(
    backend: Backend,
    *,
    limit: int,
    offset: int,
    sort: str,
    nationality: str | None,
    season: int | None,
    q: str | None,
) -> Page[DriverSummary]:
    where, params = [], []
    if nationality is not None:
        where.append("lower(nationality) = ?")
        params.append(nationality.lower())
    if season is not None:
        where.append("driver_id in (select driver_id from driver_season where season = ?)")
        params.append(season)
    if q is not None:
        where.append("search_name like ? escape '\\'")
        params.append(search_pattern(q))
    return await _page(
        backend,
        DriverSummary,
        "driver_summary",
        where,
        params,
        order_by(sort, "driver_id"),
        limit,
        offset,
    )


async def get_driver(backend: Backend, ident: str) -> DriverSummary | None:
    condition, params = _by_id_or_ref(ident, "driver_id", "driver_ref")
    rows = await backend.fetch_all(
        f"select {columns(DriverSummary)} from driver_summary where {condition}", params
    )
    return convert(rows, DriverSummary)[0] if rows else None


async def driver_seasons(backend: Backend, driver_id: int) -> list[DriverSeason]:
    rows = await backend.fetch_all(
        f"select {columns(DriverSeason)} from driver_season where driver_id = ? order by season",
        [driver_id],
    )
    return convert(rows, DriverSeason)


async def list_circuits(
    backend: Backend, *, limit: int, offset: int, sort: str, country: str | None, q: str | None
) -> Page[CircuitSummary]:
    where, params = [], []
    if country is not None:
        where.append("lower(country) = ?")
        params.append(country.lower())
    if q is not None:
        where.append("search_name like ? escape '\\'")
        params.append(search_pattern(q))
    return await _page(
        backend,
        CircuitSummary,
        "circuit_summary",
        where,
        params,
        order_by(sort, "circuit_id"),
        limit,
        offset,
    )


async def get_circuit(backend: Backend, ident: str) -> CircuitSummary | None:
    condition, params = _by_id_or_ref(ident, "circuit_id", "circuit_ref")
    rows = await backend.fetch_all(
        f"select {columns(CircuitSummary)} from circuit_summary where {condition}", params
    )
    return convert(rows, CircuitSummary)[0] if rows else None


async def circuit_fastest_laps(backend: Backend, circuit_id: int) -> list[CircuitFastestLap]:
    rows = await backend.fetch_all(
        f"select {columns(CircuitFastestLap)} from circuit_fastest_lap where circuit_id = ? "
        "order by season, round",
        [circuit_id],
    )
    return convert(rows, CircuitFastestLap)


async def list_constructors(
    backend: Backend, *, limit: int, offset: int, sort: str, nationality: str | None, q: str | None
) -> Page[ConstructorSummary]:
    where, params = [], []
    if nationality is not None:
        where.append("lower(nationality) = ?")
        params.append(nationality.lower())
    if q is not None:
        where.append("search_name like ? escape '\\'")
        params.append(search_pattern(q))
    return await _page(
        backend, ConstructorSummary, "constructor_summary", where, params,
        order_by(sort, "constructor_id"), limit, offset,
    )  # fmt: skip


async def get_constructor(backend: Backend, ident: str) -> ConstructorSummary | None:
    condition, params = _by_id_or_ref(ident, "constructor_id", "constructor_ref")
    return await _one(backend, ConstructorSummary, "constructor_summary", condition, params)


async def constructor_seasons(backend: Backend, constructor_id: int) -> list[ConstructorSeason]:
    return await _select(
        backend, ConstructorSeason, "constructor_season", "constructor_id = ?", [constructor_id],
        order="season",
    )  # fmt: skip


async def list_seasons(backend: Backend, *, limit: int, offset: int) -> Page[SeasonSummary]:
    return await _page(
        backend, SeasonSummary, "season_summary", [], [], "season asc", limit, offset
    )


async def get_season(backend: Backend, season: int) -> SeasonDetail | None:
    summary = await _one(backend, SeasonSummary, "season_summary", "season = ?", [season])
    if summary is None:
        return None
    races = await _select(backend, Race, "race", "season = ?", [season], order="round")
    return SeasonDetail(**msgspec.structs.asdict(summary), races=races)


async def driver_standings(backend: Backend, season: int) -> list[DriverSeason]:
    return await _select(
        backend, DriverSeason, "driver_season",
        "season = ? and championship_position is not null", [season],
        order="championship_position, driver_id",
    )  # fmt: skip


async def constructor_standings(backend: Backend, season: int) -> list[ConstructorSeason]:
    return await _select(
        backend, ConstructorSeason, "constructor_season",
        "season = ? and championship_position is not null", [season],
        order="championship_position, constructor_id",
    )  # fmt: skip


async def list_races(
    backend: Backend, *, limit: int, offset: int, season: int | None, circuit: str | None
) -> Page[Race]:
    where, params = [], []
    if season is not None:
        where.append("season = ?")
        params.append(season)
    if circuit is not None:
        condition, circuit_params = _by_id_or_ref(circuit, "circuit_id", "circuit_ref")
        where.append(condition)
        params += circuit_params
    return await _page(backend, Race, "race", where, params, "season, round", limit, offset)


async def get_race(backend: Backend, race_id: int) -> RaceDetail | None:
    race = await _one(backend, Race, "race", "race_id = ?", [race_id])
    if race is None:
        return None
    lines = "race_id = ? and session = ?"
    order = "position_order, result_id"
    results = await _select(backend, RaceResult, "race_result", lines, [race_id, "race"], order)
    sprint = await _select(backend, RaceResult, "race_result", lines, [race_id, "sprint"], order)
    return RaceDetail(**msgspec.structs.asdict(race), results=results, sprint_results=sprint)


# Over the races both drivers started. "Qualified ahead": the better qualifying position where
# both have one (qualifying.csv), else the better starting grid slot where both have one.
HEAD_TO_HEAD_SQL = """
select
    count(*) as races,
    sum(case when a.constructor_id = b.constructor_id then 1 else 0 end) as teammates,
    min(a.season) as first_season,
    max(a.season) as last_season,
    sum(case when a.finish_order < b.finish_order then 1 else 0 end) as a_finished_ahead,
    sum(case when b.finish_order < a.finish_order then 1 else 0 end) as b_finished_ahead,
    sum(case when a.qualifying_position is not null and b.qualifying_position is not null
        then case when a.qualifying_position < b.qualifying_position then 1 else 0 end
        when a.grid is not null and b.grid is not null
        then case when a.grid < b.grid then 1 else 0 end else 0 end) as a_qualified_ahead,
    sum(case when a.qualifying_position is not null and b.qualifying_position is not null
        then case when b.qualifying_position < a.qualifying_position then 1 else 0 end
        when a.grid is not null and b.grid is not null
        then case when b.grid < a.grid then 1 else 0 end else 0 end) as b_qualified_ahead,
    sum(case when a.won then 1 else 0 end) as a_wins,
    sum(case when b.won then 1 else 0 end) as b_wins,
    sum(case when a.podium then 1 else 0 end) as a_podiums,
    sum(case when b.podium then 1 else 0 end) as b_podiums,
    sum(a.points) as a_points,
    sum(b.points) as b_points
from driver_race a
join driver_race b on b.race_id = a.race_id
where a.driver_id = ? and b.driver_id = ? and a.started and b.started
"""


async def head_to_head(backend: Backend, a: DriverSummary, b: DriverSummary) -> HeadToHead:
    row = (await backend.fetch_all(HEAD_TO_HEAD_SQL, [a.driver_id, b.driver_id]))[0]

    def side(driver: DriverSummary, prefix: str) -> HeadToHeadSide:
        return HeadToHeadSide(
            driver_id=driver.driver_id,
            driver_ref=driver.driver_ref,
            full_name=driver.full_name,
            finished_ahead=int(row[f"{prefix}_finished_ahead"] or 0),
            qualified_ahead=int(row[f"{prefix}_qualified_ahead"] or 0),
            wins=int(row[f"{prefix}_wins"] or 0),
            podiums=int(row[f"{prefix}_podiums"] or 0),
            points=round(float(row[f"{prefix}_points"] or 0), 2),
        )

    return HeadToHead(
        races=int(row["races"]),
        races_as_teammates=int(row["teammates"] or 0),
        first_season=row["first_season"],
        last_season=row["last_season"],
        a=side(a, "a"),
        b=side(b, "b"),
    )
