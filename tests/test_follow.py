"""Running servers follow the published version without a restart, and never serve what is
not what was recorded: a new build + load is switched to within about a second (on every
backend), a damaged file is a 503 that says which, and a repair brings the server back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
import pytest
from litestar.testing import TestClient

from app.main import create_app
from app.settings import Settings
from contract import SQLITE_FILE
from tests.conftest import ROOT, as_reader, quiet
from tests.serving import free_port
from transforms.build import build
from transforms.load_postgres import load_postgres
from transforms.load_sqlite import load_sqlite

TINY = Path(__file__).parent / "fixtures" / "tiny"
GAMMA_URL = b'"http://example.com/gamma"'


def variant(directory: Path, tag: str) -> Path:
    """The tiny fixture with one harmless change (circuit 3's url): a new data version."""
    shutil.copytree(TINY, directory)
    path = directory / "circuits.csv"
    path.write_bytes(path.read_bytes().replace(GAMMA_URL, f'"http://example.com/{tag}"'.encode()))
    return directory


def eventually(condition: Callable[[], object], seconds: float = 10) -> float:
    """Seconds until `condition()` holds (fails after `seconds`)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "never happened"
        time.sleep(0.05)
    return time.monotonic() - started


def ready_version(client) -> str | None:
    response = client.get("/ready")
    return response.json()["data_version"] if response.status_code == 200 else None


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) - 200] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("backend", ["sqlite", "parquet"])
def test_a_server_follows_a_new_build_and_load(tmp_path: Path, backend: str) -> None:
    artifacts = tmp_path / "artifacts"
    v1 = build(TINY, artifacts, quiet)
    load_sqlite(v1.directory, quiet)
    with TestClient(create_app(Settings(backend=backend, artifacts_dir=artifacts))) as client:
        assert ready_version(client) == v1.data_version
        old = client.get("/circuits/3")
        assert old.json()["url"] == "http://example.com/gamma"

        v2 = build(variant(tmp_path / "v2", "v2"), artifacts, quiet)
        if backend == "sqlite":  # built, not loaded yet: the old version keeps serving
            time.sleep(1.5)
            assert ready_version(client) == v1.data_version
            assert client.get("/circuits/3").json()["url"] == "http://example.com/gamma"
            load_sqlite(v2.directory, quiet)
        eventually(lambda: ready_version(client) == v2.data_version)

        new = client.get("/circuits/3", headers={"If-None-Match": old.headers["etag"]})
        assert new.status_code == 200  # the old ETag does not match the new version
        assert new.json()["url"] == "http://example.com/v2"  # not the old version's cached body
        assert new.headers["x-data-version"] == v2.data_version
        assert client.get("/meta").json()["data_version"] == v2.data_version


def test_postgres_replicas_follow_loads_and_outlive_pruning(
    tmp_path: Path, postgres_databases
) -> None:
    url = postgres_databases("follow")
    artifacts = tmp_path / "artifacts"
    versions = [build(TINY, artifacts, quiet)]
    load_postgres(versions[0].directory, url, quiet)
    settings = Settings(backend="postgres", artifacts_dir=artifacts, database_url=as_reader(url))
    with TestClient(create_app(settings)) as client:
        assert ready_version(client) == versions[0].data_version
        statuses = set()
        for n in range(1, 5):  # the loader keeps 3 versions: the first one is dropped
            versions.append(build(variant(tmp_path / f"v{n}", f"v{n}"), artifacts, quiet))
            load_postgres(versions[-1].directory, url, quiet)
            statuses.add(client.get("/circuits/3").status_code)
            eventually(lambda: ready_version(client) == versions[-1].data_version)
            assert client.get("/circuits/3").json()["url"] == f"http://example.com/v{n}"
        assert statuses <= {200, 503}

        # The served version vanishes with nothing to switch to: 503s that say so, never 500.
        with psycopg.connect(url, autocommit=True) as con:
            schema = con.execute("select schema_name from racing.current").fetchone()[0]
            con.execute(f"drop schema {schema} cascade")
        gone = client.get("/drivers/2")
        assert gone.status_code == 503 and gone.headers["content-type"].startswith(
            "application/problem+json"
        )
        assert "no longer in the database" in gone.json()["detail"]
        eventually(lambda: client.get("/ready").status_code == 503)
        load_postgres(versions[-1].directory, url, quiet)  # loaded again: back by itself
        eventually(lambda: ready_version(client) == versions[-1].data_version)


def test_a_damaged_racing_sqlite_at_start_is_a_503_until_it_is_reloaded(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    version = build(TINY, artifacts, quiet).directory
    load_sqlite(version, quiet)
    flip_a_byte(version / SQLITE_FILE)
    with TestClient(create_app(Settings(artifacts_dir=artifacts))) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert f"{version / SQLITE_FILE}: sha256" in ready.json()["detail"]
        data = client.get("/drivers/1")
        assert data.status_code == 503 and SQLITE_FILE in data.json()["detail"]

        load_sqlite(version, quiet)  # the repair: differs from its record, so loaded again
        eventually(lambda: client.get("/ready").status_code == 200)
        assert client.get("/drivers/1").json()["driver_ref"] == "ann"


def test_racing_sqlite_changed_while_serving_is_a_503_not_wrong_data(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    version = build(TINY, artifacts, quiet).directory
    load_sqlite(version, quiet)
    with TestClient(create_app(Settings(artifacts_dir=artifacts))) as client:
        assert client.get("/drivers/1").status_code == 200
        flip_a_byte(version / SQLITE_FILE)
        eventually(lambda: client.get("/ready").status_code == 503)
        assert client.get("/drivers/2").status_code == 503


def test_a_damaged_parquet_file_at_start_is_a_503_until_a_rebuild(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    version = build(TINY, artifacts, quiet).directory
    flip_a_byte(version / "driver_summary.parquet")
    with TestClient(create_app(Settings(backend="parquet", artifacts_dir=artifacts))) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert "driver_summary.parquet: sha256" in ready.json()["detail"]
        build(TINY, artifacts, quiet)  # a rebuild from good input repairs the version
        eventually(lambda: client.get("/ready").status_code == 200)
        assert client.get("/drivers/1").status_code == 200


def test_the_server_reports_a_bad_racing_sqlite_in_one_line(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    version = build(TINY, artifacts, quiet).directory
    load_sqlite(version, quiet)
    (version / SQLITE_FILE).write_bytes(b"not a database at all" * 100)
    port = free_port()
    env = {**os.environ, "RACING_ARTIFACTS": str(artifacts), "PORT": str(port)}
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)  # fmt: skip
        try:

            def answered() -> httpx.Response | None:
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1)
                except httpx.TransportError:
                    return None

            eventually(answered, 30)
            ready = answered()
            assert ready.status_code == 503 and str(version / SQLITE_FILE) in ready.json()["detail"]
        finally:
            server.terminate()
            server.wait(timeout=15)
    text = log.read_text()
    assert "Traceback" not in text
    errors = [json.loads(line) for line in text.splitlines() if '"level":"error"' in line]
    assert len(errors) == 1 and str(version / SQLITE_FILE) in errors[0]["reason"], text
