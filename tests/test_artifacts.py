"""Versioned artifacts: content-derived versions, byte-identical rebuilds, the manifest, atomic
publishing, and the SQLite and PostgreSQL loads holding exactly the Parquet rows."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import types
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from contract import CURRENT_LINK, MANIFEST_FILE, SCHEMA_VERSION, SQLITE_FILE, version_schema
from transforms import artifacts, load_postgres, runner
from transforms.build import build
from transforms.load_sqlite import load_sqlite

TINY = Path(__file__).parent / "fixtures" / "tiny"
GAMMA_URL = b'"http://example.com/gamma"'


def quiet(_message: str) -> None:
    pass


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def variant(directory: Path, tag: str) -> Path:
    """The tiny fixture with one harmless change (circuit 3's url), so a new data version."""
    shutil.copytree(TINY, directory)
    path = directory / "circuits.csv"
    path.write_bytes(path.read_bytes().replace(GAMMA_URL, f'"http://example.com/{tag}"'.encode()))
    return directory


def tree(directory: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    return build(TINY, tmp_path_factory.mktemp("artifacts"), log=quiet)


def test_same_input_same_version_and_bytes(tmp_path: Path, tiny) -> None:
    again = build(TINY, tmp_path / "fresh", log=quiet)
    assert again.data_version == tiny.data_version
    assert again.created
    first, second = tree(tiny.directory), tree(again.directory)
    assert first.keys() == second.keys()
    for name in first.keys() - {MANIFEST_FILE, SQLITE_FILE}:
        assert first[name] == second[name], f"{name} differs between two builds"
    manifests = [artifacts.read_manifest(d) for d in (tiny.directory, again.directory)]
    for manifest in manifests:
        del manifest["built_at"]
    assert manifests[0] == manifests[1]


def test_rebuild_into_same_directory_only_moves_current(tmp_path: Path) -> None:
    first = build(TINY, tmp_path, log=quiet)
    before = tree(first.directory)
    second = build(TINY, tmp_path, log=quiet)
    assert (first.created, second.created) == (True, False)
    assert tree(second.directory) == before


def test_changed_input_gives_new_version(tmp_path: Path, tiny) -> None:
    changed = build(variant(tmp_path / "src", "changed"), tmp_path / "art", log=quiet)
    assert changed.data_version != tiny.data_version


def test_manifest(tiny) -> None:
    manifest = artifacts.read_manifest(tiny.directory)
    assert set(manifest) >= {
        "schema_version", "data_version", "built_at", "tools", "marts", "inputs",
        "transform_sha256", "coverage",
    }  # fmt: skip
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["data_version"] == tiny.data_version == tiny.directory.name
    built_at = datetime.datetime.fromisoformat(manifest["built_at"])
    assert built_at.utcoffset() == datetime.timedelta(0)
    assert set(manifest["tools"]) >= {"python", "duckdb", "pyarrow"}
    assert manifest["inputs"] == {p.name: sha256(p) for p in sorted(TINY.glob("*.csv"))}
    assert manifest["transform_sha256"] == runner.transform_sha256()
    assert manifest["data_version"] == artifacts.data_version(
        manifest["inputs"], manifest["transform_sha256"]
    )
    assert manifest["coverage"]["races_with_results"] == 4
    assert list(manifest["marts"]) == list(runner.MARTS)
    for name, mart in manifest["marts"].items():
        path = tiny.directory / mart["file"]
        assert mart["file"] == f"{name}.parquet"
        assert mart["sha256"] == sha256(path)
        assert mart["bytes"] == path.stat().st_size
        assert mart["rows"] == pq.ParquetFile(path).metadata.num_rows == tiny.rows[name]
        schema = pq.read_schema(path)
        assert mart["columns"] == [{"name": f.name, "type": str(f.type)} for f in schema]
        assert mart["key"] and set(mart["key"]) <= set(schema.names)


def test_current_is_symlink_to_version(tiny) -> None:
    current = tiny.directory.parent / CURRENT_LINK
    assert current.is_symlink()
    assert os.readlink(current) == tiny.data_version  # relative: the tree can move
    assert current.resolve() == tiny.directory.resolve()


def test_failed_build_leaves_everything_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "artifacts"
    old = build(TINY, store, log=quiet)
    current = store / CURRENT_LINK
    before = (os.readlink(current), tree(old.directory), sorted(os.listdir(store)))

    real_write = artifacts.write_parquet
    written: list[str] = []

    def write_then_fail(con, mart, directory):
        if written:
            raise RuntimeError("disk full")
        written.append(mart.name)
        return real_write(con, mart, directory)

    monkeypatch.setattr(artifacts, "write_parquet", write_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        build(variant(tmp_path / "src", "failed"), store, log=quiet)

    assert written  # it did fail midway, after writing one mart
    assert (os.readlink(current), tree(old.directory), sorted(os.listdir(store))) == before
    assert not [name for name in os.listdir(store) if name.startswith(".")]


# ---------------------------------------------------------------------------------------------
# Loads


def parquet_rows(path: Path, for_sqlite: bool = False) -> tuple[list[str], list[tuple]]:
    table = pq.read_table(path)
    rows = []
    for row in table.to_pylist():
        values = []
        for value in row.values():
            if for_sqlite and isinstance(value, datetime.date):
                value = value.isoformat()
            elif for_sqlite and isinstance(value, bool):
                value = int(value)
            values.append(value)
        rows.append(tuple(values))
    return table.schema.names, sorted(rows, key=repr)


@pytest.fixture
def version_copy(tmp_path: Path, tiny) -> Path:
    """A private copy of the tiny version directory, so loads do not touch the shared one."""
    return Path(shutil.copytree(tiny.directory, tmp_path / tiny.data_version))


def test_sqlite_holds_parquet_rows(version_copy: Path) -> None:
    database = load_sqlite(version_copy, quiet)
    manifest = artifacts.read_manifest(version_copy)
    con = sqlite3.connect(database)
    try:
        for name, mart in manifest["marts"].items():
            cur = con.execute(f'select * from "{name}"')  # names come from the manifest
            columns = [d[0] for d in cur.description]
            rows = sorted(cur.fetchall(), key=repr)
            assert (columns, rows) == parquet_rows(version_copy / mart["file"], for_sqlite=True)
            assert len(rows) == mart["rows"]
        meta = dict(con.execute("select key, value from meta"))
    finally:
        con.close()
    assert meta["data_version"] == manifest["data_version"]
    assert json.loads(meta["manifest"]) == manifest


def test_sqlite_load_twice_is_noop(version_copy: Path) -> None:
    messages: list[str] = []
    first = load_sqlite(version_copy, quiet)
    stat = first.stat()
    digest = sha256(first)
    second = load_sqlite(version_copy, messages.append)
    assert second == first
    assert (second.stat().st_ino, second.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert sha256(second) == digest
    assert any("already holds" in m for m in messages)
    assert not [p for p in version_copy.iterdir() if p.name.endswith(".tmp")]


# PostgreSQL


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three versions of the tiny data: the fixture itself and two one-field variants."""
    base = tmp_path_factory.mktemp("pg")
    out = {"v1": build(TINY, base / "a1", log=quiet).directory}
    for tag in ("v2", "v3"):
        out[tag] = build(variant(base / f"src-{tag}", tag), base / f"a-{tag}", log=quiet).directory
    return out


@pytest.fixture(scope="module")
def pg_url(postgres_url: str) -> Iterator[str]:
    """A database of this module's own beside the worker's `postgres_url` database: these tests
    move `racing.current`, which the API tests' session-wide PostgreSQL client reads."""
    import psycopg

    base, _, name = postgres_url.rpartition("/")
    private = f"{name}_artifacts"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"drop database if exists {private}")
        admin.execute(f"create database {private}")
    try:
        yield f"{base}/{private}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"drop database if exists {private} with (force)")


def pg_pointer(url: str) -> tuple[str, str]:
    import psycopg

    with psycopg.connect(url) as con:
        return con.execute("select data_version, schema_name from racing.current").fetchone()


def pg_meta_oid(url: str, schema: str) -> int | None:
    import psycopg

    with psycopg.connect(url) as con:
        row = con.execute(
            "select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relname = 'meta'",
            (schema,),
        ).fetchone()
    return row[0] if row else None


@pytest.mark.postgres
def test_postgres_load_holds_parquet_rows(pg_url: str, versions: dict[str, Path]) -> None:
    import psycopg
    from psycopg import sql

    directory = versions["v1"]
    schema = load_postgres.load_postgres(directory, pg_url, quiet)
    manifest = artifacts.read_manifest(directory)
    assert schema == version_schema(manifest["data_version"])
    assert pg_pointer(pg_url) == (manifest["data_version"], schema)
    with psycopg.connect(pg_url) as con:
        for name, mart in manifest["marts"].items():
            cur = con.execute(
                sql.SQL("select * from {}.{}").format(sql.Identifier(schema), sql.Identifier(name))
            )
            columns = [d.name for d in cur.description]
            rows = sorted(cur.fetchall(), key=repr)
            assert (columns, rows) == parquet_rows(directory / mart["file"]), name


@pytest.mark.postgres
def test_postgres_load_again_is_noop(pg_url: str, versions: dict[str, Path]) -> None:
    directory = versions["v1"]
    schema = load_postgres.load_postgres(directory, pg_url, quiet)
    pointer, oid = pg_pointer(pg_url), pg_meta_oid(pg_url, schema)
    messages: list[str] = []
    assert load_postgres.load_postgres(directory, pg_url, messages.append) == schema
    assert pg_pointer(pg_url) == pointer
    assert pg_meta_oid(pg_url, schema) == oid  # the schema was not rebuilt
    assert any("already loaded" in m for m in messages)


@pytest.mark.postgres
def test_postgres_second_version_switches_pointer(pg_url: str, versions: dict[str, Path]) -> None:
    first = load_postgres.load_postgres(versions["v1"], pg_url, quiet)
    second = load_postgres.load_postgres(versions["v2"], pg_url, quiet)
    assert first != second
    assert pg_pointer(pg_url) == (versions["v2"].name, second)
    assert pg_meta_oid(pg_url, first) is not None  # the previous version stays loaded


@pytest.mark.postgres
def test_postgres_failed_load_rolls_back_whole_switch(
    pg_url: str, versions: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema, tables and pointer move in one transaction: a failure midway leaves no trace."""
    first = load_postgres.load_postgres(versions["v1"], pg_url, quiet)
    pointer = pg_pointer(pg_url)
    read_table = pq.read_table
    calls: list[Path] = []

    def read_then_fail(path, *args, **kwargs):
        if calls:
            raise RuntimeError("connection lost")
        calls.append(path)
        return read_table(path, *args, **kwargs)

    monkeypatch.setattr(load_postgres, "pq", types.SimpleNamespace(read_table=read_then_fail))
    with pytest.raises(RuntimeError, match="connection lost"):
        load_postgres.load_postgres(versions["v3"], pg_url, quiet)

    assert calls  # the first mart was ingested before the failure
    assert pg_pointer(pg_url) == pointer == (versions["v1"].name, first)
    assert pg_meta_oid(pg_url, version_schema(versions["v3"].name)) is None
    import psycopg

    with psycopg.connect(pg_url) as con:
        leftover = con.execute(
            "select 1 from pg_namespace where nspname = %s", (version_schema(versions["v3"].name),)
        ).fetchone()
    assert leftover is None
