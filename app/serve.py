"""Serving: uvicorn with httptools and uvloop, one process per core, slow-client limits, and a
drain on SIGTERM.

Why uvicorn with httptools + uvloop: measured in `just bench`, it serves a bare ASGI app and this
app within ~20% of granian's cost per request, and it lets this module own what a rollout needs
(keep serving after SIGTERM while `/ready` says 503), header-read timeouts and a connection cap.
Workers are our own small supervisor rather than `uvicorn --workers`: there each response waits
for a delayed ACK (~44 ms) because the shared socket is created without `IPPROTO_TCP`, so the
accepted sockets never get TCP_NODELAY.
"""

from __future__ import annotations

import contextlib
import logging
import logging.config
import math
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

import msgspec
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.edge.problems import PROBLEM_JSON, Problem
from app.logs import server_log_config
from app.settings import Settings

logger = logging.getLogger("uvicorn.error")


class _Flag:
    """Set once, read anywhere, without a lock: it is set from a signal handler, where a
    threading.Event's lock deadlocked a worker that got a second SIGTERM (the process group's
    and the supervisor's forwarded one) while the first handler held it."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set


# Set once SIGTERM arrives: `/ready` answers 503 "draining" while every other route still serves.
DRAINING = _Flag()

FD_RESERVE = 64  # descriptors kept free for files, the database and logging


def available_cores() -> int:
    """Cores this process may run on: its CPU affinity, bounded by a cgroup CPU quota."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = _cgroup_quota()
    if quota is not None:
        cores = min(cores or 1, max(1, math.ceil(quota)))
    return max(1, cores or 1)


def _cgroup_quota() -> float | None:
    """CPUs allowed by the cgroup (v2 `cpu.max`, v1 `cpu.cfs_quota_us`), None when unlimited."""
    with contextlib.suppress(OSError, ValueError):
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    with contextlib.suppress(OSError, ValueError):
        v1 = Path("/sys/fs/cgroup/cpu")
        quota_us = int((v1 / "cpu.cfs_quota_us").read_text())
        period_us = int((v1 / "cpu.cfs_period_us").read_text())
        return None if quota_us <= 0 else quota_us / period_us
    return None


