"""/drivers: careers and seasons."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from app import queries
from app.http import PROBLEM_RESPONSES, not_found
from app.models import DriverSeason, DriverSummary, Page
from app.routes.common import BackendDep, Limit, Offset, link_header

DriverSort = Literal[tuple(s for field in queries.DRIVER_SORTS for s in (field, f"-{field}"))]  # type: ignore[valid-type]
DriverIdent = Annotated[
    str,
    Parameter(
        description="Numeric driver_id or driver_ref (`1` and `hamilton` are the same driver)",
        min_length=1,
        max_length=64,
    ),
]


class DriverController(Controller):
    path = "/drivers"
    tags = ["drivers"]

    @get(
        "/",
        operation_id="listDrivers",
        summary="List drivers with their career statistics",
        responses=PROBLEM_RESPONSES,
    )
    async def list_drivers(
        self,
        request: Request,
        backend: BackendDep,
        limit: Limit = 50,
        offset: Offset = 0,
        sort: Annotated[
            DriverSort,
            Parameter(description="Field to sort by; prefix `-` for descending. Ties: driver_id."),
        ] = "driver_id",
        nationality: Annotated[
            str | None,
            Parameter(description="Exact nationality, any case (`British`)", max_length=64),
        ] = None,
        season: Annotated[
            int | None,
            Parameter(description="Only drivers who entered a race that year", ge=1950, le=2100),
        ] = None,
        q: Annotated[
            str | None,
            Parameter(
                description="Case- and accent-insensitive search in names, ref and code",
                min_length=1,
                max_length=64,
            ),
        ] = None,
    ) -> Response[Page[DriverSummary]]:
        """A page of driver career summaries, filtered and sorted."""
        page = await queries.list_drivers(
            backend,
            limit=limit,
            offset=offset,
            sort=sort,
            nationality=nationality,
            season=season,
            q=q,
        )
        return Response(page, headers=link_header(request, page))

    @get(
        "/{driver:str}",
        operation_id="getDriver",
        summary="Get one driver's career statistics",
        responses=PROBLEM_RESPONSES,
    )
    async def get_driver(self, backend: BackendDep, driver: DriverIdent) -> DriverSummary:
        """One driver's career, by numeric id or driver_ref."""
        found = await queries.get_driver(backend, driver)
        if found is None:
            raise not_found("driver", driver)
        return found

    @get(
        "/{driver:str}/seasons",
        operation_id="listDriverSeasons",
        summary="List one driver's seasons",
        responses=PROBLEM_RESPONSES,
    )
    async def list_driver_seasons(
        self, backend: BackendDep, driver: DriverIdent
    ) -> list[DriverSeason]:
        """The driver's season lines, oldest first."""
        found = await queries.get_driver(backend, driver)
        if found is None:
            raise not_found("driver", driver)
        return await queries.driver_seasons(backend, found.driver_id)
