"""/constructors: teams, their seasons and titles."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, Response, get
from litestar.openapi.spec import Example
from litestar.params import Parameter

from app import queries
from app.edge.problems import PROBLEM_RESPONSES, not_found
from app.models import ConstructorSeason, ConstructorSummary, Page
from app.routes.common import (
    BackendDep,
    Format,
    Limit,
    Nationality,
    Offset,
    Search,
    respond,
    sort_values,
)

ConstructorSort = Literal[sort_values(queries.CONSTRUCTOR_SORTS)]  # type: ignore[valid-type]
ConstructorIdent = Annotated[
    str,
    Parameter(
        description="Numeric constructor_id or constructor_ref (`6` and `ferrari` are the same)",
        min_length=1,
        max_length=64,
        examples=[Example(summary="ferrari", value="ferrari")],
    ),
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
    )
    async def list_constructors(
        self,
        request: Request,
        backend: BackendDep,
        limit: Limit = 50,
        offset: Offset = 0,
        sort: Annotated[
            ConstructorSort,
            Parameter(
                description="Field to sort by; prefix `-` for descending. Ties: id.",
                examples=[Example(summary="most titles first", value="-championships")],
            ),
        ] = "constructor_id",
        nationality: Nationality = None,
        q: Search = None,
        format: Format = None,
    ) -> Response[Page[ConstructorSummary]]:
        """A page of constructor histories, filtered and sorted."""
        page = await queries.list_constructors(
            backend, limit=limit, offset=offset, sort=sort, nationality=nationality, q=q
        )
        return respond(request, format, page, ConstructorSummary)

    @get(
        "/{constructor:str}",
        operation_id="getConstructor",
        summary="Get a constructor's history",
        responses=PROBLEM_RESPONSES,
    )
    async def get_constructor(
        self, backend: BackendDep, constructor: ConstructorIdent
    ) -> ConstructorSummary:
        """Entries, wins, podiums, poles, points, titles, drivers fielded, first and last season."""
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
        backend: BackendDep,
        constructor: ConstructorIdent,
        format: Format = None,
    ) -> Response[list[ConstructorSeason]]:
        """The constructor's season lines, oldest first, with the drivers it fielded."""
        found = await _constructor(backend, constructor)
        seasons = await queries.constructor_seasons(backend, found.constructor_id)
        return respond(request, format, seasons, ConstructorSeason)
