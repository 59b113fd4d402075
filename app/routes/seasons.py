"""/seasons: calendars, champions and final standings."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.openapi.spec import Example
from litestar.params import Parameter

from app import queries
from app.edge.problems import PROBLEM_RESPONSES, not_found
from app.models import (
    ConstructorSeason,
    DriverSeason,
    Page,
    Race,
    RaceDetail,
    SeasonDetail,
    SeasonSummary,
)
from app.routes.common import (
    Format,
    ListingDep,
    backend_of,
    listing,
    respond,
    respond_with_rows,
)
from app.routes.races import race_detail

Year = Annotated[
    int,
    Parameter(
        description="Season year", ge=1950, le=2100, examples=[Example(summary="2008", value=2008)]
    ),
]


async def _require_season(backend, year: int) -> None:
    if await queries.get_season(backend, year) is None:
        raise not_found("season", str(year))


class SeasonController(Controller):
    path = "/seasons"
    tags = ["seasons"]

    @get(
        "/",
        operation_id="listSeasons",
        summary="List seasons",
        responses=PROBLEM_RESPONSES,
        dependencies={"listing": listing(default_limit=100)},
    )
    async def list_seasons(
        self, request: Request, listing: ListingDep
    ) -> Response[Page[SeasonSummary]]:
        """Every season, oldest first, with its champions once complete."""
        backend = backend_of(request)
        page = await queries.list_seasons(backend, limit=listing.limit, offset=listing.offset)
        return await respond(request, page, SeasonSummary)

    @get(
        "/{year:int}",
        operation_id="getSeason",
        summary="Get a season and its calendar",
        responses=PROBLEM_RESPONSES,
    )
    async def get_season(
        self, request: Request, year: Year, format: Format = None
    ) -> Response[SeasonDetail]:
        """Rounds, races held, champions (null while the season is incomplete) and races (as
        CSV: the calendar)."""
        backend = backend_of(request)
        season = await queries.get_season(backend, year)
        if season is None:
            raise not_found("season", str(year))
        return await respond_with_rows(request, season, season.races, Race)

    @get(
        "/{year:int}/races/{round:int}",
        operation_id="getSeasonRace",
        summary="Get a race by season and round",
        tags=["races"],
        responses=PROBLEM_RESPONSES,
    )
    async def get_season_race(
        self,
        request: Request,
        year: Year,
        round: Annotated[
            int,
            Parameter(
                description="Round within the season",
                ge=1,
                le=100,
                examples=[Example(summary="1", value=1)],
            ),
        ],
        format: Format = None,
    ) -> Response[RaceDetail]:
        """The same as /races/{race_id}, found by season and round."""
        backend = backend_of(request)
        race_id = await queries.race_id_at(backend, year, round)
        if race_id is None:
            raise not_found("race", f"{year} round {round}")
        return await race_detail(request, backend, race_id)

    @get(
        "/{year:int}/driver-standings",
        operation_id="listDriverStandings",
        summary="Drivers' standings after the season's last race",
        responses=PROBLEM_RESPONSES,
    )
    async def driver_standings(
        self, request: Request, year: Year, format: Format = None
    ) -> Response[list[DriverSeason]]:
        """Final standings of a complete season; provisional (after the last race with results)
        while it is incomplete."""
        backend = backend_of(request)
        await _require_season(backend, year)
        standings = await queries.driver_standings(backend, year)
        return await respond(request, standings, DriverSeason)

    @get(
        "/{year:int}/constructor-standings",
        operation_id="listConstructorStandings",
        summary="Constructors' standings after the season's last race",
        responses=PROBLEM_RESPONSES,
    )
    async def constructor_standings(
        self, request: Request, year: Year, format: Format = None
    ) -> Response[list[ConstructorSeason]]:
        """The constructors' championship exists from 1958: earlier seasons have no lines."""
        backend = backend_of(request)
        await _require_season(backend, year)
        standings = await queries.constructor_standings(backend, year)
        return await respond(request, standings, ConstructorSeason)
