"""/races: the calendar, full classifications, and each race's qualifying, laps and pit stops."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.spec import Example
from litestar.params import Parameter

from app import queries
from app.backends import Backend
from app.edge.problems import PROBLEM_RESPONSES, not_found
from app.models import (
    LapTime,
    Page,
    PitStop,
    QualifyingResult,
    Race,
    RaceDetail,
    RaceResultLine,
)
from app.routes.common import (
    Format,
    ListingDep,
    backend_of,
    listing,
    respond,
    respond_with_rows,
    text,
)

RACE_LISTING = listing(
    sorts=queries.RACE_SORTS,
    default_sort="date",
    sort_description="Field to sort by; prefix `-` for descending. Ties: calendar order in the "
    "same direction.",
    sort_example=("newest first", "-date"),
)
RaceId = Annotated[
    int,
    Parameter(
        description="Ergast raceId",
        ge=1,
        le=1_000_000,
        examples=[Example(summary="2008 Brazilian Grand Prix", value=35)],
    ),
]


async def race_detail(request: Request, backend: Backend, race_id: int) -> Response[RaceDetail]:
    """The race as JSON, or its classification lines as CSV (race, then sprint)."""
    race = await queries.get_race(backend, race_id)
    if race is None:
        raise not_found("race", str(race_id))
    lines = [
        RaceResultLine(**msgspec.structs.asdict(line), session=session)
        for session, results in (("race", race.results), ("sprint", race.sprint_results))
        for line in results
    ]
    return await respond_with_rows(request, race, lines, RaceResultLine)


async def _require_race(backend: Backend, race_id: int) -> None:
    if not await queries.race_exists(backend, race_id):
        raise not_found("race", str(race_id))


class RaceController(Controller):
    path = "/races"
    tags = ["races"]

    @get(
        "/",
        operation_id="listRaces",
        summary="List races",
        responses=PROBLEM_RESPONSES,
        dependencies={"listing": RACE_LISTING},
    )
    async def list_races(
        self,
        request: Request,
        listing: ListingDep,
        season: Annotated[
            int | None, Parameter(description="Only this season's races", ge=1950, le=2100)
        ] = None,
        circuit: Annotated[
            str | None, text("Only races at this circuit (id or circuit_ref)")
        ] = None,
    ) -> Response[Page[Race]]:
        """Races in calendar order (or `sort`: `-date` is newest first), scheduled ones
        included."""
        backend = backend_of(request)
        page = await queries.list_races(
            backend,
            limit=listing.limit,
            offset=listing.offset,
            sort=listing.sort or "date",
            season=season,
            circuit=circuit,
        )
        return await respond(request, page, Race)

    @get(
        "/{race_id:int}",
        operation_id="getRace",
        summary="Get a race with its classification",
        responses=PROBLEM_RESPONSES,
    )
    async def get_race(
        self, request: Request, race_id: RaceId, format: Format = None
    ) -> Response[RaceDetail]:
        """The race, its full classification and its sprint's, if it had one (as CSV: the
        classification lines, sprint after race, `session` telling them apart)."""
        backend = backend_of(request)
        return await race_detail(request, backend, race_id)

    @get(
        "/{race_id:int}/qualifying",
        operation_id="listRaceQualifying",
        summary="List a race's qualifying classification",
        responses=PROBLEM_RESPONSES,
    )
    async def list_race_qualifying(
        self, request: Request, race_id: RaceId, format: Format = None
    ) -> Response[list[QualifyingResult]]:
        """Qualifying positions with Q1, Q2 and Q3 times (qualifying.csv: 1994 on)."""
        backend = backend_of(request)
        await _require_race(backend, race_id)
        lines = await queries.race_qualifying(backend, race_id)
        return await respond(request, lines, QualifyingResult)

    @get(
        "/{race_id:int}/laps",
        operation_id="listRaceLaps",
        summary="List a race's lap times",
        responses=PROBLEM_RESPONSES,
    )
    async def list_race_laps(
        self,
        request: Request,
        race_id: RaceId,
        driver: Annotated[
            str | None,
            text("Only this driver's laps (driver_id or driver_ref)", min_length=1),
        ] = None,
        lap: Annotated[
            int | None, Parameter(description="Only this lap (every driver's)", ge=1, le=200)
        ] = None,
        format: Format = None,
    ) -> Response[list[LapTime]]:
        """Every driver's lap times and positions, by lap then position (lap_times.csv: 1996
        on in the real data; an empty list where the race has none)."""
        backend = backend_of(request)
        await _require_race(backend, race_id)
        driver_id = None
        if driver is not None:
            found = await queries.get_driver(backend, driver)
            if found is None:
                raise not_found("driver", driver)
            driver_id = found.driver_id
        laps = await queries.race_laps(backend, race_id, driver_id, lap)
        return await respond(request, laps, LapTime)

    @get(
        "/{race_id:int}/pit-stops",
        operation_id="listRacePitStops",
        summary="List a race's pit stops",
        responses=PROBLEM_RESPONSES,
    )
    async def list_race_pit_stops(
        self, request: Request, race_id: RaceId, format: Format = None
    ) -> Response[list[PitStop]]:
        """Every stop with its lap, clock time and duration (pit_stops.csv: 2011 on)."""
        backend = backend_of(request)
        await _require_race(backend, race_id)
        stops = await queries.race_pit_stops(backend, race_id)
        return await respond(request, stops, PitStop)
