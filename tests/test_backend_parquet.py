"""The Parquet backend (DuckDB over the artifacts' Parquet files): every mart's rows are what the
SQLite backend returns, value for value and type for type, and the connection reaches nothing
beyond its tables once open."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any

import duckdb
import pytest

from app.backends import ParquetBackend, SqliteBackend


@pytest.fixture(scope="module")
def backends(sample_build) -> Iterator[tuple[SqliteBackend, ParquetBackend]]:
    artifacts = sample_build.directory.parent
    sqlite, parquet = SqliteBackend(artifacts), ParquetBackend(artifacts)
    yield sqlite, parquet
    asyncio.run(sqlite.close())
    asyncio.run(parquet.close())


def fetch(backend, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    rows = asyncio.run(backend.fetch_all(sql, params))
    return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]


def test_every_mart_holds_what_sqlite_holds_with_the_same_python_types(backends):
    sqlite, parquet = backends
    for name, mart in parquet.manifest["marts"].items():
        columns = ", ".join(f'"{column["name"]}"' for column in mart["columns"])
        key = ", ".join(mart["key"])
        sql = f'select {columns} from "{name}" order by {key}'
        expected, got = fetch(sqlite, sql), fetch(parquet, sql)
        assert got == expected, name
        types = {tuple(type(value) for value in row) for row in got}
        assert types == {tuple(type(value) for value in row) for row in expected}, name


def test_one_sql_text_answers_each_call_with_its_own_parameters(backends):
    _, parquet = backends
    sql = "select driver_id from driver_summary where driver_id = ?"
    ids = [row[0] for row in fetch(parquet, "select driver_id from driver_summary")][:3]
    for driver_id in ids * 2:
        assert fetch(parquet, sql, [driver_id]) == [(driver_id,)]
    assert fetch(parquet, sql, [-1]) == []


def test_the_parsed_statements_kept_are_bounded(backends, monkeypatch):
    _, parquet = backends
    monkeypatch.setattr(parquet, "STATEMENTS", 2)
    for n in range(5):
        assert fetch(parquet, f"select {n} as n") == [(n,)]
    assert len(parquet._statements) <= 2


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_parquet('{file}')",  # files: external access is off
        "copy driver_summary to '{file}.csv'",
        "set enable_external_access = true",  # the configuration is locked
        "set disabled_optimizers = ''",
        "install httpfs",  # no extension is installed or loaded
        "load httpfs",
    ],
)
def test_nothing_beyond_the_loaded_tables_is_reachable(backends, sample_build, sql):
    _, parquet = backends
    file = sample_build.directory / "driver_summary.parquet"
    with pytest.raises(duckdb.Error):
        fetch(parquet, sql.format(file=file))
