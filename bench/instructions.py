"""Instructions per request, in process, under callgrind: the same count every run, so an A/B
of a change is exact where CPU time on a shared machine moves by a third.

    .venv/bin/python bench/instructions.py '/drivers?limit=100' [N]

Runs the app of the current checkout (environment as for `python -m app`; the response cache
off unless RACING_RESPONSE_CACHE says otherwise), warms up, then counts N requests (default
200) through the ASGI app with valgrind's instrumentation on only around them. Needs valgrind
(Debian package `valgrind`)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile

WARM_UP = 50


async def _request(app, path: str) -> int:
    route, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"accept-encoding", b"identity")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    status = 0

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        nonlocal status
        status = message.get("status", status)

    await app(scope, receive, send)
    return status


async def _count(path: str, n: int) -> None:
    """The child, under valgrind: warm up, then instrument exactly n requests."""
    from app.main import create_app

    app = create_app()
    async with app.lifespan():
        status = await _request(app, path)
        if status != 200:
            raise SystemExit(f"error: {path} answered {status}")
        for _ in range(WARM_UP):
            await _request(app, path)
        toggle = ["callgrind_control", "--instr"]
        subprocess.run([*toggle, "on", str(os.getpid())], check=True, capture_output=True)
        for _ in range(n):
            await _request(app, path)
        subprocess.run([*toggle, "off", str(os.getpid())], check=True, capture_output=True)


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    path, n = argv[0], int(argv[1]) if len(argv) == 2 else 200
    if os.environ.get("_INSTRUCTIONS_CHILD"):
        asyncio.run(_count(path, n))
        return 0
    os.environ.setdefault("RACING_RESPONSE_CACHE", "0")
    os.environ.setdefault("RACING_LOG_LEVEL", "info")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                path,
                str(n),
            ],
            env={**os.environ, "_INSTRUCTIONS_CHILD": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if run.returncode != 0:
            print(run.stderr.strip().splitlines()[-1], file=sys.stderr)
            return 1
        with open(out) as counts:
            total = int(re.search(r"^totals: (\d+)", counts.read(), re.M).group(1))
    print(f"{path}: {total // n:,} instructions per request ({n} requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
