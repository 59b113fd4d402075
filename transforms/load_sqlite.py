"""Load a version's Parquet into `racing.sqlite` beside it: one table per mart in the manifest,
with the columns, primary key and indexes the manifest declares, and a `meta` table holding the
data version and the manifest."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import duckdb

from contract import (
    COLUMN_TYPES,
    META_DATA_VERSION,
    META_MANIFEST,
    META_TABLE,
    SQLITE_FILE,
    select_as_sqlite,
)
from contract.integrity import IntegrityError, check_marts, check_sqlite, record_sqlite
from transforms.artifacts import alive
from transforms.runner import Log

# Dates are ISO 8601 text, booleans 0/1.
SQLITE_TYPES = {"integer": "INTEGER", "boolean": "INTEGER", "float": "REAL", "text": "TEXT"}


def sqlite_type(manifest_type: str) -> str:
    return SQLITE_TYPES.get(COLUMN_TYPES[manifest_type], "TEXT")


def create_indexes(cursor, table: str, mart: dict, schema: str | None = None) -> None:
    """The indexes the manifest declares for a mart, named <table>__<columns>; for SQLite and
    PostgreSQL (where `schema` qualifies the table)."""
    target = f'{schema}."{table}"' if schema else f'"{table}"'
    for index in mart["indexes"]:
        columns = ", ".join(f'"{column}"' for column in index)
        cursor.execute(f'create index "{table}__{"_".join(index)}" on {target} ({columns})')


def load_sqlite(version_dir: Path, log: Log = print) -> Path:
    """Write version_dir/racing.sqlite (atomically, via a temporary file) and record its sha256
    beside it. Idempotent: a file that holds the version and matches its record is kept. Every
    Parquet file is checked against the manifest first (raises IntegrityError)."""
    started = time.perf_counter()
    manifest = check_marts(version_dir)
    target = version_dir / SQLITE_FILE
    if target.is_file() and _loaded_version(target) == manifest["data_version"]:
        try:
            check_sqlite(version_dir)
        except IntegrityError as exc:
            log(f"SQLite: {exc.problem.split(';')[0]}: loading {target} again")
        else:
            log(f"SQLite {target} already holds {manifest['data_version']}")
            return target
    for stale in version_dir.glob(f".{SQLITE_FILE}.*.tmp"):  # left by a killed load
        if not alive(stale.name.split(".")[-2]):
            stale.unlink(missing_ok=True)
    tmp = version_dir / f".{SQLITE_FILE}.{os.getpid()}.tmp"
    con = sqlite3.connect(tmp)
    duck = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        con.execute("pragma journal_mode = off")
        con.execute("pragma synchronous = off")
        con.execute("pragma locking_mode = exclusive")
        con.execute("pragma cache_size = -65536")
        for name, mart in manifest["marts"].items():
            path = str(version_dir / mart["file"])
            columns = ", ".join(f'"{c["name"]}" {sqlite_type(c["type"])}' for c in mart["columns"])
            key = ", ".join(mart["key"])
            con.execute(f'create table "{name}" ({columns}, primary key ({key})) without rowid')
            # DuckDB turns Parquet into Python tuples in C++, much faster than via Arrow.
            rows = duck.execute(
                f"select {select_as_sqlite(mart['columns'])} from read_parquet(?)", [path]
            ).fetchall()
            marks = ", ".join("?" * len(mart["columns"]))
            con.executemany(f'insert into "{name}" values ({marks})', rows)
            create_indexes(con, name, mart)
        con.execute(f"create table {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.executemany(
            f"insert into {META_TABLE} values (?, ?)",
            [
                (META_DATA_VERSION, manifest["data_version"]),
                (META_MANIFEST, json.dumps(manifest)),
            ],
        )
        con.commit()
        con.execute("analyze")
        con.close()
        os.chmod(tmp, 0o644)
        record_sqlite(version_dir, tmp)
        os.replace(tmp, target)
    finally:
        con.close()
        duck.close()
        tmp.unlink(missing_ok=True)
    log(
        f"SQLite: loaded {manifest['data_version']} into {target} in "
        f"{time.perf_counter() - started:.2f}s"
    )
    return target


def _loaded_version(path: Path) -> str | None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute(
                f"select value from {META_TABLE} where key = ?", [META_DATA_VERSION]
            ).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None
