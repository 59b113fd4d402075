"""Headers on every response, whoever answers it: `X-Data-Version` and the security headers;
and the one request header the API drops: `Cookie`."""

from __future__ import annotations

from collections.abc import Iterable

from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.follow import pinned

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def served_version(scope: Scope) -> str:
    """The data version this request is served from (the snapshot it took when it arrived;
    "none" before a backend is open)."""
    return pinned(scope).data_version


def stamped(headers: Iterable[tuple[bytes, bytes]], version: str) -> list[tuple[bytes, bytes]]:
    """A new list: `headers`, then `X-Data-Version` and the security headers unless present."""
    headers = list(headers)
    if not any(name == b"x-data-version" for name, _ in headers):
        headers.append((b"x-data-version", version.encode()))
        headers.extend(SECURITY_HEADERS)
    return headers


def stamp_headers(app: Litestar, inner: ASGIApp) -> ASGIApp:
    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        async def stamp(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = stamped(message.get("headers", ()), served_version(scope))
            await send(message)

        await inner(scope, receive, stamp)

    return layer


def drop_cookies(app: Litestar, inner: ASGIApp) -> ASGIApp:
    """The API reads no cookies, so none reaches a route: no answer can depend on one. (Litestar's
    CORS would otherwise echo the `Origin` of a request that carries a cookie and replace the
    response's `Vary` with `Origin`.)"""

    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        if any(name == b"cookie" for name, _ in scope["headers"]):
            scope["headers"] = [field for field in scope["headers"] if field[0] != b"cookie"]
        await inner(scope, receive, send)

    return layer
