"""Query parameters are exact: none repeated (no parameter of this API is a list) and none a
route does not know. A route takes more (or any) with `opt={"extra_query_params": {...}}`
(or `"*"`); routes left out of the schema are not checked."""

from __future__ import annotations

from litestar import Litestar, Request
from litestar.exceptions import ValidationException
from litestar.routes import HTTPRoute

EXTRA = "extra_query_params"


def accepted_query_params(app: Litestar) -> dict[object, frozenset[str]]:
    """Per route handler, the query parameters its signature and dependencies declare."""
    accepted: dict[object, frozenset[str]] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler, kwargs_model in route.route_handler_map.values():
            extra = handler.opt.get(EXTRA, ())
            if not handler.include_in_schema or extra == "*":
                continue
            names = {p.field_alias for p in kwargs_model.expected_query_params}
            accepted[handler] = frozenset(names | set(extra))
    return accepted


def _refuse(request: Request, name: str, message: str, detail: str) -> ValidationException:
    return ValidationException(
        detail=detail or f"Validation failed for {request.method} {request.url.path}",
        extra=[{"key": name, "source": "query", "message": message}],
    )


async def check_query_params(request: Request) -> None:
    """before_request: 400 for `?season=1950&season=1951` and for `?round=5` on /races."""
    names = [name for name, _ in request.query_params.multi_items()]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _refuse(request, name, "given more than once", "")
        seen.add(name)
    accepted = request.app.state.accepted_query_params.get(request.route_handler)
    if accepted is None:
        return
    for name in names:
        if name not in accepted:
            listed = ", ".join(sorted(accepted)) or "none"
            raise _refuse(
                request,
                name,
                f"unknown parameter; accepted: {listed}",
                f"Unknown query parameter {name!r} for {request.method} {request.url.path}; "
                f"accepted: {listed}",
            )
