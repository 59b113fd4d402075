"""Run the SQL models in their explicit order, then the audits. No DAG engine: the lists below
are the order, and a model may only read models listed before it.

A mart declares its contract in its header, read here and written into the manifest:

    -- grain: one row per driver per season entered
    -- key: driver_id, season          (unique and not null: audited before publishing)
    -- index: season                   (one line per index the API needs; `a, b` is composite)
    -- list: constructors              (a JSON-array text column the API decodes into a list)

Adding a mart is one SQL file in sql/marts/ plus its name in MARTS."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contract import SEARCH_FOLD_SQL

SQL_DIR = Path(__file__).parent / "sql"

STAGING = (
    "stg_status",
    "stg_circuits",
    "stg_constructors",
    "stg_drivers",
    "stg_seasons",
    "stg_races",
    "stg_results",
    "stg_sprint_results",
    "stg_qualifying",
    "stg_lap_times",
    "stg_pit_stops",
    "stg_driver_standings",
    "stg_constructor_standings",
    "stg_constructor_results",
)
INTERMEDIATE = (
    "int_seasons",
    "int_driver_races",
    "int_sprint_points",
    "int_race_fastest_lap",
    "int_fastest_lap_awards",
    "int_cars",
    "int_drives",
)
# The artifact contract: each mart becomes <name>.parquet and a table of the same name.
MARTS = (
    "driver_season",
    "driver_summary",
    "driver_race",
    "circuit_fastest_lap",
    "circuit_summary",
    "race",
    "race_result",
    "constructor_season",
    "constructor_summary",
    "season_summary",
    "head_to_head",
    "lap_time",
    "pit_stop",
    "qualifying_result",
    "driver_standing",
    "constructor_standing",
)


class AuditError(Exception):
    """An audit returned rows: the marts break one of their rules."""


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    sql: str

    def _header(self, name: str) -> list[str]:
        """The values of every `-- <name>: value` line of the header."""
        return re.findall(rf"^-- {name}: (.+)$", self.sql, re.MULTILINE)

    @staticmethod
    def _columns(text: str) -> tuple[str, ...]:
        return tuple(c.strip() for c in text.split(","))

    @property
    def key(self) -> tuple[str, ...]:
        found = self._header("key")
        return self._columns(found[0]) if found else ()

    @property
    def indexes(self) -> list[tuple[str, ...]]:
        return [self._columns(line) for line in self._header("index")]

    @property
    def list_columns(self) -> tuple[str, ...]:
        return tuple(c for line in self._header("list") for c in self._columns(line))

    @property
    def grain(self) -> str:
        found = self._header("grain")
        return found[0] if found else ""


def _model(layer: str, name: str) -> Model:
    return Model(name, layer, (SQL_DIR / layer / f"{name}.sql").read_text())


def models() -> list[Model]:
    return [
        *(_model("staging", n) for n in STAGING),
        *(_model("intermediate", n) for n in INTERMEDIATE),
        *(_model("marts", n) for n in MARTS),
    ]


def marts() -> list[Model]:
    return [_model("marts", n) for n in MARTS]


def audits() -> list[Model]:
    return [
        Model(p.stem, "audits", p.read_text()) for p in sorted((SQL_DIR / "audits").glob("*.sql"))
    ]


def transform_sha256() -> str:
    """One hash over every SQL file, so a changed model gives a new data version."""
    digest = hashlib.sha256(SEARCH_FOLD_SQL.encode() + b"\0")
    for path in sorted(SQL_DIR.rglob("*.sql")):
        digest.update(path.relative_to(SQL_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


Log = Callable[[str], None]


def run_models(con: duckdb.DuckDBPyConnection, log: Log) -> dict[str, int]:
    """Create every model as a table; return the row count of each mart."""
    con.execute(f"create or replace macro fold_search(text) as {SEARCH_FOLD_SQL.format('text')}")
    con.execute((SQL_DIR / "macros.sql").read_text())
    all_models = models()
    rows: dict[str, int] = {}
    for number, model in enumerate(all_models, 1):
        started = time.perf_counter()
        con.execute(f"create or replace table {model.name} as\n{model.sql}")
        count = con.execute(f"select count(*) from {model.name}").fetchone()[0]
        if model.layer == "marts":
            rows[model.name] = count
        elapsed = time.perf_counter() - started
        label = f"{number:>2} of {len(all_models)} {model.layer[:5]:<5} {model.name} "
        log(f"{label:.<52} {count:>8} rows in {elapsed:.2f}s")
    return rows


def run_audits(con: duckdb.DuckDBPyConnection, log: Log) -> None:
    for audit in audits():
        result = con.execute(audit.sql)
        columns = [d[0] for d in result.description]
        bad = result.fetchmany(3)
        if bad:
            shown = "; ".join(
                ", ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True)) for row in bad
            )
            raise AuditError(f"audit {audit.name} failed: {shown}")
        log(f"   audit {audit.name} ".ljust(60, ".") + " pass")


def check_marts(con: duckdb.DuckDBPyConnection, log: Log) -> None:
    """Each mart keeps the contract its header declares: a key that is unique and never null,
    declared columns that exist, and list columns that hold JSON arrays. Runs before anything
    is published; a failure names the mart, the rule and an example row."""
    for mart in marts():
        columns = [row[0] for row in con.execute(f"describe {mart.name}").fetchall()]
        if not mart.key:
            raise AuditError(f"mart {mart.name}: no `-- key:` line in its header")
        declared = [*mart.key, *(c for index in mart.indexes for c in index), *mart.list_columns]
        for column in declared:
            if column not in columns:
                raise AuditError(f"mart {mart.name}: declared column {column} is not in its select")
        if len(set(mart.indexes)) < len(mart.indexes):
            raise AuditError(f"mart {mart.name}: an index is declared twice")
        key = ", ".join(mart.key)
        _fail_on_row(
            con,
            f"mart {mart.name}: key ({key}) is null",
            f"select {key} from {mart.name} where "
            + " or ".join(f"{column} is null" for column in mart.key),
        )
        _fail_on_row(
            con,
            f"mart {mart.name}: key ({key}) is not unique",
            f"select {key}, count(*) as rows from {mart.name} group by all having count(*) > 1 "
            f"order by {key}",
        )
        for column in mart.list_columns:
            _fail_on_row(
                con,
                f"mart {mart.name}: list column {column} is not a JSON array",
                f"select {key}, {column} from {mart.name} "
                f"where {column} is not null and json_type({column}) is distinct from 'ARRAY'",
            )
        log(f"   contract {mart.name} ".ljust(60, ".") + " pass")


def _fail_on_row(con: duckdb.DuckDBPyConnection, problem: str, sql: str) -> None:
    result = con.execute(f"{sql} limit 1")
    columns = [d[0] for d in result.description]
    row = result.fetchone()
    if row is not None:
        shown = ", ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True))
        raise AuditError(f"{problem}: {shown}")
