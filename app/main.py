"""`create_app(settings)`: the Litestar application. Nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

import msgspec
from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Contact, License, Tag
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.types import Message, Receive, Scope, Send

from app import docs
from app.backends import Backend, BackendUnavailable, open_backend
from app.http import (
    EXCEPTION_HANDLERS,
    PROBLEM_JSON,
    Problem,
    ResponseCache,
    etag_middleware_factory,
)
from app.marts import ContractMismatch, check_artifacts
from app.routes.circuits import CircuitController
from app.routes.common import document_csv
from app.routes.constructors import ConstructorController
from app.routes.drivers import DriverController
from app.routes.meta import MetaController
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


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False


MAX_TARGET_BYTES = 4096  # path and query string
MAX_HEADER_BYTES = 16384  # all request headers together


class RacingApp(Litestar):
    """Litestar, refusing oversized requests before routing (414, 431), and answering HEAD for
    every GET route: the request is routed as GET and the body is dropped on the way out, so
    headers (ETag, Content-Length) match the GET."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await super().__call__(scope, receive, self._startup_failure_in_one_line(send))
            return
        if scope["type"] == "http":
            status = _oversized(scope)
            if status:
                await _refuse(send, status, getattr(self.state, "data_version", None))
                return
        if scope["type"] == "http" and scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}  # type: ignore[typeddict-item]
            get_send = send

            async def send(message: Message) -> None:
                if message["type"] == "http.response.body":
                    message = {**message, "body": b""}  # type: ignore[typeddict-item]
                await get_send(message)

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


def _oversized(scope: Scope) -> int | None:
    if len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") > MAX_TARGET_BYTES:
        return 414
    if sum(len(name) + len(value) for name, value in scope["headers"]) > MAX_HEADER_BYTES:
        return 431
    return None


async def _refuse(send: Send, status: int, version: str | None) -> None:
    title = HTTPStatus(status).phrase
    body = msgspec.json.encode(Problem(title=title, status=status))
    version = version or "none"
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"x-data-version", version.encode()),
        (b"connection", b"close"),
        *SECURITY_HEADERS,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def reject_repeated_parameters(request: Request) -> None:
    """No parameter of this API is a list: `?season=1950&season=1951` is an error, not a guess."""
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name in seen:
            raise ValidationException(
                detail=f"Validation failed for {request.method} {request.url.path}",
                extra=[{"key": name, "source": "query", "message": "given more than once"}],
            )
        seen.add(name)


def provide_backend(state: State) -> Backend:
    return state.backend


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def rate_limit_middleware(settings: Settings) -> list:
    """Optional per-client rate limiting with RateLimit-* headers and Retry-After on 429."""
    rule = settings.rate_limit_rule
    if rule is None:
        return []
    config = RateLimitConfig(rate_limit=rule, exclude=["/health", "/ready", "/metrics"])
    return [config.middleware]


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            backend = await open_backend(settings)
        except BackendUnavailable as exc:
            app.state.startup_error = f"cannot start: {exc}"
            raise
        try:
            check_artifacts(backend.manifest)
        except ContractMismatch as exc:
            app.state.startup_error = f"artifacts do not fit the API: {exc}"
            await backend.close()
            raise
        app.state.backend = backend
        app.state.data_version = backend.data_version
        app.state.response_cache = (
            ResponseCache(settings.response_cache_entries, settings.response_cache_mb << 20)
            if settings.response_cache
            else None
        )
        try:
            yield
        finally:
            await backend.close()

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = message.setdefault("headers", [])
        if not any(name == b"x-data-version" for name, _ in headers):
            version = getattr(scope["app"].state, "data_version", None) or "none"
            headers.append((b"x-data-version", version.encode()))
            headers.extend(SECURITY_HEADERS)

    try:
        import brotli  # noqa: F401

        compression = CompressionConfig(
            backend="brotli", brotli_gzip_fallback=True, minimum_size=1024
        )
    except ImportError:
        compression = CompressionConfig(backend="gzip", minimum_size=1024)

    app = RacingApp(
        route_handlers=[
            DriverController,
            CircuitController,
            ConstructorController,
            SeasonController,
            RaceController,
            MetaController,
            MetricsController,
            *docs.ROUTES,
        ],
        dependencies={"backend": Provide(provide_backend, sync_to_thread=False)},
        lifespan=[lifespan],
        state=State({"settings": settings}),
        middleware=[
            *rate_limit_middleware(settings),
            etag_middleware_factory,
            PrometheusConfig(
                app_name="racing_api", prefix="racing_api", group_path=True
            ).middleware,
        ],
        before_send=[add_headers],
        before_request=reject_repeated_parameters,
        exception_handlers=EXCEPTION_HANDLERS,
        compression_config=compression,
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
            ],
            path="/schema",
            # /schema is the JSON; the UIs are served by app/docs.py from pinned local assets.
            render_plugins=[JsonRenderPlugin()],
        ),
        debug=False,
    )
    document_csv(app.openapi_schema)
    return app
