"""HTTP behaviour shared by every route: RFC 9457 problems, the data-version header, ETags with
304 answers, and the per-version response cache."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.backends import BackendUnavailable

PROBLEM_JSON = "application/problem+json"


class FieldError(msgspec.Struct, frozen=True, kw_only=True):
    """One invalid request field: where it was (`query`, `path`) and what was wrong."""

    name: str
    location: str
    message: str


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_spec(status: int, description: str, example: dict[str, Any]) -> ResponseSpec:
    from litestar.openapi.spec import Example

    return ResponseSpec(
        data_container=Problem,
        description=description,
        media_type=PROBLEM_JSON,
        examples=[Example(summary=description, value=example)],
        generate_examples=False,
    )


BAD_REQUEST = problem_spec(
    400,
    "Invalid parameters",
    {
        "title": "Bad Request",
        "status": 400,
        "detail": "Validation failed for GET /drivers",
        "errors": [{"name": "limit", "location": "query", "message": "Expected `int` <= 1000"}],
    },
)
NOT_FOUND = problem_spec(
    404, "Not found", {"title": "Not Found", "status": 404, "detail": "No driver 'nobody'"}
)
UNAVAILABLE = problem_spec(
    503,
    "The database cannot answer now",
    {"title": "Service Unavailable", "status": 503, "detail": "PostgreSQL unavailable"},
)
TOO_LONG = problem_spec(
    414, "Path and query longer than 4 KiB", {"title": "URI Too Long", "status": 414}
)
TOO_MANY = problem_spec(
    429,
    "Rate limit reached (when RACING_RATE_LIMIT is set); see Retry-After",
    {"title": "Too Many Requests", "status": 429},
)
HEADERS_TOO_LARGE = problem_spec(
    431,
    "Request headers larger than 16 KiB",
    {"title": "Request Header Fields Too Large", "status": 431},
)
SIZE_LIMITS = {414: TOO_LONG, 431: HEADERS_TOO_LARGE}
PROBLEM_RESPONSES = {
    400: BAD_REQUEST,
    404: NOT_FOUND,
    414: TOO_LONG,
    429: TOO_MANY,
    431: HEADERS_TOO_LARGE,
    503: UNAVAILABLE,
}


def _problem_response(problem: Problem, headers: dict | None = None) -> Response:
    return Response(
        content=problem,
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_errors(extra: Any) -> list[FieldError]:
    errors = []
    for item in extra if isinstance(extra, list) else []:
        if isinstance(item, dict):
            errors.append(
                FieldError(
                    name=str(item.get("key", "")),
                    location=str(
                        getattr(item.get("source"), "value", item.get("source") or "query")
                    ),
                    message=str(item.get("message", "")),
                )
            )
    return errors


def handle_http_exception(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    detail = exc.detail if exc.detail and exc.detail != HTTPStatus(status).phrase else None
    errors = _field_errors(exc.extra) if isinstance(exc, ValidationException) else None
    headers = dict(exc.headers or {})
    if status == 429 and "RateLimit-Reset" in headers:
        headers["Retry-After"] = headers["RateLimit-Reset"]  # seconds until the window resets
    return _problem_response(
        Problem(
            title=HTTPStatus(status).phrase,
            status=status,
            detail=detail,
            instance=request.url.path,
            errors=errors or None,
        ),
        headers=headers,
    )


def handle_unavailable(request: Request, exc: BackendUnavailable) -> Response:
    return _problem_response(
        Problem(
            title="Service Unavailable", status=503, detail=str(exc), instance=request.url.path
        ),
        headers={"Retry-After": "5"},
    )


def handle_internal_error(request: Request, exc: Exception) -> Response:
    request.logger.exception("unhandled error")
    return _problem_response(
        Problem(title="Internal Server Error", status=500, instance=request.url.path)
    )


def not_found(what: str, ident: str) -> NotFoundException:
    return NotFoundException(detail=f"No {what} {ident!r}")


EXCEPTION_HANDLERS = {
    HTTPException: handle_http_exception,
    BackendUnavailable: handle_unavailable,
    Exception: handle_internal_error,
}


# ---- ETags and the response cache -------------------------------------------------------


def canonical_query(query_string: bytes) -> str:
    """The query with parameters sorted, so equivalent requests share an ETag and a cache entry."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return urlencode(sorted(pairs))


def _accepted_encoding(headers: dict[bytes, bytes]) -> str:
    value = headers.get(b"accept-encoding", b"").lower()
    if b"br" in value:
        return "br"
    if b"gzip" in value:
        return "gzip"
    return "identity"


def _etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    if if_none_match.strip() == b"*":
        return True
    opaque = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == opaque for tag in if_none_match.split(b","))


class ResponseCache:
    """An LRU of complete responses keyed by the canonical request, for one data version,
    bounded by entries and by bytes (a single body over a tenth of the budget is not kept)."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()

    def get(self, key: tuple) -> tuple[int, list, bytes] | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple, entry: tuple[int, list, bytes]) -> None:
        size = len(entry[2])
        if size > self.max_bytes // 10 or key in self._entries:
            return
        self._entries[key] = entry
        self.bytes += size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, _, body) = self._entries.popitem(last=False)
            self.bytes -= len(body)


def etag_middleware_factory(app: ASGIApp) -> ASGIApp:
    """Route middleware for GET routes (HEAD arrives as GET; `opt={"cache": False}` opts out):
    answers 304 when If-None-Match matches, replays cached responses, stores fresh 200s."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "GET" or scope["route_handler"].opt.get("cache") is False:
            await app(scope, receive, send)
            return
        state = scope["app"].state
        headers = dict(scope["headers"])
        accept = b"csv" if b"text/csv" in headers.get(b"accept", b"") else b"json"
        query = canonical_query(scope.get("query_string", b""))
        request_key = f"{scope['path']}?{query}|{accept.decode()}"
        digest = hashlib.blake2b(request_key.encode(), digest_size=8).hexdigest()
        etag = f'W/"{state.data_version}-{digest}"'.encode()
        cache_control = f"public, max-age={state.settings.cache_max_age}".encode()
        extra = [
            (b"etag", etag),
            (b"cache-control", cache_control),
            (b"vary", b"Accept, Accept-Encoding"),
        ]

        if_none_match = headers.get(b"if-none-match")
        if if_none_match and _etag_matches(if_none_match, etag):
            await send({"type": "http.response.start", "status": 304, "headers": extra})
            await send({"type": "http.response.body", "body": b""})
            return

        cache: ResponseCache | None = state.response_cache
        key = (request_key, _accepted_encoding(headers))
        entry = cache.get(key) if cache is not None else None
        if entry is not None:
            status, response_headers, body = entry
            await send(
                {"type": "http.response.start", "status": status, "headers": response_headers}
            )
            await send({"type": "http.response.body", "body": body})
            return

        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    message["headers"] = [*message.get("headers", []), *extra]
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if (
                    cache is not None
                    and not message.get("more_body")
                    and start.get("status") == 200
                ):
                    cache.put(key, (200, list(start["headers"]), b"".join(chunks)))
            await send(message)

        await app(scope, receive, capture)

    return middleware