def connection_cap(configured: int) -> int:
    """Connections one worker accepts at once: the setting, kept below the descriptor limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(1, min(configured, soft - FD_RESERVE))


class OneSend:
    """The transport one response is written through: uvicorn writes the response head on its
    own, then the body; the head is held and leaves with the body's first bytes in one send
    (one TCP segment instead of two for a small answer: ~10 µs less CPU on a cached lookup). A
    response with no body to write (HEAD, or one that ends early) sends its head when it ends
    or the connection closes. Writes before the response starts (`100 Continue`) pass at once."""

    __slots__ = ("_armed", "_completed", "_cycle", "_head", "_transport")

    def __init__(self, cycle: Any, transport: Any) -> None:
        self._cycle = cycle
        self._transport = transport
        self._head: bytes | None = None
        self._armed = True
        self._completed = cycle.on_response  # uvicorn's: start the next pipelined request
        cycle.on_response = self._response_complete

    def write(self, data: bytes) -> None:
        if self._head is not None:
            data, self._head = self._head + data, None
        elif self._armed and self._cycle.response_started:
            self._armed = False
            self._head = data
            return
        self._transport.write(data)

    def _flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def _response_complete(self) -> None:
        self._flush()
        self._completed()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # is_closing, get_extra_info, pause_reading, ...
        return getattr(self._transport, name)


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with what it lacks against slow clients: a deadline for the
    request head (from the connection's start or the request's first byte), checked once a
    second by the server; a cap on open connections; and `Connection: close` while draining.
    Each response's head and body leave in one send (OneSend)."""

    max_connections = 1024  # set per process by Worker

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.head_deadline: float | None = self.loop.time() + self.timeout_head
        if len(self.connections) > self.max_connections:
            transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_deadline = self.loop.time() + self.timeout_head

    def on_headers_complete(self) -> None:
        self.head_deadline = None
        super().on_headers_complete()
        if self.cycle is not None:
            self.cycle.transport = OneSend(self.cycle, self.transport)
            if DRAINING.is_set():
                self.cycle.keep_alive = False  # answer, then close: clients reconnect elsewhere

    timeout_head = 10.0  # set per process by Worker

    def send_400_response(self, msg: str) -> None:
        """A request the parser refuses before the app sees it (a raw non-ASCII byte in the
        target, a malformed request line) is answered as every other error: an RFC 9457
        problem, not uvicorn's plain text."""
        body = msgspec.json.encode(Problem(title="Bad Request", status=400, detail=msg))
        head = [
            b"HTTP/1.1 400 Bad Request",
            *(name + b": " + value for name, value in self.server_state.default_headers),
            b"content-type: " + PROBLEM_JSON.encode(),
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.transport.close()


class Worker(uvicorn.Server):
    """One serving process. On SIGTERM it drains: `/ready` turns 503 at once, every route keeps
    answering new and in-flight requests for `drain_seconds`, then uvicorn's graceful shutdown
    runs and the process exits 0. A second SIGTERM changes nothing; SIGINT stops at once."""

    def __init__(self, config: uvicorn.Config, drain_seconds: float, started=None) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self.drain_until: float | None = None
        self.started_event = started  # a multiprocessing Event the supervisor waits on

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.started_event is not None:
            self.started_event.set()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig != signal.SIGTERM:
            super().handle_exit(sig, frame)
            return
        if self.drain_until is None:  # a second SIGTERM, even inside this handler, returns here
            self.drain_until = time.monotonic() + self.drain_seconds
            DRAINING.set()
            logger.info("SIGTERM: draining for %g s, /ready answers 503", self.drain_seconds)
        # Not recorded in _captured_signals: uvicorn would re-raise it and exit 143, not 0.

    async def on_tick(self, counter: int) -> bool:
        if counter % 10 == 0:
            self._close_slow_heads()
        if self.drain_until is not None and time.monotonic() >= self.drain_until:
            self.should_exit = True
        return await super().on_tick(counter)

    def _close_slow_heads(self) -> None:
        now = None
        for connection in list(self.server_state.connections):
            deadline = getattr(connection, "head_deadline", None)
            if deadline is None:
                continue
            now = now or connection.loop.time()
            if now > deadline and not connection.transport.is_closing():
                connection.transport.close()


def uvicorn_config(settings: Settings) -> uvicorn.Config:
    GuardedProtocol.timeout_head = settings.header_timeout
    GuardedProtocol.max_connections = connection_cap(settings.max_connections)
    return uvicorn.Config(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        http=GuardedProtocol,
        loop="uvloop",
        log_level=settings.log_level,
        # The app writes a JSON line per request (app/edge/access_log.py); the server's own lines
        # become the same JSON. (uvicorn's access log formats and copies every record.)
        access_log=False,
        log_config=server_log_config(settings.log_level),
        # Only a trusted proxy's X-Forwarded-For becomes the client address (rate limiting).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or "",
        server_header=False,
        h11_max_incomplete_event_size=16 * 1024,
        timeout_keep_alive=settings.keep_alive_timeout,
        timeout_graceful_shutdown=10,
    )


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """The supervisor's listening sockets, created with IPPROTO_TCP so that accepted connections
    get TCP_NODELAY (uvicorn's own supervisor socket lacks it: a 44 ms delayed ACK per response).

    Where the system has SO_REUSEPORT, one socket per worker, all bound to the address: the
    kernel spreads new connections across them evenly. Sharing one socket instead, the worker
    whose loop wakes first accepts a whole burst (a client opening 32 connections at once may
    find them all on one worker while the other idles). Each socket is bound here, so an address
    in use is reported once, and starts listening when its worker serves (a bound socket that
    does not listen takes no connections): none queue for a worker still starting."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    reuse_port = count > 1 and hasattr(socket, "SO_REUSEPORT")
    # With SO_REUSEPORT a server still running on the port (this one, started twice) would
    # take half the connections instead of refusing the address: a plain bind checks first.
    plan = [False, *([True] * count)] if reuse_port else [False]
    sockets: list[socket.socket] = []
    for shared in plan:
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            for opened in sockets:
                opened.close()
            raise SystemExit(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        port = sock.getsockname()[1]  # port 0: every socket on the one the first was given
        if reuse_port and not shared:
            sock.close()  # the check: never listened, so the address is free again at once
            continue
        if not reuse_port:
            sock.listen(2048)
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


def run_worker(sock: socket.socket | None = None, started=None) -> None:
    """Serve in this process (on `sock` when a supervisor shares one; `started` is set once the
    app has started)."""
    settings = Settings.from_env()
    server = Worker(uvicorn_config(settings), settings.drain_seconds, started)
    server.run(sockets=[sock] if sock is not None else None)
    if not server.started:
        sys.exit(3)


def supervise(settings: Settings, workers: int) -> int:
    """Start `workers` processes, each on its own socket (or one shared socket, see
    listening_sockets): the first alone (a start-up error is reported once, and the exit status
    is its), then the others; say so once they all serve. Restart any that dies, on the socket
    it had (connections the kernel queued there wait for it); forward SIGTERM (each worker
    drains) and SIGINT; exit 0 once they all stopped after a signal."""
    logging.config.dictConfig(server_log_config(settings.log_level))
    sockets = listening_sockets(settings.host, settings.port, workers)
    metrics_dir = _fresh_metrics_dir()
    context = multiprocessing.get_context("spawn")
    stopping: list[int] = []
    processes: list[multiprocessing.process.BaseProcess] = []

    def start(index: int) -> multiprocessing.process.BaseProcess:
        started = context.Event()
        sock = sockets[index % len(sockets)]
        process = context.Process(target=run_worker, args=(sock, started))
        process.start()
        process.started = started  # type: ignore[attr-defined]
        return process

    def forward(sig: int, frame: FrameType | None) -> None:
        stopping.append(sig)
        for process in processes:
            if process.pid is not None and process.exitcode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, sig)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        processes.append(start(0))
        while not processes[0].started.wait(0.1):  # type: ignore[attr-defined]
            if processes[0].exitcode is not None or stopping:
                processes[0].join()
                return processes[0].exitcode or 0
        processes.extend(start(index) for index in range(1, workers))
        announced = False
        finished: set[int | None] = set()
        while True:
            if not announced and all(p.started.is_set() for p in processes):  # type: ignore[attr-defined]
                announced = True
                logger.info(
                    "Serving on http://%s:%d with %d workers (pids %s; %s)",
                    settings.host,
                    settings.port,
                    workers,
                    ", ".join(str(p.pid) for p in processes),
                    "a socket each" if len(sockets) > 1 else "one shared socket",
                )
            alive = False
            for index, process in enumerate(processes):
                process.join(timeout=0.1)
                if process.exitcode is None:
                    alive = True
                    continue
                if process.pid not in finished:
                    finished.add(process.pid)
                    _mark_dead(process.pid)
                    if not stopping and process.exitcode != 3:  # 3: its start-up failed
                        logger.error(
                            "worker %s exited (%s); restarting it", process.pid, process.exitcode
                        )
                        processes[index] = start(index)
                        alive = True
            if not alive:
                return 0
    finally:
        for sock in sockets:
            sock.close()
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _fresh_metrics_dir() -> Path | None:
    """Prometheus' multiprocess mode needs an empty directory shared by the workers: a new one,
    inside PROMETHEUS_MULTIPROC_DIR when the operator set it (a writable volume), else in /tmp."""
    parent = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
    path = Path(tempfile.mkdtemp(prefix="racing-metrics-", dir=parent))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


def _mark_dead(pid: int | None) -> None:
    with contextlib.suppress(Exception):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def serve(settings: Settings) -> int:
    workers = settings.workers or available_cores()
    if workers == 1:
        run_worker()
        return 0
    return supervise(settings, workers)
