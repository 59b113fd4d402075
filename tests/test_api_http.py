"""HTTP behaviour shared by every route: data-version header, ETag/304, HEAD, CORS,
compression, problem documents, health, readiness, metrics and docs."""

from __future__ import annotations

import brotli
import pytest


@pytest.fixture(scope="module")
def version(sample_build) -> str:
    return sample_build.data_version


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/drivers", 200),
        ("GET", "/drivers/nobody", 404),
        ("GET", "/drivers?limit=0", 400),
        ("GET", "/no/such/route", 404),
        ("POST", "/drivers", 405),
        ("GET", "/health", 200),
    ],
)
def test_every_response_carries_the_data_version(sqlite_client, version, method, url, status):
    response = sqlite_client.request(method, url)
    assert response.status_code == status
    assert response.headers["x-data-version"] == version
    assert response.headers["x-content-type-options"] == "nosniff"
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == status


def test_etag_revalidation_answers_304(client, version):
    first = client.get("/drivers", params={"limit": 5, "sort": "-wins"})
    etag = first.headers["etag"]
    assert version in etag
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = client.get(
        "/drivers", params={"sort": "-wins", "limit": 5}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = client.get("/drivers", params={"limit": 6}, headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert other.headers["etag"] != etag
    assert (
        client.get(
            "/drivers", params={"limit": 5}, headers={"If-None-Match": '"stale"'}
        ).status_code
        == 200
    )


def test_errors_have_no_etag(sqlite_client):
    assert "etag" not in sqlite_client.get("/drivers/nobody").headers


def test_head_matches_get_without_body(client):
    get = client.get("/drivers/1")
    head = client.head("/drivers/1")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))
    assert client.head("/drivers/nobody").status_code == 404


def test_cached_and_fresh_responses_are_identical(sqlite_client):
    first = sqlite_client.get("/drivers", params={"limit": 3, "offset": 2})
    second = sqlite_client.get("/drivers", params={"offset": 2, "limit": 3})
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["link"] == second.headers["link"]


def test_cors_allows_get_from_any_origin_and_exposes_headers(sqlite_client):
    response = sqlite_client.get("/drivers/1", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "etag" in exposed and "x-data-version" in exposed
    preflight = sqlite_client.options(
        "/drivers",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code in (200, 204)
    assert "GET" in preflight.headers["access-control-allow-methods"]


def test_large_responses_are_compressed(sqlite_client):
    plain = sqlite_client.get(
        "/drivers", params={"limit": 100}, headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    zipped = sqlite_client.get(
        "/drivers", params={"limit": 100}, headers={"Accept-Encoding": "gzip"}
    )
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content)
    assert zipped.json() == plain.json()
    br = sqlite_client.get("/drivers", params={"limit": 100}, headers={"Accept-Encoding": "br"})
    assert br.headers["content-encoding"] == "br"
    assert br.json() == plain.json()
    assert brotli.decompress  # the codec is a real dependency


def test_small_responses_are_not_compressed(sqlite_client):
    response = sqlite_client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers


def test_health_ready_and_meta(client, sample_build):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["data_version"] == sample_build.data_version
    meta = client.get("/meta").json()
    assert meta["data_version"] == sample_build.data_version
    assert meta["row_counts"] == sample_build.rows
    assert meta["coverage"]["complete_seasons"]
    assert meta["backend"] in ("sqlite", "parquet", "postgres")


def test_metrics_are_prometheus_text_by_route_template(sqlite_client):
    sqlite_client.get("/drivers/1")
    sqlite_client.get("/drivers/2")
    text = sqlite_client.get("/metrics").text
    assert "racing_api_requests_total" in text
    assert 'path="/drivers/{driver}"' in text
    assert 'path="/drivers/1"' not in text


def test_docs_pages_and_schema(sqlite_client):
    assert "swagger-ui" in sqlite_client.get("/docs").text.lower()
    assert "redoc" in sqlite_client.get("/redoc").text.lower()
    schema = sqlite_client.get("/schema/openapi.json").json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert all(op.get("operationId") for op in operations)
    assert all(op.get("summary") and op.get("tags") for op in operations)
    for op in operations:
        if op["operationId"] not in ("getHealth",):
            problem = op["responses"].get("404") or op["responses"].get("503")
            assert problem["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
    assert "/metrics" not in schema["paths"]


def test_optional_rate_limit_answers_429_with_headers(request, sample_build):
    from litestar.testing import TestClient

    from app.main import create_app
    from app.settings import Settings

    settings = Settings(artifacts_dir=sample_build.directory.parent, rate_limit="3/minute")
    with TestClient(create_app(settings)) as limited:
        first = limited.get("/drivers/1")
        assert first.headers["ratelimit-limit"] == "3"
        assert first.headers["ratelimit-remaining"] == "2"
        limited.get("/drivers/2")
        limited.get("/drivers/3")
        refused = limited.get("/drivers/1")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["status"] == 429
        assert limited.get("/health").status_code == 200, "probes are never limited"
