"""Drive a server with wrk (or, without wrk, the small asyncio generator in pyload.py),
pinned to its own core, and return throughput and latency percentiles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
LUA_SCRIPT = BENCH_DIR / "paths.lua"
PYLOAD = BENCH_DIR / "pyload.py"


@dataclass(frozen=True)
class Scenario:
    name: str
    paths: tuple[str, ...]
    expect_status: int = 200
    if_none_match: str = ""
    connections: int | None = None  # None: the generator's own (32)
    delay_ms: float = 0.0  # > 0: each connection pauses this long before each request


class NoAnswers(RuntimeError):
    """The run ended before any response came back (a very slow server, a too short run)."""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int
    statuses: dict[str, int]
    p50_ms: float
    p99_ms: float
    server_cpu: float | None = None  # cores the server's process group used during the run
    other_cpu: float | None = None  # cores used by everything else (not server, not generator)
    generator_cpu: float | None = None  # cores the load generator itself used
    busiest_share: float | None = None  # the busiest server process's share of the server CPU
    preempted_per_request: float | None = None  # server processes' involuntary switches

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def taskset_prefix(core: int | None) -> list[str]:
    """`taskset -c CORE` when taskset exists and the machine has that core, else nothing."""
    if core is None or shutil.which("taskset") is None:
        return []
    if core >= (os.cpu_count() or 1):
        return []
    return ["taskset", "-c", str(core)]


def ensure_wrk() -> str | None:
    """The wrk binary, installing it with apt-get when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing; trying `apt-get install -y wrk` ...", flush=True)
        try:
            subprocess.run(
                ["apt-get", "install", "-y", "-q", "wrk"],
                check=False,
                capture_output=True,
                timeout=180,
            )
        except subprocess.TimeoutExpired:
            return None
    return shutil.which("wrk")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def group_processes(pgid: int) -> dict[int, tuple[float, int]]:
    """(CPU seconds, involuntary context switches) of each live process in a process group."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
            if int(fields[2]) != pgid:  # pgrp
                continue
            status = (entry / "status").read_text()
        except OSError:
            continue
        switches = next(
            (int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("nonvoluntary_")),
            0,
        )
        found[int(entry.name)] = ((int(fields[11]) + int(fields[12])) / CLOCK_TICKS, switches)
    return found


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes in a process group (from /proc)."""
    return sum(cpu for cpu, _ in group_processes(pgid).values())


