"""/constructors: teams, their seasons and titles."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get

from app import queries
from app.edge.problems import PROBLEM_RESPONSES, not_found
from app.models import ConstructorSeason, ConstructorSummary, Page
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

CONSTRUCTOR_LISTING = listing(
    sorts=queries.CONSTRUCTOR_SORTS,
    default_sort="constructor_id",
    sort_description="Field to sort by; prefix `-` for descending. Ties: id.",
    sort_example=("most titles first", "-championships"),
    search=True,
)
ConstructorIdent = Annotated[
    str,
    ident("Numeric constructor_id or constructor_ref (`6` and `ferrari` are the same)", "ferrari"),
]


async def _constructor(backend, ident: str) -> ConstructorSummary:
    found = await queries.get_constructor(backend, ident)
    if found is None:
        raise not_found("constructor", ident)
    return found


class ConstructorController(Controller):
    path = "/constructors"
    tags = ["constructors"]

    @get(
        "/",
        operation_id="listConstructors",
        summary="List constructors",
        responses=PROBLEM_RESPONSES,
        dependencies={"listing": CONSTRUCTOR_LISTING},
    )
    async def list_constructors(
        self,
        request: Request,
        listing: ListingDep,
        nationality: Nationality = None,
    ) -> Response[Page[ConstructorSummary]]:
        """A page of constructor histories, filtered and sorted."""
        backend = backend_of(request)
        page = await queries.list_constructors(
            backend,
            limit=listing.limit,
            offset=listing.offset,
            sort=listing.sort,
            nationality=nationality,
            q=listing.q,
        )
        return await respond(request, page, ConstructorSummary)

    @get(
        "/{constructor:str}",
        operation_id="getConstructor",
        summary="Get a constructor's history",
        responses=SINGLE_RESPONSES,
    )
    async def get_constructor(
        self,
        request: Request,
        constructor: ConstructorIdent,
        format: Format = None,
    ) -> ConstructorSummary:
        """Entries, wins, podiums, poles, points, titles, drivers fielded, first and last season."""
        backend = backend_of(request)
        json_only(request, format)
        return await _constructor(backend, constructor)

    @get(
        "/{constructor:str}/seasons",
        operation_id="listConstructorSeasons",
        summary="List a constructor's seasons",
        responses=PROBLEM_RESPONSES,
    )
    async def list_constructor_seasons(
        self,
        request: Request,
        constructor: ConstructorIdent,
        format: Format = None,
    ) -> Response[list[ConstructorSeason]]:
        """The constructor's season lines, oldest first, with the drivers it fielded."""
        backend = backend_of(request)
        found = await _constructor(backend, constructor)
        seasons = await queries.constructor_seasons(backend, found.constructor_id)
        return await respond(request, seasons, ConstructorSeason)
