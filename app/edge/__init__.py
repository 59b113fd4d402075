"""The HTTP edge: what every route shares, one concern per module, in one order.

A request passes these layers top to bottom, its response bottom to top; each layer sees the
responses of every layer below it.

Around the whole application (plain ASGI, before routing; `OUTER`, outermost first):
  0. replay.replay_cached       a request the response cache answered before gets the stored
                                response at once, with what 1-3 add, done in one pass (1-10
                                all ran for that exact request when it was first answered)
  1. metrics.count_responses    counts every response once: refusals, 304s, cache hits, errors
  2. access_log.access_log      one JSON line per request (app/logs.py), X-Request-ID
  3. headers.stamp_headers      X-Data-Version and security headers on every response
  4. headers.drop_cookies       `Cookie` removed: no answer depends on one
  5. limits.refuse_malformed    414, 431 and non-UTF-8 targets as problems, before routing
  6. limits.head_as_get         HEAD routed as GET, body dropped
Litestar: CORS, routing, exceptions -> RFC 9457 problems (problems.py, ProblemDetailsPlugin),
then for each route (`ROUTE`, outermost first):
  7. limits.rate_limit          optional per-client limit (429), before anything is replayed
  8. response_cache             ETag, 304 and replay of stored 200s, keyed by representation
  9. compression                br/gzip as negotiation.representation says
 10. query.check_query_params   (before_request) repeated or unknown parameters are 400s
  handler                       JSON or CSV as negotiation.representation says

Any route gets all of it by being registered: nothing is per-controller."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Litestar
from litestar.types import ASGIApp

from app.edge import access_log, headers, limits, metrics, replay

Layer = Callable[[Litestar, ASGIApp], ASGIApp]

OUTER: tuple[Layer, ...] = (
    replay.replay_cached,
    metrics.count_responses,
    access_log.access_log,
    headers.stamp_headers,
    headers.drop_cookies,
    limits.refuse_malformed,
    limits.head_as_get,
)


def wrap(app: Litestar, inner: ASGIApp, layers: tuple[Layer, ...] = OUTER) -> ASGIApp:
    """`inner` (Litestar's own entry point) inside `layers`, the first outermost."""
    for layer in reversed(layers):
        inner = layer(app, inner)
    return inner
