"""Load a version's Parquet into PostgreSQL: schema `racing_<data_version>`, Arrow-native (ADBC,
binary COPY under the hood), one transaction that also repoints `racing.current`, so the API
switches versions atomically. Loading a version that is already there only repoints."""

from __future__ import annotations

import json
import time
from pathlib import Path

import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.artifacts import read_manifest
from transforms.load_sqlite import INDEXES
from transforms.runner import Log

POINTER_SCHEMA = "racing"
READER_ROLE = "racing_reader"  # what the API should connect as: it can only read
KEEP_VERSIONS = 3  # older version schemas are dropped after a successful switch


def postgres_type(arrow_type: pa.DataType) -> str:
    """Text sorts by code point ("C"), as in SQLite and DuckDB, so pages come back identical."""
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_int64(arrow_type):
        return "bigint"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_date(arrow_type):
        return "date"
    return 'text collate "C"'


def schema_name(data_version: str) -> str:
    return f"racing_{data_version}"


def load_postgres(version_dir: Path, url: str, log: Log = print) -> str:
    started = time.perf_counter()
    manifest = read_manifest(version_dir)
    version = manifest["data_version"]
    schema = schema_name(version)
    with adbc.connect(url) as con, con.cursor() as cur:
        cur.execute(f"create schema if not exists {POINTER_SCHEMA}")
        cur.execute(
            f"create table if not exists {POINTER_SCHEMA}.current ("
            " singleton boolean primary key default true check (singleton),"
            " data_version text not null, schema_name text not null,"
            " loaded_at timestamptz not null default now())"
        )
        con.commit()
        # Serialise concurrent loads; the lock ends with the transaction.
        cur.execute("select pg_advisory_xact_lock(hashtext('racing-load'))")
        cur.execute(
            "select 1 from information_schema.tables where table_schema = $1 "
            "and table_name = 'meta'",
            parameters=(schema,),
        )
        already = cur.fetchone() is not None
        if already:
            log(f"PostgreSQL: schema {schema} already loaded")
        else:
            cur.execute(f"drop schema if exists {schema} cascade")
            cur.execute(f"create schema {schema}")
            for name, mart in manifest["marts"].items():
                table = pq.read_table(version_dir / mart["file"])
                columns = ", ".join(f'"{f.name}" {postgres_type(f.type)}' for f in table.schema)
                key = ", ".join(mart["key"])
                cur.execute(f"create table {schema}.{name} ({columns}, primary key ({key}))")
                cur.adbc_ingest(name, table, mode="append", db_schema_name=schema)
                for column in INDEXES.get(name, ()):
                    cur.execute(f"create index on {schema}.{name} ({column})")
            cur.execute(f"create table {schema}.meta (key text primary key, value text not null)")
            cur.execute(
                f"insert into {schema}.meta values ('data_version', $1), ('manifest', $2)",
                parameters=(version, json.dumps(manifest)),
            )
        _grant_reader(cur, schema)
        cur.execute(
            f"insert into {POINTER_SCHEMA}.current (data_version, schema_name) values ($1, $2) "
            "on conflict (singleton) do update set data_version = excluded.data_version, "
            "schema_name = excluded.schema_name, loaded_at = now()",
            parameters=(version, schema),
        )
        _drop_old_versions(cur, schema)
        con.commit()
    log(
        f"PostgreSQL: {version} is current (schema {schema}) in "
        f"{time.perf_counter() - started:.2f}s"
    )
    return schema


def _grant_reader(cur, schema: str) -> None:
    """A login role that can read the pointer and the loaded versions, nothing else. Created
    when missing (roles are cluster-wide; a concurrent load may create it first)."""
    cur.execute(
        f"""
        do $$ begin
            create role {READER_ROLE} login;
        exception when duplicate_object or unique_violation then null;
        end $$
        """
    )
    for statement in (
        f"grant usage on schema {POINTER_SCHEMA}, {schema} to {READER_ROLE}",
        f"grant select on {POINTER_SCHEMA}.current to {READER_ROLE}",
        f"grant select on all tables in schema {schema} to {READER_ROLE}",
    ):
        cur.execute(statement)


def _drop_old_versions(cur, current_schema: str) -> None:
    """Keep the current version and the KEEP_VERSIONS - 1 loaded just before it (load order is
    the creation order of each schema's meta table, its oid); drop the rest."""
    cur.execute(
        "select n.nspname from pg_namespace n join pg_class c on c.relnamespace = n.oid "
        "where n.nspname like 'racing\\_%' and c.relname = 'meta' and n.nspname <> $1 "
        "order by c.oid desc",
        parameters=(current_schema,),
    )
    for (schema,) in cur.fetchall()[KEEP_VERSIONS - 1 :]:
        cur.execute(f"drop schema {schema} cascade")
