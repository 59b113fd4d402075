"""One JSON line per request (app/logs.py writes it), and the request id.

The line has `method`, `route` (the route template; `unmatched` when no route matched, as in the
metrics), `path`, `status`, `duration_ms`, `bytes` (body bytes sent), `data_version`,
`request_id` and `client`, beside `time`, `level`, `logger` and `event`. The request id is the
client's `X-Request-ID` when it is a sane token (at most 128 characters of
`[A-Za-z0-9._:@/+=-]`), else a fresh random one; either way it is echoed in the response's
`X-Request-ID` and carried by every log line written while the request runs."""

from __future__ import annotations

import re
import time
from random import getrandbits

import msgspec
from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app import logs
from app.edge.metrics import UNMATCHED

REQUEST_ID = re.compile(rb"[A-Za-z0-9._:@/+=-]{1,128}")


class RequestLine(msgspec.Struct):
    """A request line, in its field order (a Struct encodes in a quarter of a dict's time)."""

    time: str
    level: str
    logger: str
    event: str
    method: str
    route: str
    path: str
    status: int
    duration_ms: float
    bytes: int
    data_version: str | None
    request_id: str
    client: str | None


def request_id(headers: list[tuple[bytes, bytes]]) -> bytes:
    for name, value in headers:
        if name == b"x-request-id":
            if REQUEST_ID.fullmatch(value):
                return value
            break
    return new_request_id()


def new_request_id() -> bytes:
    return b"%032x" % getrandbits(128)


def access_log(app: Litestar, inner: ASGIApp) -> ASGIApp:
    """Echo `X-Request-ID`, then write one line when the answer is complete (or the app
    raised: status 500 unless a response had started)."""

    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        rid = request_id(scope["headers"])
        method = scope["method"]
        path = scope["path"]  # the router may rewrite it
        status = 0
        sent = 0
        version = b""

        async def send_logged(message: Message) -> None:
            nonlocal status, sent, version
            if message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            elif message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), (b"x-request-id", rid)]
                for name, value in headers:
                    if name == b"x-data-version":
                        version = value
                message["headers"] = headers
            await send(message)

        rid_text = rid.decode()
        token = logs.request_id.set(rid_text)
        try:
            await inner(scope, receive, send_logged)
        except BaseException:
            status = status or 500
            raise
        finally:
            logs.request_id.reset(token)
            write_line(scope, method, path, status, started, sent, version, rid_text)

    return layer


def write_line(
    scope: Scope,
    method: str,
    path: str,
    status: int,
    started: float,
    sent: int,
    version: bytes,
    rid: str,
) -> None:
    """The request's line, when request lines are on (`RACING_ACCESS_LOG`, at `RACING_LOG_LEVEL`
    info or debug)."""
    if not logs.lines.enabled:
        return
    client = scope.get("client")
    line = RequestLine(
        logs.format_time(time.time()),
        "info",
        "racing.access",
        "request",
        method,
        scope.get("path_template") or UNMATCHED,
        path,
        status,
        round((time.perf_counter() - started) * 1000, 3),
        sent,
        version.decode() or None,
        rid,
        client[0] if client else None,
    )
    logs.lines.write(logs.encode(line) + b"\n")
