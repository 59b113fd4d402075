"""Logs as JSON lines on stdout: every line is one object with `time` (RFC 3339, UTC,
milliseconds), `level`, `logger` and `event`, then its own fields. Events (`startup`,
`shutdown`, `data_switch`, errors with their traceback) go through the stdlib logger `racing`;
the root and `litestar` loggers and the server's own lines get the same formatter, so nothing
the process writes is plain text. The request lines (app/edge/access_log.py) come through
`lines`, which skips the `logging` machinery for cost but obeys the same level.

`RACING_LOG_LEVEL` sets the level; request lines are `info`, written when `RACING_ACCESS_LOG` is
on (off by default: a line costs about a fifth of a cached answer)."""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import logging
import sys
import time
from typing import Any

import msgspec
from litestar.logging.config import LoggingConfig

LEVELS = {
    "critical": logging.CRITICAL,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,  # uvicorn's name for its most verbose level
}
LOGGER = "racing"
PIPE_BUF = 4096
FLUSH_SECONDS = 0.05  # the longest a request line waits to be written

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "racing_request_id", default=None
)

encode = msgspec.json.Encoder().encode
_encode_any = msgspec.json.Encoder(enc_hook=repr).encode  # extra fields of any type
_second: tuple[int, str] = (-1, "")  # the last second formatted, and its text
_millisecond: tuple[int, str] = (-1, "")  # the same for the last millisecond


def format_time(now: float) -> str:
    """RFC 3339 UTC time with milliseconds; the date part is formatted once a second, the
    whole once a millisecond."""
    global _second, _millisecond
    millisecond = int(now * 1000)
    if _millisecond[0] != millisecond:
        second, part = divmod(millisecond, 1000)
        if _second[0] != second:
            _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        _millisecond = (millisecond, f"{_second[1]}.{part:03d}Z")
    return _millisecond[1]


class _Lines:
    """Lines written as they are (request lines): queued, and written to the current
    sys.stdout once PIPE_BUF bytes are waiting or FLUSH_SECONDS after the first of them, in
    writes of at most PIPE_BUF bytes that end on a line, so worker processes sharing a pipe
    never interleave inside a line. A LogRecord through a formatter costs ~20 µs; a request line
    encoded and queued here ~3 µs, and a write is shared by a dozen lines under load."""

    def __init__(self) -> None:
        self.enabled = True
        self._pending: list[bytes] = []
        self._size = 0
        self._flush_on: asyncio.AbstractEventLoop | None = None  # the loop a flush is due on

    def write(self, line: bytes) -> None:
        self._pending.append(line)
        self._size += len(line)
        if self._size >= PIPE_BUF:
            self.flush()
            return
        due = self._flush_on
        if due is not None and not due.is_closed():  # a flush is already due on a live loop
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if self._flush_on is not loop:  # (a loop closed before its flush ran is replaced)
            self._flush_on = loop
            loop.call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        self._flush_on = None
        lines, self._pending, self._size = self._pending, [], 0
        chunk: list[bytes] = []
        size = 0
        for line in lines:
            if chunk and size + len(line) > PIPE_BUF:
                _emit(b"".join(chunk))
                chunk, size = [], 0
            chunk.append(line)
            size += len(line)
        if chunk:
            _emit(b"".join(chunk))


def _emit(data: bytes) -> None:
    stream = sys.stdout
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            stream.write(data.decode())
        else:
            stream.flush()  # text already written by a logging handler goes first
            buffer.write(data)
            buffer.flush()
        stream.flush()
    except (OSError, ValueError):  # stdout closed or gone: never fail a request for a log line
        pass


lines = _Lines()
flush = lines.flush  # write the pending lines now (tests; exit)
atexit.register(flush)

# LogRecord attributes that are not extra fields.
_RECORD_FIELDS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "color_message"}  # uvicorn adds color_message
)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time, level, logger, event (the message), the request id
    when one is running, the `extra` fields, and `exception` with the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": format_time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        rid = request_id.get()
        if rid is not None:
            line["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _encode_any(line).decode()


def level_number(name: str) -> int:
    try:
        return LEVELS[name.lower()]
    except KeyError:
        raise SystemExit(
            f"invalid configuration: RACING_LOG_LEVEL={name!r}; expected one of "
            + ", ".join(LEVELS)
        ) from None


class StdoutHandler(logging.StreamHandler):
    """A StreamHandler on whatever `sys.stdout` is at each write (not the one at configuration
    time), and synchronous, so a line carries the request id of the request that wrote it."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(level: str, access_log: bool = False) -> LoggingConfig:
    """Switch the request lines on (`access_log` at `info` or `debug`) or off, and return the
    Litestar logging configuration that makes every other log line of the process (the root,
    `litestar` and `racing` loggers) the same JSON on stdout. Idempotent: each worker's app
    factory calls it."""
    name = logging.getLevelName(level_number(level))
    lines.enabled = access_log and level_number(level) <= logging.INFO
    return LoggingConfig(
        root={"level": name, "handlers": ["json"]},
        formatters={"json": {"()": JsonFormatter}},
        # The level on the handler too: Litestar resets its own logger's level to INFO.
        handlers={"json": {"()": StdoutHandler, "formatter": "json", "level": name}},
        loggers={
            logger: {"level": name, "handlers": ["json"], "propagate": False}
            for logger in ("litestar", LOGGER)
        },
        log_exceptions="never",  # the exception handlers log what they mean to
    )


def server_log_config(level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the ASGI server (uvicorn's `log_config`, granian's
    `log_dictconfig`): its own lines as the same JSON on stdout, its access log off (the app
    writes one)."""
    name = logging.getLevelName(level_number(level))
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": {"()": StdoutHandler, "formatter": "json"}},
        "loggers": {
            server: {"handlers": ["json"], "level": name, "propagate": False}
            for server in ("uvicorn", "uvicorn.error", "granian", "_granian")
        }
        | {"uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False}},
    }


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """One JSON event line (`startup`, `data_switch`, ...) with `fields` beside the usual ones."""
    logging.getLogger(LOGGER).log(level, event, extra=fields)
