"""RFC 9457 problem documents: Litestar's `ProblemDetailsPlugin` turns every exception into one;
this module only says how each kind of exception reads, and documents the shape in OpenAPI."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response, Router
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from app.backends import BackendUnavailable

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("app")


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


class RacingProblem(ProblemDetailsException):
    """A problem whose `instance` is the request path unless given."""

    def to_response(self, request: Request) -> Response:
        if self.instance is None:
            self.instance = request.url.path
        return super().to_response(request)


def problem(status: int, detail: str | None = None, **kwargs: Any) -> RacingProblem:
    return RacingProblem(
        status_code=status, title=HTTPStatus(status).phrase, detail=detail, **kwargs
    )


def _field_errors(extra: Any) -> list[dict[str, str]]:
    errors = []
    for item in extra if isinstance(extra, list) else []:
        if isinstance(item, dict):
            source = item.get("source")
            errors.append(
                {
                    "name": str(item.get("key", "")),
                    "location": str(getattr(source, "value", source or "query")),
                    "message": str(item.get("message", "")),
                }
            )
    return errors


def _from_http_exception(exc: HTTPException) -> RacingProblem:
    status = exc.status_code
    phrase = HTTPStatus(status).phrase
    detail = exc.detail if exc.detail and exc.detail != phrase else None
    errors = _field_errors(exc.extra) if isinstance(exc, ValidationException) else []
    headers = dict(exc.headers or {})
    if status == 429 and "RateLimit-Reset" in headers:
        headers["Retry-After"] = headers["RateLimit-Reset"]  # seconds until the window resets
    return problem(status, detail, headers=headers, extra={"errors": errors} if errors else None)


def _from_unavailable(exc: BackendUnavailable) -> RacingProblem:
    return problem(503, str(exc), headers={"Retry-After": "5"})


def _from_unexpected(exc: Exception) -> RacingProblem:
    log.error("unhandled error", exc_info=exc)
    return problem(500)


def problem_details_plugin() -> ProblemDetailsPlugin:
    """Every HTTP error, an unavailable backend and any unexpected exception become problems."""
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                HTTPException: _from_http_exception,
                BackendUnavailable: _from_unavailable,
                Exception: _from_unexpected,
            }
        )
    )


def problem_body(status: int, detail: str | None = None, instance: str | None = None) -> bytes:
    """A problem document for answers given before Litestar sees the request, laid out as the
    plugin lays out its own."""
    document: dict[str, Any] = {"status": status, "title": HTTPStatus(status).phrase}
    if instance is not None:
        document["instance"] = instance
    if detail is not None:
        document["detail"] = detail
    return msgspec.json.encode(document)


def not_found(what: str, ident: str) -> NotFoundException:
    return NotFoundException(detail=f"No {what} {ident!r}")


def problem_spec(description: str, example: dict[str, Any]) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        description=description,
        media_type=PROBLEM_JSON,
        examples=[Example(summary=description, value=example)],
        generate_examples=False,
    )


BAD_REQUEST = problem_spec(
    "Invalid parameters",
    {
        "title": "Bad Request",
        "status": 400,
        "detail": "Validation failed for GET /drivers",
        "errors": [{"name": "limit", "location": "query", "message": "Expected `int` <= 1000"}],
    },
)
NOT_FOUND = problem_spec(
    "Not found", {"title": "Not Found", "status": 404, "detail": "No driver 'nobody'"}
)
UNAVAILABLE = problem_spec(
    "The database cannot answer now",
    {"title": "Service Unavailable", "status": 503, "detail": "PostgreSQL unavailable"},
)
TOO_LONG = problem_spec(
    "Path and query longer than 4 KiB", {"title": "URI Too Long", "status": 414}
)
TOO_MANY = problem_spec(
    "Rate limit reached (when RACING_RATE_LIMIT is set); see Retry-After",
    {"title": "Too Many Requests", "status": 429},
)
HEADERS_TOO_LARGE = problem_spec(
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


async def _problem_for_not_found(response: Response) -> Response:
    if response.status_code == 404:
        raise NotFoundException(detail="No such schema document")
    return response


def schema_router(path: str) -> Router:
    """The router Litestar's OpenAPI plugin fills, answering unknown paths under it (like
    `/schema/elements`) with a problem rather than Litestar's HTML page."""
    return Router(
        path, route_handlers=[], include_in_schema=False, after_request=_problem_for_not_found
    )
