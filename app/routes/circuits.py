"""/circuits: circuits, their races and lap records."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get

from app import queries
from app.edge.problems import PROBLEM_RESPONSES, not_found
from app.models import CircuitFastestLap, CircuitSummary, Page
from app.routes.common import (
    SINGLE_RESPONSES,
    Format,
    ListingDep,
    backend_of,
    ident,
    json_only,
    listing,
    respond,
    text,
)

CIRCUIT_LISTING = listing(
    sorts=queries.CIRCUIT_SORTS,
    default_sort="circuit_id",
    sort_description="Field to sort by; prefix `-` for descending. Ties: circuit_id.",
    sort_example=("most races first", "-races_held"),
    search=True,
)
CircuitIdent = Annotated[
    str, ident("Numeric circuit_id or circuit_ref (`14` and `monza` are the same circuit)", "monza")
]


class CircuitController(Controller):
    path = "/circuits"
    tags = ["circuits"]

    @get(
        "/",
        operation_id="listCircuits",
        summary="List circuits with races held and lap records",
        responses=PROBLEM_RESPONSES,
        dependencies={"listing": CIRCUIT_LISTING},
    )
    async def list_circuits(
        self,
        request: Request,
        listing: ListingDep,
        country: Annotated[str | None, text("Exact country, any case (`Italy`)")] = None,
    ) -> Response[Page[CircuitSummary]]:
        """A page of circuit summaries, filtered and sorted."""
        backend = backend_of(request)
        page = await queries.list_circuits(
            backend,
            limit=listing.limit,
            offset=listing.offset,
            sort=listing.sort,
            country=country,
            q=listing.q,
        )
        return await respond(request, page, CircuitSummary)

    @get(
        "/{circuit:str}",
        operation_id="getCircuit",
        summary="Get one circuit with its lap record",
        responses=SINGLE_RESPONSES,
    )
    async def get_circuit(
        self, request: Request, circuit: CircuitIdent, format: Format = None
    ) -> CircuitSummary:
        """One circuit, by numeric id or circuit_ref."""
        backend = backend_of(request)
        json_only(request, format)
        found = await queries.get_circuit(backend, circuit)
        if found is None:
            raise not_found("circuit", circuit)
        return found

    @get(
        "/{circuit:str}/fastest-laps",
        operation_id="listCircuitFastestLaps",
        summary="List the fastest lap of every race held at a circuit",
        responses=PROBLEM_RESPONSES,
    )
    async def list_circuit_fastest_laps(
        self, request: Request, circuit: CircuitIdent, format: Format = None
    ) -> Response[list[CircuitFastestLap]]:
        """Year by year, so the record's history (and layout changes) can be seen."""
        backend = backend_of(request)
        found = await queries.get_circuit(backend, circuit)
        if found is None:
            raise not_found("circuit", circuit)
        laps = await queries.circuit_fastest_laps(backend, found.circuit_id)
        return await respond(request, laps, CircuitFastestLap)
