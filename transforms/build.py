"""`build`: raw CSVs -> validated raw tables -> SQL models -> audits -> published Parquet."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contract import CURRENT_LINK, MANIFEST_FILE, SCHEMA_VERSION, integrity
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


# A new version may drop at most this share of the current version's races with results,
# results or drivers (upstream corrections remove a few rows; a broken export removes many).
SHRINK_TOLERANCE = 0.01
# (what, mart, which of its rows count, how to name one): rows of the current version whose key
# the new version lacks are lost.
SHRINK_GUARDED = (
    ("races with results", "race", "has_results", "concat(season, ' round ', round)"),
    ("results", "race_result", "true", "concat(season, ' round ', round, ' ', driver_ref)"),
    ("drivers", "driver_summary", "true", "driver_ref"),
)


class ShrinkError(Exception):
    """The new version loses more of the current version than SHRINK_TOLERANCE allows."""


def build(
    source: Path, artifacts_dir: Path, log: Log = print, *, allow_shrink: bool = False
) -> BuildResult:
    """Build the artifacts from a directory of Ergast CSVs. Raises InputError, AuditError or
    ShrinkError (unless allow_shrink); on any error nothing under artifacts_dir changes."""
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
        _check_shrink(con, artifacts_dir, allow_shrink, log)
        transform_sha = runner.transform_sha256()
        version = artifacts.data_version(raw_input.sha256, transform_sha)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "data_version": version,
            "built_at": artifacts.now_utc(),
            "tools": artifacts.tool_versions(),
            "source": _source(con, source),
            "inputs": raw_input.sha256,
            "transform_sha256": transform_sha,
            "coverage": _coverage(con, raw_input.present, raw_input.missing_optional),
            "marts": {},
        }

        def write(directory: Path) -> None:
            for mart in runner.marts():
                manifest["marts"][mart.name] = artifacts.write_parquet(con, mart, directory)
            artifacts.write_manifest(directory, manifest)
            changes = _changes(artifacts_dir, directory, log)
            if changes is not None:  # recorded for /meta/changes
                manifest["changes"] = changes
                artifacts.write_manifest(directory, manifest)

        directory, created = artifacts.publish(artifacts_dir, version, write, log)
    finally:
        con.close()
    seconds = time.perf_counter() - started
    state = "published" if created else "unchanged (already built)"
    log(f"Done. data_version {version} {state}; {len(rows)} marts in {seconds:.2f}s")
    return BuildResult(version, directory, created, rows, seconds)


def _source(con: duckdb.DuckDBPyConnection, source: Path) -> dict:
    """`sample` (the generator left its marker beside the CSVs) or `real`, with a description
    and the last race that has results (the data's cut-off)."""
    from transforms import fetch, sample

    marker = source / sample.MARKER
    if marker.is_file():
        seed = json.loads(marker.read_text()).get("seed")
        kind = "sample"
        description = (
            f"generated sample (python -m transforms sample, seed {seed}): fictional drivers, "
            "teams and circuits; not real results"
        )
    else:
        kind = "real"
        fetched = source / fetch.RECORD
        origin = json.loads(fetched.read_text())["url"] if fetched.is_file() else source.name
        description = f"Ergast-format CSVs (Ergast / Jolpica) from {origin}"
    row = con.execute(
        "select race_id, season, round, name, date from stg_races "
        "where race_id in (select race_id from stg_results) "
        "order by date desc nulls last, season desc, round desc limit 1"
    ).fetchone()
    cutoff = None
    if row is not None:
        cutoff = dict(zip(("race_id", "season", "round", "name", "date"), row, strict=True))
        cutoff["date"] = cutoff["date"].isoformat() if cutoff["date"] else None
    return {"kind": kind, "description": description, "cutoff_race": cutoff}


def _changes(artifacts_dir: Path, new_dir: Path, log: Log) -> dict | None:
    """What this build changes against the version `current` points at, printed before it
    is published; None when there is no current version or it cannot be compared."""
    from transforms.diff import diff_versions, summary_lines

    current = artifacts_dir / CURRENT_LINK
    if not (current / MANIFEST_FILE).is_file():
        log("   changes: first build here, nothing to compare with")
        return None
    try:
        changes = diff_versions(current.resolve(), new_dir)
    except (duckdb.Error, OSError, KeyError, ValueError) as exc:
        log(f"   changes: cannot compare with current ({type(exc).__name__}: {exc})")
        return None
    changes["summary"] = summary_lines(changes)
    log(f"   changes against current ({changes['previous_version']}):")
    for line in changes["summary"]:
        log(f"     {line}")
    return changes


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


def _check_shrink(
    con: duckdb.DuckDBPyConnection, artifacts_dir: Path, allow_shrink: bool, log: Log
) -> None:
    """Refuse (or with allow_shrink, report) a build that drops more than SHRINK_TOLERANCE of
    the current version's races with results, results or drivers, saying what would be lost."""
    try:
        old_dir = artifacts.current_version_dir(artifacts_dir)
    except artifacts.NoArtifacts:
        return
    try:
        old_marts = integrity.read_manifest(old_dir)["marts"]
    except integrity.IntegrityError as exc:  # nothing to compare with; the build replaces it
        log(f"   shrink check skipped: {exc}")
        return
    keys = {mart.name: mart.key for mart in runner.marts()}
    losses = []
    for what, mart, counted, label in SHRINK_GUARDED:
        old = old_marts.get(mart)
        if old is None:
            continue
        key = ", ".join(keys[mart])
        try:
            total, lost, examples = con.execute(
                f"""
                with old as (
                    select * from read_parquet(?) where {counted}
                ), lost as (
                    select * from old anti join (select {key} from {mart} where {counted})
                        using ({key})
                )
                select (select count(*) from old), (select count(*) from lost),
                    (select string_agg(label, ', ') from (
                        select {label} as label from lost order by {key} limit 3))
                """,
                [str(old_dir / old["file"])],
            ).fetchone()
        except duckdb.Error as exc:  # an older contract: nothing comparable
            log(f"   shrink check skipped for {what}: {str(exc).splitlines()[0]}")
            continue
        if total and lost / total > SHRINK_TOLERANCE:
            losses.append(f"{lost:,} of {total:,} {what} ({lost / total:.0%}; e.g. {examples})")
    if not losses:
        return
    message = (
        f"this build drops {'; '.join(losses)} of the current version {old_dir.name} "
        f"(more than {SHRINK_TOLERANCE:.0%})"
    )
    if not allow_shrink:
        raise ShrinkError(f"{message}; check the input, or pass --allow-shrink to publish it")
    log(f"   warning: {message}; published anyway (--allow-shrink)")
