"""One Ergast request, end to end: resolve `current`/`last`/`next` against the data, run the
resource's queries, and build the MRData document."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.backends import Backend, Row
from app.ergast import documents, queries
from app.ergast.grammar import Query

DEFAULT_LIMIT = 30
MAX_LIMIT = 1000  # as Ergast; a larger limit is clamped and the document says so

# Criteria echoed in the <X>Table, under Ergast's names, in this order.
ECHO = {
    "circuit": "circuitId",
    "constructor": "constructorId",
    "driver": "driverId",
    "grid": "grid",
    "position": "position",
    "fastest": "fastest",
    "status": "status",
    "lap": "lap",
    "stop": "stop",
}

Fetch = Callable[[Backend, dict, int, int], Awaitable[queries.Page]]


@dataclass(frozen=True)
class Resource:
    fetch: Fetch
    table: str
    items: str
    # rows -> list items; `None` for resources grouped into races or standings lists
    item: Callable[[Row], documents.Doc] | None = None


RESOURCES = {
    "seasons": Resource(queries.seasons, "SeasonTable", "Seasons", documents.season),
    "circuits": Resource(queries.circuits, "CircuitTable", "Circuits", documents.circuit),
    "races": Resource(queries.races, "RaceTable", "Races", documents.race_with_sessions),
    "constructors": Resource(
        queries.constructors, "ConstructorTable", "Constructors", documents.constructor
    ),
    "drivers": Resource(queries.drivers, "DriverTable", "Drivers", documents.driver),
    "status": Resource(queries.status, "StatusTable", "Status", documents.status),
    "results": Resource(queries.results, "RaceTable", "Races"),
    "sprint": Resource(queries.sprint, "RaceTable", "Races"),
    "qualifying": Resource(queries.qualifying, "RaceTable", "Races"),
    "pitstops": Resource(queries.pitstops, "RaceTable", "Races"),
    "laps": Resource(queries.laps, "RaceTable", "Races"),
    "driverstandings": Resource(queries.driver_standings, "StandingsTable", "StandingsLists"),
    "constructorstandings": Resource(
        queries.constructor_standings, "StandingsTable", "StandingsLists"
    ),
}
# Race-grouped resources: the key of their list inside each race, and how a row reads.
IN_RACES = {
    "results": ("Results", documents.result),
    "sprint": ("SprintResults", documents.result),
    "qualifying": ("QualifyingResults", documents.qualifying),
    "pitstops": ("PitStops", documents.pit_stop),
}
STANDINGS = {
    "driverstandings": ("driver_standing", "DriverStandings", "driverStandings"),
    "constructorstandings": (
        "constructor_standing",
        "ConstructorStandings",
        "constructorStandings",
    ),
}


async def resolve(backend: Backend, query: Query) -> tuple[int | None, int | None]:
    """(season, round) as numbers: `current` is the latest season in the data; `last` is the
    season's latest round with results, `next` the round after it (round 1 of the following
    season once a season is complete)."""
    season = query.season
    if season == "current":
        latest = await queries.latest_season(backend)
        season = str(latest) if latest is not None else "0"
    year = int(season) if season is not None else None
    if query.round not in ("last", "next"):
        return year, int(query.round) if query.round is not None else None
    rounds = await queries.season_rounds(backend, year)
    done = [row["round"] for row in rounds if row["has_results"]]
    ahead = [row["round"] for row in rounds if not done or row["round"] > max(done)]
    if query.round == "next":
        return (year, ahead[0]) if ahead else (year + 1, 1)
    if done:
        return year, max(done)
    return year, (1 if rounds else 0)


async def answer(backend: Backend, query: Query, url: str, limit: int, offset: int) -> dict:
    """The whole MRData document for a parsed request."""
    limit = min(limit, MAX_LIMIT)
    season, round_ = await resolve(backend, query)
    resource = RESOURCES[query.resource]
    standings = STANDINGS.get(query.resource)
    if standings and season is not None and round_ is None:
        round_ = await queries.latest_standings_round(backend, standings[0], season)
        if round_ is None:
            round_ = 0  # no standings that season: an empty answer
    filters = queries.values(query, season, round_)
    page = await resource.fetch(backend, filters, limit, offset)
    long = len(page.rows) > queries.LONG_PAGE

    criteria: dict[str, str] = {}
    if season is not None:
        criteria["season"] = str(season)
    # Standings asked without a round are the latest round's, but echo only what was asked.
    if round_ is not None and query.round is not None:
        criteria["round"] = str(round_)
    for name, label in ECHO.items():
        if name in query.filters and not (name == "lap" and query.resource == "laps"):
            criteria[label] = query.filters[name]

    if long:
        await asyncio.sleep(0)  # the document is built in a turn of its own
    if standings:
        if "standing" in query.filters:
            criteria[standings[2]] = query.filters["standing"]
        items = []
        if page.rows:
            item = (
                documents.driver_standing
                if query.resource == "driverstandings"
                else documents.constructor_standing
            )
            items = [
                {
                    "season": str(season),
                    "round": str(round_),
                    standings[1]: [item(row) for row in page.rows],
                }
            ]
    elif resource.item is not None:
        items = [resource.item(row) for row in page.rows]
    else:
        headers = await queries.race_headers(backend, list({r["race_id"]: 0 for r in page.rows}))
        if query.resource == "laps":
            items = documents.laps_by_race(page.rows, headers)
        else:
            key, item = IN_RACES[query.resource]
            items = documents.by_race(page.rows, headers, key, item)
    if long:
        await asyncio.sleep(0)  # the route encodes it in a turn of its own
    return {
        "MRData": {
            "xmlns": "",
            "series": "f1",
            "url": url,
            "limit": str(limit),
            "offset": str(offset),
            "total": str(page.total),
            resource.table: {**criteria, resource.items: items},
        }
    }
