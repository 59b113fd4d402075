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


def main() -> None:
    """`python bench/bare.py asgi|litestar`: serve a ceiling app exactly as `python -m app`
    serves the API (app/serve.py's uvicorn settings: httptools, uvloop, no access log, one
    worker, HOST/PORT from the environment)."""
    import sys

    from app.serve import Worker, uvicorn_config
    from app.settings import Settings

    kind = sys.argv[1] if len(sys.argv) > 1 else "asgi"
    config = uvicorn_config(Settings.from_env())
    config.app = f"bare:{kind}"
    config.factory = kind == "litestar"
    Worker(config, drain_seconds=0).run()


if __name__ == "__main__":
    main()
