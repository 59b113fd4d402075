"""/metrics tells the truth: every response counted once by route template, method and status,
whoever answered it (cache, 304, refusal, error), and never served from a cache itself."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from app.settings import Settings
from tests.serving import ROOT, free_port


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a Prometheus text exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_by_label(text: str) -> dict[tuple[str, str, str], float]:
    return {
        (dict(labels)["method"], dict(labels)["path"], dict(labels)["status_code"]): value
        for (name, labels), value in samples(text).items()
        if name == "racing_api_requests_total"
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text)[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def fresh_client(sample_build):
    """An app of its own, so its counters start at zero."""
    settings = Settings(artifacts_dir=sample_build.directory.parent, rate_limit="100/minute")
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_known_mix_of_requests_is_counted_exactly(fresh_client, sample_build):
    client = fresh_client
    etag = client.get("/drivers/1").headers["etag"]  # miss, stored
    client.get("/drivers/1")  # hit
    client.get("/drivers/arlo_vance")  # miss (another key), stored
    assert client.get("/drivers/1", headers={"If-None-Match": etag}).status_code == 304  # hit
    assert client.head("/drivers/1").status_code == 200  # hit
    assert client.get("/drivers/nobody").status_code == 404  # miss, not stored
    assert client.get("/drivers?limit=0").status_code == 400  # miss, not stored
    assert client.get("/races?round=5").status_code == 400  # miss, not stored
    assert client.get("/no/such/route").status_code == 404
    assert client.post("/drivers").status_code == 405
    assert client.get("/drivers?q=" + "a" * 5000).status_code == 414
    for _ in range(3):
        health = client.get("/health")
        assert "etag" not in health.headers and "cache-control" not in health.headers
    ready = client.get("/ready")
    assert ready.status_code == 200 and "etag" not in ready.headers

    first = client.get("/metrics")
    assert "etag" not in first.headers and "cache-control" not in first.headers
    text = client.get("/metrics").text

    assert requests_by_label(text) == {
        ("GET", "/drivers/{driver}", "200"): 3,
        ("GET", "/drivers/{driver}", "304"): 1,
        ("HEAD", "/drivers/{driver}", "200"): 1,
        ("GET", "/drivers/{driver}", "404"): 1,
        ("GET", "/drivers", "400"): 1,
        ("GET", "/races", "400"): 1,
        ("GET", "unmatched", "404"): 1,
        ("POST", "unmatched", "405"): 1,
        ("GET", "unmatched", "414"): 1,
        ("GET", "/health", "200"): 3,
        ("GET", "/ready", "200"): 1,
        ("GET", "/metrics", "200"): 1,  # the scrape being answered is counted after it
    }
    assert value(text, "racing_api_request_duration_seconds_count", method="GET",
                 path="/drivers/{driver}", status_code="200") == 3  # fmt: skip
    assert value(text, "racing_api_response_cache_hits_total") == 3
    assert value(text, "racing_api_response_cache_misses_total") == 5
    assert value(text, "racing_api_response_cache_entries") == 2
    assert value(text, "racing_api_response_cache_bytes") > 0
    assert value(text, "racing_api_response_cache_evictions_total") == 0
    version = sample_build.data_version
    assert value(text, "racing_api_data_info", data_version=version, source="sample") == 1
    built = json.loads((sample_build.directory / "manifest.json").read_text())["built_at"]
    assert value(text, "racing_api_data_build_timestamp_seconds") > 1.7e9, built
    assert value(text, "racing_api_ready") == 1
    assert value(text, "racing_api_backend_query_duration_seconds_count", backend="sqlite") > 0
    assert value(text, "racing_api_backend_errors_total", backend="sqlite") == 0


def test_rate_limited_and_failed_requests_are_counted(sample_build):
    settings = Settings(artifacts_dir=sample_build.directory.parent, rate_limit="2/minute")
    with TestClient(create_app(settings)) as client:
        assert [client.get("/drivers/1").status_code for _ in range(3)] == [200, 200, 429]
        # the database goes away under the app: uncached queries fail, readiness drops
        asyncio.run(client.app.state.follower.snapshot.backend.close())
        assert client.get("/ready").status_code == 503
        text = client.get("/metrics").text
    assert requests_by_label(text)[("GET", "/drivers/{driver}", "429")] == 1
    assert requests_by_label(text)[("GET", "/ready", "503")] == 1
    assert value(text, "racing_api_ready") == 0
    assert value(text, "racing_api_backend_errors_total", backend="sqlite") >= 1


def test_server_errors_are_counted(sample_build):
    with TestClient(create_app(Settings(artifacts_dir=sample_build.directory.parent))) as client:
        asyncio.run(client.app.state.follower.snapshot.backend.close())
        response = client.get("/drivers/3")
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        text = client.get("/metrics").text
    assert requests_by_label(text)[("GET", "/drivers/{driver}", "500")] == 1
    # the query of /drivers/3, then the readiness check every scrape makes
    assert value(text, "racing_api_backend_errors_total", backend="sqlite") == 2


def test_postgres_pool_is_measured(request, sample_build):
    from tests.conftest import make_client

    with make_client("postgres", sample_build.directory.parent, request) as client:
        assert client.get("/drivers/4").status_code == 200
        text = client.get("/metrics").text
        # The pool opens connections in the background: one still connecting counts in its
        # size but is not yet available, so on a loaded machine give it a moment.
        deadline = time.monotonic() + 5
        while value(text, "racing_api_db_pool_connections_in_use") and time.monotonic() < deadline:
            time.sleep(0.1)
            text = client.get("/metrics").text
    assert value(text, "racing_api_db_pool_size") >= 1
    assert value(text, "racing_api_db_pool_connections_in_use") == 0  # all returned by now
    assert value(text, "racing_api_db_pool_requests_waiting") == 0
    assert value(text, "racing_api_backend_query_duration_seconds_count", backend="postgres") >= 2


def test_metrics_on_their_own_port(sample_build):
    port = free_port()
    settings = Settings(artifacts_dir=sample_build.directory.parent, metrics_port=port)
    with TestClient(create_app(settings)) as client:
        assert client.get("/drivers/1").status_code == 200
        assert client.get("/metrics").status_code == 404  # not on the public port
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert scraped.status_code == 200
        assert requests_by_label(scraped.text)[("GET", "/drivers/{driver}", "200")] == 1
        assert httpx.get(f"http://127.0.0.1:{port}/other", timeout=5).status_code == 404


WORKER = """
import sys
from pathlib import Path
from litestar.testing import TestClient
from app.main import create_app
from app.settings import Settings

# warning: no JSON log lines on stdout, where the scrape is written
settings = Settings(artifacts_dir=Path(sys.argv[1]), log_level="warning")
with TestClient(create_app(settings)) as client:
    for _ in range(int(sys.argv[2])):
        assert client.get("/drivers/1").status_code == 200
    if len(sys.argv) > 3:
        sys.stdout.write(client.get("/metrics").text)
"""


def test_worker_processes_share_their_counts(sample_build, tmp_path: Path):
    """With PROMETHEUS_MULTIPROC_DIR (what `--workers N` sets), any process's /metrics adds up
    what every worker counted."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    artifacts = str(sample_build.directory.parent)

    def worker(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", WORKER, artifacts, *args],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=120,
        ).stdout  # fmt: skip

    worker("3")
    worker("4")
    text = worker("2", "scrape")
    assert requests_by_label(text)[("GET", "/drivers/{driver}", "200")] == 9
    assert value(text, "racing_api_response_cache_hits_total") == 6  # 2 + 3 + 1
    assert value(text, "racing_api_ready") == 1
