"""Load a version's Parquet into PostgreSQL: schema `racing_<data_version>`, Arrow-native (ADBC,
binary COPY under the hood), one transaction that also repoints `racing.current`, so the API
switches versions atomically. Loading a version that is already there only repoints."""

from __future__ import annotations

import json
import time
from pathlib import Path

import adbc_driver_postgresql.dbapi as adbc
import pyarrow.parquet as pq

from contract import (
    COLUMN_TYPES,
    META_DATA_VERSION,
    META_MANIFEST,
    META_TABLE,
    POINTER_SCHEMA,
    POINTER_TABLE,
    READER_ROLE,
    VERSION_SCHEMA_PREFIX,
    version_schema,
)
from contract.integrity import check_marts
from transforms.load_sqlite import create_indexes
from transforms.raw import InputError
from transforms.runner import Log

KEEP_VERSIONS = 3  # older version schemas are dropped after a successful switch


# Text sorts by code point ("C"), as in SQLite and DuckDB, so pages come back identical.
POSTGRES_TYPES = {
    "integer": "integer",
    "boolean": "boolean",
    "float": "double precision",
    "date": "date",
    "text": 'text collate "C"',
}


def postgres_type(manifest_type: str) -> str:
    if manifest_type == "int64":
        return "bigint"
    return POSTGRES_TYPES[COLUMN_TYPES[manifest_type]]


def load_postgres(
    version_dir: Path, url: str, log: Log = print, *, reader_password: str | None = None
) -> str:
    """Load (or only repoint to) a version; `url` is an owner's. The read-only role READER_ROLE
    is created if missing, granted the version, and given `reader_password` when one is set."""
    started = time.perf_counter()
    manifest = check_marts(version_dir)  # every Parquet file as the manifest says, first
    version = manifest["data_version"]
    schema = version_schema(version)
    with adbc.connect(url) as con, con.cursor() as cur:
        cur.execute(f"create schema if not exists {POINTER_SCHEMA}")
        cur.execute(
            f"create table if not exists {POINTER_TABLE} ("
            " singleton boolean primary key default true check (singleton),"
            " data_version text not null, schema_name text not null,"
            " loaded_at timestamptz not null default now())"
        )
        con.commit()
        # Serialise concurrent loads; the lock ends with the transaction.
        cur.execute("select pg_advisory_xact_lock(hashtext('racing-load'))")
        cur.execute(
            "select 1 from information_schema.tables where table_schema = $1 and table_name = $2",
            parameters=(schema, META_TABLE),
        )
        already = cur.fetchone() is not None
        if already:
            log(f"PostgreSQL: schema {schema} already loaded")
        else:
            cur.execute(f"drop schema if exists {schema} cascade")
            cur.execute(f"create schema {schema}")
            for name, mart in manifest["marts"].items():
                columns = ", ".join(
                    f'"{c["name"]}" {postgres_type(c["type"])}' for c in mart["columns"]
                )
                key = ", ".join(mart["key"])
                cur.execute(f"create table {schema}.{name} ({columns}, primary key ({key}))")
                table = pq.read_table(version_dir / mart["file"])
                cur.adbc_ingest(name, table, mode="append", db_schema_name=schema)
                create_indexes(cur, name, mart, schema)
            cur.execute(
                f"create table {schema}.{META_TABLE} (key text primary key, value text not null)"
            )
            cur.execute(
                f"insert into {schema}.{META_TABLE} values ($1, $2), ($3, $4)",
                parameters=(META_DATA_VERSION, version, META_MANIFEST, json.dumps(manifest)),
            )
        _grant_reader(cur, schema, reader_password)
        cur.execute(
            f"insert into {POINTER_TABLE} (data_version, schema_name) values ($1, $2) "
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


def _grant_reader(cur, schema: str, password: str | None) -> None:
    """A login role that can read the pointer and the loaded versions, nothing else: no
    superuser, no CREATE anywhere, no server files. Created when missing (roles are
    cluster-wide; a concurrent load may create it first)."""
    cur.execute(
        f"""
        do $$ begin
            create role {READER_ROLE} login;
        exception when duplicate_object or unique_violation then null;
        end $$
        """
    )
    cur.execute(
        "select rolsuper or rolcreatedb or rolcreaterole or rolreplication or rolbypassrls "
        "from pg_roles where rolname = $1",
        parameters=(READER_ROLE,),
    )
    if cur.fetchone()[0]:
        raise InputError(
            READER_ROLE, "the API's role may not be superuser or create databases or roles"
        )
    if password:
        cur.execute("select quote_literal($1)", parameters=(password,))
        cur.execute(f"alter role {READER_ROLE} login password {cur.fetchone()[0]}")
    for statement in (
        f"grant usage on schema {POINTER_SCHEMA}, {schema} to {READER_ROLE}",
        f"grant select on {POINTER_TABLE} to {READER_ROLE}",
        f"grant select on all tables in schema {schema} to {READER_ROLE}",
    ):
        cur.execute(statement)


def _drop_old_versions(cur, current_schema: str) -> None:
    """Keep the current version and the KEEP_VERSIONS - 1 loaded just before it (load order is
    the creation order of each schema's meta table, its oid); drop the rest."""
    cur.execute(
        "select n.nspname from pg_namespace n join pg_class c on c.relnamespace = n.oid "
        "where starts_with(n.nspname, $1) and c.relname = $2 and n.nspname <> $3 "
        "order by c.oid desc",
        parameters=(VERSION_SCHEMA_PREFIX, META_TABLE, current_schema),
    )
    for (schema,) in cur.fetchall()[KEEP_VERSIONS - 1 :]:
        cur.execute(f"drop schema {schema} cascade")
