"""Headers on every response, whoever answers it: `X-Data-Version` and the security headers."""

from __future__ import annotations

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


def stamp_headers(app: Litestar, inner: ASGIApp) -> ASGIApp:
    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name == b"x-data-version" for name, _ in headers):
                    headers.append((b"x-data-version", served_version(scope).encode()))
                    headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        await inner(scope, receive, stamped)

    return layer
