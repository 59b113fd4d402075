"""The only code that talks to a database driver at serve time. Three backends, one interface:
`await backend.fetch_all(sql, params)` returns `Rows`: each row the tuple the driver made, in
the select list's order, and the column names beside them (`rows.names`, `rows.dicts()`). No
per-row Python on the way out: response Structs are built from the tuples positionally
(app/marts.py). SQL uses `?` placeholders and the subset of SQL that SQLite, PostgreSQL and
DuckDB share."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import apsw

from contract import (
    CURRENT_LINK,
    MANIFEST_FILE,
    META_DATA_VERSION,
    META_MANIFEST,
    META_TABLE,
    POINTER_TABLE,
    SQLITE_FILE,
    select_as_sqlite,
)
from contract.integrity import IntegrityError, check_marts, check_sqlite

Row = dict[str, Any]  # one row by column name: Rows.dicts()
DATA_VERSION_SQL = f"select value from {META_TABLE} where key = '{META_DATA_VERSION}'"
MANIFEST_SQL = f"select value from {META_TABLE} where key = '{META_MANIFEST}'"


class BackendUnavailable(Exception):
    """The database cannot answer now (down, timed out, or nothing loaded)."""


class Corrupt(BackendUnavailable):
    """What would be served is not what was recorded (a changed byte, a malformed page)."""


# SQLite runs on the event loop (a point lookup costs less than handing it to a thread); a long
# answer is read this many rows at a time, other requests running in between, so a page of 1000
# never holds the loop for more than a fraction of a millisecond at once.
FETCH_CHUNK = 100
# Statements kept prepared per connection: every route's SQL text, with room to spare.
STATEMENT_CACHE = 256

# SQLite result codes (the primary code, the low byte) that mean the file is damaged.
SQLITE_DAMAGED = {10: "disk I/O error", 11: "malformed", 26: "not a database"}


@runtime_checkable
class Backend(Protocol):
    name: str
    data_version: str
    manifest: dict

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> Rows: ...

    async def served_version(self) -> str:
        """The data version the database holds right now; raises BackendUnavailable."""
        ...

    async def close(self) -> None: ...


class Rows(list):
    """A query's rows as the database driver returns them (tuples, select-list order) and the
    names of their columns. Building a dict per row cost as much as the query on a page."""

    __slots__ = ("description",)

    def __init__(self, description: Sequence[Sequence[Any]], values: list[tuple]) -> None:
        super().__init__(values)
        self.description = description  # the cursor's: names are read only when asked for

    @property
    def names(self) -> tuple[str, ...]:
        return tuple([column[0] for column in self.description])

    def dicts(self) -> list[Row]:
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self]


def _rows(description: Sequence[Sequence[Any]], values: list[tuple]) -> Rows:
    return Rows(description, values)


def _description(cursor: apsw.Cursor) -> tuple:
    """The columns of an APSW cursor's statement; none when it returned no row (APSW has no
    statement left to describe once one has run to its end, and no row needs names)."""
    try:
        return cursor.description
    except apsw.ExecutionCompleteError:
        return ()


def limit_offset(limit: int) -> str:
    """`limit N offset ?`, the page size written in and the offset bound. SQLite's planner reads
    a bound LIMIT, which marks the statement to be prepared again whenever it is bound: on every
    execution (~40 µs a page). Page sizes are few, so their texts stay prepared; offsets are many
    and a bound OFFSET costs nothing."""
    return f"limit {int(limit)} offset ?"


def current_version_dir(artifacts_dir: Path) -> Path:
    current = artifacts_dir / CURRENT_LINK
    if not (current / MANIFEST_FILE).is_file():
        raise BackendUnavailable(
            f"no artifacts at {current}; run `just build-artifacts` and `just load`"
        )
    return current.resolve()


class SqliteBackend:
    """The SQLite load target of artifacts/current, opened read-only and immutable."""

    name = "sqlite"

    def __init__(self, artifacts_dir: Path) -> None:
        version_dir = current_version_dir(artifacts_dir)
        path = self.path = version_dir / SQLITE_FILE
        if not path.is_file():
            raise BackendUnavailable(f"{path} is missing; run `just load sqlite`")
        try:
            check_sqlite(version_dir)  # every byte as its load recorded
        except IntegrityError as exc:
            raise Corrupt(str(exc)) from None
        self.gone = False
        # immutable=1: the file never changes once written, so SQLite skips locking entirely.
        # APSW, not the standard library's sqlite3: its bundled SQLite (3.54) reads a page of
        # 100 drivers in half the time Debian's 3.40 (built without the lookaside allocator)
        # takes through sqlite3. NOMUTEX: only the event loop uses the connection (it is opened
        # in a thread, then handed over), so SQLite's per-call mutex is pure cost (~10% of a page).
        try:
            self._con = apsw.Connection(
                f"file:{path}?mode=ro&immutable=1",
                flags=apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI | apsw.SQLITE_OPEN_NOMUTEX,
                statementcachesize=STATEMENT_CACHE,
            )
        except apsw.Error as exc:
            raise Corrupt(f"{path}: {exc}; reload it with `just load sqlite`") from None
        try:
            self._con.execute("pragma query_only = on")
            row = self._con.execute(MANIFEST_SQL).fetchone()
            self.manifest = json.loads(row[0])
        except (apsw.Error, TypeError, ValueError) as exc:
            self._con.close()
            raise Corrupt(f"{path}: {exc}; reload it with `just load sqlite`") from None
        self.data_version = self.manifest["data_version"]

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        try:
            cursor = self._con.execute(sql, params)
            description = _description(cursor)
            rows = more = list(itertools.islice(cursor, FETCH_CHUNK))
            while len(more) == FETCH_CHUNK:  # a long answer: other requests run in between
                await asyncio.sleep(0)
                more = list(itertools.islice(cursor, FETCH_CHUNK))
                rows += more
            return _rows(description, rows)
        except apsw.Error as exc:
            if getattr(exc, "result", 0) & 0xFF not in SQLITE_DAMAGED:
                raise
            self.gone = True  # the follower reopens it, verified, or goes unready
            raise Corrupt(f"{self.path}: {exc}") from None

    async def served_version(self) -> str:
        row = self._con.execute(DATA_VERSION_SQL).fetchone()
        return row[0]

    async def close(self) -> None:
        self._con.close()


class ParquetBackend:
    """DuckDB over the Parquet files of artifacts/current: read once into memory at start,
    external access then switched off, no extension ever installed or loaded.

    The tables hold what the SQLite load holds (dates as ISO text, booleans as 0/1), so every
    query returns the same Python values from both. A query from Python costs DuckDB a fixed
    ~0.2 ms before it reads a row, and as much again to parse and optimise a wide select: each
    SQL text is parsed once, the connection runs on one thread (the tables are small; waking
    a pool per query costs more than it saves), and only the optimiser passes that pay for
    themselves on these tables run."""

    name = "parquet"
    # Pushing filters into the scan, order+limit as a top-N, reading only the selected
    # columns (together 5x on a page of lap times), and a join's filter pushed into the other
    # side's scan (4x on an Ergast page of 1000 lap timings, joined to its race). The other
    # passes (join order, statistics, expression rewriting, ...) cost ~0.2 ms a query and
    # change nothing measurable here.
    OPTIMIZERS = (
        "filter_pushdown",
        "top_n",
        "unused_columns",
        "column_lifetime",
        "join_filter_pushdown",
    )
    STATEMENTS = 1024  # parsed SQL texts kept; the texts come from fixed fragments

    def __init__(self, artifacts_dir: Path) -> None:
        import duckdb

        version_dir = current_version_dir(artifacts_dir)
        try:
            self.manifest = check_marts(version_dir)  # every file as the manifest says
        except IntegrityError as exc:
            raise Corrupt(str(exc)) from None
        self.data_version = self.manifest["data_version"]
        self.gone = False
        self._statements: dict[str, Any] = {}
        self._con = duckdb.connect(
            ":memory:",
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
        )
        for name, mart in self.manifest["marts"].items():
            path = str(version_dir / mart["file"])
            self._con.execute(
                f'create table "{name}" as select {select_as_sqlite(mart["columns"])} '
                "from read_parquet(?)",
                [path],
            )
        passes = [
            row[0] for row in self._con.execute("select name from duckdb_optimizers()").fetchall()
        ]
        disabled = ",".join(name for name in passes if name not in self.OPTIMIZERS)
        self._con.execute(f"set disabled_optimizers = '{disabled}'")
        self._con.execute("set threads = 1")
        self._con.execute("set enable_external_access = false")
        self._con.execute("set lock_configuration = true")

    def _statement(self, sql: str) -> Any:
        statement = self._statements.get(sql)
        if statement is None:
            if len(self._statements) >= self.STATEMENTS:
                self._statements.clear()
            (statement,) = self._con.extract_statements(sql)
            self._statements[sql] = statement
        return statement

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        cursor = self._con.execute(self._statement(sql), params)
        return _rows(cursor.description, cursor.fetchall())

    async def served_version(self) -> str:
        return self.data_version

    async def close(self) -> None:
        self._con.close()


class PostgresBackend:
    """A pool of read-only connections to the schema `racing.current` points at."""

    name = "postgres"

    def __init__(self, url: str, statement_timeout_ms: int, pool_size: int) -> None:
        self._url = url
        self._timeout_ms = statement_timeout_ms
        self._pool_size = pool_size
        self._pool = None
        self._lent = 0  # connections lent out by fetch_all right now
        self.manifest: dict = {}
        self.data_version = ""
        self.schema = ""
        self.gone = False  # the version's schema was dropped (the loader keeps 3)

    async def open(self) -> None:
        import psycopg
        from psycopg_pool import AsyncConnectionPool

        timeout_s = self._timeout_ms / 1000
        try:
            async with await psycopg.AsyncConnection.connect(
                self._url, connect_timeout=max(1, int(timeout_s)), autocommit=True
            ) as con:
                cur = await con.execute(f"select data_version, schema_name from {POINTER_TABLE}")
                row = await cur.fetchone()
                if row is None:
                    raise BackendUnavailable("nothing loaded; run `just load postgres`")
                self.data_version, self.schema = row
                cur = await con.execute(
                    f'select value from "{self.schema}".{META_TABLE} where key = %s',
                    [META_MANIFEST],
                )
                self.manifest = json.loads((await cur.fetchone())[0])
        except psycopg.Error as exc:
            raise BackendUnavailable(f"PostgreSQL: {exc}") from exc
        options = (
            f"-c default_transaction_read_only=on -c statement_timeout={self._timeout_ms} "
            f"-c search_path={self.schema}"
        )
        self._pool = AsyncConnectionPool(
            self._url,
            min_size=1,
            max_size=self._pool_size,
            kwargs={
                "autocommit": True,
                "options": options,
                "connect_timeout": max(1, int(timeout_s)),
            },
            timeout=timeout_s,
            # Check a connection before lending it, so the first request after PostgreSQL
            # comes back gets a fresh connection rather than a dead one.
            check=AsyncConnectionPool.check_connection,
            reconnect_timeout=3600,
            open=False,
        )
        await self._pool.open(wait=False)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            async with self._pool.connection() as con:
                self._lent += 1
                try:
                    cur = await con.execute(sql.replace("?", "%s"), params, prepare=True)
                    return _rows(cur.description, await cur.fetchall())
                finally:
                    self._lent -= 1
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise BackendUnavailable(f"PostgreSQL unavailable: {exc}") from exc
        except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName) as exc:
            self.gone = True  # the follower switches to racing.current's version
            raise BackendUnavailable(
                f"data version {self.data_version} is no longer in the database ({exc})"
            ) from exc
        except (psycopg.errors.DataCorrupted, psycopg.errors.IndexCorrupted) as exc:
            raise Corrupt(f"PostgreSQL: {exc}") from exc

    async def served_version(self) -> str:
        rows = await self.fetch_all(DATA_VERSION_SQL)
        return rows[0][0]

    def pool_stats(self) -> dict[str, int]:
        """`pool_size` and `requests_waiting` from psycopg_pool, and the connections lent out
        counted here: the pool's size minus its idle connections also counts connections still
        being opened or checked in the background, so it is not "in use"."""
        if self._pool is None:
            return {}
        stats = self._pool.get_stats()
        return {
            "pool_size": stats.get("pool_size", 0),
            "connections_in_use": self._lent,
            "requests_waiting": stats.get("requests_waiting", 0),
        }

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


async def open_backend(settings) -> Backend:
    # Off the event loop: verifying and reading files takes a while, and a running server
    # opens the next version while it serves the current one.
    if settings.backend == "sqlite":
        return await asyncio.to_thread(SqliteBackend, settings.artifacts_dir)
    if settings.backend == "parquet":
        return await asyncio.to_thread(ParquetBackend, settings.artifacts_dir)
    backend = PostgresBackend(
        settings.database_url, settings.statement_timeout_ms, settings.pool_size
    )
    await backend.open()
    return backend
