"""One answer, three backends: every endpoint's body is byte-identical on SQLite, PostgreSQL
and DuckDB-over-Parquet."""

from __future__ import annotations

import asyncio

import pytest

from app.backends import FETCH_CHUNK, SqliteBackend
from tests.conftest import BACKENDS, make_client


@pytest.fixture(scope="module")
def clients(request, sample_build):
    opened = {}
    try:
        for backend in BACKENDS:
            opened[backend] = make_client(backend, sample_build.directory.parent, request)
            opened[backend].__enter__()
        yield opened
    finally:
        for test_client in opened.values():
            test_client.__exit__(None, None, None)


def urls(client) -> list[str]:
    drivers = client.get("/drivers", params={"limit": 1000}).json()["data"]
    circuits = client.get("/circuits", params={"limit": 1000}).json()["data"]
    listed = [
        "/drivers?limit=1000",
        "/drivers?limit=5&offset=3&sort=-points",
        "/drivers?sort=fastest_laps&limit=1000",
        "/drivers?sort=-date_of_birth&limit=1000",
        "/drivers?sort=surname&limit=1000",
        "/drivers?q=an&limit=1000",
        "/circuits?limit=1000",
        "/circuits?sort=-lap_record_time_ms&limit=1000",
        "/circuits?sort=name&limit=1000",
        "/drivers/nobody",
        "/circuits/nowhere",
        "/drivers?limit=0",
    ]
    listed += [f"/drivers/{d['driver_ref']}" for d in drivers]
    listed += [f"/drivers/{d['driver_id']}/seasons" for d in drivers]
    listed += [f"/circuits/{c['circuit_ref']}" for c in circuits]
    listed += [f"/circuits/{c['circuit_id']}/fastest-laps" for c in circuits]
    return listed


def test_every_endpoint_is_byte_identical_across_backends(clients):
    reference = clients["sqlite"]
    checked = 0
    for url in urls(reference):
        bodies = {name: c.get(url) for name, c in clients.items()}
        statuses = {name: r.status_code for name, r in bodies.items()}
        assert len(set(statuses.values())) == 1, (url, statuses)
        if bodies["sqlite"].status_code == 200:
            contents = {name: r.content for name, r in bodies.items()}
            assert contents["parquet"] == contents["sqlite"], url
            assert contents["postgres"] == contents["sqlite"], url
        checked += 1
    assert checked > 50


def test_meta_differs_only_in_the_backend_it_names(clients):
    bodies = {name: c.get("/meta").json() for name, c in clients.items()}
    for name, body in bodies.items():
        assert body.pop("backend") == name
    assert bodies["parquet"] == bodies["sqlite"] == bodies["postgres"]


def test_a_long_sqlite_answer_lets_other_queries_run_meanwhile(sample_build):
    """Rows are read FETCH_CHUNK at a time with the event loop's other work in between: a short
    query started after a long one finishes first (one thread, no locks: the order is exact)."""
    backend = SqliteBackend(sample_build.directory.parent)
    finished: list[str] = []

    async def run(name: str, sql: str) -> int:
        rows = await backend.fetch_all(sql)
        finished.append(name)
        return len(rows)

    async def both() -> tuple[int, int]:
        long = asyncio.create_task(run("long", "select * from lap_time"))
        await asyncio.sleep(0)  # the long query has started and read its first rows
        short = await run("short", "select 1")
        return await long, short

    try:
        long_rows, short_rows = asyncio.run(both())
    finally:
        asyncio.run(backend.close())
    assert long_rows > 3 * FETCH_CHUNK and short_rows == 1
    assert finished == ["short", "long"]
