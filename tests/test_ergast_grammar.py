"""The Ergast URL grammar on its own: what each path asks for, and which paths are refused."""

from __future__ import annotations

import pytest

from app.ergast.grammar import GrammarError, Query, parse


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", Query("races")),
        ("/2008.json", Query("races", "2008")),
        ("/2008/5.json", Query("races", "2008", "5")),
        ("/2008/5/", Query("races", "2008", "5")),
        ("/current/last/results.json", Query("results", "current", "last")),
        ("/current/next", Query("races", "current", "next")),
        ("/seasons.json", Query("seasons")),
        ("/drivers/hamilton.json", Query("drivers", filters={"driver": "hamilton"})),
        (
            "/2008/5/drivers/hamilton/laps.json",
            Query("laps", "2008", "5", {"driver": "hamilton"}),
        ),
        # criteria in any order, keywords in any case
        (
            "/Constructors/renault/DRIVERS/alonso/seasons",
            Query("seasons", filters={"constructor": "renault", "driver": "alonso"}),
        ),
        (
            "/2008/driverStandings/1.json",
            Query("driverstandings", "2008", filters={"standing": "1"}),
        ),
        ("/2008/driverstandings", Query("driverstandings", "2008")),
        (
            "/2008/grid/1/fastest/0/status/1/results/2.json",
            Query(
                "results",
                "2008",
                filters={"grid": "1", "fastest": "0", "status": "1", "position": "2"},
            ),
        ),
        ("/2011/5/laps/10/pitstops/1", Query("pitstops", "2011", "5", {"lap": "10", "stop": "1"})),
        ("/2021/sprint/1", Query("sprint", "2021", filters={"sprint_position": "1"})),
        ("/2021/qualifying/1", Query("qualifying", "2021", filters={"qualifying_position": "1"})),
        ("/status/2.json", Query("status", filters={"status": "2"})),
    ],
)
def test_paths_parse(path, expected):
    assert parse(path) == expected


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/2008/5/foo.json", 404, "Not an Ergast resource"),
        ("/2008/teams/ferrari/results", 404, "Not an Ergast criterion"),
        ("/2008//results", 404, "empty segment"),
        ("/2008/results.xml", 400, "Only JSON"),
        (
            "/circuits/monza/driverStandings",
            400,
            "Unsupported filter for endpoint (driverstandings: circuit)",
        ),
        ("/2008/results/1/constructorStandings", 400, "position"),
        ("/2008/laps/1/results", 400, "Unsupported filter for endpoint (results: lap)"),
        # Jolpica's own refusals
        ("/2023/11/laps/1/races.json", 400, "Unsupported filter for endpoint"),
        ("/2023/11/laps/1/drivers.json", 400, "Unsupported filter for endpoint"),
        ("/2023/11/drivers/x/constructorstandings.json", 400, "Unsupported filter for endpoint"),
        ("/2023/11/constructors/x/driverstandings.json", 400, "Unsupported filter for endpoint"),
        ("/2023/laps.json", 400, "Missing one of the required parameters"),
        (
            "/2008/laps.json",
            400,
            "Missing one of the required parameters (laps need: season, round)",
        ),
        ("/pitstops.json", 400, "Missing one of the required parameters"),
        ("/driverStandings.json", 400, "(driverstandings need: season)"),
        ("/2008/races/1.json", 400, "Endpoint does not support final filter"),
        ("/seasons/2008", 400, "Endpoint does not support final filter"),
        ("/drivers/alonso/drivers/hamilton", 400, "driver is given more than once"),
        ("/2008/grid/one/results", 400, "grid must be a number"),
        ("/drivers/ham%ilton", 400, "must be an id"),
    ],
)
def test_bad_paths_are_refused(path, status, detail):
    with pytest.raises(GrammarError) as caught:
        parse(path)
    assert caught.value.status == status
    assert detail in caught.value.detail
