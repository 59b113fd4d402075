"""Queries over the marts, returning response Structs. Every value reaches SQL as a bound
parameter; sort columns come from the whitelists below, never from the request text."""

from __future__ import annotations

import asyncio
import functools
from typing import Any, TypeVar

import msgspec

from app.backends import Backend, limit_offset
from app.marts import list_columns, reader
from app.models import (
    CircuitFastestLap,
    CircuitSummary,
    ConstructorSeason,
    ConstructorSummary,
    DriverSeason,
    DriverSummary,
    HeadToHead,
    HeadToHeadPair,
    HeadToHeadSide,
    LapTime,
    Page,
    PitStop,
    QualifyingResult,
    Race,
    RaceDetail,
    RaceResult,
    SeasonDetail,
    SeasonSummary,
)
from contract import fold_search

T = TypeVar("T", bound=msgspec.Struct)
READ_CHUNK = 200  # rows made into Structs between turns of the event loop

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
RACE_SORTS = ("date", "season", "round", "race_id", "name", "circuit_ref", "country", "entries")
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


@functools.cache
def columns(struct: type[msgspec.Struct]) -> str:
    """The select list for a Struct: its fields, in order. Computed once per Struct (resolving
    the annotations costs about a millisecond)."""
    return ", ".join(f.name for f in msgspec.structs.fields(struct))


@functools.cache
def nullable(struct: type[msgspec.Struct]) -> frozenset[str]:
    """The Struct's fields that may be null (`int | None`)."""
    return frozenset(
        f.name
        for f in msgspec.structs.fields(struct)
        if type(None) in getattr(f.type, "__args__", ())
    )


def order_by(struct: type[msgspec.Struct], sort: str, key: str) -> str:
    """`-wins` -> `wins desc`; nulls last on every backend; ties broken by the key. `nulls
    last` only where a column can hold a null and the key only when it is not the sort column:
    either makes SQLite sort every row in a temporary b-tree instead of reading the key's or an
    index's order (a page of 100 drivers: 0.68 ms against 0.38 ms)."""
    column = sort.lstrip("-")
    direction = "desc" if sort.startswith("-") else "asc"
    order = f"{column} {direction}" + (" nulls last" if column in nullable(struct) else "")
    return order if column == key else f"{order}, {key} asc"


