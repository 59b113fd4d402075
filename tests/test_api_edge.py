"""The HTTP edge against clients that try to break it: the response cache serves each client
the representation it asked for, conditional requests only ever confirm a 200, parameters and
ids mean exactly one thing, and every refusal is a problem document."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from litestar.testing import TestClient

from app.edge.limits import BoundedMemoryStore
from app.main import create_app
from app.settings import Settings
from tests.serving import raw_request


@pytest.mark.parametrize(
    ("limit", "poison"),
    [
        # Accept twice: whichever field a layer reads, one request gets one representation
        (91, [b"Accept: text/csv", b"Accept: application/json"]),
        (92, [b"Accept: application/json", b"Accept: text/csv"]),
        # Accept-Encoding twice: compressed bytes never reach a client that did not ask
        (93, [b"Accept-Encoding: gzip", b"Accept-Encoding: identity"]),
        (94, [b"Accept-Encoding: identity", b"Accept-Encoding: br"]),
    ],
)
def test_duplicate_headers_cannot_poison_the_cache(live_server, limit, poison):
    """Over a real socket: test clients merge repeated headers, uvicorn does not."""
    url = f"/drivers?limit={limit}"
    request = b"\r\n".join(
        [f"GET {url} HTTP/1.1".encode(), b"Host: x", *poison, b"Connection: close", b"", b""]
    )
    assert raw_request(live_server, request).startswith(b"HTTP/1.1 200")
    for _ in range(2):
        plain = httpx.get(live_server + url, headers={"Accept-Encoding": "identity"})
        assert plain.headers["content-type"].startswith("application/json"), plain.headers
        assert "content-encoding" not in plain.headers
        assert plain.json()["limit"] == limit


def test_what_is_served_is_what_was_negotiated(sqlite_client):
    url = "/seasons?limit=5"
    both = sqlite_client.get(url, headers=[("Accept", "text/csv"), ("Accept", "application/json")])
    assert both.headers["content-type"].startswith("text/csv")  # equal weight: CSV, as before
    weighted = sqlite_client.get(url, headers={"Accept": "text/csv;q=0.5, application/json"})
    assert weighted.headers["content-type"].startswith("application/json")
    refused = sqlite_client.get(
        "/drivers?limit=100", headers={"Accept-Encoding": "br;q=0, gzip;q=0.5"}
    )
    assert refused.headers["content-encoding"] == "gzip"
    preferred = sqlite_client.get("/drivers?limit=100", headers={"Accept-Encoding": "gzip, br"})
    assert preferred.headers["content-encoding"] == "br"
    assert preferred.json()["limit"] == 100


def test_one_vary_header_naming_what_varies(sqlite_client):
    for headers in ({"Accept-Encoding": "gzip"}, {"Accept-Encoding": "identity"}, {}):
        for _ in range(2):  # fresh, then replayed from the cache
            response = sqlite_client.get("/drivers?limit=100", headers=headers)
            assert response.headers.get_list("vary") == ["Accept, Accept-Encoding"]


@pytest.mark.parametrize("url", ["/drivers/nobody", "/drivers?limit=0", "/no/such/route"])
def test_if_none_match_star_never_confirms_an_error(sqlite_client, url):
    for _ in range(2):
        response = sqlite_client.get(url, headers={"If-None-Match": "*"})
        assert response.status_code in (400, 404)
        assert response.headers["content-type"] == "application/problem+json"


def test_if_none_match_star_confirms_a_resource_that_exists(sqlite_client):
    assert sqlite_client.get("/drivers/2", headers={"If-None-Match": "*"}).status_code == 304


@pytest.mark.parametrize(
    "ident",
    ["%EF%BC%91", "%D9%A1", "%F0%9D%9F%8F"],  # full-width 1, Arabic-Indic 1, mathematical bold 1
)
def test_only_ascii_digits_are_ids(sqlite_client, ident):
    assert sqlite_client.get("/drivers/1").status_code == 200
    for route in ("drivers", "constructors", "circuits"):
        response = sqlite_client.get(f"/{route}/{ident}")
        assert response.status_code == 404, (route, response.text)


@pytest.mark.parametrize("url", ["/schema/elements", "/schema/nothing", "/schema/x.yaml"])
def test_unknown_schema_paths_are_problems(sqlite_client, url):
    response = sqlite_client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.parametrize(
    ("url", "where"), [("/drivers/%FF", "path"), ("/drivers?q=%C3%28", "query")]
)
def test_a_target_that_is_not_utf8_is_a_problem(sqlite_client, url, where):
    response = sqlite_client.get(url)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert where in response.json()["detail"]
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("url", "unknown"),
    [
        ("/races?season=2024&round=5", "round"),
        ("/drivers?sort=-wins&limt=5", "limt"),
        ("/drivers/1?x=1", "x"),
        ("/seasons/2008?q=a", "q"),
        ("/health?verbose=1", "verbose"),
    ],
)
def test_unknown_query_parameters_are_named(sqlite_client, url, unknown):
    response = sqlite_client.get(url)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["errors"][0]["name"] == unknown
    assert problem["errors"][0]["location"] == "query"
    assert f"'{unknown}'" in problem["detail"] and "accepted:" in problem["detail"]


def test_accepted_parameters_are_listed(sqlite_client):
    problem = sqlite_client.get("/races?round=5").json()
    assert problem["detail"].endswith("accepted: circuit, format, limit, offset, season, sort")


def test_rate_limit_exclusions_are_exact(sample_build):
    settings = Settings(artifacts_dir=sample_build.directory.parent, rate_limit="2/minute")
    with TestClient(create_app(settings)) as client:
        statuses = [client.get("/drivers/ready").status_code for _ in range(3)]
        assert statuses == [404, 404, 429]  # a path containing "ready" is not a probe
        assert all(client.get("/ready").status_code == 200 for _ in range(3))
        assert all(client.get("/health").status_code == 200 for _ in range(3))
        assert all(client.get("/metrics").status_code == 200 for _ in range(3))


def test_rate_limit_store_forgets_the_oldest_clients():
    async def fill() -> BoundedMemoryStore:
        store = BoundedMemoryStore(max_keys=100)
        for client in range(10_000):
            await store.set(f"client-{client}", b"{}", expires_in=60)
        await store.set("client-9950", b"again", expires_in=60)
        return store

    store = asyncio.run(fill())
    assert len(store) == 100
    assert asyncio.run(store.get("client-0")) is None
    assert asyncio.run(store.get("client-9999")) == b"{}"
    assert asyncio.run(store.get("client-9950")) == b"again"


def test_a_new_data_version_is_never_answered_from_the_old_ones_cache(sample_build):
    """When the served version changes at run time, cached bodies and ETags of the old one are
    not served: the key holds the version and the cache empties on the first request."""
    with TestClient(create_app(Settings(artifacts_dir=sample_build.directory.parent))) as client:
        old = client.get("/drivers/1")
        assert (
            client.get("/drivers/1", headers={"If-None-Match": old.headers["etag"]}).status_code
            == 304
        )
        cache = client.app.state.response_cache
        assert len(cache) == 1
        client.app.state.follower.snapshot.backend.data_version = "v2"  # as after a switch
        new = client.get("/drivers/1", headers={"If-None-Match": old.headers["etag"]})
        assert new.status_code == 200
        assert new.headers["x-data-version"] == "v2"
        assert new.headers["etag"] != old.headers["etag"] and "v2" in new.headers["etag"]
        assert cache.version == "v2" and len(cache) == 1
        text = client.get("/metrics").text
    assert "racing_api_response_cache_evictions_total 1.0" in text
    assert 'racing_api_data_info{data_version="v2",source="sample"} 1.0' in text
    assert (
        f'racing_api_data_info{{data_version="{sample_build.data_version}",source="sample"}} 0.0'
        in text
    )
