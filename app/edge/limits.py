"""Limits on what a client may send or ask: request size (414, 431), a target that is not
UTF-8 (400), an optional per-client rate (429); and HEAD answered as GET without a body."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote_to_bytes

from litestar import Litestar
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.stores.memory import MemoryStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.edge.problems import PROBLEM_JSON, problem_body
from app.settings import Settings

MAX_TARGET_BYTES = 4096  # path and query string
MAX_HEADER_BYTES = 16384  # all request headers together
RATE_LIMIT_CLIENTS = 10_000  # addresses remembered by the in-memory rate limiter (~2 MB)
NO_RATE_LIMIT = "no_rate_limit"  # a route with this opt set is never limited (probes, metrics)


def _refusal(scope: Scope) -> tuple[int, str | None, str | None] | None:
    """(status, detail, instance) of a request to refuse, or None."""
    # (without the query: uvicorn's raw_path has none, Litestar's TestClient's has it)
    raw_path = (scope.get("raw_path") or scope["path"].encode()).partition(b"?")[0]
    query = scope.get("query_string") or b""
    if len(raw_path) + len(query) > MAX_TARGET_BYTES:
        return 414, None, None
    if sum(len(name) + len(value) for name, value in scope["headers"]) > MAX_HEADER_BYTES:
        return 431, None, None
    for part, what in ((raw_path, "path"), (query.replace(b"+", b" "), "query")):
        try:
            (unquote_to_bytes(part) if b"%" in part else part).decode("utf-8")
        except UnicodeDecodeError:
            return 400, f"The {what} is not UTF-8 once percent-decoded", scope["path"]
    return None


def refuse_malformed(app: Litestar, inner: ASGIApp) -> ASGIApp:
    """Refuse, before routing, what no route could answer."""

    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        refusal = _refusal(scope)
        if refusal is None:
            await inner(scope, receive, send)
            return
        body = problem_body(*refusal)
        status = refusal[0]
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return layer


def head_as_get(app: Litestar, inner: ASGIApp) -> ASGIApp:
    """HEAD is routed as GET and the body dropped on the way out, so its headers (ETag,
    Content-Length) are the GET's."""

    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "HEAD":
            await inner(scope, receive, send)
            return
        # A copy: the server reads the method from its own scope to know that a HEAD response
        # has no body (uvicorn's httptools protocol would wait for Content-Length bytes).
        as_get = {**scope, "method": "GET"}

        async def headless(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}  # type: ignore[typeddict-item]
            await send(message)

        try:
            await inner(as_get, receive, headless)  # type: ignore[arg-type]
        finally:
            if "path_template" in as_get:  # for the layers above: metrics, access log
                scope["path_template"] = as_get["path_template"]  # type: ignore[typeddict-unknown-key]

    return layer


class BoundedMemoryStore(MemoryStore):
    """Litestar's memory store, forgetting the least recently written key beyond `max_keys`, so
    spoofed client addresses cannot grow it without bound."""

    def __init__(self, max_keys: int) -> None:
        super().__init__()
        self.max_keys = max_keys

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None):
        async with self._lock:
            self._store.pop(key, None)
            while len(self._store) >= self.max_keys:
                del self._store[next(iter(self._store))]
        await super().set(key, value, expires_in)

    def __len__(self) -> int:
        return len(self._store)


def rate_limit(settings: Settings) -> tuple[list, dict]:
    """(route middleware, stores) for the optional per-client limit, with RateLimit-* headers
    and Retry-After on 429; routes with `opt={NO_RATE_LIMIT: True}` are exempt."""
    rule = settings.rate_limit_rule
    if rule is None:
        return [], {}
    config = RateLimitConfig(rate_limit=rule, exclude_opt_key=NO_RATE_LIMIT)
    return [config.middleware], {config.store: BoundedMemoryStore(RATE_LIMIT_CLIENTS)}
