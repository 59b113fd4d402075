"""Replay before routing (app/edge/replay.py): a request the response cache answered before is
answered again, byte for byte, before routing; a request that differs in anything an answer may
depend on is not; and no client's headers change what another receives."""

from __future__ import annotations

import json

import pytest
from litestar.testing import TestClient

from app import logs
from app.edge.replay import replay_key
from app.main import create_app
from app.settings import Settings


@pytest.fixture()
def fresh(sample_build):
    """A client with an empty cache, request lines on."""
    settings = Settings(
        artifacts_dir=sample_build.directory.parent, log_level="info", access_log=True
    )
    with TestClient(create_app(settings)) as client:
        yield client


def replayable(client: TestClient, url: str, headers: dict[str, str] | None = None) -> bool:
    """Whether the replay layer holds an answer for exactly this request (as the TestClient
    sends it: its own Host, Accept and Accept-Encoding unless given)."""
    sent = client.build_request("GET", url, headers=headers)
    path, _, query = url.partition("?")
    scope = {
        "path": path,
        "query_string": query.encode(),
        "scheme": "http",
        "headers": [(k.lower().encode(), v.encode()) for k, v in sent.headers.items()],
    }
    cache = client.app.state.response_cache
    return cache.replay(cache.version, replay_key(scope)) is not None


def comparable(response) -> tuple:
    headers = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "date")}
    return response.status_code, headers, response.content


def test_a_repeated_request_is_replayed_byte_for_byte(fresh):
    url = "/drivers?limit=3&sort=-wins"
    assert not replayable(fresh, url)
    first = fresh.get(url)
    assert replayable(fresh, url)
    again = fresh.get(url)
    assert comparable(again) == comparable(first)
    assert again.headers["x-data-version"] and again.headers["x-content-type-options"] == "nosniff"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert fresh.get(url, headers={"x-request-id": "mine-1"}).headers["x-request-id"] == "mine-1"


def test_what_an_answer_depends_on_is_in_the_key(fresh):
    fresh.get("/drivers?limit=3")
    assert not replayable(fresh, "/drivers?limit=3", {"Accept": "text/csv"})
    csv = fresh.get("/drivers?limit=3", headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert fresh.get("/drivers?limit=3").headers["content-type"] == "application/json"
    gzip = fresh.get("/drivers?limit=100", headers={"Accept-Encoding": "gzip"})
    assert gzip.headers["content-encoding"] == "gzip"
    plain = fresh.get("/drivers?limit=100", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json()["limit"] == 100
    # the same parameters in another order are another request here (one cache entry)
    fresh.get("/drivers?limit=2&offset=1")
    assert not replayable(fresh, "/drivers?offset=1&limit=2")
    swapped = fresh.get("/drivers?offset=1&limit=2")
    assert swapped.headers["etag"] == fresh.get("/drivers?limit=2&offset=1").headers["etag"]


def test_conditional_and_head_requests_on_a_replayed_answer(fresh):
    first = fresh.get("/drivers/1")
    assert replayable(fresh, "/drivers/1")
    etag = first.headers["etag"]
    not_modified = fresh.get("/drivers/1", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert fresh.get("/drivers/1", headers={"If-None-Match": '"other"'}).status_code == 200
    head = fresh.head("/drivers/1")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == first.headers["content-length"]


def test_refusals_still_apply_to_a_request_seen_before(fresh):
    fresh.get("/drivers/1")
    huge = fresh.get("/drivers/1", headers={"X-Padding": "x" * 17000})
    assert huge.status_code == 431
    assert huge.headers["content-type"] == "application/problem+json"


def test_replayed_answers_are_counted_and_logged_as_the_route(fresh, capsys):
    logs.flush()
    capsys.readouterr()
    for _ in range(3):
        fresh.get("/circuits/1")
    logs.flush()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    requests = [line for line in lines if line.get("event") == "request"]
    assert [line["route"] for line in requests] == ["/circuits/{circuit}"] * 3
    assert all(line["status"] == 200 and line["bytes"] > 0 for line in requests)
    metrics = fresh.get("/metrics").text
    assert (
        'racing_api_requests_total{method="GET",path="/circuits/{circuit}",status_code="200"} 3.0'
        in metrics
    )
    assert "racing_api_response_cache_hits_total 2.0" in metrics


def test_a_cross_origin_request_with_a_cookie_changes_nothing_for_others(fresh):
    """Litestar's CORS echoes the Origin of a request with a cookie and replaces `Vary`; the API
    reads no cookies, and the header lists it stores are never the ones it sends."""
    hostile = {"Origin": "https://evil.example", "Cookie": "session=1"}
    for _ in range(2):  # stored, then answered from the cache
        cross = fresh.get("/drivers/2", headers=hostile)
        assert cross.headers["access-control-allow-origin"] == "*"
        assert cross.headers["vary"] == "Accept, Accept-Encoding"
    for _ in range(2):
        plain = fresh.get("/drivers/2")
        assert "access-control-allow-origin" not in plain.headers
        assert plain.headers["vary"] == "Accept, Accept-Encoding"


def test_nothing_is_replayed_under_a_rate_limit(sample_build):
    settings = Settings(artifacts_dir=sample_build.directory.parent, rate_limit="2/minute")
    with TestClient(create_app(settings)) as client:
        statuses = [client.get("/drivers/1").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
