"""/ergast/f1/...: the Ergast (Jolpica) URL scheme, for clients that speak it (FastF1, f1dataR,
ergast-py). One handler takes the whole path; the grammar decides what it asks for."""

from __future__ import annotations

import copy
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.spec import Example, OpenAPI, OpenAPIType, PathItem, Schema
from litestar.openapi.spec import Parameter as ParameterSpec
from litestar.params import Parameter

from app.edge.problems import PROBLEM_RESPONSES, problem
from app.ergast import service
from app.ergast.grammar import GrammarError, parse
from app.routes.common import TEXT_PATTERN, backend_of

ErgastLimit = Annotated[
    int,
    Parameter(
        description="Rows per page (default 30); above 1000 it is clamped to 1000 and the "
        "document's `limit` says so",
        ge=1,
        le=1_000_000_000,
        examples=[Example(summary="100", value=100)],
    ),
]
ErgastOffset = Annotated[
    int,
    Parameter(description="Rows to skip", ge=0, le=1_000_000_000),
]
ErgastPath = Annotated[
    str,
    Parameter(
        description="`[{season}/[{round}/]]{criterion}/{value}/.../{resource}[/{value}]`, "
        "ending in `.json` or `/`",
        pattern=TEXT_PATTERN,
        examples=[
            Example(summary="A race's results", value="2008/5/results.json"),
            Example(summary="Laps of a driver", value="2024/1/drivers/hamilton/laps.json"),
            Example(summary="Standings after the latest round", value="current/driverStandings"),
        ],
    ),
]


class ErgastDocument(msgspec.Struct, frozen=True):
    """`{"MRData": {xmlns, series, url, limit, offset, total, <X>Table: {criteria, <List>}}}`:
    every scalar a string, as Ergast published it."""

    MRData: dict[str, object]


def _url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}{request.url.path}".lower()


def _operation_id(handler: object, method: object, components: list) -> str:
    """`ergastRaces` for the bare /ergast/f1 (every race), `ergast` for the rest."""
    return "ergast" if any(not isinstance(c, str) for c in components) else "ergastRaces"


class ErgastController(Controller):
    path = "/ergast/f1"
    tags = ["ergast"]

    @get(
        ["/", "/{path:path}"],
        operation_id=_operation_id,
        summary="Ergast-compatible request",
        responses=PROBLEM_RESPONSES,
        opt={"vary_host": True},  # MRData.url is absolute: cache per Host
    )
    async def ergast(
        self,
        request: Request,
        path: ErgastPath = "",
        limit: ErgastLimit = service.DEFAULT_LIMIT,
        offset: ErgastOffset = 0,
    ) -> Response[ErgastDocument]:
        """Seasons, circuits, races, constructors, drivers, status, results, sprint,
        qualifying, pitstops, laps, driverStandings, constructorStandings: filtered by any
        criteria, paged by `limit` (≤ 1000) and `offset`, in Ergast's JSON."""
        try:
            query = parse(path)
        except GrammarError as exc:
            raise problem(exc.status, exc.detail) from None
        document = await service.answer(backend_of(request), query, _url(request), limit, offset)
        return Response(msgspec.json.encode(document), media_type="application/json")


SEASON = ParameterSpec(
    name="season",
    param_in="path",
    required=True,
    description="A year, or `current` (the latest season in the data)",
    schema=Schema(type=OpenAPIType.STRING, pattern=r"^([0-9]{4}|current)$", examples=["2008"]),
)
ROUND = ParameterSpec(
    name="round",
    param_in="path",
    required=True,
    description="A round number, `last` (latest with results) or `next`",
    schema=Schema(type=OpenAPIType.STRING, pattern=r"^([0-9]{1,2}|last|next)$", examples=["5"]),
)
# Forms the catch-all answers, documented on their own so the schema (and generated clients)
# name the common requests: operation id, summary, path parameters.
FORMS = {
    "/ergast/f1/{season}.json": ("ergastSeasonRaces", "A season's races", [SEASON]),
    "/ergast/f1/{season}/{round}/results.json": (
        "ergastRaceResults",
        "A race's results",
        [SEASON, ROUND],
    ),
    "/ergast/f1/{season}/{round}/laps.json": (
        "ergastRaceLaps",
        "A race's lap timings, by lap then position",
        [SEASON, ROUND],
    ),
    "/ergast/f1/{season}/driverStandings.json": (
        "ergastDriverStandings",
        "Drivers' standings after the season's latest round",
        [SEASON],
    ),
}


def document_forms(openapi: OpenAPI) -> None:
    """Add the documented forms beside `/ergast/f1/{path}`, sharing its responses."""
    catch_all = openapi.paths["/ergast/f1/{path}"].get
    query = [p for p in catch_all.parameters or [] if p.param_in == "query"]
    for path, (operation_id, summary, path_params) in FORMS.items():
        operation = copy.deepcopy(catch_all)
        operation.operation_id = operation_id
        operation.summary = summary
        operation.parameters = [*path_params, *query]
        openapi.paths[path] = PathItem(get=operation)
