"""FastF1 against the real server on the real data: its Ergast interface, pointed at
/ergast/f1 by the module constants a user changes, returns typed frames, with no -1 or NaN
sentinel where the data has a value (FastF1 writes those silently when a field is missing or
is not a string)."""

from __future__ import annotations

import logging

import pytest

from tests.serving import running_app

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def ergast_url(real_build, tmp_path_factory):
    log = tmp_path_factory.mktemp("fastf1-server") / "server.log"
    with running_app(real_build.directory.parent, log) as (url, _process):
        yield f"{url}/ergast/f1"


@pytest.fixture
def ergast(ergast_url, monkeypatch, tmp_path):
    import fastf1
    import fastf1.ergast.interface
    import fastf1.ergast.legacy

    # The three lines a user writes (README), plus a cache that never outlives the test.
    monkeypatch.setattr(fastf1.ergast.interface, "BASE_URL", ergast_url)
    monkeypatch.setattr(fastf1.ergast.legacy, "base_url", ergast_url)
    fastf1.Cache.configure(cache_dir=str(tmp_path), use_requests_cache=False)
    fastf1.Cache.set_disabled()
    logging.getLogger("fastf1").setLevel(logging.ERROR)
    return fastf1.ergast.Ergast()


def no_sentinels(frame, *columns: str) -> None:
    for column in columns:
        values = frame[column]
        assert not values.isna().any(), f"{column} has NaN/NaT"
        if values.dtype.kind == "i":
            assert (values != -1).all(), f"{column} has -1"


def test_seasons_schedule_and_reference_lists(ergast):
    seasons = ergast.get_seasons(limit=100)
    assert seasons["season"].tolist() == list(range(1950, 2026))
    assert seasons.total_results == 76

    schedule = ergast.get_race_schedule(2024)
    assert schedule["round"].tolist() == list(range(1, 25))
    assert str(schedule["raceDate"].dtype).startswith("datetime64")
    no_sentinels(schedule, "season", "round", "raceDate", "raceTime", "lat", "long", "fp1Date")
    assert schedule["sprintDate"].notna().sum() == 6  # 2024: six sprint weekends

    drivers = ergast.get_driver_info(season=2024)
    assert len(drivers) == 24 and drivers.total_results == 24
    no_sentinels(drivers, "driverNumber", "dateOfBirth")
    assert drivers.set_index("driverId").loc["hamilton", "driverNumber"] == 44

    constructors = ergast.get_constructor_info(season=2024)
    assert len(constructors) == 10
    circuits = ergast.get_circuits(season=2024)
    assert len(circuits) == 24
    no_sentinels(circuits, "lat", "long")

    status = ergast.get_finishing_status(season=2024, round=1)
    no_sentinels(status, "statusId", "count")
    assert status["count"].sum() == 20


def test_results_qualifying_and_sprint(ergast):
    results = ergast.get_race_results(season=2024, round=1)
    assert results.description[["season", "round"]].values.tolist() == [[2024, 1]]
    frame = results.content[0]
    assert len(frame) == 20
    assert frame["position"].tolist() == list(range(1, 21))
    no_sentinels(
        frame, "number", "grid", "laps", "points", "driverNumber", "fastestLapRank",
        "fastestLapNumber", "fastestLapTime", "fastestLapAvgSpeed",
    )  # fmt: skip
    winner = frame.iloc[0]
    assert winner["driverId"] == "max_verstappen"
    assert winner["totalRaceTimeMillis"] == 5504742
    assert str(winner["totalRaceTime"]) == "0 days 01:31:44.742000"
    finished = frame[frame["status"] == "Finished"]
    # including gaps over a minute (9th: results.csv "+74.887", served as "+1:14.887")
    no_sentinels(finished, "totalRaceTimeMillis", "totalRaceTime")
    assert str(finished.iloc[8]["totalRaceTime"]) == "0 days 00:01:14.887000"

    qualifying = ergast.get_qualifying_results(season=2024, round=1).content[0]
    assert len(qualifying) == 20
    no_sentinels(qualifying, "number", "position", "Q1")
    no_sentinels(qualifying.iloc[:10], "Q2", "Q3")

    sprint = ergast.get_sprint_results(season=2024, round=5).content[0]
    assert len(sprint) == 20
    no_sentinels(sprint, "number", "position", "points", "grid", "laps")
    assert sprint.iloc[0]["driverId"] == "max_verstappen"


def test_standings(ergast):
    drivers = ergast.get_driver_standings(season=2024)
    assert drivers.description[["season", "round"]].values.tolist() == [[2024, 24]]
    frame = drivers.content[0]
    no_sentinels(frame, "position", "points", "wins", "driverNumber")
    assert frame.iloc[0]["driverId"] == "max_verstappen"
    assert frame.iloc[0]["constructorIds"] == ["red_bull"]

    constructors = ergast.get_constructor_standings(season=2024).content[0]
    assert len(constructors) == 10
    no_sentinels(constructors, "position", "points", "wins")
    assert constructors.iloc[0]["constructorId"] == "mclaren"


def test_lap_times_page_by_page_and_pit_stops(ergast):
    page = ergast.get_lap_times(season=2024, round=1, limit=100)
    assert page.total_results == 1129 and not page.is_complete
    timings = 0
    while True:
        for frame in page.content:
            no_sentinels(frame, "number", "position", "time")
            timings += len(frame)
        if page.is_complete or int(page._response_headers["offset"]) + 100 >= 1129:
            break
        page = page.get_next_result_page()
    assert timings == 1129

    stops = ergast.get_pit_stops(season=2024, round=1).content[0]
    assert len(stops) == 30  # the default page; 43 stops in all
    no_sentinels(stops, "stop", "lap", "time", "duration")


def test_event_schedule_from_the_ergast_backend(ergast):
    import fastf1

    schedule = fastf1.get_event_schedule(2024, backend="ergast")
    assert schedule["RoundNumber"].tolist() == list(range(1, 25))
    assert (schedule["EventFormat"] == "sprint_qualifying").sum() == 6
    assert schedule["EventDate"].notna().all()
    assert schedule.get_event_by_round(1)["EventName"] == "Bahrain Grand Prix"
