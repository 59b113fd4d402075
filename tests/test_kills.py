"""SIGKILL at random points: a killed build, SQLite load or PostgreSQL load never leaves a
partial version where a reader can see it, the next normal run succeeds and cleans up, and a
server already serving over the same artifacts directory never notices.

Each kind of run is timed once in full; then, in every trial, a subprocess running it is killed
after a delay drawn uniformly from [0, that time] by a seeded `random.Random`
(`RACING_KILL_SEED`, `RACING_KILL_TRIALS`), so the kills land anywhere from interpreter start-up
to the final rename or commit."""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract.integrity import sha256_file as sha256
from tests.conftest import REAL_DATA, ROOT
from tests.serving import running_app
from transforms import sample
from transforms.build import build

TRIALS = int(os.environ.get("RACING_KILL_TRIALS", "5"))
SEED = int(os.environ.get("RACING_KILL_SEED", "1950"))
RUN_TIMEOUT = 120  # seconds for any one normal run


def quiet(_message: str) -> None:
    pass


def cli(artifacts: Path, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "transforms", "--artifacts", str(artifacts), *map(str, args)]


def run(command: list[str]) -> float:
    """Run to completion (it must succeed); return how long it took."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stderr}"
    return time.perf_counter() - started


def run_and_kill(command: list[str], delay: float) -> bool:
    """Start the command, SIGKILL it after `delay` seconds unless it finished first, and reap it
    (a zombie would still look alive to the debris cleaners). True when it was killed."""
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
            return True
        assert process.returncode == 0, f"{command} exited {process.returncode} before the kill"
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def assert_complete_version(directory: Path) -> dict:
    """A published version: a manifest naming this version, every listed Parquet file present
    with the manifest's size and sha256. Returns the manifest."""
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["data_version"] == directory.name
    assert manifest["marts"], f"{directory}: manifest lists no marts"
    for name, mart in manifest["marts"].items():
        path = directory / mart["file"]
        assert path.is_file(), f"{directory.name}: {mart['file']} of {name} is missing"
        assert path.stat().st_size == mart["bytes"], f"{directory.name}: {mart['file']} size"
        assert sha256(path) == mart["sha256"], f"{directory.name}: {mart['file']} sha256"
    return manifest


def built_from(manifest: dict, source: Path) -> bool:
    """Whether the manifest records exactly these input files."""
    return manifest["inputs"] == {p.name: sha256(p) for p in source.glob("*.csv")}


def current_version(artifacts: Path) -> str:
    link = artifacts / "current"
    assert link.is_symlink(), f"{link} is not a symlink"
    target = os.readlink(link)
    assert "/" not in target, f"current points outside the artifacts directory: {target}"
    return target


def published_versions(artifacts: Path) -> set[str]:
    return {
        p.name
        for p in artifacts.iterdir()
        if not p.name.startswith(".") and not p.is_symlink() and p.is_dir()
    }


def debris(artifacts: Path) -> list[str]:
    return sorted(p.name for p in (*artifacts.glob(".build-*"), *artifacts.glob(".current-*")))


@contextlib.contextmanager
def serving(artifacts: Path, log: Path, meanwhile=lambda: None) -> Iterator[str]:
    """`python -m app` over `artifacts`; `meanwhile` runs while the server starts."""
    with running_app(artifacts, log, meanwhile=meanwhile) as (url, _process):
        yield url


def assert_serving(url: str, version: str) -> None:
    for path in ("/ready", "/drivers?limit=1"):
        response = httpx.get(f"{url}{path}", timeout=10)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
        assert response.headers["x-data-version"] == version, path


# ---- builds ------------------------------------------------------------------------------


