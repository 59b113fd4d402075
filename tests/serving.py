"""Starting the real server for tests: `python -m app` on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(
    artifacts: Path,
    log: Path,
    *,
    log_level: str = "warning",
    meanwhile: Callable[[], object] = lambda: None,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """(url, process) of `python -m app` (sqlite backend) over `artifacts`, once /ready answers;
    its output goes to `log` (a file: a pipe could fill and block it). `meanwhile` runs while
    it starts. One worker and no drain unless `env` says otherwise. Terminated (SIGTERM, then
    SIGKILL) however the test ends."""
    port = free_port()
    env = {
        **os.environ,
        "RACING_BACKEND": "sqlite",
        "RACING_ARTIFACTS": str(artifacts),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "RACING_LOG_LEVEL": log_level,
        "RACING_WORKERS": "1",
        "RACING_DRAIN_SECONDS": "0",
        **(env or {}),
    }
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app"], env=env, cwd=ROOT, stdout=out, stderr=out
        )
        try:
            meanwhile()
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, f"the server exited:\n{log.read_text()}"
                try:
                    if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"never ready:\n{log.read_text()}"
                time.sleep(0.1)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def raw_request(url: str, request: bytes) -> bytes:
    """Send `request` as bytes (repeated headers stay repeated) and read the whole answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)
