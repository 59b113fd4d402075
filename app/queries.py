"""Queries over the marts, returning response Structs. Every value reaches SQL as a bound
parameter; sort columns come from the whitelists below, never from the request text."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec

from app.backends import Backend, Row
from app.models import CircuitFastestLap, CircuitSummary, DriverSeason, DriverSummary, Page

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
# Fields holding JSON text in the marts (lists that SQLite cannot store natively).
JSON_FIELDS = {DriverSeason: {"constructors"}}


def columns(struct: type[msgspec.Struct]) -> str:
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
    """Lower-case, accents stripped (as the marts' search_name), LIKE wildcards escaped."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
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
    total = await backend.fetch_all(f"select count(*) as n from {table} where {condition}", params)
    rows = await backend.fetch_all(
        f"select {columns(struct)} from {table} where {condition} "
        f"order by {order} limit ? offset ?",
        [*params, limit, offset],
    )
    return Page(data=convert(rows, struct), total=total[0]["n"], limit=limit, offset=offset)


def _by_id_or_ref(ident: str, id_column: str, ref_column: str) -> tuple[str, list[Any]]:
    if ident.isdecimal() and len(ident) <= 9:
        return f"{id_column} = ?", [int(ident)]
    return f"{ref_column} = ?", [ident]


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
