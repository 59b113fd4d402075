"""Run the SQL models in their explicit order, then the audits. No DAG engine: the lists below
are the order, and a model may only read models listed before it."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

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
)


class AuditError(Exception):
    """An audit returned rows: the marts break one of their rules."""


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    sql: str

    @property
    def key(self) -> tuple[str, ...]:
        match = re.search(r"^-- key: (.+)$", self.sql, re.MULTILINE)
        return tuple(c.strip() for c in match.group(1).split(",")) if match else ()

    @property
    def grain(self) -> str:
        match = re.search(r"^-- grain: (.+)$", self.sql, re.MULTILINE)
        return match.group(1) if match else ""


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
    digest = hashlib.sha256()
    for path in sorted(SQL_DIR.rglob("*.sql")):
        digest.update(path.relative_to(SQL_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


Log = Callable[[str], None]


def run_models(con: duckdb.DuckDBPyConnection, log: Log) -> dict[str, int]:
    """Create every model as a table; return the row count of each mart."""
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
