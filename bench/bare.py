"""The ceilings the API is measured against, served by the same server as the API: a bare ASGI
app answering a constant body, and a bare Litestar app answering a constant msgspec Struct."""

from __future__ import annotations

import msgspec

BODY = b'{"driver_id":1,"driver_ref":"hamilton","forename":"Lewis","surname":"Hamilton"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def asgi(scope, receive, send) -> None:
    """A constant JSON body for every HTTP request; lifespan accepted and ignored."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


class Driver(msgspec.Struct, frozen=True, kw_only=True):
    driver_id: int
    driver_ref: str
    forename: str
    surname: str


DRIVER = Driver(driver_id=1, driver_ref="hamilton", forename="Lewis", surname="Hamilton")


def litestar():
    """A Litestar app whose every GET path answers the same Struct (factory)."""
    from litestar import Litestar, get

    @get(["/", "/{path:path}"], sync_to_thread=False)
    def constant() -> Driver:
        return DRIVER

    return Litestar([constant], openapi_config=None)