def test_killed_builds_publish_old_or_new_never_partial(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    artifacts = tmp_path / "artifacts"
    # seed 1: the first version; seed 2: the timed run; then one seed per trial
    sources = [tmp_path / f"sample-{seed}" for seed in range(1, TRIALS + 3)]
    sample.generate(sources[0], seed=1)
    run(cli(artifacts, "build", sources[0], "--quiet"))
    run(cli(artifacts, "load", "sqlite", "--quiet"))
    first = current_version(artifacts)
    assert built_from(assert_complete_version(artifacts / first), sources[0])
    known = {first}

    def generate_the_rest() -> None:  # while the server starts
        for seed, source in enumerate(sources[1:], start=2):
            sample.generate(source, seed=seed)

    with serving(artifacts, tmp_path / "server.log", meanwhile=generate_the_rest) as url:
        assert_serving(url, first)
        duration = run(cli(artifacts, "build", sources[1], "--quiet"))
        known.add(current_version(artifacts))
        outcomes = []
        for source in sources[2:]:
            before = current_version(artifacts)
            delay = rng.uniform(0, duration)
            killed = run_and_kill(cli(artifacts, "build", source, "--quiet"), delay)
            after_kill = current_version(artifacts)
            for version in published_versions(artifacts):
                assert_complete_version(artifacts / version)
            assert_complete_version(artifacts / after_kill)
            assert_serving(url, first)

            run(cli(artifacts, "build", source, "--quiet"))
            new = current_version(artifacts)
            assert new not in known, "a changed input must give a new version"
            assert built_from(assert_complete_version(artifacts / new), source)
            assert after_kill in (before, new), f"killed at {delay:.2f}s: current -> {after_kill}"
            assert debris(artifacts) == [], f"left behind: {debris(artifacts)}"
            known.add(new)
            assert published_versions(artifacts) <= known
            assert_serving(url, first)
            outcomes.append((round(delay, 2), killed, after_kill == new))
    print(f"\nbuild: full run {duration:.2f}s; (delay, killed, already new): {outcomes}")


# ---- SQLite load -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real data set built when it is here (its load takes long enough to be hit mid-write),
    else the sample with seed 2 (a version other than the session's `sample_build`)."""
    if (REAL_DATA / "results.csv").is_file():
        source = REAL_DATA
    else:
        source = tmp_path_factory.mktemp("kill-sample-2")
        sample.generate(source, seed=2)
    artifacts = tmp_path_factory.mktemp("kill-big")
    build(source, artifacts, quiet)
    return artifacts


def assert_complete_sqlite(path: Path, manifest: dict) -> None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (version,) = con.execute("select value from meta where key = 'data_version'").fetchone()
        assert version == manifest["data_version"]
        for name, mart in manifest["marts"].items():
            (rows,) = con.execute(f'select count(*) from "{name}"').fetchone()
            assert rows == mart["rows"], f"{name}: {rows} rows, manifest says {mart['rows']}"
    finally:
        con.close()


def test_killed_sqlite_loads_leave_no_partial_database(big_artifacts: Path) -> None:
    rng = random.Random(SEED + 1)
    version_dir = (big_artifacts / "current").resolve()
    manifest = assert_complete_version(version_dir)
    target = version_dir / "racing.sqlite"
    load = cli(big_artifacts, "load", "sqlite", "--quiet")

    target.unlink(missing_ok=True)
    duration = run(load)
    assert_complete_sqlite(target, manifest)
    outcomes = []
    for _ in range(TRIALS):
        target.unlink(missing_ok=True)  # every trial is a first load, the one that writes
        delay = rng.uniform(0, duration)
        killed = run_and_kill(load, delay)
        if target.exists():
            assert_complete_sqlite(target, manifest)
        outcomes.append((round(delay, 2), killed, target.exists()))

    run(load)
    assert_complete_sqlite(target, manifest)
    assert list(version_dir.glob(".racing.sqlite.*")) == []
    print(f"\nsqlite: full run {duration:.2f}s; (delay, killed, database there): {outcomes}")


# ---- PostgreSQL load ---------------------------------------------------------------------


def wait_for_other_backends_to_go(url: str, timeout: float = 15) -> None:
    """A killed client's backend notices the closed socket and aborts its transaction."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as con:
        while True:
            (others,) = con.execute(
                "select count(*) from pg_stat_activity "
                "where datname = current_database() and pid <> pg_backend_pid()"
            ).fetchone()
            if others == 0:
                return
            assert time.monotonic() < deadline, f"{others} backends still there after {timeout}s"
            time.sleep(0.05)


def pointed_version(url: str, manifests: dict[str, dict]) -> str:
    """Where racing.current points, checked to be a fully loaded version; and no version
    schema exists without its meta table (a partial load that survived)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        version, schema = con.execute(
            "select data_version, schema_name from racing.current"
        ).fetchone()
        assert version in manifests, f"racing.current points at unknown {version}"
        assert schema == f"racing_{version}"
        meta = dict(con.execute(f"select key, value from {schema}.meta").fetchall())
        assert meta["data_version"] == version
        for name, mart in manifests[version]["marts"].items():
            (rows,) = con.execute(f"select count(*) from {schema}.{name}").fetchone()
            assert rows == mart["rows"], f"{schema}.{name}: {rows} rows, not {mart['rows']}"
        partial = con.execute(
            "select nspname from pg_namespace n where nspname like 'racing\\_%' and not exists "
            "(select 1 from pg_class c where c.relnamespace = n.oid and c.relname = 'meta')"
        ).fetchall()
        assert partial == [], f"schemas without meta: {partial}"
    return version


def drop_schema(url: str, version: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"drop schema if exists racing_{version} cascade")


@pytest.mark.postgres
def test_killed_postgres_loads_keep_the_pointer_on_a_whole_version(
    postgres_databases, sample_build, big_artifacts: Path
) -> None:
    from transforms.load_postgres import load_postgres

    rng = random.Random(SEED + 2)
    url = postgres_databases("kills")
    artifacts_a = sample_build.directory.parent
    version_a = current_version(artifacts_a)
    version_b = current_version(big_artifacts)
    assert version_a != version_b
    manifests = {
        version_a: assert_complete_version(artifacts_a / version_a),
        version_b: assert_complete_version(big_artifacts / version_b),
    }
    load_a = cli(artifacts_a, "load", "postgres", "--database-url", url, "--quiet")
    load_b = cli(big_artifacts, "load", "postgres", "--database-url", url, "--quiet")

    def back_to_a() -> None:
        """A is current and B is not loaded: the state every trial starts from."""
        load_postgres(artifacts_a / version_a, url, quiet)  # already loaded: only repoints
        drop_schema(url, version_b)
        assert pointed_version(url, manifests) == version_a

    run(load_a)
    assert pointed_version(url, manifests) == version_a
    duration = run(load_b)
    assert pointed_version(url, manifests) == version_b
    back_to_a()

    outcomes = []
    for _ in range(TRIALS):
        delay = rng.uniform(0, duration)
        killed = run_and_kill(load_b, delay)
        wait_for_other_backends_to_go(url)
        pointed = pointed_version(url, manifests)
        outcomes.append((round(delay, 2), killed, pointed == version_b))
        if pointed == version_b:
            back_to_a()

    run(load_b)
    assert pointed_version(url, manifests) == version_b
    print(f"\npostgres: full run {duration:.2f}s; (delay, killed, B current): {outcomes}")
