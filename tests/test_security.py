"""What the API connects with can only read; injection-shaped input never reaches SQL as code."""

from __future__ import annotations

import asyncio
import sqlite3

import psycopg
import pytest

from app.backends import PostgresBackend, SqliteBackend


def as_reader(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://racing_reader@{rest.partition('@')[2]}"


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
            assert (await backend.fetch_all("select count(*) as n from driver_summary"))[0]["n"] > 0
        finally:
            await backend.close()

    asyncio.run(attempt())


def test_sqlite_is_opened_read_only(sample_build):
    backend = SqliteBackend(sample_build.directory.parent)
    try:
        with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only|query_only"):
            asyncio.run(backend.fetch_all("delete from driver_summary"))
    finally:
        asyncio.run(backend.close())
