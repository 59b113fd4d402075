"""/drivers: careers, seasons and head-to-head."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from app import queries
from app.edge.problems import PROBLEM_RESPONSES, not_found
from app.models import DriverSeason, DriverSummary, HeadToHead, Page
from app.routes.common import (
    SINGLE_RESPONSES,
    Format,
    ListingDep,
    Nationality,
    backend_of,
    ident,
    json_only,
    listing,
    respond,
)

DRIVER_LISTING = listing(
    sorts=queries.DRIVER_SORTS,
    default_sort="driver_id",
    sort_description="Field to sort by; prefix `-` for descending. Ties: driver_id.",
    sort_example=("most wins first", "-wins"),
    search=True,
)


DriverIdent = Annotated[
    str,
    ident("Numeric driver_id or driver_ref (`1` and `hamilton` are the same driver)", "hamilton"),
]
OtherDriverIdent = Annotated[str, ident("The other driver, by driver_id or driver_ref", "rosberg")]


async def _driver(backend, ident: str) -> DriverSummary:
    found = await queries.get_driver(backend, ident)
    if found is None:
        raise not_found("driver", ident)
    return found


class DriverController(Controller):
    path = "/drivers"
    tags = ["drivers"]

    @get(
        "/",
        operation_id="listDrivers",
        summary="List drivers",
        responses=PROBLEM_RESPONSES,
        dependencies={"listing": DRIVER_LISTING},
    )
    async def list_drivers(
        self,
        request: Request,
        listing: ListingDep,
        nationality: Nationality = None,
        season: Annotated[
            int | None,
            Parameter(description="Only drivers who entered a race that year", ge=1950, le=2100),
        ] = None,
    ) -> Response[Page[DriverSummary]]:
        """A page of driver career summaries, filtered and sorted."""
        backend = backend_of(request)
        page = await queries.list_drivers(
            backend,
            limit=listing.limit,
            offset=listing.offset,
            sort=listing.sort,
            nationality=nationality,
            season=season,
            q=listing.q,
        )
        return await respond(request, page, DriverSummary)

    @get(
        "/{driver:str}",
        operation_id="getDriver",
        summary="Get a driver's career",
        responses=SINGLE_RESPONSES,
    )
    async def get_driver(
        self, request: Request, driver: DriverIdent, format: Format = None
    ) -> DriverSummary:
        """One driver's career, by numeric id or driver_ref."""
        backend = backend_of(request)
        json_only(request, format)
        return await _driver(backend, driver)

    @get(
        "/{driver:str}/seasons",
        operation_id="listDriverSeasons",
        summary="List a driver's seasons",
        responses=PROBLEM_RESPONSES,
    )
    async def list_driver_seasons(
        self, request: Request, driver: DriverIdent, format: Format = None
    ) -> Response[list[DriverSeason]]:
        """The driver's season lines, oldest first."""
        backend = backend_of(request)
        found = await _driver(backend, driver)
        seasons = await queries.driver_seasons(backend, found.driver_id)
        return await respond(request, seasons, DriverSeason)

    @get(
        "/{driver:str}/vs/{other:str}",
        operation_id="getHeadToHead",
        summary="Compare two drivers head to head",
        responses=SINGLE_RESPONSES,
    )
    async def head_to_head(
        self,
        request: Request,
        driver: DriverIdent,
        other: OtherDriverIdent,
        format: Format = None,
    ) -> HeadToHead:
        """Over the Grands Prix both started: who finished and qualified ahead, wins, podiums,
        points, and how many of those races they drove for the same constructor."""
        backend = backend_of(request)
        json_only(request, format)
        a = await _driver(backend, driver)
        b = await _driver(backend, other)
        return await queries.head_to_head(backend, a, b)
