"""/meta, /health and /ready."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State

from app.backends import Backend, BackendUnavailable
from app.edge.limits import NO_RATE_LIMIT
from app.edge.metrics import check_ready
from app.edge.problems import SIZE_LIMITS, UNAVAILABLE
from app.follow import pinned
from app.models import Changes, Coverage, DataSource, Health, MartChanges, Meta, Ready
from app.routes.common import SINGLE_RESPONSES, Format, backend_of, json_only
from app.serve import DRAINING


def startup_line(backend: Backend) -> str:
    """The server's first word on what it serves: `sample` or `real`, the source, the cut-off."""
    manifest = backend.manifest
    source = manifest.get("source") or {}
    race = source.get("cutoff_race")
    cutoff = f"{race['season']} {race['name']} ({race['date']})" if race else "no race results"
    return (
        f"serving {source.get('kind', 'unknown')} data, version {manifest['data_version']} "
        f"from the {backend.name} backend: {source.get('description', 'source not recorded')}; "
        f"up to the {cutoff}"
    )


class MetaController(Controller):
    tags = ["meta"]

    @get(
        "/meta",
        operation_id="getMeta",
        summary="What is being served",
        responses=SINGLE_RESPONSES,
    )
    async def get_meta(self, request: Request, format: Format = None) -> Meta:
        """Data version, source, build time, coverage, row counts and the backend in use."""
        backend = backend_of(request)
        json_only(request, format)
        manifest = backend.manifest
        return Meta(
            data_version=manifest["data_version"],
            built_at=manifest["built_at"],
            schema_version=manifest["schema_version"],
            backend=backend.name,
            source=msgspec.convert(manifest["source"], DataSource)
            if "source" in manifest
            else None,
            coverage=msgspec.convert(manifest["coverage"], Coverage),
            row_counts={name: mart["rows"] for name, mart in manifest["marts"].items()},
        )

    @get(
        "/meta/changes",
        operation_id="getChanges",
        summary="What changed in this data version",
        responses=SINGLE_RESPONSES,
    )
    async def get_changes(self, request: Request, format: Format = None) -> Changes:
        """Per mart, rows added, removed and changed against the version this one replaced."""
        backend = backend_of(request)
        json_only(request, format)
        manifest = backend.manifest
        changes = manifest.get("changes") or {}
        return Changes(
            data_version=manifest["data_version"],
            previous_version=changes.get("previous_version"),
            summary=changes.get("summary", []),
            marts=msgspec.convert(changes.get("marts", []), list[MartChanges], strict=False),
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
