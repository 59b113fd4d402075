"""`python -m app` as a process: its command line, the drain on SIGTERM (with several workers),
and slow or idle clients that must not hold the server. Loopback only, every wait bounded."""

from __future__ import annotations

import contextlib
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import httpx
import msgspec
import pytest

from app.serve import available_cores
from tests.serving import ROOT, running_app


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_help_lists_the_options_and_their_variables():
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    for option, variable in [
        ("--host", "HOST"),
        ("--port", "PORT"),
        ("--workers", "RACING_WORKERS"),
        ("--backend", "RACING_BACKEND"),
        ("--log-level", "RACING_LOG_LEVEL"),
        ("--access-log", "RACING_ACCESS_LOG"),
        ("--drain-seconds", "RACING_DRAIN_SECONDS"),
    ]:
        assert option in result.stdout and variable in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "RACING_WORKERS"),
        (["--backend", "mysql"], "invalid choice"),
        (["--port", "eighty"], "invalid int value"),
    ],
)
def test_bad_options_are_one_line_errors(args, message):
    result = run_cli(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_default_workers_are_the_cores_available():
    import os

    assert 1 <= available_cores() <= len(os.sched_getaffinity(0))


def test_a_request_the_parser_refuses_is_a_problem(live_server):
    """A raw non-ASCII byte in the target never reaches the app: the server's parser refuses it,
    and answers with a problem document like every other error, not plain text."""
    from tests.serving import raw_request

    answer = raw_request(live_server, b"GET /drivers/\xff HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"content-type: application/problem+json" in head.lower()
    problem = msgspec.json.decode(body)
    assert problem["status"] == 400 and problem["title"] == "Bad Request"


def ready_status(url: str) -> tuple[int, dict]:
    response = httpx.get(f"{url}/ready", timeout=5)  # a new connection each time
    return response.status_code, response.json()


def test_sigterm_drains_then_exits_zero(sample_build, tmp_path):
    drain = 3.0
    env = {"RACING_WORKERS": "2", "RACING_DRAIN_SECONDS": str(drain)}
    with running_app(sample_build.directory.parent, tmp_path / "server.log", env=env) as (
        url,
        process,
    ):
        kept = httpx.Client(base_url=url, timeout=5)  # a connection open before the signal
        assert kept.get("/drivers/1").status_code == 200
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()

        deadline = signalled + 2
        while ready_status(url)[0] != 503:
            assert time.monotonic() < deadline, "/ready never turned 503"
            time.sleep(0.05)
        # Every worker drains: /ready is 503 on new connections, whichever worker takes them,
        # while the other routes keep answering, on new connections and on the kept one.
        for _ in range(6):
            status, problem = ready_status(url)
            assert (status, problem["detail"]) == (503, "draining")
            assert httpx.get(f"{url}/drivers/1", timeout=5).status_code == 200
        answer = kept.get("/drivers/arlo_vance")
        assert answer.status_code == 200
        assert answer.headers["connection"] == "close"  # clients move to another replica
        kept.close()
        assert time.monotonic() - signalled < drain
        assert process.poll() is None, "exited before the drain period ended"

        # Slack for a loaded machine (the suite runs beside other jobs): shutdown itself is
        # bounded by uvicorn's 10 s graceful timeout.
        assert process.wait(timeout=drain + 40) == 0
        assert time.monotonic() - signalled >= drain - 0.5
    log = (tmp_path / "server.log").read_text()
    assert "Traceback" not in log


# ---- slow and idle clients --------------------------------------------------------------


def open_sockets(url: str, count: int) -> list[socket.socket]:
    parts = urlsplit(url)
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


def closed_by_server(sockets: list[socket.socket], wait: float) -> set[socket.socket]:
    """The sockets the server closed within `wait` seconds (EOF or reset)."""
    closed: set[socket.socket] = set()
    with selectors.DefaultSelector() as selector:
        for sock in sockets:
            selector.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + wait
        while len(closed) < len(sockets) and (left := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(timeout=left):
                sock = key.fileobj
                try:
                    data = sock.recv(4096)
                except (ConnectionResetError, BlockingIOError):
                    data = b""
                if not data:
                    closed.add(sock)
                    selector.unregister(sock)
    return closed


def test_slow_and_idle_clients_are_cut_while_others_are_served(sample_build, tmp_path):
    timeout = 1.5
    env = {"RACING_HEADER_TIMEOUT": str(timeout), "RACING_KEEP_ALIVE_TIMEOUT": "1"}
    with running_app(sample_build.directory.parent, tmp_path / "server.log", env=env) as (url, _):
        idle = open_sockets(url, 200)  # connect and say nothing
        slow = open_sockets(url, 200)  # a request head, one byte at a time (slowloris)
        for sock in slow:
            sock.send(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        try:
            started = time.monotonic()
            served = 0
            while time.monotonic() - started < timeout + 2:
                for sock in slow:
                    with contextlib.suppress(OSError):  # already cut
                        sock.send(b"a")
                assert httpx.get(f"{url}/drivers/1", timeout=5).status_code == 200
                served += 1
                time.sleep(0.2)
            assert served >= 5
            closed = closed_by_server(idle + slow, wait=2)
            assert len(closed) == len(idle) + len(slow)
            assert httpx.get(f"{url}/health", timeout=5).status_code == 200
        finally:
            for sock in idle + slow:
                sock.close()


def test_connections_over_the_cap_are_closed_at_once(sample_build, tmp_path):
    env = {"RACING_MAX_CONNECTIONS": "50", "RACING_HEADER_TIMEOUT": "60"}
    with running_app(sample_build.directory.parent, tmp_path / "server.log", env=env) as (url, _):
        sockets = open_sockets(url, 80)
        try:
            closed = closed_by_server(sockets, wait=1.5)
            assert len(closed) == 30  # well before the 60 s header timeout
        finally:
            for sock in sockets:
                sock.close()
        # Once they are gone, the server takes connections again.
        deadline = time.monotonic() + 5
        while True:
            try:
                assert httpx.get(f"{url}/health", timeout=5).status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)


def _answer(conn: socket.socket, request: bytes) -> tuple[bytes, bytes]:
    """Send one request on a kept-alive connection and read exactly its answer."""
    conn.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"content-length: (\d+)", head.lower())
    expected = 0 if request.startswith(b"HEAD") or length is None else int(length.group(1))
    while len(body) < expected:
        body += conn.recv(65536)
    assert len(body) == expected, head
    return head, body


def _segments_sent(port: int, client_port: int) -> int:
    """TCP segments the server has sent on one connection (the kernel's count, from `ss`)."""
    shown = subprocess.run(
        ["ss", "-tinH", "state", "established", f"( sport = :{port} and dport = :{client_port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(re.search(r"segs_out:(\d+)", shown).group(1))


def test_each_answer_leaves_in_one_segment_and_head_and_304_still_end(live_server):
    """The response head waits for the body (app.serve.OneSend): a small answer is one TCP
    segment, not two. A HEAD (no body ever written) and a 304 still end, and the connection
    goes on serving."""
    parts = urlsplit(live_server)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        get = b"GET /drivers/1 HTTP/1.1\r\nHost: x\r\n\r\n"
        head, body = _answer(conn, get)
        assert head.startswith(b"HTTP/1.1 200") and msgspec.json.decode(body)["driver_id"] == 1
        for _ in range(10):  # past the kernel's quick ACKs at a connection's start
            _answer(conn, get)
        before = _segments_sent(parts.port, conn.getsockname()[1])
        for _ in range(20):
            assert _answer(conn, get)[1] == body
        assert _segments_sent(parts.port, conn.getsockname()[1]) - before <= 22  # 40 if split

        head, empty = _answer(conn, b"HEAD /drivers/1 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and empty == b""
        etag = re.search(rb"(?i)etag: (.+)", head).group(1).strip()
        head, empty = _answer(
            conn, b"GET /drivers/1 HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + b"\r\n\r\n"
        )
        assert head.startswith(b"HTTP/1.1 304") and empty == b""
        assert _answer(conn, get)[1] == body
