"""/drivers on every backend: values against the independent oracle, paging, sorting,
filters and bad input."""

from __future__ import annotations

import itertools

import pytest

from tests import oracle


@pytest.fixture(scope="module")
def reference(sample_csvs):
    return oracle.compute(sample_csvs)


def all_drivers(client) -> list[dict]:
    body = client.get("/drivers", params={"limit": 1000}).json()
    assert body["total"] == len(body["data"])
    return body["data"]


def test_every_driver_matches_the_reference(client, reference):
    drivers = all_drivers(client)
    assert drivers, "the sample has drivers"
    for driver in drivers:
        career = reference.careers.get(driver["driver_id"], oracle.Career())
        assert driver["races_entered"] == len(career.entries), driver["driver_ref"]
        assert driver["races_started"] == len(career.starts), driver["driver_ref"]
        assert driver["wins"] == len(career.wins), driver["driver_ref"]
        assert driver["podiums"] == len(career.podiums), driver["driver_ref"]
        assert driver["poles"] == len(career.poles), driver["driver_ref"]
        assert driver["points"] == round(career.points, 2), driver["driver_ref"]
        assert driver["championships"] == career.championships, driver["driver_ref"]
        assert driver["seasons"] == len(career.seasons), driver["driver_ref"]
        assert driver["best_finish"] == career.best_finish, driver["driver_ref"]


def test_sample_has_the_cases_the_statistics_must_handle(client, reference):
    """The sample exercises DNQ (entries > starts) and titles for more than one driver."""
    drivers = all_drivers(client)
    assert any(d["races_entered"] > d["races_started"] for d in drivers)
    assert len({d for d in reference.champions.values()}) >= 2
    assert sum(d["championships"] for d in drivers) == len(reference.champions)


def test_by_id_and_by_ref_are_the_same_driver(client):
    first = all_drivers(client)[0]
    by_id = client.get(f"/drivers/{first['driver_id']}")
    by_ref = client.get(f"/drivers/{first['driver_ref']}")
    assert by_id.status_code == by_ref.status_code == 200
    assert by_id.content == by_ref.content
    assert by_id.json() == first


def test_unknown_driver_is_a_404_problem(client):
    response = client.get("/drivers/nobody-at-all")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404 and problem["title"] == "Not Found"
    assert "nobody-at-all" in problem["detail"]
    assert client.get("/drivers/999999999").status_code == 404
    assert client.get("/drivers/99999999999999999999").status_code == 404


def test_seasons_add_up_to_the_career(client):
    for driver in all_drivers(client):
        seasons = client.get(f"/drivers/{driver['driver_ref']}/seasons").json()
        assert [s["season"] for s in seasons] == sorted(s["season"] for s in seasons)
        assert len(seasons) == driver["seasons"]
        assert round(sum(s["points"] for s in seasons), 2) == driver["points"]
        assert sum(s["wins"] for s in seasons) == driver["wins"]
        assert sum(s["champion"] for s in seasons) == driver["championships"]
        for season in seasons:
            assert season["constructors"], "every season names a constructor"
            assert {"constructor_id", "constructor_ref", "name"} <= season["constructors"][0].keys()


def test_pages_cover_every_driver_once_with_links(client):
    total = client.get("/drivers", params={"limit": 1}).json()["total"]
    seen, offset = [], 0
    while True:
        response = client.get("/drivers", params={"limit": 7, "offset": offset, "sort": "-points"})
        body = response.json()
        assert body["limit"] == 7 and body["offset"] == offset and body["total"] == total
        seen += [d["driver_id"] for d in body["data"]]
        link = response.headers.get("link", "")
        if offset + 7 >= total:
            assert 'rel="next"' not in link
            break
        # the request's parameters in the order sent (not a per-process order), offset last
        assert f'</drivers?limit=7&sort=-points&offset={offset + 7}>; rel="next"' in link
        offset += 7
    assert len(seen) == len(set(seen)) == total
    assert 'rel="prev"' in client.get("/drivers", params={"limit": 7, "offset": 7}).headers["link"]


@pytest.mark.parametrize(
    ("params", "rows"),
    [
        ({"limit": 1000}, "all"),  # one short page: its rows are the count
        ({"offset": 5000}, 0),  # past the end: counted
        ({"nationality": "Martian"}, 0),  # nothing matches
        ({"nationality": "Martian", "offset": 3}, 0),
    ],
)
def test_total_counts_every_match_whatever_the_page(client, params, rows):
    total = client.get("/drivers", params={"limit": 1}).json()["total"]
    body = client.get("/drivers", params=params).json()
    expected = 0 if "nationality" in params else total
    assert body["total"] == expected
    assert len(body["data"]) == (expected if rows == "all" else rows)


@pytest.mark.parametrize("sort", ["wins", "-wins", "surname", "-date_of_birth", "fastest_laps"])
def test_sort_orders_with_nulls_last_and_id_tie_break(client, sort):
    drivers = client.get("/drivers", params={"limit": 1000, "sort": sort}).json()["data"]
    field = sort.lstrip("-")
    descending = sort.startswith("-")
    values = [d[field] for d in drivers]
    non_null = [v for v in values if v is not None]
    assert values[: len(non_null)] == non_null, "nulls come last"
    assert non_null == sorted(non_null, reverse=descending)
    for a, b in itertools.pairwise(drivers):
        if a[field] == b[field]:
            assert a["driver_id"] < b["driver_id"], "ties break by driver_id"


def test_filters(client, reference):
    drivers = all_drivers(client)
    nationality = drivers[0]["nationality"]
    body = client.get("/drivers", params={"nationality": nationality.upper(), "limit": 1000}).json()
    assert body["total"] == sum(d["nationality"] == nationality for d in drivers)
    assert all(d["nationality"] == nationality for d in body["data"])

    season = min(s for c in reference.careers.values() for s in c.seasons)
    body = client.get("/drivers", params={"season": season, "limit": 1000}).json()
    expected = sorted(d for d, c in reference.careers.items() if season in c.seasons)
    assert [d["driver_id"] for d in body["data"]] == expected

    surname = drivers[0]["surname"]
    body = client.get("/drivers", params={"q": surname.upper()[1:4]}).json()
    assert drivers[0]["driver_id"] in [d["driver_id"] for d in body["data"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**30}, "offset"),
        ({"sort": "password"}, "sort"),
        ({"sort": "wins; drop table driver_summary"}, "sort"),
        ({"season": 1800}, "season"),
        ({"q": ""}, "q"),
    ],
)
def test_bad_parameters_are_400_problems_naming_the_field(client, params, field):
    response = client.get("/drivers", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert [e["name"] for e in problem["errors"]] == [field]
    assert problem["errors"][0]["location"] == "query"


@pytest.mark.parametrize(
    "text", ["' or 1=1 --", "%", "a_b_c_d", "\\", "hamilton'; drop table driver_summary; --"]
)
def test_injection_shaped_search_is_just_text(client, text):
    response = client.get("/drivers", params={"q": text})
    assert response.status_code == 200
    assert response.json()["total"] == 0
    assert client.get("/drivers").json()["total"] > 0, "nothing was dropped"


@pytest.mark.parametrize("ident", ["1 or 1=1", "hamilton'--", "1;select 1", "%25", "..%2F..%2Fetc"])
def test_injection_shaped_ids_are_404(client, ident):
    assert client.get(f"/drivers/{ident}").status_code == 404


def test_a_repeated_parameter_is_a_400(client):
    response = client.get("/drivers?season=1950&season=1951")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"name": "season", "location": "query", "message": "given more than once"}
    ]
