"""Load a version's Parquet into `racing.sqlite` beside it: one table per mart, primary keys,
indexes for lookups and sorts, and a `meta` table holding the data version and the manifest."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.artifacts import alive, read_manifest
from transforms.runner import Log

SQLITE_FILE = "racing.sqlite"

# Extra indexes: the API looks marts up by ref and sorts pages by these columns.
INDEXES: dict[str, tuple[str, ...]] = {
    "driver_summary": ("driver_ref", "surname", "nationality", "wins", "podiums", "points"),
    "driver_season": ("season",),
    "driver_race": ("race_id",),
    "circuit_summary": ("circuit_ref",),
    "circuit_fastest_lap": ("circuit_id",),
    "constructor_summary": ("constructor_ref",),
    "constructor_season": ("season",),
    "race": ("season", "circuit_id"),
    "race_result": ("race_id", "driver_id"),
}


def sqlite_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_integer(arrow_type) or pa.types.is_boolean(arrow_type):
        return "INTEGER"
    if pa.types.is_floating(arrow_type):
        return "REAL"
    return "TEXT"  # strings, and dates as ISO 8601 text


def _select_for_sqlite(schema: pa.Schema) -> str:
    """DuckDB select list giving SQLite-ready values: dates as ISO text, booleans as 0/1."""
    columns = []
    for field in schema:
        name = f'"{field.name}"'
        if pa.types.is_date(field.type):
            columns.append(f"strftime({name}, '%Y-%m-%d') as {name}")
        elif pa.types.is_boolean(field.type):
            columns.append(f"cast({name} as integer) as {name}")
        else:
            columns.append(name)
    return ", ".join(columns)


def load_sqlite(version_dir: Path, log: Log = print) -> Path:
    """Write version_dir/racing.sqlite (atomically, via a temporary file). Idempotent."""
    started = time.perf_counter()
    manifest = read_manifest(version_dir)
    target = version_dir / SQLITE_FILE
    if target.is_file() and _loaded_version(target) == manifest["data_version"]:
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
            schema = pq.read_schema(path)
            columns = ", ".join(f'"{f.name}" {sqlite_type(f.type)}' for f in schema)
            key = ", ".join(mart["key"])
            con.execute(f'create table "{name}" ({columns}, primary key ({key})) without rowid')
            # DuckDB turns Parquet into Python tuples in C++, much faster than via Arrow.
            rows = duck.execute(
                f"select {_select_for_sqlite(schema)} from read_parquet(?)", [path]
            ).fetchall()
            marks = ", ".join("?" * len(schema))
            con.executemany(f'insert into "{name}" values ({marks})', rows)
            for column in INDEXES.get(name, ()):
                con.execute(f'create index "{name}__{column}" on "{name}" ("{column}")')
        con.execute("create table meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.executemany(
            "insert into meta values (?, ?)",
            [("data_version", manifest["data_version"]), ("manifest", json.dumps(manifest))],
        )
        con.commit()
        con.execute("analyze")
        con.close()
        os.chmod(tmp, 0o644)
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
            row = con.execute("select value from meta where key = 'data_version'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None
