"""Shared fixtures: the generated sample built once per session, the real data set when it is
present, and a PostgreSQL database per test worker.

Tests that need the real data (../shared/data/f1) or PostgreSQL skip, saying why, on a machine
without them; with CI=true they fail instead, so CI can never pass by skipping."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from contract import DEFAULT_LOADER_DATABASE_URL, READER_ROLE
from transforms.build import BuildResult, build
from transforms.load_sqlite import load_sqlite

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = Path(os.environ.get("RACING_REAL_DATA", ROOT.parent / "shared" / "data" / "f1"))
TEST_DATABASE_URL = os.environ.get("RACING_TEST_DATABASE_URL", DEFAULT_LOADER_DATABASE_URL)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# In CI, hypothesis (and schemathesis on top of it) replays the same examples every run, so a
# red CI always means a reproducible failure; locally every run explores new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    settings.load_profile("ci")


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where every dependency must be present."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def quiet(_message: str) -> None:
    pass


@pytest.fixture(scope="session")
def sample_csvs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transforms import sample

    directory = tmp_path_factory.mktemp("sample-csv")
    sample.generate(directory)
    return directory


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory, sample_csvs: Path) -> BuildResult:
    """The sample built into its own artifacts directory, with the SQLite load done."""
    artifacts = tmp_path_factory.mktemp("sample-artifacts")
    result = build(sample_csvs, artifacts, quiet)
    load_sqlite(result.directory, quiet)
    return result


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not (REAL_DATA / "results.csv").is_file():
        unavailable(f"the real Ergast data set is not at {REAL_DATA}")
    return REAL_DATA


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory, real_data: Path) -> BuildResult:
    artifacts = tmp_path_factory.mktemp("real-artifacts")
    result = build(real_data, artifacts, quiet)
    load_sqlite(result.directory, quiet)
    return result


@pytest.fixture(scope="session")
def postgres_databases(worker_id: str) -> Iterator[Callable[[str], str]]:
    """Make databases of this test worker's own (`make("sample")` -> URL), dropped at the end,
    so parallel workers and data sets never see each other's `racing.current`."""
    try:
        import psycopg

        admin = psycopg.connect(TEST_DATABASE_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # any failure to connect means "no server here"
        unavailable(f"PostgreSQL is not reachable at {TEST_DATABASE_URL}: {exc}")
    base, _, _ = TEST_DATABASE_URL.rpartition("/")
    made: list[str] = []

    def make(purpose: str) -> str:
        name = f"racing_test_{purpose}_{worker_id}_{os.getpid()}"
        admin.execute(f"drop database if exists {name} with (force)")
        admin.execute(f"create database {name}")
        made.append(name)
        return f"{base}/{name}"

    try:
        yield make
    finally:
        for name in made:
            admin.execute(f"drop database if exists {name} with (force)")
        admin.close()


@pytest.fixture(scope="session")
def postgres_url(postgres_databases: Callable[[str], str]) -> str:
    """An empty database for tests that load what they like."""
    return postgres_databases("scratch")


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """pytest-xdist's worker id, or 'main' without xdist."""
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


BACKENDS = ("sqlite", "parquet", "postgres")


@pytest.fixture(scope="session")
def sample_postgres(sample_build: BuildResult, postgres_databases) -> str:
    from transforms.load_postgres import load_postgres

    url = postgres_databases("sample")
    load_postgres(sample_build.directory, url, quiet)
    return url


@pytest.fixture(scope="session")
def real_postgres(real_build: BuildResult, postgres_databases) -> str:
    from transforms.load_postgres import load_postgres

    url = postgres_databases("real")
    load_postgres(real_build.directory, url, quiet)
    return url


def as_reader(url: str) -> str:
    """The same database, as the read-only role the load creates (no password: the test
    server trusts local connections)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{READER_ROLE}@{rest.rpartition('@')[2]}"


def make_client(
    backend: str, artifacts: Path, request: pytest.FixtureRequest, postgres: str = "sample_postgres"
):
    from litestar.testing import TestClient

    from app.main import create_app
    from app.settings import Settings

    database_url = TEST_DATABASE_URL
    if backend == "postgres":  # as deployed: the read-only role, not the loader's owner
        database_url = as_reader(request.getfixturevalue(postgres))
    settings = Settings(backend=backend, artifacts_dir=artifacts, database_url=database_url)
    return TestClient(create_app(settings))


@pytest.fixture(scope="session", params=BACKENDS)
def client(request: pytest.FixtureRequest, sample_build: BuildResult):
    """An in-process client of the app over the sample data, once per backend."""
    with make_client(request.param, sample_build.directory.parent, request) as test_client:
        yield test_client


@pytest.fixture(scope="session", params=BACKENDS)
def real_client(request: pytest.FixtureRequest, real_build: BuildResult):
    """An in-process client of the app over the real data set, once per backend."""
    artifacts = real_build.directory.parent
    with make_client(request.param, artifacts, request, "real_postgres") as test_client:
        yield test_client


@pytest.fixture(scope="session")
def sqlite_client(request: pytest.FixtureRequest, sample_build: BuildResult):
    with make_client("sqlite", sample_build.directory.parent, request) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(
    sample_build: BuildResult, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`python -m app` as users run it, on a free loopback port, over the sample."""
    from tests.serving import running_app

    log = tmp_path_factory.mktemp("server") / "server.log"
    with running_app(sample_build.directory.parent, log, log_level="info") as (url, process):
        yield url
    # uvicorn shuts down gracefully, then re-raises the signal: exit status -SIGTERM.
    assert process.returncode in (0, -15)
    assert "Application shutdown complete" in log.read_text()
