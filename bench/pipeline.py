"""Build benchmark: the real CLI (`python -m transforms ... build|load`) in a child process,
its output lines timestamped as they arrive, its peak RSS from wait4(). Stages:

- startup: interpreter start and imports, up to the start of the raw read
- read: the raw files (the build's own `read ... in Xs` figure)
- models: staging, intermediate and mart models (from the read line to the last model line)
- audits: from the last model line to the last audit line
- parquet: coverage, Parquet files, manifest and publish (last audit line to `Done.`)
- SQLite load, PostgreSQL load: their own `in Xs` figures, each in its own child process
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from servers import PYTHON, ROOT

IN_SECONDS = re.compile(r" in ([0-9.]+)s\s*$")
MODEL_LINE = re.compile(r"^\s*\d+ of \d+ ")


@dataclass
class ChildRun:
    cmd: list[str]
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds since spawn, line)
    wall: float = 0.0
    maxrss_mb: float = 0.0
    returncode: int = 0

    def stage_seconds(self, pattern: str) -> float | None:
        """The `in Xs` figure of the last line containing pattern."""
        for _, line in reversed(self.lines):
            if pattern in line and (m := IN_SECONDS.search(line)):
                return float(m.group(1))
        return None


def run_child(args: list[str], env: dict[str, str] | None = None) -> ChildRun:
    cmd = [str(PYTHON), "-m", "transforms", *args]
    run = ChildRun(cmd)
    child_env = {**(env or os.environ), "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        run.lines.append((time.perf_counter() - started, line.rstrip("\n")))
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not all children's
    run.wall = time.perf_counter() - started
    run.returncode = os.waitstatus_to_exitcode(status)
    proc.returncode = run.returncode
    run.maxrss_mb = usage.ru_maxrss / 1024  # Linux: kilobytes
    if run.returncode != 0:
        output = "\n".join(line for _, line in run.lines[-20:])
        raise RuntimeError(f"{' '.join(cmd)} failed ({run.returncode}):\n{output}")
    return run


@dataclass
class BuildTimes:
    startup: float
    read: float
    models: float
    audits: float
    parquet: float
    build_in_process: float
    build_wall: float
    build_maxrss_mb: float
    sqlite_load: float
    sqlite_wall: float
    sqlite_maxrss_mb: float
    postgres_load: float | None
    postgres_wall: float | None
    postgres_maxrss_mb: float | None


def parse_build(run: ChildRun) -> dict[str, float]:
    def arrival(predicate) -> float:
        return max(t for t, line in run.lines if predicate(line))

    read_at = arrival(lambda line: line.strip().startswith("read "))
    models_at = arrival(lambda line: bool(MODEL_LINE.match(line)))
    audits_at = max([models_at, *(t for t, line in run.lines if line.strip().startswith("audit "))])
    done_at = arrival(lambda line: line.startswith("Done."))
    read = run.stage_seconds("raw files") or 0.0
    return {
        "startup": read_at - read,
        "read": read,
        "models": models_at - read_at,
        "audits": audits_at - models_at,
        "parquet": done_at - audits_at,
        "build_in_process": run.stage_seconds("Done.") or 0.0,
    }


def drop_postgres_version(database_url: str, version: str) -> None:
    """So that the timed load really loads (loading a version that is there only repoints)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as con:
        con.execute(f"drop schema if exists racing_{version} cascade")


def ensure_database(database_url: str) -> str | None:
    """Create the bench database when missing; None when PostgreSQL answers, else the error."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(database_url)
    name = params.get("dbname", "postgres")
    try:
        with psycopg.connect(
            make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True
        ) as con:
            exists = con.execute("select 1 from pg_database where datname = %s", [name]).fetchone()
            if not exists:
                con.execute(f'create database "{name}"')
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def postgres_version(database_url: str) -> str:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as con:
        return con.execute("show server_version").fetchone()[0]


def build_and_load(
    source: Path, workdir: Path, database_url: str | None, repeats: int
) -> tuple[Path, list[BuildTimes]]:
    """Build `repeats` times into fresh artifact dirs (so every build really builds) and load
    each; return the artifacts dir of the last one (the one served) and every run's times."""
    results = []
    artifacts = workdir
    for number in range(repeats):
        artifacts = workdir / f"artifacts-{number}"
        build = run_child(["--artifacts", str(artifacts), "build", str(source)])
        stages = parse_build(build)
        version_dir = (artifacts / "current").resolve()
        version = json.loads((version_dir / "manifest.json").read_text())["data_version"]
        sqlite = run_child(["--artifacts", str(artifacts), "load", "sqlite"])
        pg: ChildRun | None = None
        if database_url:
            drop_postgres_version(database_url, version)
            pg = run_child(
                ["--artifacts", str(artifacts), "load", "postgres", "--database-url", database_url]
            )
        results.append(
            BuildTimes(
                **stages,
                build_wall=build.wall,
                build_maxrss_mb=build.maxrss_mb,
                sqlite_load=sqlite.stage_seconds("SQLite: loaded") or sqlite.wall,
                sqlite_wall=sqlite.wall,
                sqlite_maxrss_mb=sqlite.maxrss_mb,
                postgres_load=(pg.stage_seconds("PostgreSQL:") or pg.wall) if pg else None,
                postgres_wall=pg.wall if pg else None,
                postgres_maxrss_mb=pg.maxrss_mb if pg else None,
            )
        )
    return artifacts, results
