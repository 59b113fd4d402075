"""/races: the calendar and full classifications."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.openapi.spec import Example
from litestar.params import Parameter

from app import queries
from app.edge.problems import PROBLEM_RESPONSES, not_found
from app.models import Page, Race, RaceDetail
from app.routes.common import BackendDep, ListingDep, listing, respond, text


class RaceController(Controller):
    path = "/races"
    tags = ["races"]

    @get(
        "/",
        operation_id="listRaces",
        summary="List races",
        responses=PROBLEM_RESPONSES,
        dependencies={"listing": listing()},
    )
    async def list_races(
        self,
        request: Request,
        backend: BackendDep,
        listing: ListingDep,
        season: Annotated[
            int | None, Parameter(description="Only this season's races", ge=1950, le=2100)
        ] = None,
        circuit: Annotated[
            str | None, text("Only races at this circuit (id or circuit_ref)")
        ] = None,
    ) -> Response[Page[Race]]:
        """Races in calendar order (season, round), scheduled ones included."""
        page = await queries.list_races(
            backend, limit=listing.limit, offset=listing.offset, season=season, circuit=circuit
        )
        return respond(request, page, Race)

    @get(
        "/{race_id:int}",
        operation_id="getRace",
        summary="Get a race with its classification",
        responses=PROBLEM_RESPONSES,
    )
    async def get_race(
        self,
        backend: BackendDep,
        race_id: Annotated[
            int,
            Parameter(
                description="Ergast raceId",
                ge=1,
                le=1_000_000,
                examples=[Example(summary="2008 Brazilian Grand Prix", value=35)],
            ),
        ],
    ) -> RaceDetail:
        """The race, its full classification and its sprint's, if it had one."""
        race = await queries.get_race(backend, race_id)
        if race is None:
            raise not_found("race", str(race_id))
        return race
