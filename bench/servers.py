"""Servers under test, each a subprocess in its own process group on a free loopback port,
pinned to one core: the API under uvicorn (`python -m app`) or granian, and Datasette."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from load import group_cpu_seconds, taskset_prefix

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
DATASETTE_VENV = BENCH_DIR / ".venv-datasette"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict, bytes]:
    con = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        con.request("GET", path, headers=headers or {})
        response = con.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        con.close()


@dataclass
class Server:
    label: str
    cmd: list[str]
    env: dict[str, str]
    ready_path: str
    logdir: Path
    core: int | None = 0
    port: int = field(default_factory=free_port)
    cwd: Path = ROOT
    proc: subprocess.Popen | None = None
    startup_s: float | None = None  # from start to the first 200 on ready_path
    startup_cpu_s: float | None = None  # CPU the process group used until then (steadier)
    ready_line: str = ""  # also wait for this in the server's output (all workers serving)

    @property
    def log_path(self) -> Path:
        return self.logdir / f"server-{self.label.replace(' ', '_')}-{self.port}.log"

    def start(self, timeout: float = 90.0) -> None:
        began = time.monotonic()
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [*taskset_prefix(self.core), *self.cmd],
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() kills every child too
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.label} exited ({self.proc.returncode}): {self.log_tail()}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_get(self.port, self.ready_path)[0] == 200:
                    self.startup_s = time.monotonic() - began
                    self.startup_cpu_s = group_cpu_seconds(self.proc.pid)
                    self._wait_for_line(deadline)
                    return
            time.sleep(0.02)  # the start-up is ~0.6 s: poll finely enough to see 20% of it
        raise RuntimeError(f"{self.label} not ready in {timeout:.0f}s: {self.log_tail()}")

    def _wait_for_line(self, deadline: float) -> None:
        """With several workers the first answers `/ready` alone: wait until the supervisor
        says they all serve, or the first measured run would pay the others' start-up."""
        while self.ready_line and self.ready_line not in self.log_path.read_text(errors="replace"):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"{self.label}: no {self.ready_line!r}: {self.log_tail()}")
            time.sleep(0.05)

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    @property
    def pgid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def rss_mb(self) -> float | None:
        """VmRSS of the server process (the Python process itself: taskset execs)."""
        if self.proc is None:
            return None
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return None

    def stop(self) -> None:
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the group id is the leader's pid
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, sig)
            try:
                self.proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Children of a granian master may outlive it for a moment: make sure the group is gone.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.proc = None


def api_env(backend: str, database_url: str, cache: bool, port: int) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RACING_", "GRANIAN_")) and key not in ("HOST", "PORT")
    }
    env.update(
        RACING_WORKERS="1",
        RACING_DRAIN_SECONDS="0",
        RACING_BACKEND=backend,
        RACING_DATABASE_URL=database_url,
        RACING_RESPONSE_CACHE="true" if cache else "false",
        HOST=HOST,
        PORT=str(port),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def api_server(
    label: str,
    backend: str,
    artifacts: Path,
    database_url: str,
    logdir: Path,
    cache: bool = True,
    granian: bool = False,
    extra_env: dict[str, str] | None = None,
    core: int | None = 0,
) -> Server:
    """`python -m app` (uvicorn, as shipped) or granian with the same app factory.

    The server runs in a directory of its own whose `artifacts` links to the bench's artifacts,
    so it finds them at the default RACING_ARTIFACTS: setting that variable currently stops the
    app (`invalid configuration: Expected Path, got str`, app/settings.py with msgspec 0.22).
    The app is importable from anywhere: the project is installed in .venv (editable)."""
    port = free_port()
    env = api_env(backend, database_url, cache, port)
    env.update(extra_env or {})
    cwd = logdir / f"serve-{port}"
    cwd.mkdir()
    (cwd / "artifacts").symlink_to(artifacts.resolve(), target_is_directory=True)
    if granian:
        cmd = [
            str(PYTHON.parent / "granian"),
            "--interface",
            "asgi",
            "--factory",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            "1",
            "--runtime-threads",
            "1",
            "app.main:create_app",
        ]
    else:
        cmd = [str(PYTHON), "-m", "app"]
    server = Server(label, cmd, env, "/ready", logdir, port=port, cwd=cwd, core=core)
    workers = int(env["RACING_WORKERS"] or 1)
    if workers > 1 and not granian:
        server.ready_line = f"with {workers} workers"  # app/serve.py, once they all serve
    return server


def bare_server(kind: str, logdir: Path) -> Server:
    """The ceilings: a bare ASGI app or a bare Litestar app (bench/bare.py) under the server
    settings the API ships with."""
    port = free_port()
    env = api_env("sqlite", "", True, port)
    env["PYTHONPATH"] = str(BENCH_DIR)
    cmd = [str(PYTHON), str(BENCH_DIR / "bare.py"), kind]
    return Server(f"bare {kind}", cmd, env, "/ready", logdir, port=port)


def granian_available() -> bool:
    return (PYTHON.parent / "granian").is_file()


def ensure_datasette() -> Path | None:
    """bench/.venv-datasette/bin/datasette, creating the venv on first use."""
    exe = DATASETTE_VENV / "bin" / "datasette"
    if exe.is_file():
        return exe
    print("creating bench/.venv-datasette (pip install datasette) ...", flush=True)
    try:
        subprocess.run(["python3", "-m", "venv", str(DATASETTE_VENV)], check=True, timeout=120)
        subprocess.run(
            [str(DATASETTE_VENV / "bin" / "pip"), "install", "-q", "datasette"],
            check=True,
            timeout=300,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"Datasette unavailable: {exc}", flush=True)
        return None
    return exe if exe.is_file() else None


DATASETTE_SETTINGS = ("suggest_facets", "off")


def datasette_server(exe: Path, sqlite_file: Path, inspect_file: Path, logdir: Path) -> Server:
    """Datasette at its fastest documented setup for read-only data: immutable mode with
    precomputed table counts (`datasette inspect`), facet suggestions off."""
    if not inspect_file.is_file():
        subprocess.run(
            [str(exe), "inspect", str(sqlite_file), "--inspect-file", str(inspect_file)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATASETTE_")}
    cmd = [
        str(exe),
        "serve",
        "-i",
        str(sqlite_file),
        "--inspect-file",
        str(inspect_file),
        "--host",
        HOST,
        "--port",
        str(port),
        "--setting",
        *DATASETTE_SETTINGS,
    ]
    return Server("datasette", cmd, env, "/-/versions.json", logdir, port=port)
