"""Benchmark the Racing Data API: build and loads, then HTTP throughput and latency per backend
against the same server's /health ceiling and against Datasette over the same SQLite file.

    .venv/bin/python bench/run.py            # full: every backend, granian, Datasette (≤ 5 min)
    .venv/bin/python bench/run.py --quick    # sqlite + ceiling + Datasette, short runs (≤ 60 s)

Writes bench/out/<UTC timestamp>.md (ignored by git); with --record, bench/results/<stamp>.md and
bench/results/latest.md (tracked). PostgreSQL: RACING_BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/racing_bench, created when missing). Everything it starts
(servers, load generators) runs in its own process group on loopback and is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pipeline
import report
from load import LoadGenerator, LoadResult, NoAnswers, Scenario, taskset_prefix
from report import MixedRun
from servers import (
    DATASETTE_SETTINGS,
    HOST,
    PYTHON,
    ROOT,
    Server,
    api_server,
    bare_server,
    datasette_server,
    ensure_datasette,
    granian_available,
)

RESULTS_DIR = ROOT / "bench" / "results"  # --record: tracked
OUT_DIR = ROOT / "bench" / "out"  # every run: ignored by git
REAL_DATA = Path(os.environ.get("RACING_REAL_DATA", ROOT.parent / "shared" / "data" / "f1"))
DEFAULT_BENCH_DB = "postgresql://postgres@127.0.0.1:5432/racing_bench"
CONNECTIONS = 32
MIXED = report.MIXED_SERVER
BASELINE = RESULTS_DIR / "baseline.json"  # start-up and RSS last recorded (--record updates it)
SERVER_CORE, LOAD_CORE = 0, 1


@dataclass(frozen=True)
class Mode:
    name: str
    seconds: float
    runs: int
    build_repeats: int
    full: bool
    budget: float  # seconds; optional servers are skipped rather than pass it


FULL = Mode("full", seconds=3, runs=2, build_repeats=2, full=True, budget=285)
QUICK = Mode("quick", seconds=1, runs=2, build_repeats=1, full=False, budget=55)


def log(message: str) -> None:
    print(message, flush=True)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def pick_source(workdir: Path) -> tuple[Path, str]:
    env = os.environ.get("RACING_REAL_DATA")
    for candidate in (Path(env) if env else None, REAL_DATA):
        if candidate is not None and (candidate / "results.csv").is_file():
            return candidate, f"{candidate} (real Ergast / Jolpica CSVs)"
    sample = workdir / "sample"
    subprocess.run([str(PYTHON), "-m", "transforms", "sample", str(sample)], cwd=ROOT, check=True)
    return sample, "generated sample (`python -m transforms sample`; no real data found)"


# ---- HTTP helpers -------------------------------------------------------------------------


def get_json(port: int, path: str) -> dict:
    con = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        con.request("GET", path)
        response = con.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
        return json.loads(body)
    finally:
        con.close()


def all_ids(port: int, path: str, key: str) -> list[int]:
    ids: list[int] = []
    while True:
        page = get_json(port, f"{path}?limit=1000&offset={len(ids)}")
        ids.extend(item[key] for item in page["data"])
        if not page["data"] or len(ids) >= page["total"]:
            return ids


def etag_of(port: int, path: str) -> str:
    con = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        con.request("GET", path)
        response = con.getresponse()
        response.read()
        etag = response.getheader("etag")
        if not etag:
            raise RuntimeError(f"GET {path} has no ETag")
        return etag
    finally:
        con.close()


def warm(port: int, scenarios: list[Scenario], limit: int | None = None) -> None:
    """GET every path (or the first `limit`) of every scenario once on one keep-alive
    connection (fills the response cache and the page cache), checking each answers as the
    scenario expects."""
    con = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        for scenario in scenarios:
            headers = {"If-None-Match": scenario.if_none_match} if scenario.if_none_match else {}
            for path in scenario.paths[:limit]:
                con.request("GET", path, headers=headers)
                response = con.getresponse()
                response.read()
                if response.status != scenario.expect_status:
                    raise RuntimeError(f"warm-up GET {path}: {response.status}")
    finally:
        con.close()


# ---- the plan -----------------------------------------------------------------------------


@dataclass
class Plan:
    label: str
    make: Callable[[], Server]
    scenarios: list[str]
    warm_limit: int | None = None
    optional: bool = False
    unpinned: bool = False  # server and load generator free to use every core (worker scaling)
    mixed: bool = False  # the mixed-load row (drive_mixed) instead of the scenarios one by one


def api_scenarios(driver_ids: list[int], circuit_ids: list[int], etag: str) -> dict[str, Scenario]:
    return {
        "health": Scenario("health", ("/health",)),
        "driver": Scenario("driver", tuple(f"/drivers/{i}" for i in driver_ids)),
        "drivers_page": Scenario("drivers_page", ("/drivers?limit=100",)),
        "circuit": Scenario("circuit", tuple(f"/circuits/{i}" for i in circuit_ids)),
        "revalidate": Scenario("revalidate", ("/drivers/1",), 304, etag),
        "drivers_csv": Scenario("drivers_csv", ("/drivers?limit=100&format=csv",)),
        "drivers_1000": Scenario("drivers_1000", ("/drivers?limit=1000",)),
        "bare": Scenario("bare", ("/drivers/1",)),
    }


ERGAST = ["ergast_results", "ergast_drivers", "ergast_laps"]


def ergast_scenarios(sqlite_file: Path) -> dict[str, Scenario]:
    """Ergast-compatible URLs over the real seasons and rounds (picked from the SQLite artifact,
    with a fixed seed so runs compare): a race's results, a season's drivers, and the first page
    of 1000 lap timings of races that have at least that many (1996 on)."""
    with contextlib.closing(sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True)) as db:
        races = db.execute("select season, round from race where has_results").fetchall()
        seasons = [s for (s,) in db.execute("select distinct season from race where has_results")]
        timed = db.execute(
            "select season, round, count(*) from race join lap_time using (race_id)"
            " group by race_id"
        ).fetchall()
    # Full pages where the data has them (the real data: 375 races); else (a small sample) the
    # races with timings at all.
    lapped = [(s, r) for s, r, n in timed if n >= 1000] or [(s, r) for s, r, _ in timed]
    rng = random.Random(14)
    races = rng.sample(sorted(races), min(120, len(races)))
    lapped = rng.sample(sorted(lapped), min(60, len(lapped)))
    paths = {
        "ergast_results": [f"/ergast/f1/{s}/{r}/results.json" for s, r in races],
        "ergast_drivers": [f"/ergast/f1/{s}/drivers.json" for s in sorted(seasons)],
        "ergast_laps": [f"/ergast/f1/{s}/{r}/laps.json?limit=1000" for s, r in lapped],
    }
    return {name: Scenario(name, tuple(p)) for name, p in paths.items() if p}


# The mixed-load row: cached point lookups, paced (MIXED_LOOKUP_CONNECTIONS connections, each
# pausing MIXED_DELAY_MS before each request: a light load whose latency is the server's, not its
# own queue), alone and then beside MIXED_HEAVY_CONNECTIONS connections asking back to back for
# uncached pages of 1000 (JSON and CSV). Its server keeps the response cache but with a 1 MB
# budget: bodies over a tenth of it (both pages, 160-480 KB) are never stored, the lookups
# (~0.5 KB each) all are. The cache counters in /metrics confirm it for each run.
MIXED_LOOKUP_CONNECTIONS = 8
MIXED_DELAY_MS = 10
MIXED_HEAVY_CONNECTIONS = 2
MIXED_CACHE_ENV = {"RACING_RESPONSE_CACHE_MB": "1"}
MIXED_HEAVY_PATHS = ("/drivers?limit=1000", "/drivers?limit=1000&format=csv")


def cache_counters(port: int) -> tuple[float, float] | None:
    """(hits, misses) of the response cache from /metrics, None when they are not there."""
    con = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        con.request("GET", "/metrics")
        text = con.getresponse().read().decode()
    finally:
        con.close()
    found = {}
    for kind in ("hits", "misses"):
        match = re.search(rf"^\w*response_cache_{kind}_total\s+(\S+)$", text, re.M)
        if match is None:
            return None
        found[kind] = float(match.group(1))
    return found["hits"], found["misses"]


def drive_mixed(
    server: Server, lookups: Scenario, heavy: Scenario, load: LoadGenerator, mode: Mode
) -> list[MixedRun]:
    """Per run: the paced lookups alone, then the same beside the heavy pages (which start
    half a second earlier and stop half a second later)."""
    warm(server.port, [lookups, heavy])
    seconds = min(mode.seconds, 2)  # the lookups; the pages run a second longer
    runs: list[MixedRun] = []
    for _ in range(mode.runs if mode.full else 1):  # quick: one run, within its minute
        alone = load.run(server.port, lookups, seconds, server.pgid)
        before = cache_counters(server.port)
        background = load.start(server.port, heavy, seconds + 1, server.pgid)
        time.sleep(0.5)
        beside = load.run(server.port, lookups, seconds, server.pgid)
        pages = background.finish()
        after = cache_counters(server.port)
        hit = missed = None
        if before and after and beside.requests and pages.requests:
            # /metrics itself is not cached; the heavy pages may count once more than wrk saw
            hit = min(1.0, (after[0] - before[0]) / beside.requests)
            missed = min(1.0, (after[1] - before[1]) / pages.requests)
        runs.append(MixedRun(alone, beside, pages, hit, missed))
        log(
            f"  {server.label:<18} lookups p50 {alone.p50_ms:.2f} p99 {alone.p99_ms:.2f} ms "
            f"alone; p50 {beside.p50_ms:.2f} p99 {beside.p99_ms:.2f} ms beside "
            f"{pages.rps:,.0f} pages/s; cache hits {hit if hit is None else f'{hit:.0%}'}, "
            f"heavy misses {missed if missed is None else f'{missed:.0%}'}"
        )
    return runs


def datasette_scenarios(driver_ids: list[int]) -> dict[str, Scenario]:
    return {
        "ds_row": Scenario("ds_row", tuple(f"/racing/driver_summary/{i}.json" for i in driver_ids)),
        "ds_page": Scenario("ds_page", ("/racing/driver_summary.json?_size=100",)),
    }


def drive(
    server: Server,
    scenarios: list[Scenario],
    load: LoadGenerator,
    mode: Mode,
    warm_limit: int | None = None,
) -> dict[str, list[LoadResult]]:
    """Warm up, then `mode.runs` rounds over the scenarios (interleaved, so drift spreads)."""
    warm(server.port, scenarios, warm_limit)
    load.run(server.port, scenarios[0], 1)  # a short unmeasured burst
    results: dict[str, list[LoadResult]] = {s.name: [] for s in scenarios}
    for _ in range(mode.runs):
        for scenario in scenarios:
            try:
                result = load.run(server.port, scenario, mode.seconds, server.pgid)
            except NoAnswers:
                log(f"  {server.label}: no answer in {mode.seconds:g} s; rerun for 3×")
                result = load.run(server.port, scenario, 3 * mode.seconds, server.pgid)
            results[scenario.name].append(result)
            log(
                f"  {server.label:<18} {scenario.name:<13} {result.rps:>9,.0f} rps  "
                f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
                f"server CPU {result.server_cpu or 0:.0%}  others {result.other_cpu or 0:.2f} cores"
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="sqlite + ceiling + Datasette, short")
    parser.add_argument(
        "--record", action="store_true", help="also write bench/results/ (tracked) for the README"
    )
    args = parser.parse_args(argv)
    mode = QUICK if args.quick else FULL
    started = time.perf_counter()
    started_utc = datetime.datetime.now(datetime.UTC)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    load_at_start = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="racing-bench-"))
    running: list[Server] = []
    try:
        source, data_set = pick_source(workdir)
        database_url = os.environ.get("RACING_BENCH_DATABASE_URL", DEFAULT_BENCH_DB)
        pg_error = pipeline.ensure_database(database_url)
        if pg_error:
            log(f"PostgreSQL unavailable, its load and backend are skipped: {pg_error}")
        log(f"== build and loads ({mode.build_repeats}×) from {source}")
        artifacts, build_times = pipeline.build_and_load(
            source, workdir, None if pg_error else database_url, mode.build_repeats
        )
        for t in build_times:
            log(
                f"  build {t.build_in_process:.2f} s (wall {t.build_wall:.2f} s, "
                f"{t.build_maxrss_mb:.0f} MB), sqlite load {t.sqlite_load:.2f} s, "
                f"postgres load {t.postgres_load if t.postgres_load is not None else '—'} s"
            )
        version_dir = (artifacts / "current").resolve()
        sqlite_file = version_dir / "racing.sqlite"
        manifest = json.loads((version_dir / "manifest.json").read_text())

        load = LoadGenerator(workdir, CONNECTIONS, LOAD_CORE)
        free_load = LoadGenerator(workdir, CONNECTIONS, None)
        log(f"== HTTP ({mode.name}): {load.name}")
        datasette_exe = ensure_datasette()
        all_api = ["health", "driver", "drivers_page", "circuit", "revalidate"]
        url = database_url

        settings = " ".join(DATASETTE_SETTINGS)
        datasette_setup = (
            f"`datasette serve -i racing.sqlite --inspect-file counts.json --setting {settings}` "
            "(immutable, precomputed counts, no facet suggestions; uvicorn, 1 process, default 3 "
            "SQL threads), own venv bench/.venv-datasette"
            if datasette_exe
            else "unavailable"
        )

        def api(label: str, backend: str, scenarios: list[str] = all_api, **kw: bool) -> Plan:
            cache = kw.get("cache", True)
            return Plan(
                label,
                lambda: api_server(label, backend, artifacts, url, workdir, **kw),
                scenarios,
                warm_limit=None if cache else 100,  # no response cache to fill
            )

        def ceiling(kind: str) -> Plan:
            return Plan(f"bare {kind}", lambda: bare_server(kind, workdir), ["bare"])

        uncached = ["driver", "drivers_page", "drivers_csv", "drivers_1000"]
        # The API first: its answers give the ids the scenarios use.
        # Cached Ergast answers are replays like any other: the full run only.
        cached_ergast = ERGAST if mode.full else []
        plans = [
            api("sqlite", "sqlite", all_api + cached_ergast),
            ceiling("asgi"),
            ceiling("litestar"),
        ]
        # Quick: only the heaviest Ergast row uncached, to stay within its minute.
        plans.append(
            api(
                "sqlite, cache off",
                "sqlite",
                uncached + (ERGAST if mode.full else ERGAST[-1:]),
                cache=False,
            )
        )
        plans.append(
            Plan(
                MIXED,
                lambda: api_server(
                    MIXED, "sqlite", artifacts, url, workdir, extra_env=MIXED_CACHE_ENV
                ),
                ["mixed_lookup", "mixed_heavy"],
                mixed=True,
            )
        )
        logged = {"RACING_ACCESS_LOG": "1"}  # the JSON request lines, off by default
        plans.append(
            Plan(
                "sqlite, access log on",
                lambda: api_server(
                    "sqlite, access log on", "sqlite", artifacts, url, workdir, extra_env=logged
                ),
                ["driver"],
            )
        )
        # Worker scaling: server and wrk unpinned on the machine's cores; cached in the full run.
        for cache in ("off", "on") if mode.full else ("off",):
            for workers in (1, 2):
                label = report.workers_label(workers, cache)
                env = {"RACING_WORKERS": str(workers)}
                plans.append(
                    Plan(
                        label,
                        lambda label=label, env=env, on=cache == "on": api_server(
                            label,
                            "sqlite",
                            artifacts,
                            url,
                            workdir,
                            cache=on,
                            extra_env=env,
                            core=None,
                        ),
                        ["driver"],
                        warm_limit=None if cache == "on" else 100,
                        unpinned=True,
                        optional=cache == "on",  # within the time bound
                    )
                )
        if datasette_exe is not None:
            counts_file = workdir / "counts.json"
            plans.append(
                Plan(
                    "datasette",
                    lambda: datasette_server(datasette_exe, sqlite_file, counts_file, workdir),
                    ["ds_row", "ds_page"],
                    warm_limit=100,
                )
            )
        if mode.full:
            plans.append(api("parquet", "parquet"))
            if not pg_error:
                plans.append(api("postgres", "postgres"))
            # Extras, run while the time bound allows: the backends compared on queries rather
            # than on cache replays, and the same app under granian instead of uvicorn.
            plans.append(api("parquet, cache off", "parquet", all_api[:4], cache=False))
            plans[-1].optional = True
            if granian_available():
                plans.append(api("sqlite, granian", "sqlite", granian=True))
                plans[-1].optional = True
        # The optional plans last, in the order above: the cached worker-scaling pair after them.
        plans.sort(key=lambda plan: (plan.optional, plan.unpinned))

        rows: list[report.Row] = []
        skipped: list[str] = []
        api_rss: float | None = None
        startup: tuple[float | None, float | None] = (None, None)
        mixed_runs: list[MixedRun] = []
        catalog: dict[str, Scenario] = {}
        driver_ids: list[int] = []
        for plan in plans:
            estimate = len(plan.scenarios) * mode.runs * (mode.seconds + 0.2) + 10
            if plan.optional and time.perf_counter() - started + estimate > mode.budget:
                skipped.append(plan.label)
                log(f"  skipping {plan.label}: it would pass the {mode.budget:.0f} s bound")
                continue
            log(f"-- {plan.label} (at {time.perf_counter() - started:.0f} s)")
            server = plan.make()
            running.append(server)
            server.start()
            if not catalog:
                driver_ids = all_ids(server.port, "/drivers", "driver_id")
                circuit_ids = all_ids(server.port, "/circuits", "circuit_id")
                etag = etag_of(server.port, "/drivers/1")
                catalog = api_scenarios(driver_ids, circuit_ids, etag)
                catalog.update(datasette_scenarios(driver_ids))
                catalog.update(ergast_scenarios(sqlite_file))
                catalog["mixed_lookup"] = Scenario(
                    "mixed_lookup",
                    catalog["driver"].paths,
                    connections=MIXED_LOOKUP_CONNECTIONS,
                    delay_ms=MIXED_DELAY_MS,
                )
                catalog["mixed_heavy"] = Scenario(
                    "mixed_heavy", MIXED_HEAVY_PATHS, connections=MIXED_HEAVY_CONNECTIONS
                )
            scenarios = [catalog[name] for name in plan.scenarios if name in catalog]
            generator = free_load if plan.unpinned else load
            if plan.mixed:
                mixed_runs = drive_mixed(server, *scenarios, generator, mode)
                rows.extend(report.mixed_rows(plan.label, mixed_runs))
            else:
                results = drive(server, scenarios, generator, mode, plan.warm_limit)
                rows.extend(report.median_row(plan.label, name, rs) for name, rs in results.items())
            if plan.label == "sqlite":
                startup = (server.startup_s, server.startup_cpu_s)
                api_rss = server.rss_mb()
                log(f"  sqlite server VmRSS after its load runs: {api_rss:.0f} MB")
            server.stop()
            running.remove(server)

        table = report.Table(sorted(rows, key=lambda r: r.server == report.DATASETTE))
        pg_version = "unavailable" if pg_error else pipeline.postgres_version(database_url)
        pinning = (
            f"server on core {SERVER_CORE}, load generator on core {LOAD_CORE} (taskset)"
            if taskset_prefix(LOAD_CORE)
            else "none (taskset unavailable or a single core)"
        )
        if not pg_error:
            pinning += "; the PostgreSQL server itself is not pinned (it shares both cores)"
        counts = manifest["marts"]
        data_line = (
            f"{data_set}; data_version {manifest['data_version']}; "
            f"{counts['driver_summary']['rows']} drivers, {counts['circuit_summary']['rows']} "
            f"circuits; {len(driver_ids)} driver ids for the random lookups"
        )
        head = report.header(
            mode=mode.name,
            started_utc=started_utc.strftime("%Y-%m-%d %H:%M UTC"),
            data_set=data_line,
            generator=load.name,
            connections=CONNECTIONS,
            seconds=mode.seconds,
            runs=mode.runs,
            pinning=pinning,
            datasette_exe=datasette_exe,
            datasette_setup=datasette_setup,
            postgres=pg_version,
            load_avg=f"{load_at_start} / {load_average()}",
        )
        items = report.targets(
            table,
            [p.label for p in plans if p.label in ("sqlite", "parquet", "postgres")],
            "sqlite, cache off",
            build_times,
            api_rss,
        )
        baseline = json.loads(BASELINE.read_text()) if BASELINE.is_file() else None
        total = time.perf_counter() - started
        document = "\n\n".join(
            [
                head,
                "## HTTP",
                table.markdown(),
                table.contention(),
                "## Build",
                report.build_table(build_times),
                "## Targets",
                report.targets_markdown(items),
                "## Speed (issue 14)",
                report.targets_markdown(
                    report.speed_targets(table, startup, api_rss, mixed_runs, baseline)
                ),
                "API RSS: VmRSS of the sqlite server process after its load runs. "
                + (
                    f"Skipped to stay within the time bound: {', '.join(skipped)}. "
                    if skipped
                    else ""
                )
                + f"Bench total: {total:.0f} s ({mode.name}).",
            ]
        )
        print("\n" + document)
        write_results(document, started_utc, args.record)
        if args.record and startup[1] is not None and api_rss is not None:
            figures = {"startup_s": startup[0], "startup_cpu_s": startup[1], "rss_mb": api_rss}
            BASELINE.write_text(json.dumps({k: round(v, 3) for k, v in figures.items()}) + "\n")
        return 0
    finally:
        for server in running:
            with contextlib.suppress(Exception):
                server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def write_results(document: str, started: datetime.datetime, record: bool) -> None:
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    targets = [(OUT_DIR, f"{stamp}.md")]
    if record:
        targets += [(RESULTS_DIR, f"{stamp}.md"), (RESULTS_DIR, "latest.md")]
    for directory, name in targets:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f"{name}.tmp"
        tmp.write_text(document + "\n")
        tmp.replace(directory / name)
        log(f"written {(directory / name).relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
