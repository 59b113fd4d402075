"""PostgreSQL goes away under the API and comes back: readiness turns 503, uncached data
requests get a fast 503 problem (cached ones keep being served: the data is immutable per
version), nothing hangs past the timeout, and the API recovers without a restart.

The outage is real: a throwaway PostgreSQL cluster of this test's own (initdb, pg_ctl), so the
shared server the other tests use is never stopped."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import quiet, unavailable
from tests.serving import free_port

TIMEOUT_MS = 1000


class Cluster:
    def __init__(self, bindir: Path, data: Path, port: int) -> None:
        self.bindir, self.data, self.port = bindir, data, port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l",
                  str(self.data / "log"), "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


@contextlib.contextmanager
def throwaway_cluster(*auth: str, hba_first: str = "") -> Iterator[Cluster]:
    """A started cluster of the test's own (initdb `auth` options; `hba_first` goes before the
    generated pg_hba.conf lines), stopped and removed afterwards."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or (
        [shutil.which("initdb")] if shutil.which("initdb") else []
    )
    if not found:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    # Not under pytest's tmp_path: the postgres user must be able to reach the directory.
    data = Path(tempfile.mkdtemp(prefix="racing-test-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    cluster = Cluster(Path(found[-1]).parent, data, free_port())
    cluster._run("initdb", "-D", str(data), "-U", "postgres", *auth, "-E", "UTF8")
    hba = data / "pg_hba.conf"
    hba.write_text(hba_first + hba.read_text())
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def cluster():
    with throwaway_cluster("--auth=trust") as started:
        yield started


def timed_get(client, url: str):
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


def test_outage_and_recovery(cluster, sample_build):
    from litestar.testing import TestClient

    from app.main import create_app
    from app.settings import Settings
    from transforms.load_postgres import load_postgres

    load_postgres(sample_build.directory, cluster.url, quiet)
    settings = Settings(
        backend="postgres",
        database_url=cluster.url,
        artifacts_dir=sample_build.directory.parent,
        statement_timeout_ms=TIMEOUT_MS,
    )
    bound = TIMEOUT_MS / 1000 + 1.5  # the timeout plus scheduling slack
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").status_code == 200
        cached = client.get("/drivers/1")
        assert cached.status_code == 200

        cluster.stop()
        ready, took = timed_get(client, "/ready")
        assert ready.status_code == 503 and took < bound
        assert ready.headers["content-type"] == "application/problem+json"
        for url in ("/drivers/2", "/circuits?limit=3", "/seasons"):
            response, took = timed_get(client, url)
            assert response.status_code == 503, url
            assert took < bound, f"{url} took {took:.2f}s"
            assert response.json()["status"] == 503
            assert response.headers["retry-after"]
        assert client.get("/drivers/1").content == cached.content, "served from the cache"
        assert client.get("/health").status_code == 200

        cluster.start()
        deadline = time.monotonic() + 15
        while client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, "the API did not recover"
            time.sleep(0.2)
        assert client.get("/drivers/2").status_code == 200
        assert client.get("/circuits?limit=3").json()["data"]
