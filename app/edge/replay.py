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

from app.edge.access_log import REQUEST_ID, new_request_id, write_line
from app.edge.headers import served_version
from app.edge.limits import MAX_HEADER_BYTES
from app.edge.response_cache import REPLAY_KEY, ResponseCache, etag_matches

KEYED = frozenset((b"accept", b"accept-encoding", b"host"))


def replay_key(scope: Scope) -> tuple | None:
    """The request as far as a cached answer depends on it, or None when it may not be replayed."""
    return _read(scope)[0]


def _read(scope: Scope) -> tuple[tuple | None, bytes | None, bytes | None]:
    """One pass over the request's headers: (replay key, `X-Request-ID`, `If-None-Match`)."""
    fields = []
    size = 0
    rid = if_none_match = None
    for name, value in scope["headers"]:
        size += len(name) + len(value)
        if name in KEYED:
            fields.append((name, value))
        elif name == b"if-none-match":
            if_none_match = value if if_none_match is None else if_none_match + b", " + value
        elif name == b"x-request-id":
            rid = value if rid is None else rid
        elif name == b"origin":
            return None, None, None
    if size > MAX_HEADER_BYTES:
        return None, None, None
    key = (scope["path"], scope["query_string"], scope["scheme"], *fields)
    return key, rid, if_none_match


def replay_cached(app: Litestar, inner: ASGIApp) -> ASGIApp:
    """The outermost layer: replays a stored 200 (or answers 304) for a request seen before."""
    settings = app.state.settings
    if not settings.response_cache or settings.rate_limit_rule is not None:
        return inner
    metrics = app.state.metrics

    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        cache: ResponseCache | None = getattr(app.state, "response_cache", None)
        method = scope["method"]
        if cache is None or (method != "GET" and method != "HEAD"):
            await inner(scope, receive, send)
            return
        key, rid, if_none_match = _read(scope)
        version = served_version(scope)
        found = cache.replay(version, key) if key is not None else None
        if found is None:
            if key is not None:
                scope[REPLAY_KEY] = key  # type: ignore[literal-required]
            await inner(scope, receive, send)
            return
        started = time.perf_counter()
        (_, body), alias = found
        scope["path_template"] = alias.template  # type: ignore[typeddict-unknown-key]
        if if_none_match and etag_matches(if_none_match.decode("latin-1"), alias.etag):
            status, headers, body = 304, alias.not_modified_headers, b""
        else:
            status, headers = 200, alias.ok_headers
        if method == "HEAD":
            body = b""
        rid = rid if rid is not None and REQUEST_ID.fullmatch(rid) else new_request_id()
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [*headers, (b"x-request-id", rid)],
                }
            )
            await send({"type": "http.response.body", "body": body})
        finally:
            metrics.observe_request(method, alias.template, status, time.perf_counter() - started)
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