def search_pattern(text: str) -> str:
    """Folded as the marts' search_name is (contract.fold_search), LIKE wildcards escaped."""
    escaped = fold_search(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Filters:
    """A WHERE clause and its bound parameters, built one optional filter at a time."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.params: list[Any] = []

    def add(self, condition: str, *params: Any) -> Filters:
        self.conditions.append(condition)
        self.params.extend(params)
        return self

    def equal_any_case(self, column: str, value: str | None) -> Filters:
        return self if value is None else self.add(f"lower({column}) = ?", value.lower())

    def search(self, q: str | None) -> Filters:
        return self if q is None else self.add("search_name like ? escape '\\'", search_pattern(q))

    def by_id_or_ref(self, ident: str, id_column: str, ref_column: str) -> Filters:
        if ident.isascii() and ident.isdecimal() and len(ident) <= 9:  # not `１` or `١`
            return self.add(f"{id_column} = ?", int(ident))
        return self.add(f"{ref_column} = ?", ident)

    @property
    def sql(self) -> str:
        return " and ".join(self.conditions) or "1 = 1"


async def _select(
    backend: Backend,
    struct: type[T],
    where: Filters,
    order: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[T]:
    sql = f"select {columns(struct)} from {struct.mart} where {where.sql}"
    params = list(where.params)
    if order:
        sql += f" order by {order}"
    if limit is not None:
        sql += f" {limit_offset(limit)}"
        params.append(offset)
    rows = await backend.fetch_all(sql, params)
    read = reader(struct, list_columns(backend.manifest, struct))
    if len(rows) <= READ_CHUNK:
        return read(rows)
    made: list[T] = []
    for start in range(0, len(rows), READ_CHUNK):  # other requests run in between
        await asyncio.sleep(0)
        made += read(rows[start : start + READ_CHUNK])
    return made


async def _one(backend: Backend, struct: type[T], where: Filters) -> T | None:
    found = await _select(backend, struct, where)
    return found[0] if found else None


async def _page(
    backend: Backend, struct: type[T], where: Filters, order: str, limit: int, offset: int
) -> Page[T]:
    # Two queries: a window count on the page query would make SQLite materialise every match.
    # A page cut short by the end of the matches (and not empty) is its own count.
    data = await _select(backend, struct, where, order, limit, offset)
    if 0 < len(data) < limit or (offset == 0 and not data):
        return Page(data=data, total=offset + len(data), limit=limit, offset=offset)
    count = await backend.fetch_all(
        f"select count(*) as n from {struct.mart} where {where.sql}", where.params
    )
    return Page(data=data, total=count[0][0], limit=limit, offset=offset)


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
    where = Filters().equal_any_case("nationality", nationality).search(q)
    if season is not None:
        where.add("driver_id in (select driver_id from driver_season where season = ?)", season)
    order = order_by(DriverSummary, sort, "driver_id")
    return await _page(backend, DriverSummary, where, order, limit, offset)


async def get_driver(backend: Backend, ident: str) -> DriverSummary | None:
    where = Filters().by_id_or_ref(ident, "driver_id", "driver_ref")
    return await _one(backend, DriverSummary, where)


async def driver_seasons(backend: Backend, driver_id: int) -> list[DriverSeason]:
    where = Filters().add("driver_id = ?", driver_id)
    return await _select(backend, DriverSeason, where, order="season")


async def list_circuits(
    backend: Backend, *, limit: int, offset: int, sort: str, country: str | None, q: str | None
) -> Page[CircuitSummary]:
    where = Filters().equal_any_case("country", country).search(q)
    order = order_by(CircuitSummary, sort, "circuit_id")
    return await _page(backend, CircuitSummary, where, order, limit, offset)


async def get_circuit(backend: Backend, ident: str) -> CircuitSummary | None:
    where = Filters().by_id_or_ref(ident, "circuit_id", "circuit_ref")
    return await _one(backend, CircuitSummary, where)


async def circuit_fastest_laps(backend: Backend, circuit_id: int) -> list[CircuitFastestLap]:
    where = Filters().add("circuit_id = ?", circuit_id)
    return await _select(backend, CircuitFastestLap, where, order="season, round")


async def list_constructors(
    backend: Backend, *, limit: int, offset: int, sort: str, nationality: str | None, q: str | None
) -> Page[ConstructorSummary]:
    where = Filters().equal_any_case("nationality", nationality).search(q)
    order = order_by(ConstructorSummary, sort, "constructor_id")
    return await _page(backend, ConstructorSummary, where, order, limit, offset)


async def get_constructor(backend: Backend, ident: str) -> ConstructorSummary | None:
    where = Filters().by_id_or_ref(ident, "constructor_id", "constructor_ref")
    return await _one(backend, ConstructorSummary, where)


async def constructor_seasons(backend: Backend, constructor_id: int) -> list[ConstructorSeason]:
    where = Filters().add("constructor_id = ?", constructor_id)
    return await _select(backend, ConstructorSeason, where, order="season")


async def list_seasons(backend: Backend, *, limit: int, offset: int) -> Page[SeasonSummary]:
    return await _page(backend, SeasonSummary, Filters(), "season asc", limit, offset)


async def get_season(backend: Backend, season: int) -> SeasonDetail | None:
    where = Filters().add("season = ?", season)
    summary = await _one(backend, SeasonSummary, where)
    if summary is None:
        return None
    races = await _select(backend, Race, where, order="round")
    return SeasonDetail(**msgspec.structs.asdict(summary), races=races)


async def driver_standings(backend: Backend, season: int) -> list[DriverSeason]:
    where = Filters().add("season = ? and championship_position is not null", season)
    return await _select(backend, DriverSeason, where, order="championship_position, driver_id")


async def constructor_standings(backend: Backend, season: int) -> list[ConstructorSeason]:
    where = Filters().add("season = ? and championship_position is not null", season)
    return await _select(
        backend, ConstructorSeason, where, order="championship_position, constructor_id"
    )


async def list_races(
    backend: Backend,
    *,
    limit: int,
    offset: int,
    sort: str,
    season: int | None,
    circuit: str | None,
) -> Page[Race]:
    where = Filters()
    if season is not None:
        where.add("season = ?", season)
    if circuit is not None:
        where.by_id_or_ref(circuit, "circuit_id", "circuit_ref")
    # Ties (several races on one circuit, a season's rounds) go in calendar order, the same
    # direction as the sort: `-date` is newest first all the way down.
    column, direction = sort.lstrip("-"), "desc" if sort.startswith("-") else "asc"
    order = f"{column} {direction} nulls last, season {direction}, round {direction}"
    return await _page(backend, Race, where, order, limit, offset)


async def race_id_at(backend: Backend, season: int, round: int) -> int | None:
    """The race_id of a season's round, or None when there is no such race."""
    rows = await backend.fetch_all(
        "select race_id from race where season = ? and round = ?", [season, round]
    )
    return rows[0][0] if rows else None


async def race_exists(backend: Backend, race_id: int) -> bool:
    rows = await backend.fetch_all("select 1 as found from race where race_id = ?", [race_id])
    return bool(rows)


async def race_qualifying(backend: Backend, race_id: int) -> list[QualifyingResult]:
    where = Filters().add("race_id = ?", race_id)
    return await _select(backend, QualifyingResult, where, "position nulls last, qualify_id")


async def race_laps(
    backend: Backend, race_id: int, driver_id: int | None, lap: int | None
) -> list[LapTime]:
    where = Filters().add("race_id = ?", race_id)
    if driver_id is not None:
        where.add("driver_id = ?", driver_id)
    if lap is not None:
        where.add("lap = ?", lap)
    return await _select(backend, LapTime, where, "lap, position nulls last, driver_id")


async def race_pit_stops(backend: Backend, race_id: int) -> list[PitStop]:
    where = Filters().add("race_id = ?", race_id)
    return await _select(backend, PitStop, where, "lap, time_of_day, driver_id, stop")


async def get_race(backend: Backend, race_id: int) -> RaceDetail | None:
    race = await _one(backend, Race, Filters().add("race_id = ?", race_id))
    if race is None:
        return None
    order = "position_order, result_id"
    race_lines = Filters().add("race_id = ? and session = ?", race_id, "race")
    sprint_lines = Filters().add("race_id = ? and session = ?", race_id, "sprint")
    results = await _select(backend, RaceResult, race_lines, order)
    sprint = await _select(backend, RaceResult, sprint_lines, order)
    return RaceDetail(**msgspec.structs.asdict(race), results=results, sprint_results=sprint)


async def head_to_head(backend: Backend, a: DriverSummary, b: DriverSummary) -> HeadToHead:
    """Precomputed per pair (mart head_to_head, lower driver id first); no row when the two
    never started a Grand Prix together."""
    swapped = a.driver_id > b.driver_id
    low, high = (b, a) if swapped else (a, b)
    where = Filters().add("driver_id = ? and other_driver_id = ?", low.driver_id, high.driver_id)
    pair = await _one(backend, HeadToHeadPair, where)

    def side(driver: DriverSummary, prefix: str) -> HeadToHeadSide:
        def value(name: str) -> Any:
            return getattr(pair, f"{prefix}_{name}") if pair else None

        return HeadToHeadSide(
            driver_id=driver.driver_id,
            driver_ref=driver.driver_ref,
            full_name=driver.full_name,
            finished_ahead=value("finished_ahead") or 0,
            qualified_ahead=value("qualified_ahead") or 0,
            wins=value("wins") or 0,
            podiums=value("podiums") or 0,
            points=round(value("points") or 0.0, 2),
        )

    sides = (side(low, "driver"), side(high, "other"))
    if swapped:
        sides = sides[::-1]
    return HeadToHead(
        races=pair.races if pair else 0,
        races_as_teammates=pair.races_as_teammates if pair else 0,
        first_season=pair.first_season if pair else None,
        last_season=pair.last_season if pair else None,
        a=sides[0],
        b=sides[1],
    )
