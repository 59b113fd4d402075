"""Prometheus metrics that count every response once, whoever answers it.

With `PROMETHEUS_MULTIPROC_DIR` set (several worker processes) values live in that directory
and any worker's /metrics reads them all (prometheus_client's multiprocess mode); otherwise each
app has its own registry. Names are a public contract (README, deploy/observability)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import os
import time
from collections.abc import Awaitable, Sequence
from typing import Any

from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from app.edge.headers import served_version
from app.edge.limits import NO_RATE_LIMIT
from app.follow import Snapshot, pinned

log = logging.getLogger("app")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LABELS = ("method", "path", "status_code")
UNMATCHED = "unmatched"  # the path label of a request no route matched (404, 405, refusals)


class Metrics:
    def __init__(self, multiprocess_dir: str | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir
        # In multiprocess mode values are files; the registry is built per scrape.
        registry = None if multiprocess_dir else CollectorRegistry()
        self.registry = registry

        def gauge(name: str, doc: str, labels: Sequence[str] = (), mode: str = "livesum"):
            return Gauge(name, doc, labels, registry=registry, multiprocess_mode=mode)

        self.requests = Counter(
            "racing_api_requests_total",
            "Responses by method, route template and status, cached and 304s included",
            LABELS,
            registry=registry,
        )
        self.request_duration = Histogram(
            "racing_api_request_duration_seconds",
            "Time from request to the last byte of the response",
            LABELS,
            registry=registry,
        )
        self.cache_hits = Counter(
            "racing_api_response_cache_hits_total", "Responses replayed", registry=registry
        )
        self.cache_misses = Counter(
            "racing_api_response_cache_misses_total",
            "Cacheable lookups not found",
            registry=registry,
        )
        self.cache_evictions = Counter(
            "racing_api_response_cache_evictions_total",
            "Entries dropped for room or for a new data version",
            registry=registry,
        )
        self.cache_bytes = gauge("racing_api_response_cache_bytes", "Bytes of bodies held")
        self.cache_entries = gauge("racing_api_response_cache_entries", "Responses held")
        self.data_info = gauge(
            "racing_api_data_info",
            "1 for the data version served (0 for one served before)",
            ("data_version", "source"),
            mode="mostrecent",
        )
        self.data_build_time = gauge(
            "racing_api_data_build_timestamp_seconds",
            "When the data version served was built (unix seconds)",
            mode="mostrecent",
        )
        self.ready = gauge(
            "racing_api_ready", "1 when the last readiness check passed", mode="mostrecent"
        )
        self.backend_query = Histogram(
            "racing_api_backend_query_duration_seconds",
            "Time of one database query",
            ("backend",),
            registry=registry,
        )
        self.backend_errors = Counter(
            "racing_api_backend_errors_total",
            "Database queries that failed",
            ("backend",),
            registry=registry,
        )
        self.pool_size = gauge("racing_api_db_pool_size", "PostgreSQL connections open")
        self.pool_in_use = gauge(
            "racing_api_db_pool_connections_in_use", "PostgreSQL connections lent out"
        )
        self.pool_waiting = gauge(
            "racing_api_db_pool_requests_waiting", "Requests waiting for a PostgreSQL connection"
        )
        self._data: tuple[str, str] | None = None
        self._request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe_request(self, method: str, path: str, status: int, seconds: float) -> None:
        series = self._request_series.get((method, path, status))
        if series is None:  # bounded: methods x route templates x statuses
            labels = (method, path, str(status))
            series = self.requests.labels(*labels), self.request_duration.labels(*labels)
            self._request_series[(method, path, status)] = series
        series[0].inc()
        series[1].observe(seconds)

    def observe_data(self, version: str, manifest: dict) -> None:
        """Point the data gauges at `version` (once per version; cheap to call per request)."""
        if self._data is not None and self._data[0] == version:
            return
        source = _source(manifest)
        if self._data is not None:
            self.data_info.labels(*self._data).set(0)
        self._data = (version, source)
        self.data_info.labels(version, source).set(1)
        built_at = manifest.get("built_at")
        if isinstance(built_at, str):
            with contextlib.suppress(ValueError):
                stamp = datetime.datetime.fromisoformat(built_at.replace("Z", "+00:00"))
                self.data_build_time.set(stamp.timestamp())

    def observe_pool(self, backend: Any) -> None:
        stats = getattr(backend, "pool_stats", None)
        if stats is None:
            return
        figures = stats()
        self.pool_size.set(figures.get("pool_size", 0))
        self.pool_in_use.set(figures.get("connections_in_use", 0))
        self.pool_waiting.set(figures.get("requests_waiting", 0))

    def render(self) -> bytes:
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.multiprocess_dir)
        return generate_latest(registry)


def _source(manifest: dict) -> str:
    """What the data is (`sample`, `real`) when the manifest says, else `unknown`."""
    source = manifest.get("source")
    if isinstance(source, dict):
        source = source.get("kind") or source.get("name")
    return str(source) if source else "unknown"


def metrics_from_env() -> Metrics:
    return Metrics(os.environ.get(MULTIPROC_ENV) or None)


def count_responses(app: Litestar, inner: ASGIApp) -> ASGIApp:
    """Outermost layer: one count and one duration per response, by route template."""

    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        metrics: Metrics = app.state.metrics
        method = scope["method"]
        started = time.perf_counter()
        status = 500  # if nothing is sent, the server answers 500

        async def counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await inner(scope, receive, counted)
        finally:
            path = scope.get("path_template") or UNMATCHED
            metrics.observe_request(method, path, status, time.perf_counter() - started)
            backend = pinned(scope).backend
            if backend is not None:
                metrics.observe_data(served_version(scope), backend.manifest)

    return layer


class TimedBackend:
    """The backend with every query timed and every failure counted; everything else is the
    backend's own."""

    def __init__(self, backend: Any, metrics: Metrics) -> None:
        self.inner = backend
        self._metrics = metrics
        self._duration = metrics.backend_query.labels(backend.name)
        self._errors = metrics.backend_errors.labels(backend.name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list:
        return await self._timed(self.inner.fetch_all(sql, params))

    async def served_version(self) -> str:
        return await self._timed(self.inner.served_version())

    async def _timed(self, query: Awaitable[Any]) -> Any:
        started = time.perf_counter()
        try:
            return await query
        except Exception:
            self._errors.inc()
            raise
        finally:
            self._duration.observe(time.perf_counter() - started)
            self._metrics.observe_pool(self.inner)


def timed_backend(state: State, backend: Any) -> TimedBackend:
    """A served backend, instrumented (re-wrapped when the backend object changes)."""
    timed = getattr(state, "timed_backend", None)
    if timed is None or timed.inner is not backend:
        timed = state.timed_backend = TimedBackend(backend, state.metrics)
    return timed


async def check_ready(state: State, snapshot: Snapshot) -> tuple[bool, str]:
    """(ready, served version or the reason not): the backend answers with the version the
    manifest names. Sets `racing_api_ready`."""
    if snapshot.backend is None:
        state.metrics.ready.set(0)
        return False, snapshot.problem or "no data version is being served"
    backend = timed_backend(state, snapshot.backend)
    try:
        served = await backend.served_version()
    except Exception as exc:
        state.metrics.ready.set(0)
        return False, str(exc)
    ok = served == backend.data_version
    state.metrics.ready.set(1 if ok else 0)
    return ok, served if ok else f"database serves {served}, expected {backend.data_version}"


async def _scrape(state: State) -> bytes:
    metrics: Metrics = state.metrics
    snapshot = state.follower.snapshot if getattr(state, "follower", None) else None
    if snapshot is not None:
        await check_ready(state, snapshot)
        if snapshot.backend is not None:
            metrics.observe_pool(snapshot.backend)
    return metrics.render()


@get(
    "/metrics",
    include_in_schema=False,
    opt={"cache": False, NO_RATE_LIMIT: True, "extra_query_params": "*"},
)
async def metrics_endpoint(state: State) -> Response[bytes]:
    return Response(await _scrape(state), media_type=CONTENT_TYPE_LATEST)


async def serve_metrics_port(state: State, host: str, port: int) -> asyncio.Server | None:
    """/metrics alone on its own port (RACING_METRICS_PORT), on the app's event loop. With
    several workers the first to bind serves it; any worker's answer covers them all."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            method, target, *_ = [*head.split(b" ", 2), b"", b""]
            if method in (b"GET", b"HEAD") and target.split(b"?")[0] == b"/metrics":
                status, body, media = b"200 OK", await _scrape(state), CONTENT_TYPE_LATEST
            else:
                status, body, media = b"404 Not Found", b"only /metrics here\n", "text/plain"
            writer.write(
                b"HTTP/1.1 "
                + status
                + b"\r\nContent-Type: "
                + media.encode()
                + b"\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + (body if method != b"HEAD" else b"")
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass
        finally:
            writer.close()

    try:
        return await asyncio.start_server(answer, host, port, limit=16384)
    except OSError as exc:
        log.info("metrics port %s not bound here (%s): another worker serves it", port, exc)
        return None