def busy_cpu_seconds() -> float:
    """CPU seconds spent busy on every core since boot (the `cpu` line of /proc/stat)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class LoadGenerator:
    """One of: wrk with bench/paths.lua, or bench/pyload.py (asyncio, raw HTTP/1.1 keep-alive)."""

    def __init__(self, workdir: Path, connections: int, core: int | None) -> None:
        self.workdir = workdir
        self.connections = connections
        self.core = core
        # BENCH_LOAD_GENERATOR=python forces the fallback (to check it works).
        forced = os.environ.get("BENCH_LOAD_GENERATOR") == "python"
        self.wrk = None if forced else ensure_wrk()
        self._files: dict[tuple[str, ...], Path] = {}

    @property
    def name(self) -> str:
        if self.wrk:
            version = subprocess.run([self.wrk, "-v"], capture_output=True, text=True).stdout
            first = version.strip().splitlines()[0] if version.strip() else "wrk"
            return f"{first.split(' Copyright')[0]} (1 thread, Lua script bench/paths.lua)"
        return "bench/pyload.py (Python asyncio fallback: wrk unavailable)"

    def _paths_file(self, paths: tuple[str, ...]) -> Path:
        if paths not in self._files:
            path = self.workdir / f"paths-{len(self._files)}.txt"
            path.write_text("\n".join(paths) + "\n")
            self._files[paths] = path
        return self._files[paths]

    def run(
        self, port: int, scenario: Scenario, seconds: float, server_pgid: int | None = None
    ) -> LoadResult:
        return self.start(port, scenario, seconds, server_pgid).finish()

    def start(
        self, port: int, scenario: Scenario, seconds: float, server_pgid: int | None = None
    ) -> Running:
        """Start a run in the background (the mixed-load row runs two at once)."""
        paths_file = self._paths_file(scenario.paths)
        url = f"http://127.0.0.1:{port}"
        connections = scenario.connections or self.connections
        if self.wrk:
            cmd = [
                self.wrk,
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "5s",
                "-s",
                str(LUA_SCRIPT),
                url,
                "--",
                str(paths_file),
                scenario.if_none_match,
                f"{scenario.delay_ms:g}",
            ]
        else:
            cmd = [
                sys.executable,
                str(PYLOAD),
                url,
                str(paths_file),
                f"--connections={connections}",
                f"--seconds={seconds}",
                f"--if-none-match={scenario.if_none_match}",
                f"--delay-ms={scenario.delay_ms:g}",
            ]
        return Running(scenario, seconds, server_pgid, [*taskset_prefix(self.core), *cmd])


class Running:
    """One load generator process; `finish()` waits for it and reads its BENCHJSON line."""

    def __init__(
        self, scenario: Scenario, seconds: float, server_pgid: int | None, cmd: list[str]
    ) -> None:
        self.scenario, self.seconds, self.server_pgid = scenario, seconds, server_pgid
        self.processes_before = group_processes(server_pgid) if server_pgid else {}
        self.server_before = sum(cpu for cpu, _ in self.processes_before.values())
        self.busy_before = busy_cpu_seconds()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def _wait(self, timeout: float) -> float:
        """Reap the generator; return its own CPU seconds (wait4's rusage, not RUSAGE_CHILDREN:
        two generators may run at once)."""
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                return usage.ru_utime + usage.ru_stime
            if time.monotonic() > deadline:
                self.proc.kill()
                deadline = float("inf")
            time.sleep(0.02)

    def finish(self) -> LoadResult:
        scenario, seconds, server_pgid = self.scenario, self.seconds, self.server_pgid
        generator_cpu = self._wait(seconds + 30)
        wall = time.perf_counter() - self.started
        assert self.proc.stdout is not None and self.proc.stderr is not None
        stdout, stderr = self.proc.stdout.read(), self.proc.stderr.read()  # a few lines
        after = group_processes(server_pgid) if server_pgid else {}
        server_cpu = sum(cpu for cpu, _ in after.values()) - self.server_before
        used = [
            cpu - self.processes_before.get(pid, (0.0, 0))[0] for pid, (cpu, _) in after.items()
        ]
        switches = sum(
            n - self.processes_before.get(pid, (0.0, 0))[1] for pid, (_, n) in after.items()
        )
        other_cpu = busy_cpu_seconds() - self.busy_before - server_cpu - generator_cpu
        line = next(
            (ln for ln in stdout.splitlines() if ln.startswith("BENCHJSON ")),
            None,
        )
        if line is None:
            raise RuntimeError(
                f"load generator gave no result (exit {self.proc.returncode}): "
                f"{stdout[-500:]} {stderr[-500:]}"
            )
        data = json.loads(line.removeprefix("BENCHJSON "))
        statuses = {"200": data["s200"], "304": data["s304"], "other": data["sother"]}
        expected = str(scenario.expect_status)
        answered = sum(statuses.values())
        if answered == 0 and not data["errors"]:
            raise NoAnswers(f"scenario {scenario.name}: no answer within {seconds:g} s")
        if statuses.get(expected, 0) != answered or data["errors"]:
            raise RuntimeError(
                f"scenario {scenario.name}: unexpected answers {statuses}, "
                f"{data['errors']} errors (expected status {expected})"
            )
        return LoadResult(
            requests=data["requests"],
            seconds=data["duration_us"] / 1e6,
            errors=data["errors"],
            statuses=statuses,
            p50_ms=data["p50_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            server_cpu=server_cpu / wall if server_pgid else None,
            other_cpu=max(0.0, other_cpu / wall),
            generator_cpu=generator_cpu / wall,
            busiest_share=max(used) / server_cpu if used and server_cpu > 0 else None,
            preempted_per_request=switches / data["requests"] if data["requests"] else None,
        )
