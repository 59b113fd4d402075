"""What the API connects with can only read, by default; the loader's role is separate and the
reader's password comes from the environment; injection-shaped input never reaches SQL as code."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from urllib.parse import quote, urlsplit

import apsw
import psycopg
import pytest

from app.backends import PostgresBackend, SqliteBackend
from app.settings import Settings
from contract import READER_ROLE
from tests.conftest import ROOT, as_reader


def test_reader_role_can_read_but_not_write(sample_postgres):
    with psycopg.connect(as_reader(sample_postgres), autocommit=True) as con:
        schema = con.execute("select schema_name from racing.current").fetchone()[0]
        assert con.execute(f"select count(*) from {schema}.driver_summary").fetchone()[0] > 0
        for statement in (
            f"delete from {schema}.driver_summary",
            "update racing.current set data_version = 'forged'",
            f"create table {schema}.intruder (i int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(statement)


def test_api_serves_as_the_reader_role(sample_postgres, sample_build):
    from litestar.testing import TestClient

    from app.main import create_app
    from app.settings import Settings

    settings = Settings(
        backend="postgres",
        database_url=as_reader(sample_postgres),
        artifacts_dir=sample_build.directory.parent,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").status_code == 200
        assert client.get("/drivers/1").status_code == 200


def test_postgres_sessions_are_read_only_even_for_the_owner(sample_postgres):
    async def attempt() -> None:
        backend = PostgresBackend(sample_postgres, statement_timeout_ms=2000, pool_size=1)
        await backend.open()
        try:
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                await backend.fetch_all("delete from driver_summary")
            assert (await backend.fetch_all("select count(*) as n from driver_summary"))[0][0] > 0
        finally:
            await backend.close()

    asyncio.run(attempt())


def test_sqlite_is_opened_read_only(sample_build):
    backend = SqliteBackend(sample_build.directory.parent)
    try:
        with pytest.raises(apsw.ReadOnlyError, match=r"readonly|read-only|query_only"):
            asyncio.run(backend.fetch_all("delete from driver_summary"))
    finally:
        asyncio.run(backend.close())


def test_the_default_connection_is_the_reader_and_cannot_write_or_read_files(sample_postgres):
    default = urlsplit(Settings.from_env({}).database_url)
    assert (default.username, default.password) == (READER_ROLE, None)
    # The role itself, without the API's read-only session option: privileges, not settings.
    with psycopg.connect(as_reader(sample_postgres), autocommit=True) as con:
        assert con.execute("select current_user").fetchone()[0] == READER_ROLE
        schema = con.execute("select schema_name from racing.current").fetchone()[0]
        assert con.execute(f"select count(*) from {schema}.driver_summary").fetchone()[0] > 0
        for statement in (
            "select pg_read_file('/etc/hostname')",
            "select pg_ls_dir('.')",
            "copy (select 1) to '/tmp/racing-intruder'",
            "create table public.intruder (i int)",
            "create schema intruder",
            f"create table {schema}.intruder (i int)",
            "create role intruder",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(statement)


@pytest.fixture
def password_cluster():
    """A throwaway PostgreSQL cluster where every role but the owner `postgres` must give a
    password over TCP (the shared test server trusts everyone, so passwords go unchecked)."""
    from tests.test_postgres_outage import throwaway_cluster

    with throwaway_cluster(
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        hba_first="host all postgres 127.0.0.1/32 trust\n",
    ) as cluster:
        yield cluster


def test_loader_role_is_separate_and_sets_the_reader_password(password_cluster, sample_build):
    from litestar.testing import TestClient

    from app.main import create_app

    password = "it's a s3cret; -- with quotes"
    env = {
        **os.environ,
        "RACING_LOADER_DATABASE_URL": password_cluster.url,
        "RACING_READER_PASSWORD": password,
        "RACING_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",  # the API's, unused
    }
    load = subprocess.run(
        [sys.executable, "-m", "transforms", "--artifacts", str(sample_build.directory.parent),
         "load", "postgres", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert load.returncode == 0, load.stderr

    reader = f"postgresql://{READER_ROLE}:{quote(password)}@127.0.0.1:{password_cluster.port}"
    with psycopg.connect(f"{reader}/postgres") as con:
        assert con.execute("select data_version from racing.current").fetchone()[0]
    wrong = f"postgresql://{READER_ROLE}:wrong@127.0.0.1:{password_cluster.port}/postgres"
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=5)
    settings = Settings(
        backend="postgres",
        database_url=f"{reader}/postgres",
        artifacts_dir=sample_build.directory.parent,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").json()["data_version"] == sample_build.data_version
