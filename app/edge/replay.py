"""Replay first: a request exactly like one the response cache already answered gets the stored
response before any other layer runs, with what those layers would have added (the count and
duration in the metrics, the request line and `X-Request-ID`, `X-Data-Version` and the security
headers) done here in one pass; nothing is routed.

"Exactly like" is the replay key: the path, the raw query string, the scheme, and the raw
`Accept`, `Accept-Encoding` and `Host` fields in the order sent, i.e. everything a cacheable
route's answer may depend on. The key is learned only from a request that went through every
layer and the route and was answered from, or stored in, the cache (app/edge/response_cache.py),
so every check (target limits, parameters, validation, negotiation) has passed for that exact
request; of the checks that depend on anything else, the header size limit is made here.
Not replayed, and so passed on as usual: requests with `Origin` (CORS adds headers), methods
other than GET and HEAD, and everything when a rate limit is configured (its 429s come from the
route) or the cache is off."""

from __future__ import annotations

import time

from litestar import Litestar
from litestar.types import ASGIApp, Receive, Scope, Send

from app.edge.access_log import request_id, write_line
from app.edge.headers import served_version, stamped
from app.edge.limits import MAX_HEADER_BYTES
from app.edge.negotiation import header
from app.edge.response_cache import REPLAY_KEY, ResponseCache, etag_matches

KEYED = frozenset((b"accept", b"accept-encoding", b"host"))


def replay_key(scope: Scope) -> tuple | None:
    """The request as far as a cached answer depends on it, or None when it may not be replayed."""
    fields = []
    size = 0
    for name, value in scope["headers"]:
        size += len(name) + len(value)
        if name in KEYED:
            fields.append((name, value))
        elif name == b"origin":
            return None
    if size > MAX_HEADER_BYTES:
        return None
    return (scope["path"], scope["query_string"], scope["scheme"], *fields)


def replay_cached(app: Litestar, inner: ASGIApp) -> ASGIApp:
    """The outermost layer: replays a stored 200 (or answers 304) for a request seen before."""
    settings = app.state.settings
    if not settings.response_cache or settings.rate_limit_rule is not None:
        return inner

    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        cache: ResponseCache | None = getattr(app.state, "response_cache", None)
        method = scope["method"]
        key = replay_key(scope) if cache is not None and method in ("GET", "HEAD") else None
        version = served_version(scope)
        found = cache.replay(version, key) if key is not None else None
        if found is None:
            if key is not None:
                scope[REPLAY_KEY] = key  # type: ignore[literal-required]
            await inner(scope, receive, send)
            return
        started = time.perf_counter()
        (headers, body), (_, template, validators) = found
        scope["path_template"] = template  # type: ignore[typeddict-unknown-key]
        if_none_match = header(scope, b"if-none-match")
        if if_none_match and etag_matches(if_none_match, validators[0][1]):
            status, headers, body = 304, validators, b""
        else:
            status = 200
        if method == "HEAD":
            body = b""
        rid = request_id(scope["headers"])
        headers = stamped(headers, version)
        headers.append((b"x-request-id", rid))
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        finally:
            app.state.metrics.observe_request(
                method, template, status, time.perf_counter() - started
            )
            write_line(
                scope,
                method,
                scope["path"],
                status,
                started,
                len(body),
                version.encode(),
                rid.decode(),
            )

    return layer
