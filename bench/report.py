"""The Markdown report: machine and versions, the HTTP table, the build table, the targets."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sqlite3
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from load import LoadResult
from pipeline import BuildTimes

from app.settings import Settings

SCENARIO_TITLES = {
    "health": "ceiling: /health",
    "driver": "/drivers/{random id}",
    "drivers_page": "/drivers?limit=100",
    "circuit": "/circuits/{random id}",
    "revalidate": "304: /drivers/1 + If-None-Match",
    "drivers_csv": "/drivers?limit=100&format=csv",
    "drivers_1000": "/drivers?limit=1000",
    "bare": "constant body (ceiling)",
    "ergast_results": "Ergast: /ergast/f1/{season}/{round}/results.json",
    "ergast_drivers": "Ergast: /ergast/f1/{season}/drivers.json",
    "ergast_laps": "Ergast: /ergast/f1/{season}/{round}/laps.json?limit=1000",
    "mixed_alone": "cached /drivers/{random id}, paced, alone",
    "mixed_beside": "cached /drivers/{random id}, paced, beside uncached pages of 1000",
    "mixed_heavy": "uncached /drivers?limit=1000 (JSON, CSV), beside the lookups",
    "ds_row": "/racing/driver_summary/{random id}.json",
    "ds_page": "/racing/driver_summary.json?_size=100",
}
# Our scenario -> Datasette's equivalent.
DATASETTE_EQUIVALENT = {"driver": "ds_row", "drivers_page": "ds_page"}
DATASETTE = "datasette"
MIXED_SERVER = "sqlite, mixed load"
POINT_LOOKUPS = ("driver", "circuit")


@dataclass(frozen=True)
class Row:
    server: str
    scenario: str
    rps: float
    p50_ms: float
    p99_ms: float
    runs: int
    server_cpu: float | None
    other_cpu: float | None
    own_cpu: bool = True  # False: the server also served another load meanwhile (mixed rows)
    generator_cpu: float | None = None  # cores wrk itself used
    busiest_share: float | None = None  # the busiest server process's share of the server CPU
    preempted_per_request: float | None = None

    @property
    def cpu_us_per_request(self) -> float | None:
        """Server CPU time per request: steadier than RPS when other jobs share the machine."""
        if not self.own_cpu or not self.server_cpu or not self.rps:
            return None
        return self.server_cpu / self.rps * 1e6

    @property
    def tail(self) -> float:
        return self.p99_ms / self.p50_ms if self.p50_ms else float("inf")


def median_row(server: str, scenario: str, results: list[LoadResult], own_cpu: bool = True) -> Row:
    return Row(
        server,
        scenario,
        rps=statistics.median(r.rps for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        runs=len(results),
        server_cpu=_median([r.server_cpu for r in results]),
        other_cpu=_median([r.other_cpu for r in results]),
        own_cpu=own_cpu,
        generator_cpu=_median([r.generator_cpu for r in results]),
        busiest_share=_median([r.busiest_share for r in results]),
        preempted_per_request=_median([r.preempted_per_request for r in results]),
    )


@dataclass(frozen=True)
class MixedRun:
    """One run of the mixed-load row (bench/run.py's drive_mixed)."""

    alone: LoadResult  # the paced cached lookups alone
    beside: LoadResult  # the same beside the uncached heavy pages
    heavy: LoadResult  # the heavy pages (their run spans the lookups' and a second more)
    lookups_hit: float | None  # share of the lookups beside the pages replayed from the cache
    heavy_missed: float | None  # share of the heavy pages that missed it


def mixed_rows(server: str, runs: list[MixedRun]) -> list[Row]:
    """The two loads share the server, so only the lookups alone have a CPU per request."""
    return [
        median_row(server, "mixed_alone", [r.alone for r in runs]),
        median_row(server, "mixed_beside", [r.beside for r in runs], own_cpu=False),
        median_row(server, "mixed_heavy", [r.heavy for r in runs], own_cpu=False),
    ]


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


class Table:
    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self._by_key = {(r.server, r.scenario): r for r in rows}

    def get(self, server: str, scenario: str) -> Row | None:
        return self._by_key.get((server, scenario))

    def ceiling_ratio(self, row: Row) -> float | None:
        ceiling = self.get(row.server, "health")
        return row.rps / ceiling.rps if ceiling and row.scenario != "health" else None

    def datasette_ratio(self, row: Row) -> float | None:
        peer = DATASETTE_EQUIVALENT.get(row.scenario)
        other = self.get(DATASETTE, peer) if peer else None
        return row.rps / other.rps if other else None

    def contention(self) -> str:
        """One line on how busy the rest of the machine was during the load runs."""
        others = [r.other_cpu for r in self.rows if r.other_cpu is not None]
        servers = [r.server_cpu for r in self.rows if r.server_cpu is not None]
        if not others:
            return ""
        line = (
            f"Other processes kept {statistics.mean(others):.2f} cores busy on average during "
            f"the load runs (max {max(others):.2f}); the servers got "
            f"{statistics.mean(servers):.0%} of a core on average."
        )
        if statistics.mean(others) > 0.25:
            line += (
                " **The machine was shared: RPS and p99 are depressed and noisy; compare rows "
                "by µs CPU/req and by ratios within one server rather than across runs.**"
            )
        return line

    def markdown(self) -> str:
        out = [
            "| backend | scenario | RPS | p50 ms | p99 ms | × ceiling | × Datasette | p99/p50 "
            "| server CPU | µs CPU/req | others CPU |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in self.rows:
            ceiling = self.ceiling_ratio(row)
            peer = self.datasette_ratio(row)
            out.append(
                f"| {row.server} | {SCENARIO_TITLES.get(row.scenario, row.scenario)} "
                f"| {row.rps:,.0f} | {row.p50_ms:.2f} | {row.p99_ms:.2f} "
                f"| {_pct(ceiling)} | {_times(peer)} | {row.tail:.2f} "
                f"| {_pct(row.server_cpu)} | {_us(row.cpu_us_per_request)} "
                f"| {_cores(row.other_cpu)} |"
            )
        return "\n".join(out)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _us(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _cores(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


# ---- machine and versions ----------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def datasette_version(exe: Path | None) -> str:
    if exe is None:
        return "unavailable"
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout
    return out.strip().rsplit(" ", 1)[-1] or "unknown"


def header(
    *,
    mode: str,
    started_utc: str,
    data_set: str,
    generator: str,
    connections: int,
    seconds: float,
    runs: int,
    pinning: str,
    datasette_exe: Path | None,
    datasette_setup: str,
    postgres: str,
    load_avg: str,
) -> str:
    versions = ", ".join(
        [
            f"Python {platform.python_version()}",
            f"litestar {package_version('litestar')}",
            f"msgspec {package_version('msgspec')}",
            f"uvicorn {package_version('uvicorn')}",
            f"granian {package_version('granian')}",
            f"duckdb {package_version('duckdb')}",
            f"SQLite {sqlite3.sqlite_version}",
            f"PostgreSQL {postgres}",
            f"Datasette {datasette_version(datasette_exe)}",
        ]
    )
    return "\n".join(
        [
            f"# Racing Data API benchmark ({mode}, {started_utc})",
            "",
            f"- machine: {cpu_model()}, {os.cpu_count()} cores, {ram_gib():.1f} GiB RAM, "
            f"{platform.system()} {platform.release()}",
            f"- versions: {versions}",
            f"- load generator: {generator}; {connections} connections, {seconds:g} s per run, "
            f"{runs} runs per scenario (medians shown), keep-alive, no Accept-Encoding",
            f"- pinning: {pinning}",
            f"- data set: {data_set}",
            "- servers: the API as shipped (`python -m app`: uvicorn with httptools and uvloop, 1 "
            "worker, log level `info`, request lines off as by default unless marked); the "
            "response cache on unless marked; "
            f"Datasette: {datasette_setup}",
            "- × ceiling: RPS over the same server's `/health` RPS in this run; × Datasette: RPS "
            "over Datasette's equivalent (row lookup / page of 100 over the same SQLite file)",
            "- server CPU: CPU time of the server's process group over the run's wall time (100% "
            "= it had its core to itself and used all of it); µs CPU/req: server CPU time per "
            "request (steadier than RPS on a shared machine); others CPU: cores busy with "
            "anything else on the machine meanwhile (other users' jobs; for postgres, PostgreSQL "
            f"itself), from /proc/stat. Load average at start / end: {load_avg}",
        ]
    )


def build_table(times: list[BuildTimes]) -> str:
    def med(attr: str) -> float | None:
        values = [getattr(t, attr) for t in times if getattr(t, attr) is not None]
        return statistics.median(values) if values else None

    def fmt(value: float | None, unit: str = "s") -> str:
        if value is None:
            return "—"
        return f"{value:.2f} {unit}" if unit == "s" else f"{value:.0f} {unit}"

    rows = [
        ("startup (interpreter + imports)", med("startup"), None, None),
        ("read raw files", med("read"), None, None),
        ("models (30)", med("models"), None, None),
        ("audits", med("audits"), None, None),
        ("coverage + Parquet + publish", med("parquet"), None, None),
        ("**build** (`python -m transforms build`)", med("build_in_process"),
         med("build_wall"), med("build_maxrss_mb")),
        ("SQLite load", med("sqlite_load"), med("sqlite_wall"), med("sqlite_maxrss_mb")),
        ("PostgreSQL load (ADBC)", med("postgres_load"), med("postgres_wall"),
         med("postgres_maxrss_mb")),
    ]  # fmt: skip
    out = [
        f"Build and loads: medians of {len(times)} run(s), each in a fresh artifacts directory "
        "(a real build, never the `unchanged` shortcut; the PostgreSQL schema is dropped first). "
        "Stage = time the step itself reports or the gap between the build's timestamped output "
        "lines; wall = the whole command including interpreter start.",
        "",
        "| stage | stage s | command wall | peak RSS |",
        "|---|---:|---:|---:|",
    ]
    for name, stage, wall, rss in rows:
        out.append(f"| {name} | {fmt(stage)} | {fmt(wall)} | {fmt(rss, 'MB')} |")
    return "\n".join(out)


# ---- targets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    met: bool | None  # None: not measured in this run

    def markdown(self) -> str:
        mark = {True: "met", False: "**missed**", None: "not measured"}[self.met]
        return f"| {self.name} | {self.measured} | {mark} |"


def targets(
    table: Table,
    backends: list[str],
    cache_off: str,
    times: list[BuildTimes],
    rss_mb: float | None,
) -> list[Target]:
    out: list[Target] = []

    def ratios(server: str, scenarios: tuple[str, ...]) -> list[tuple[str, float]]:
        found = []
        for scenario in scenarios:
            row = table.get(server, scenario)
            ratio = table.ceiling_ratio(row) if row else None
            if ratio is not None:
                found.append((scenario, ratio))
        return found

    def ceiling_target(name: str, server: str, scenarios: tuple[str, ...], goal: float) -> None:
        found = ratios(server, scenarios)
        measured = ", ".join(f"{s} {r:.0%}" for s, r in found) or "—"
        out.append(Target(name, measured, min(r for _, r in found) >= goal if found else None))

    for backend in backends:
        ceiling_target(f"{backend}: point lookups ≥ 90% of ceiling", backend, POINT_LOOKUPS, 0.90)
    for backend in backends:
        ceiling_target(f"{backend}: page of 100 ≥ 85% of ceiling", backend, ("drivers_page",), 0.85)
    for scenario, what in (("driver", "point lookup"), ("drivers_page", "page of 100")):
        row = table.get("sqlite", scenario)
        ratio = table.datasette_ratio(row) if row else None
        out.append(
            Target(
                f"sqlite: {what} ≥ 3× Datasette",
                _times(ratio),
                None if ratio is None else ratio >= 3.0,
            )
        )
    for sqlite, parquet, note in (
        ("sqlite", "parquet", "cache on: replays, the backend is idle after warm-up"),
        (cache_off, f"parquet{cache_off.removeprefix('sqlite')}", "cache off: every query runs"),
    ):
        pairs = []
        for scenario in ("driver", "drivers_page", "circuit"):
            a, b = table.get(sqlite, scenario), table.get(parquet, scenario)
            if a and b:
                pairs.append((scenario, a.rps / b.rps))
        out.append(
            Target(
                f"parquet within 1.1× of sqlite, {note} (sqlite RPS / parquet RPS)",
                ", ".join(f"{s} {r:.2f}×" for s, r in pairs) or "—",
                max(r for _, r in pairs) <= 1.1 if pairs else None,
            )
        )
    ceiling_target(
        "sqlite, cache off: point lookups ≥ 60% of ceiling", cache_off, POINT_LOOKUPS, 0.6
    )
    api_rows = [r for r in table.rows if r.server != DATASETTE]
    if api_rows:
        worst = max(api_rows, key=lambda r: r.tail)
        over = sum(1 for r in api_rows if r.tail > 2.5)
        out.append(
            Target(
                "p99 ≤ 2.5× p50 (every API row)",
                f"worst {worst.tail:.2f}× ({worst.server}, {worst.scenario}); "
                f"{over} of {len(api_rows)} rows over",
                over == 0,
            )
        )

    def build_target(name: str, attr: str, wall_attr: str | None, goal: float, unit: str) -> None:
        values = [getattr(t, attr) for t in times if getattr(t, attr) is not None]
        if not values:
            out.append(Target(name, "—", None))
            return
        value = statistics.median(values)
        measured = f"{value:.2f} s" if unit == "s" else f"{value:.0f} MB"
        if wall_attr:
            walls = [getattr(t, wall_attr) for t in times if getattr(t, wall_attr) is not None]
            measured += f" (command wall {statistics.median(walls):.2f} s)"
        out.append(Target(name, measured, value <= goal))

    build_target("full build ≤ 2 s", "build_in_process", "build_wall", 2.0, "s")
    build_target("build peak RSS ≤ 1 GB", "build_maxrss_mb", None, 1024, "MB")
    build_target("SQLite load ≤ 0.5 s", "sqlite_load", "sqlite_wall", 0.5, "s")
    build_target("PostgreSQL load ≤ 3 s", "postgres_load", "postgres_wall", 3.0, "s")
    out.append(
        Target(
            "API RSS ≤ 150 MB (sqlite server after its load runs)",
            "—" if rss_mb is None else f"{rss_mb:.0f} MB",
            None if rss_mb is None else rss_mb <= 150,
        )
    )
    return out


def targets_markdown(items: list[Target]) -> str:
    lines = ["| target | measured | |", "|---|---|---|"]
    lines.extend(t.markdown() for t in items)
    return "\n".join(lines)


def speed_targets(
    table: Table,
    startup: tuple[float | None, float | None],
    rss_mb: float | None,
    mixed: list[MixedRun],
    baseline: dict | None,
) -> list[Target]:
    """Issue 14's targets, as ratios and µs of server CPU per request from this one run."""
    out: list[Target] = []

    def row(server: str, scenario: str) -> Row | None:
        return table.get(server, scenario)

    bare, cached = row("bare asgi", "bare"), row("sqlite", "driver")
    litestar = row("bare litestar", "bare")
    if bare and cached:
        ratio = cached.rps / bare.rps
        extra = f"; bare Litestar {litestar.rps / bare.rps:.0%}" if litestar else ""
        out.append(Target("cached /drivers/{id} ≥ 50% of bare ASGI (RPS)", f"{ratio:.0%}{extra}",
                          ratio >= 0.5))  # fmt: skip
    for scenario, goal in (("driver", 150), ("drivers_page", 400), ("drivers_1000", 3000)):
        r = row("sqlite, cache off", scenario)
        us = r.cpu_us_per_request if r else None
        out.append(Target(f"cache off: {SCENARIO_TITLES[scenario]} ≤ {goal} µs CPU",
                          _us(us), None if us is None else us <= goal))  # fmt: skip
    page, csv = row("sqlite, cache off", "drivers_page"), row("sqlite, cache off", "drivers_csv")
    if page and csv and page.cpu_us_per_request and csv.cpu_us_per_request:
        ratio = csv.cpu_us_per_request / page.cpu_us_per_request
        out.append(Target("cache off: CSV page ≤ 2× its JSON page (CPU/req)", f"{ratio:.2f}×",
                          ratio <= 2))  # fmt: skip
    for cache in ("off", "on"):
        found = workers_target(table, cache)
        if found:
            out.append(found)
    logged, quiet = row("sqlite, access log on", "driver"), row("sqlite", "driver")
    if logged and quiet and logged.cpu_us_per_request and quiet.cpu_us_per_request:
        cost = logged.cpu_us_per_request / quiet.cpu_us_per_request - 1
        default = Settings().access_log
        out.append(Target("access log on by default only if it costs ≤ 10% (cached, CPU/req)",
                          f"{'on' if default else 'off'} by default; on, it costs {cost:+.0%}",
                          cost <= 0.10 or not default))  # fmt: skip
    sqlite, parquet = row("sqlite, cache off", "driver"), row("parquet, cache off", "driver")
    if sqlite and parquet:
        ratio = sqlite.rps / parquet.rps
        out.append(Target("parquet, cache off, within 2× sqlite (/drivers/{id} RPS)",
                          f"{ratio:.2f}×", ratio <= 2))  # fmt: skip
    out.extend(ergast_targets(table))
    out.append(mixed_target(table, mixed))
    out.extend(startup_targets(startup, rss_mb, baseline))
    return out


def ergast_targets(table: Table) -> list[Target]:
    """The Ergast rows, cached and not: reported, no goal of their own yet."""
    out = []
    for scenario in ("ergast_results", "ergast_drivers", "ergast_laps"):
        cached, off = table.get("sqlite", scenario), table.get("sqlite, cache off", scenario)
        if not (cached or off):
            continue
        parts = [
            f"{label} {_us(row.cpu_us_per_request)} µs CPU, {row.rps:,.0f} RPS"
            for label, row in (("cached", cached), ("cache off", off))
            if row is not None
        ]
        title = SCENARIO_TITLES[scenario].removeprefix("Ergast: ")
        out.append(Target(f"Ergast {title}", "; ".join(parts), None))
    return out


MIXED_SLACK_MS = 2.0


def mixed_target(table: Table, runs: list[MixedRun]) -> Target:
    """Issue 14: no request may stall others for more than ~1 ms of synchronous work. Two
    connections ask for heavy pages back to back, so a lookup can find at most two such slices
    ahead of it: its p99 beside them may exceed its p99 alone by at most 2 ms. (A ratio such as
    2× alone would hinge on how low the lookups' own p99 happens to be on a shared machine.)"""
    name = f"cached lookup p99 beside uncached pages of 1000 ≤ p99 alone + {MIXED_SLACK_MS:g} ms"
    alone, beside = table.get(MIXED_SERVER, "mixed_alone"), table.get(MIXED_SERVER, "mixed_beside")
    heavy = table.get(MIXED_SERVER, "mixed_heavy")
    if not (alone and beside and heavy):
        return Target(name, "—", None)
    hit = _median([r.lookups_hit for r in runs])
    missed = _median([r.heavy_missed for r in runs])
    measured = (
        f"alone {alone.p99_ms:.2f} ms, beside {beside.p99_ms:.2f} ms "
        f"({beside.p99_ms / alone.p99_ms:.1f}×; p50 {alone.p50_ms:.2f} → {beside.p50_ms:.2f} ms) "
        f"while {heavy.rps:,.0f} pages/s ran; cache: {_pct(hit)} of the lookups hit, "
        f"{_pct(missed)} of the pages missed"
    )
    if hit is not None and (hit < 0.99 or (missed or 0) < 0.99):
        return Target(name, measured + " (not the intended mix)", None)
    return Target(name, measured, beside.p99_ms <= alone.p99_ms + MIXED_SLACK_MS)


def startup_targets(
    startup: tuple[float | None, float | None], rss_mb: float | None, baseline: dict | None
) -> list[Target]:
    """Start-up and RSS against the figures last recorded (bench/results/baseline.json). The
    verdict on start-up uses the CPU the server spent until its first `/ready`: the wall time
    is reported too, but other jobs on a shared machine lengthen it."""
    wall, cpu = startup
    base = baseline or {}
    measured = "—" if wall is None else f"{wall:.2f} s wall, {cpu or 0:.2f} s CPU"
    verdict = None
    if cpu is not None and base.get("startup_cpu_s"):
        measured += f" (baseline {base['startup_s']:.2f} s wall, {base['startup_cpu_s']:.2f} s CPU)"
        verdict = cpu <= 1.2 * base["startup_cpu_s"]
    out = [Target("start-up to first /ready (sqlite, 1 worker) regresses ≤ 20%", measured, verdict)]
    measured = "—" if rss_mb is None else f"{rss_mb:.0f} MB"
    verdict = None
    if rss_mb is not None and base.get("rss_mb"):
        measured += f" (baseline {base['rss_mb']:.0f} MB)"
        verdict = rss_mb <= 1.2 * base["rss_mb"]
    out.append(Target("RSS per worker (sqlite, after its runs) regresses ≤ 20%", measured, verdict))
    return out


def workers_label(workers: int, cache: str) -> str:
    return f"cache {cache}, {workers} worker{'s' if workers > 1 else ''}, unpinned"


def workers_target(table: Table, cache: str) -> Target | None:
    """2 workers against 1, both unpinned, wrk unpinned beside them on the same two cores.

    Besides the RPS ratio: the cores each server got, wrk's and other jobs' cores, the CPU per
    request, how evenly the workers shared the work, and the best ratio this machine allowed
    (the cores wrk and other jobs left, over the cores one worker used, at one worker's CPU per
    request). The verdict needs a machine to itself: with other jobs over 0.25 cores, the
    ratio measures them, and the line says `not measured`."""
    one = table.get(workers_label(1, cache), "driver")
    two = table.get(workers_label(2, cache), "driver")
    if not (one and two and one.server_cpu and two.server_cpu):
        return None
    ratio = two.rps / one.rps
    left = 2 - (two.generator_cpu or 0) - (two.other_cpu or 0)
    best = left / one.server_cpu
    parts = [
        f"{ratio:.2f}×",
        f"server {one.server_cpu:.2f} → {two.server_cpu:.2f} cores",
        f"µs CPU/req {_us(one.cpu_us_per_request)} → {_us(two.cpu_us_per_request)}",
        f"wrk {_cores(two.generator_cpu)} cores, other jobs {_cores(two.other_cpu)}",
        f"busiest worker {_pct(two.busiest_share)} of the server CPU",
        "involuntary switches/req "
        f"{_num(one.preempted_per_request)} → {_num(two.preempted_per_request)}",
        f"best possible here {best:.2f}×",
    ]
    shared = max(one.other_cpu or 0, two.other_cpu or 0) > 0.25
    verdict = None if shared else ratio >= 1.7
    if shared:
        parts.append("machine shared: no verdict")
    name = f"2 workers ≥ 1.7× one worker, cache {cache} (RPS; wrk on the same 2 cores)"
    return Target(name, "; ".join(parts), verdict)


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
