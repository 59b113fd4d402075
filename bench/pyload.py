"""Fallback load generator when wrk is unavailable: asyncio, raw sockets, HTTP/1.1 keep-alive,
N connections each sending GET of a random path from a file, closed loop like wrk (with an
optional pause before each request, like paths.lua's `delay`).

    python bench/pyload.py http://127.0.0.1:PORT PATHS_FILE --connections 32 --seconds 3

Prints one `BENCHJSON {...}` line in the same shape as bench/paths.lua. It is much slower than
wrk (one Python process), so near the ceiling it measures itself as much as the server."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from urllib.parse import urlsplit


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses = {"200": 0, "304": 0, "other": 0}
        self.bytes = 0
        self.errors = 0


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Read one response; return (status, bytes read). Content-Length or chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    size = len(head)
    if chunked:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            chunk = int(size_line.split(b";")[0], 16)
            await reader.readexactly(chunk + 2)
            size += len(size_line) + chunk + 2
            if chunk == 0:
                break
    elif length:
        await reader.readexactly(length)
        size += length
    return status, size


async def connection(
    host: str, port: int, requests: list[bytes], deadline: float, stats: Stats, delay: float
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            if delay:
                await asyncio.sleep(delay)
            started = time.perf_counter()
            writer.write(random.choice(requests))
            try:
                status, size = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                stats.errors += 1
                return
            stats.latencies.append(time.perf_counter() - started)
            stats.bytes += size
            key = str(status) if status in (200, 304) else "other"
            stats.statuses[key] += 1
    finally:
        writer.close()


async def main_async(args: argparse.Namespace) -> dict:
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    extra = f"If-None-Match: {args.if_none_match}\r\n" if args.if_none_match else ""
    with open(args.paths_file) as f:
        paths = [line.strip() for line in f if line.strip()]
    requests = [
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode() for path in paths
    ]
    stats = Stats()
    started = time.perf_counter()
    deadline = started + args.seconds
    await asyncio.gather(
        *(
            connection(host, port, requests, deadline, stats, args.delay_ms / 1000)
            for _ in range(args.connections)
        )
    )
    elapsed = time.perf_counter() - started
    lat = sorted(stats.latencies) or [0.0]

    def pct(p: float) -> int:
        return int(lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1e6)

    return {
        "requests": len(stats.latencies),
        "duration_us": int(elapsed * 1e6),
        "bytes": stats.bytes,
        "errors": stats.errors,
        "s200": stats.statuses["200"],
        "s304": stats.statuses["304"],
        "sother": stats.statuses["other"],
        "p50_us": pct(50),
        "p99_us": pct(99),
        "max_us": int(lat[-1] * 1e6),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("paths_file")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--if-none-match", default="")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="pause before each request")
    result = asyncio.run(main_async(parser.parse_args()))
    print("BENCHJSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
