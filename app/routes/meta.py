"""/meta, /health and /ready."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State

from app.backends import BackendUnavailable
from app.edge.limits import NO_RATE_LIMIT
from app.edge.metrics import check_ready
from app.edge.problems import PROBLEM_RESPONSES, SIZE_LIMITS, UNAVAILABLE
from app.follow import pinned
from app.models import Coverage, Health, Meta, Ready
from app.routes.common import BackendDep
from app.serve import DRAINING


class MetaController(Controller):
    tags = ["meta"]

    @get(
        "/meta",
        operation_id="getMeta",
        summary="What is being served",
        responses=PROBLEM_RESPONSES,
    )
    async def get_meta(self, backend: BackendDep) -> Meta:
        """Data version, build time, coverage, row counts and the backend in use."""
        manifest = backend.manifest
        return Meta(
            data_version=manifest["data_version"],
            built_at=manifest["built_at"],
            schema_version=manifest["schema_version"],
            backend=backend.name,
            coverage=msgspec.convert(manifest["coverage"], Coverage),
            row_counts={name: mart["rows"] for name, mart in manifest["marts"].items()},
        )

    @get(
        "/health",
        operation_id="getHealth",
        summary="The process is up",
        responses=SIZE_LIMITS,
        opt={"cache": False, NO_RATE_LIMIT: True},
    )
    async def health(self) -> Health:
        """Always 200 while the process runs; it touches no database."""
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="getReady",
        summary="The backend answers with the expected data version",
        responses={503: UNAVAILABLE, **SIZE_LIMITS},
        opt={"cache": False, NO_RATE_LIMIT: True},
    )
    async def ready(self, request: Request, state: State) -> Response[Ready]:
        """200 when the database answers and serves the manifest's data_version, else 503
        (the reason in `detail`: a database down, a damaged or vanished version, or
        `draining` while the process drains before exiting)."""
        if DRAINING.is_set():
            raise BackendUnavailable("draining")
        snapshot = pinned(request.scope)
        ready, served = await check_ready(state, snapshot)
        if not ready:
            raise BackendUnavailable(served)
        backend = snapshot.require()
        return Response(Ready(status="ready", data_version=served, backend=backend.name))
