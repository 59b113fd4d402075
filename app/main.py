"""`create_app(settings)`: the Litestar application. Nothing happens at import."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Contact, License, Tag
from litestar.types import Message, Receive, Scope, Send

from app import docs, edge, logs
from app.backends import BackendUnavailable
from app.edge import limits
from app.edge.compression import compression_config
from app.edge.metrics import metrics_endpoint, metrics_from_env, serve_metrics_port
from app.edge.problems import problem_details_plugin, schema_router
from app.edge.query import accepted_query_params, check_query_params
from app.edge.response_cache import ResponseCache, response_cache
from app.ergast.routes import ErgastController, document_forms
from app.follow import NOT_STARTED, SCOPE_KEY, Follower, Snapshot
from app.marts import ContractMismatch
from app.routes.circuits import CircuitController
from app.routes.common import document_csv
from app.routes.constructors import ConstructorController
from app.routes.drivers import DriverController
from app.routes.meta import MetaController, startup_line
from app.routes.races import RaceController
from app.routes.seasons import SeasonController
from app.settings import Settings

API_DESCRIPTION = """\
Formula 1 history (1950 to today) as precomputed, documented statistics: careers, seasons,
circuits and lap records, computed once per data version from the Ergast-format data set.

Every response carries `X-Data-Version`; GET responses carry an `ETag` and answer
`If-None-Match` with 304. Errors are RFC 9457 `application/problem+json` documents.
Data: Ergast / Jolpica (non-commercial use; attribute "Ergast / Jolpica").
"""


class RacingApp(Litestar):
    """Litestar inside the edge's outer layers (app/edge/__init__.py: metrics, headers, limits)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._edge = edge.wrap(self, super().__call__)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # One data version for the whole request, whatever the follower switches meanwhile.
            follower = getattr(self.state, "follower", None)
            scope[SCOPE_KEY] = follower.snapshot if follower is not None else NOT_STARTED  # type: ignore[literal-required]
            await self._edge(scope, receive, send)
        elif scope["type"] == "lifespan":
            await super().__call__(scope, receive, self._startup_failure_in_one_line(send))
        else:
            await super().__call__(scope, receive, send)

    def _startup_failure_in_one_line(self, send: Send) -> Send:
        """A start refused for a known reason (nothing loaded, artifacts that do not fit the
        response Structs) is reported as its one-line message, not a traceback."""

        async def send_lifespan(message: Message) -> None:
            error = getattr(self.state, "startup_error", None)
            if message["type"] == "lifespan.startup.failed" and error:
                message = {**message, "message": error}  # type: ignore[typeddict-item]
            await send(message)

        return send_lifespan


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    logging_config = logs.configure_logging(settings.log_level, settings.access_log)
    metrics = metrics_from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        def switched(snapshot: Snapshot) -> None:
            metrics.ready.set(1 if snapshot.backend is not None else 0)
            if snapshot.backend is not None:
                metrics.observe_data(snapshot.data_version, snapshot.backend.manifest)

        follower = Follower(settings, switched)
        try:
            await follower.start()
        except BackendUnavailable as exc:
            app.state.startup_error = f"cannot start: {exc}"
            raise
        except ContractMismatch as exc:
            app.state.startup_error = f"artifacts do not fit the API: {exc}"
            raise
        app.state.follower = follower
        snapshot = follower.snapshot
        if snapshot.backend is not None:
            logging.getLogger("uvicorn.error").info(startup_line(snapshot.backend))
        app.state.response_cache = (
            ResponseCache(
                settings.response_cache_entries, settings.response_cache_mb << 20, metrics
            )
            if settings.response_cache
            else None
        )
        logs.log_event(
            "startup",
            backend=settings.backend,
            data_version=snapshot.data_version,
            data_built_at=snapshot.backend.manifest.get("built_at") if snapshot.backend else None,
            pid=os.getpid(),
        )
        # What start-up made (modules, routes, the OpenAPI schema, the backend) lives as long
        # as the process: moved out of the collector's sight, collections stay short.
        gc.freeze()
        metrics_server = None
        if settings.metrics_port is not None:
            metrics_server = await serve_metrics_port(
                app.state, settings.host, settings.metrics_port
            )
        try:
            yield
        finally:
            metrics.ready.set(0)
            logs.flush()  # request lines still waiting (a worker process exits without atexit)
            logs.log_event(
                "shutdown",
                backend=settings.backend,
                data_version=follower.snapshot.data_version,
            )
            if metrics_server is not None:
                metrics_server.close()
            await follower.close()

    rate_limit, stores = limits.rate_limit(settings)
    app = RacingApp(
        route_handlers=[
            DriverController,
            CircuitController,
            ConstructorController,
            SeasonController,
            RaceController,
            MetaController,
            ErgastController,
            *([metrics_endpoint] if settings.metrics_port is None else []),
            *docs.ROUTES,
        ],
        lifespan=[lifespan],
        state=State({"settings": settings, "metrics": metrics}),
        stores=stores,
        middleware=[*rate_limit, response_cache],  # app/edge/__init__.py has the whole order
        before_request=check_query_params,
        plugins=[problem_details_plugin()],
        compression_config=compression_config(),
        cors_config=CORSConfig(
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "OPTIONS"],
            expose_headers=["ETag", "X-Data-Version", "Link"],
            max_age=86400,
        ),
        openapi_config=OpenAPIConfig(
            title="Racing Data API",
            version="1.0.0",
            description=API_DESCRIPTION,
            contact=Contact(name="Racing Data API"),
            license=License(name="MIT", identifier="MIT"),
            tags=[
                Tag(name="drivers", description="Careers and seasons"),
                Tag(name="circuits", description="Circuits, races held and lap records"),
                Tag(name="constructors", description="Teams, their seasons and titles"),
                Tag(name="seasons", description="Calendars, champions and standings"),
                Tag(name="races", description="Races and full classifications"),
                Tag(name="meta", description="Data version, health and readiness"),
                Tag(
                    name="ergast",
                    description="The Ergast/Jolpica URL scheme under /ergast/f1/, for FastF1, "
                    "f1dataR and ergast-py",
                ),
            ],
            path="/schema",
            openapi_router=schema_router("/schema"),
            # /schema is the JSON; the UIs are served by app/docs.py from pinned local assets.
            render_plugins=[JsonRenderPlugin()],
        ),
        logging_config=logging_config,
        debug=False,
    )
    document_csv(app.openapi_schema)
    document_forms(app.openapi_schema)
    app.state.accepted_query_params = accepted_query_params(app)
    return app
