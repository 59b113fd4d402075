"""`build`: raw CSVs -> validated raw tables -> SQL models -> audits -> published Parquet."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contract import SCHEMA_VERSION
from transforms import artifacts, runner
from transforms.raw import RAW_FILES, load_raw
from transforms.runner import Log


@dataclass(frozen=True)
class BuildResult:
    data_version: str
    directory: Path
    created: bool
    rows: dict[str, int]
    seconds: float


def build(source: Path, artifacts_dir: Path, log: Log = print) -> BuildResult:
    """Build the artifacts from a directory of Ergast CSVs. Raises InputError or AuditError;
    on any error nothing under artifacts_dir changes."""
    started = time.perf_counter()
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        t = time.perf_counter()
        raw_input = load_raw(con, source)
        # The models on one thread: on this data (the largest table is 609k lap rows) DuckDB's
        # parallel hash aggregates cost more to set up than they save (models 0.7 s against
        # 1.0 s on 2 cores); the CSV reads above do gain from both cores.
        con.execute("set threads = 1")
        elapsed = time.perf_counter() - t
        log(f"   read {len(raw_input.present)} raw files from {source} in {elapsed:.2f}s")
        rows = runner.run_models(con, log)
        runner.check_marts(con, log)
        runner.run_audits(con, log)
        transform_sha = runner.transform_sha256()
        version = artifacts.data_version(raw_input.sha256, transform_sha)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "data_version": version,
            "built_at": artifacts.now_utc(),
            "tools": artifacts.tool_versions(),
            "inputs": raw_input.sha256,
            "transform_sha256": transform_sha,
            "coverage": _coverage(con, raw_input.present, raw_input.missing_optional),
            "marts": {},
        }

        def write(directory: Path) -> None:
            for mart in runner.marts():
                manifest["marts"][mart.name] = artifacts.write_parquet(con, mart, directory)
            artifacts.write_manifest(directory, manifest)

        directory, created = artifacts.publish(artifacts_dir, version, write)
    finally:
        con.close()
    seconds = time.perf_counter() - started
    state = "published" if created else "unchanged (already built)"
    log(f"Done. data_version {version} {state}; {len(rows)} marts in {seconds:.2f}s")
    return BuildResult(version, directory, created, rows, seconds)


def _coverage(con: duckdb.DuckDBPyConnection, present: list[str], missing: list[str]) -> dict:
    def seasons(sql: str) -> list[int]:
        return [row[0] for row in con.execute(sql).fetchall()]

    return {
        "seasons": seasons("select distinct season from stg_races order by 1"),
        "seasons_with_results": seasons(
            "select distinct season from race where has_results order by 1"
        ),
        "complete_seasons": seasons("select season from int_seasons where complete order by 1"),
        "lap_data_seasons": seasons(
            "select distinct season from stg_races join stg_lap_times using (race_id) order by 1"
        ),
        "fastest_lap_seasons": seasons(
            "select distinct season from stg_races join int_fastest_lap_awards using (race_id) "
            "order by 1"
        ),
        "races_with_results": con.execute(
            "select count(distinct race_id) from stg_results"
        ).fetchone()[0],
        "files_present": sorted(present),
        "optional_files_missing": sorted(missing),
        "optional_files": sorted(r.name for r in RAW_FILES if not r.required),
    }
