"""A rolling release with zero failed requests, behind a real load balancer.

HAProxy (Debian's) on loopback health-checks `/ready` on four server slots. Two API processes
serve data version v1; under a steady load, each is replaced by one serving v2: the new one
starts and turns healthy, then the old one gets SIGTERM, answers `/ready` with 503 at once (so
HAProxy takes it out within one check interval) while still serving for RACING_DRAIN_SECONDS,
then exits. HAProxy is told not to retry or redispatch, so a request an old process dropped
would show as a failure. Every answer must be a 200 carrying X-Data-Version v1 or v2.

Slow: about 20 s of processes, health checks and load."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, quiet, unavailable
from tests.serving import free_port
from transforms import sample
from transforms.build import BuildResult, build
from transforms.load_sqlite import load_sqlite

pytestmark = pytest.mark.slow

DRAIN_SECONDS = 3
CHECK_INTERVAL_MS = 200

HAPROXY_CONFIG = """
global
    stats socket {socket} mode 600 level admin
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    # A slow answer under load is not a failed check; a 503 from /ready is, at once.
    timeout check 2s
    # No second chances: a request an old process drops is a failed request.
    retries 0
    option http-server-close
frontend api
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /ready
    http-check expect status 200
    default-server check inter {inter}ms fastinter {inter}ms downinter {inter}ms fall 1 rise 1
{servers}
"""


@pytest.fixture(scope="module")
def versions(sample_build: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two artifact directories with different data versions, each loaded into SQLite."""
    csv = tmp_path_factory.mktemp("sample-seed-2")
    sample.generate(csv, seed=2)
    second = build(csv, tmp_path_factory.mktemp("v2-artifacts"), quiet)
    load_sqlite(second.directory, quiet)
    assert second.data_version != sample_build.data_version
    return [sample_build.directory.parent, second.directory.parent]


class Replica:
    def __init__(self, artifacts: Path, port: int, log: Path) -> None:
        self.port, self.log = port, log
        env = {
            **os.environ,
            "RACING_BACKEND": "sqlite",
            "RACING_ARTIFACTS": str(artifacts),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "RACING_LOG_LEVEL": "warning",
            "RACING_DRAIN_SECONDS": str(DRAIN_SECONDS),
        }
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app"], env=env, cwd=ROOT, stdout=out, stderr=out
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def server_state(socket_path: Path) -> dict[str, str]:
    """HAProxy's view of each server: name -> UP / DOWN / MAINT (through its stats socket)."""
    import socket as sockets

    with sockets.socket(sockets.AF_UNIX) as s:
        s.connect(str(socket_path))
        s.sendall(b"show servers state replicas\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    states = {}
    for line in data.decode().splitlines()[2:]:
        fields = line.split()
        if len(fields) > 5:
            # srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping
            states[fields[3]] = {"2": "UP"}.get(fields[5], "DOWN")
    return states


def wait_state(socket_path: Path, name: str, state: str, timeout: float = 10) -> float:
    started = time.monotonic()
    while server_state(socket_path).get(name) != state:
        assert time.monotonic() - started < timeout, (name, state, server_state(socket_path))
        time.sleep(0.02)
    return time.monotonic() - started


def test_rolling_replacement_under_load_fails_no_request(
    versions: list[Path], tmp_path: Path
) -> None:
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        unavailable("haproxy is not installed (Debian package haproxy)")
    v1, v2 = (Path(p) for p in versions)
    version_of = {p: (p / "current").resolve().name for p in (v1, v2)}
    ports = {name: free_port() for name in ("a", "b", "c", "d")}
    front = free_port()
    socket_path = tmp_path / "haproxy.sock"
    servers = "\n".join(f"    server {n} 127.0.0.1:{p}" for n, p in ports.items())
    config = tmp_path / "haproxy.cfg"
    config.write_text(
        HAPROXY_CONFIG.format(
            socket=socket_path, port=front, inter=CHECK_INTERVAL_MS, servers=servers
        )
    )
    replicas: dict[str, Replica] = {}
    balancer = subprocess.Popen(
        [haproxy, "-f", str(config), "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    results: Counter = Counter()
    failures: list[str] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{front}", timeout=5) as client:
            paths = ["/drivers?limit=5", "/seasons", "/circuits?limit=3", "/meta"]
            i = 0
            while not stop.is_set():
                path = paths[i % len(paths)]
                i += 1
                try:
                    response = client.get(path)
                except httpx.HTTPError as exc:
                    failures.append(f"{path}: {type(exc).__name__} {exc}")
                    continue
                if response.status_code != 200:
                    failures.append(f"{path}: {response.status_code} {response.text[:200]}")
                results[response.headers.get("x-data-version")] += 1

    try:
        for name, artifacts in (("a", v1), ("b", v1)):
            replicas[name] = Replica(artifacts, ports[name], tmp_path / f"{name}.log")
        for name in ("a", "b"):
            replicas[name].wait_ready()
            wait_state(socket_path, name, "UP")
        workers = [threading.Thread(target=load) for _ in range(4)]
        for worker in workers:
            worker.start()
        time.sleep(1)
        drains = {}
        for old, new in (("a", "c"), ("b", "d")):
            # Blue-green per replica: the new one is in rotation before the old one leaves.
            replicas[new] = Replica(v2, ports[new], tmp_path / f"{new}.log")
            replicas[new].wait_ready()
            wait_state(socket_path, new, "UP")
            signalled = time.monotonic()
            replicas[old].process.send_signal(signal.SIGTERM)
            out_of_rotation = wait_state(socket_path, old, "DOWN")
            code = replicas[old].process.wait(timeout=DRAIN_SECONDS + 15)
            drains[old] = (out_of_rotation, time.monotonic() - signalled, code)
        # Both old processes have exited: from now on only the new version answers.
        v1_at_end, v2_at_end = results[version_of[v1]], results[version_of[v2]]
        time.sleep(1)
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
    finally:
        stop.set()
        for replica in replicas.values():
            replica.stop()
        balancer.terminate()
        balancer.wait(timeout=10)

    total = sum(results.values())
    print(f"requests {total}, by version {dict(results)}, drains {drains}")
    assert not failures, f"{len(failures)} of {total} failed: {failures[:5]}"
    assert total > 200
    assert set(results) == {version_of[v1], version_of[v2]}
    assert results[version_of[v1]] == v1_at_end
    assert results[version_of[v2]] > v2_at_end > 0
    for name, (out_of_rotation, exited_after, code) in drains.items():
        # Out of rotation within a few check intervals; served on for the drain; exited cleanly.
        assert out_of_rotation < 2, name
        assert DRAIN_SECONDS <= exited_after < DRAIN_SECONDS + 10, name
        assert code == 0, name
