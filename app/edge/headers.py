"""Headers on every response, whoever answers it: `X-Data-Version` and the security headers."""

from __future__ import annotations

from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def served_version(app: Litestar) -> str:
    """The data version being served now ("none" before the backend is open)."""
    return getattr(app.state, "data_version", None) or "none"


def stamp_headers(app: Litestar, inner: ASGIApp) -> ASGIApp:
    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name == b"x-data-version" for name, _ in headers):
                    headers.append((b"x-data-version", served_version(app).encode()))
                    headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        await inner(scope, receive, stamped)

    return layer
