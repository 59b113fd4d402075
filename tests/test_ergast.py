"""The Ergast interface on the real data, on every backend: documents checked field by field
against answers verified by hand in the CSVs (../shared/data/f1; the line each comes from is
quoted), and the same bytes from SQLite, PostgreSQL and DuckDB-over-Parquet."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS, make_client

pytestmark = [pytest.mark.real_data, pytest.mark.postgres]

HOST = "http://testserver.local"


def mrdata(client, path: str, **params) -> dict:
    response = client.get(f"/ergast/f1{path}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["MRData"]


ISTANBUL = {
    "circuitId": "istanbul",
    "url": "http://en.wikipedia.org/wiki/Istanbul_Park",
    "circuitName": "Istanbul Park",
    "Location": {"lat": "40.9517", "long": "29.405", "locality": "Istanbul", "country": "Turkey"},
}
TURKEY_2008 = {
    "season": "2008",
    "round": "5",
    "url": "http://en.wikipedia.org/wiki/2008_Turkish_Grand_Prix",
    "raceName": "Turkish Grand Prix",
    "Circuit": ISTANBUL,
    "date": "2008-05-11",
    "time": "12:00:00Z",
}
MASSA = {
    "driverId": "massa",
    "permanentNumber": "19",
    "code": "MAS",
    "url": "http://en.wikipedia.org/wiki/Felipe_Massa",
    "givenName": "Felipe",
    "familyName": "Massa",
    "dateOfBirth": "1981-04-25",
    "nationality": "Brazilian",
}
HAMILTON = {
    "driverId": "hamilton",
    "permanentNumber": "44",
    "code": "HAM",
    "url": "http://en.wikipedia.org/wiki/Lewis_Hamilton",
    "givenName": "Lewis",
    "familyName": "Hamilton",
    "dateOfBirth": "1985-01-07",
    "nationality": "British",
}
FERRARI = {
    "constructorId": "ferrari",
    "url": "http://en.wikipedia.org/wiki/Scuderia_Ferrari",
    "name": "Ferrari",
    "nationality": "Italian",
}
MCLAREN = {
    "constructorId": "mclaren",
    "url": "http://en.wikipedia.org/wiki/McLaren",
    "name": "McLaren",
    "nationality": "British",
}


def test_race_results_whole_document(real_client):
    # results.csv: 89,22,13,6,2,1,1,1,1,10,58,1:26:49.451,5209451,16,3,1:26.666,221.734,1
    #              90,22,1,1,22,3,2,2,2,8,58,+3.779,5213230,31,2,1:26.529,222.085,1
    assert mrdata(real_client, "/2008/5/results.json", limit=2) == {
        "xmlns": "",
        "series": "f1",
        "url": f"{HOST}/ergast/f1/2008/5/results.json",
        "limit": "2",
        "offset": "0",
        "total": "20",
        "RaceTable": {
            "season": "2008",
            "round": "5",
            "Races": [
                {
                    **TURKEY_2008,
                    "Results": [
                        {
                            "number": "2",
                            "position": "1",
                            "positionText": "1",
                            "points": "10",
                            "Driver": MASSA,
                            "Constructor": FERRARI,
                            "grid": "1",
                            "laps": "58",
                            "status": "Finished",
                            "Time": {"millis": "5209451", "time": "1:26:49.451"},
                            "FastestLap": {
                                "rank": "3",
                                "lap": "16",
                                "Time": {"time": "1:26.666"},
                                "AverageSpeed": {"units": "kph", "speed": "221.734"},
                            },
                        },
                        {
                            "number": "22",
                            "position": "2",
                            "positionText": "2",
                            "points": "8",
                            "Driver": HAMILTON,
                            "Constructor": MCLAREN,
                            "grid": "3",
                            "laps": "58",
                            "status": "Finished",
                            "Time": {"millis": "5213230", "time": "+3.779"},
                            "FastestLap": {
                                "rank": "2",
                                "lap": "31",
                                "Time": {"time": "1:26.529"},
                                "AverageSpeed": {"units": "kph", "speed": "222.085"},
                            },
                        },
                    ],
                }
            ],
        },
    }


def test_gaps_of_a_minute_or_more_read_as_ergast_wrote_them(real_client):
    # results.csv writes them in seconds: 1107,...,10,+67.667,5201274 and 11,+79.767,5213374;
    # Ergast and Jolpica publish '+1:07.667' (and FastF1 parses only that form)
    lines = mrdata(real_client, "/2023/9/results.json")["RaceTable"]["Races"][0]["Results"]
    assert [line["Time"] for line in lines[8:11]] == [
        {"millis": "5192650", "time": "+59.043"},
        {"millis": "5201274", "time": "+1:07.667"},
        {"millis": "5213374", "time": "+1:19.767"},
    ]
    assert lines[0]["Time"] == {"millis": "5133607", "time": "1:25:33.607"}


def test_unclassified_result_and_status_criterion(real_client):
    # results.csv: 22,18,22,11,17,10,\N,D,22,0,58,\N,\N,44,8,1:28.736,215.141,2 (statusId 2)
    data = mrdata(real_client, "/2008/status/2/results.json")
    assert data["total"] == "1"
    table = data["RaceTable"]
    assert (table["season"], table["status"]) == ("2008", "2")
    race = table["Races"][0]
    assert (race["round"], race["raceName"]) == ("1", "Australian Grand Prix")
    line = race["Results"][0]
    assert line["Driver"]["driverId"] == "barrichello"
    assert "permanentNumber" not in line["Driver"]  # drivers.csv number is \N
    assert (line["position"], line["positionText"], line["points"]) == ("22", "D", "0")
    assert (line["status"], line["grid"], line["laps"]) == ("Disqualified", "10", "58")
    assert "Time" not in line  # no time, no milliseconds: left out, never null
    assert line["FastestLap"]["AverageSpeed"] == {"units": "kph", "speed": "215.141"}


def test_laps_are_cut_on_timings_then_grouped(real_client):
    # lap_times.csv, raceId 22 lap 1: 1004 timings in the race; positions 11..19 of lap 1 first
    data = mrdata(real_client, "/2008/5/laps.json", limit=30, offset=10)
    assert (data["limit"], data["offset"], data["total"]) == ("30", "10", "1004")
    race = data["RaceTable"]["Races"][0]
    assert {k: v for k, v in race.items() if k != "Laps"} == TURKEY_2008
    laps = race["Laps"]
    assert [lap["number"] for lap in laps] == ["1", "2", "3"]
    assert [len(lap["Timings"]) for lap in laps] == [9, 18, 3]
    assert laps[0]["Timings"][0] == {"driverId": "trulli", "position": "11", "time": "2:05.584"}
    # 22,13,1,1,1:53.202 is massa's first lap; lap 3 starts with him
    assert laps[2]["Timings"][0] == {"driverId": "massa", "position": "1", "time": "1:28.174"}


def test_results_are_cut_on_rows_then_grouped_into_races(real_client):
    # results.csv: 368 lines for 2008 (raceId 18-35), 22 for raceId 18 (round 1) and 22 for
    # raceId 19 (round 2);
    # positionOrder 16 of race 18 is driverId 16 (sutil), 18 of race 19 is driverId 20 (vettel)
    data = mrdata(real_client, "/2008/results.json", limit=25, offset=15)
    assert (data["total"], data["limit"], data["offset"]) == ("368", "25", "15")
    races = data["RaceTable"]["Races"]
    assert [(race["round"], len(race["Results"])) for race in races] == [("1", 7), ("2", 18)]
    assert races[0]["Results"][0]["position"] == "16"
    assert races[0]["Results"][0]["Driver"]["driverId"] == "sutil"
    assert races[0]["Results"][0]["positionText"] == "R"
    assert races[1]["Results"][-1]["position"] == "18"
    assert races[1]["Results"][-1]["Driver"]["driverId"] == "vettel"


def test_laps_of_one_lap_and_one_driver(real_client):
    data = mrdata(real_client, "/2008/5/laps/1.json")
    assert data["total"] == "19"  # lap_times.csv has 19 rows for raceId 22, lap 1
    assert "lap" not in data["RaceTable"]  # as Jolpica: the lap is not echoed for laps
    timings = data["RaceTable"]["Races"][0]["Laps"][0]["Timings"]
    assert timings[:2] == [
        {"driverId": "massa", "position": "1", "time": "1:53.202"},
        {"driverId": "hamilton", "position": "2", "time": "1:54.050"},
    ]
    data = mrdata(real_client, "/2008/5/drivers/hamilton/laps.json", limit=100)
    assert data["total"] == "58"
    assert data["RaceTable"]["driverId"] == "hamilton"
    # the winner's laps, through the results criterion
    data = mrdata(real_client, "/2008/5/results/1/laps.json", limit=2)
    assert data["total"] == "58"
    laps = data["RaceTable"]["Races"][0]["Laps"]
    assert [t["driverId"] for lap in laps for t in lap["Timings"]] == ["massa", "massa"]


def test_pit_stops(real_client):
    # pit_stops.csv: 841,153,1,1,17:05:23,26.898,26898 / 841,30,1,1,17:05:52,25.021,25021
    data = mrdata(real_client, "/2011/1/pitstops.json", limit=2)
    assert data["total"] == "45"
    assert data["RaceTable"]["Races"][0]["PitStops"] == [
        {
            "driverId": "alguersuari",
            "lap": "1",
            "stop": "1",
            "time": "17:05:23",
            "duration": "26.898",
        },
        {
            "driverId": "michael_schumacher",
            "lap": "1",
            "stop": "1",
            "time": "17:05:52",
            "duration": "25.021",
        },
    ]
    data = mrdata(real_client, "/2011/1/pitstops/2.json")
    assert data["RaceTable"]["stop"] == "2"
    assert {s["stop"] for s in data["RaceTable"]["Races"][0]["PitStops"]} == {"2"}
    data = mrdata(real_client, "/2011/1/laps/1/pitstops.json")
    assert data["total"] == "2" and data["RaceTable"]["lap"] == "1"


def test_qualifying(real_client):
    # qualifying.csv: 4537,841,20,9,1,1,1:25.296,1:24.090,1:23.529
    data = mrdata(real_client, "/2011/1/qualifying/1.json")
    assert data["total"] == "1"
    line = data["RaceTable"]["Races"][0]["QualifyingResults"][0]
    assert line["Driver"]["driverId"] == "vettel"
    assert line["Constructor"]["constructorId"] == "red_bull"
    assert {k: line[k] for k in ("number", "position", "Q1", "Q2", "Q3")} == {
        "number": "1",
        "position": "1",
        "Q1": "1:25.296",
        "Q2": "1:24.090",
        "Q3": "1:23.529",
    }
    # the pole-sitter's grid slot of every 2008 race, through the grid criterion
    data = mrdata(real_client, "/2008/grid/1/qualifying.json")
    assert (data["total"], data["RaceTable"]["grid"]) == ("18", "1")


def test_sprint(real_client):
    # sprint_results.csv: 1,1061,830,9,33,2,1,1,1,3,17,25:38.426,1538426,14,1:30.013,1,\N
    data = mrdata(real_client, "/2021/10/sprint.json", limit=1)
    assert data["total"] == "20"
    line = data["RaceTable"]["Races"][0]["SprintResults"][0]
    assert line["Driver"]["driverId"] == "max_verstappen"
    assert {k: line[k] for k in ("number", "position", "points", "grid", "laps", "status")} == {
        "number": "33",
        "position": "1",
        "points": "3",
        "grid": "2",
        "laps": "17",
        "status": "Finished",
    }
    assert line["Time"] == {"millis": "1538426", "time": "25:38.426"}
    assert line["FastestLap"] == {"lap": "14", "Time": {"time": "1:30.013"}}  # rank is \N


def test_race_sessions(real_client):
    # races.csv 1061 (2021 sprint weekend: dates only) and 1125 (2024: fp2 = sprint qualifying,
    # which Ergast published as SecondPractice)
    race = mrdata(real_client, "/2021/10.json")["RaceTable"]["Races"][0]
    assert {k: race[k] for k in race if k[0].isupper() and k != "Circuit"} == {
        "FirstPractice": {"date": "2021-07-16"},
        "SecondPractice": {"date": "2021-07-17"},
        "Qualifying": {"date": "2021-07-16"},
        "Sprint": {"date": "2021-07-17"},
    }
    race = mrdata(real_client, "/2024/5.json")["RaceTable"]["Races"][0]
    assert {k: race[k] for k in race if k[0].isupper() and k != "Circuit"} == {
        "FirstPractice": {"date": "2024-04-19", "time": "03:30:00Z"},
        "SecondPractice": {"date": "2024-04-19", "time": "07:30:00Z"},  # sprint qualifying
        "Qualifying": {"date": "2024-04-20", "time": "07:00:00Z"},
        "Sprint": {"date": "2024-04-20", "time": "03:00:00Z"},
    }
    race = mrdata(real_client, "/2008/5.json")["RaceTable"]["Races"][0]
    assert race == TURKEY_2008  # no session dates in races.csv for 2008


def test_current_last_and_next(real_client):
    # The data ends at the 2025 Singapore GP (round 18, raceId 1162); rounds 19-24 are scheduled.
    assert mrdata(real_client, "/current.json")["total"] == "24"
    data = mrdata(real_client, "/current/last/results/1.json")
    assert (data["RaceTable"]["season"], data["RaceTable"]["round"]) == ("2025", "18")
    winner = data["RaceTable"]["Races"][0]["Results"][0]
    # results.csv: 27104,1162,847,131,63,1,1,1,1,25,62,1:40:22.367,6022367,27,11,1:35.676,\N,1
    assert winner["Driver"]["driverId"] == "russell"
    assert winner["Time"] == {"millis": "6022367", "time": "1:40:22.367"}
    assert winner["FastestLap"] == {"rank": "11", "lap": "27", "Time": {"time": "1:35.676"}}
    data = mrdata(real_client, "/current/next.json")
    race = data["RaceTable"]["Races"][0]
    assert (race["round"], race["raceName"], race["date"]) == (
        "19",
        "United States Grand Prix",
        "2025-10-19",
    )
    # a complete season's next race is the first of the following season
    assert mrdata(real_client, "/2024/next.json")["RaceTable"]["season"] == "2025"
    assert mrdata(real_client, "/2024/last.json")["RaceTable"]["round"] == "24"


def test_standings(real_client):
    # driver_standings.csv 355,35,1,98,1,1,5; constructor_standings.csv 188,35,6,172,1,1,8
    data = mrdata(real_client, "/2008/driverStandings/1.json")
    assert data["total"] == "1"
    table = data["StandingsTable"]
    # As Ergast: the table echoes what was asked; the list says which round it is
    assert (table["season"], table["driverStandings"]) == ("2008", "1")
    assert "round" not in table
    assert table["StandingsLists"] == [
        {
            "season": "2008",
            "round": "18",
            "DriverStandings": [
                {
                    "position": "1",
                    "positionText": "1",
                    "points": "98",
                    "wins": "5",
                    "Driver": HAMILTON,
                    "Constructors": [MCLAREN],
                }
            ],
        }
    ]
    data = mrdata(real_client, "/2008/constructorStandings/1.json")
    assert data["StandingsTable"]["StandingsLists"][0]["ConstructorStandings"] == [
        {"position": "1", "positionText": "1", "points": "172", "wins": "8", "Constructor": FERRARI}
    ]
    # the season's latest round with standings, whatever the case of the resource
    data = mrdata(real_client, "/current/driverstandings.json", limit=100)
    standings = data["StandingsTable"]["StandingsLists"][0]
    assert (standings["season"], standings["round"]) == ("2025", "18")
    assert data["total"] == "21"
    after_round_1 = mrdata(real_client, "/2025/1/driverStandings.json", limit=100)
    # 2025 round 1: some drivers have no position yet (positionText "-")
    lines = after_round_1["StandingsTable"]["StandingsLists"][0]["DriverStandings"]
    assert any("position" not in line and line["positionText"] == "-" for line in lines)
    assert lines[-1]["positionText"] == "-"  # unranked lines come last
    data = mrdata(real_client, "/2008/drivers/hamilton/driverStandings.json")
    assert data["StandingsTable"]["driverId"] == "hamilton" and data["total"] == "1"


def test_driver_with_two_constructors_in_a_season(real_client):
    # 2007 Vettel: BMW Sauber at round 7, Toro Rosso from round 11
    data = mrdata(real_client, "/2007/drivers/vettel/driverStandings.json")
    constructors = data["StandingsTable"]["StandingsLists"][0]["DriverStandings"][0]
    assert [c["constructorId"] for c in constructors["Constructors"]] == [
        "bmw_sauber",
        "toro_rosso",
    ]


def test_lists_and_their_order(real_client):
    data = mrdata(real_client, "/seasons.json", limit=5000)  # clamped to Ergast's maximum
    assert (data["limit"], data["total"]) == ("1000", "76")
    assert data["SeasonTable"]["Seasons"][0] == {
        "season": "1950",
        "url": "http://en.wikipedia.org/wiki/1950_Formula_One_season",
    }
    # surname ignoring case and accents: Pérez before Petrov and Pic, d'Ambrosio after Button
    drivers = mrdata(real_client, "/2012/drivers.json", limit=40)["DriverTable"]["Drivers"]
    assert [d["driverId"] for d in drivers] == [
        "alonso", "button", "ambrosio", "rosa", "resta", "glock", "grosjean", "hamilton",
        "hulkenberg", "karthikeyan", "kobayashi", "kovalainen", "maldonado", "massa", "perez",
        "petrov", "pic", "raikkonen", "ricciardo", "rosberg", "michael_schumacher",
        "bruno_senna", "vergne", "vettel", "webber",
    ]  # fmt: skip
    constructors = mrdata(real_client, "/2008/constructors.json")["ConstructorTable"]
    assert constructors["season"] == "2008"
    assert [c["constructorId"] for c in constructors["Constructors"]][:3] == [
        "bmw_sauber",
        "ferrari",
        "force_india",
    ]
    circuits = mrdata(real_client, "/2008/circuits.json", limit=1)
    assert circuits["total"] == "18"
    assert circuits["CircuitTable"]["Circuits"][0]["circuitId"] == "albert_park"
    seasons = mrdata(real_client, "/drivers/alonso/constructors/renault/seasons.json")
    table = seasons["SeasonTable"]
    assert (table["driverId"], table["constructorId"]) == ("alonso", "renault")
    assert [s["season"] for s in table["Seasons"]] == [
        "2003",
        "2004",
        "2005",
        "2006",
        "2008",
        "2009",
    ]
    races = mrdata(real_client, "/circuits/monza/fastest/1/results.json", limit=1)
    assert races["total"] == "22"  # fastest-lap ranks start in 2004
    # fastest/0 is no filter: every race at Monza (races.csv has 75 with circuitId 14)
    assert mrdata(real_client, "/circuits/monza/fastest/0/races.json")["total"] == "75"


def test_status_counts(real_client):
    # results.csv rows with statusId 1: 7918; statusId 2: 149
    data = mrdata(real_client, "/status.json", limit=2)
    assert data["StatusTable"]["Status"] == [
        {"statusId": "1", "count": "7918", "status": "Finished"},
        {"statusId": "2", "count": "149", "status": "Disqualified"},
    ]
    data = mrdata(real_client, "/2008/status/2.json")
    assert data["StatusTable"] == {
        "season": "2008",
        "status": "2",
        "Status": [{"statusId": "2", "count": "1", "status": "Disqualified"}],
    }


def test_unknown_ids_answer_an_empty_list(real_client):
    for path, table, items in [
        ("/drivers/nobody.json", "DriverTable", "Drivers"),
        ("/2008/drivers/nobody/results.json", "RaceTable", "Races"),
        ("/circuits/nowhere/seasons", "SeasonTable", "Seasons"),
        ("/1900/driverStandings.json", "StandingsTable", "StandingsLists"),
    ]:
        data = mrdata(real_client, path)
        assert data["total"] == "0", path
        assert data[table][items] == [], path


def test_criteria_that_match_nothing(real_client):
    data = mrdata(real_client, "/2023/99/races.json")
    assert data["total"] == "0"
    assert data["RaceTable"] == {"season": "2023", "round": "99", "Races": []}
    data = mrdata(real_client, "/grid/999/constructors/notexist/seasons.json")
    assert data["SeasonTable"] == {"constructorId": "notexist", "grid": "999", "Seasons": []}
    # ids with a hyphen are ids like any other (Brabham-Ford never raced at Ain-Diab, 1958 only)
    data = mrdata(real_client, "/constructors/brabham-ford/seasons.json")
    seasons = [s["season"] for s in data["SeasonTable"]["Seasons"]]
    assert seasons == ["1964", "1965", "1967", "1969", "1976", "1979"]  # results.csv, id 182
    data = mrdata(real_client, "/constructors/brabham-ford/circuits/ain-diab/seasons.json")
    assert data["SeasonTable"] == {
        "circuitId": "ain-diab",
        "constructorId": "brabham-ford",
        "Seasons": [],
    }


def test_endings_and_case_give_the_same_answer(real_client):
    json_ending = real_client.get("/ergast/f1/2008/5/results.json").json()["MRData"]
    slash_ending = real_client.get("/ergast/f1/2008/5/results/").json()["MRData"]
    upper = real_client.get("/ergast/f1/2008/5/RESULTS").json()["MRData"]
    for other in (slash_ending, upper):
        assert other["RaceTable"] == json_ending["RaceTable"]


def test_url_names_the_host_asked_and_caching_keeps_them_apart(real_client):
    path = "/ergast/f1/2008/5/drivers/massa.json"
    first = real_client.get(path, headers={"host": "a.example"})
    second = real_client.get(path, headers={"host": "b.example:8000"})
    assert first.json()["MRData"]["url"] == f"http://a.example{path}"
    assert second.json()["MRData"]["url"] == f"http://b.example:8000{path}"
    assert first.headers["etag"] != second.headers["etag"]
    again = real_client.get(
        path, headers={"host": "a.example", "if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/circuits/monza/driverStandings.json", 400),
        ("/2008/laps.json", 400),
        ("/driverStandings.json", 400),
        ("/2008/races/1.json", 400),
        ("/2008/5/drivers/hamilton/drivers/alonso.json", 400),
        ("/2008/5/nonsense.json", 404),
    ],
)
def test_refusals_are_problems(real_client, path, status):
    response = real_client.get(f"/ergast/f1{path}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


def test_paging_parameters_are_checked(real_client):
    assert real_client.get("/ergast/f1/seasons.json", params={"limit": 0}).status_code == 400
    assert real_client.get("/ergast/f1/seasons.json", params={"offset": -1}).status_code == 400
    data = mrdata(real_client, "/seasons.json", offset=70)
    assert [s["season"] for s in data["SeasonTable"]["Seasons"]] == [
        str(year) for year in range(2020, 2026)
    ]


# ---- one answer, three backends ----------------------------------------------------------

URLS = [
    "/seasons.json?limit=100",
    "/2008/drivers/hamilton/seasons.json",
    "/circuits.json?limit=100",
    "/2025/circuits.json",
    "/races.json?limit=1000&offset=200",
    "/2023.json",
    "/2024.json",
    "/current.json",
    "/current/next.json",
    "/constructors.json?limit=1000",
    "/drivers/alonso/constructors.json",
    "/drivers.json?limit=1000",
    "/1950/drivers.json",
    "/constructors/ferrari/drivers.json?limit=500",
    "/status.json?limit=200",
    "/2010/status.json",
    "/drivers/hamilton/results.json?limit=1000",
    "/1950/results.json?limit=1000",
    "/1983/results/1.json",
    "/grid/1/fastest/1/results.json?limit=1000",
    "/2022/sprint.json?limit=1000",
    "/2023/sprint/1.json",
    "/2012/qualifying.json?limit=1000",
    "/drivers/vettel/qualifying/1.json?limit=100",
    "/2021/22/pitstops.json?limit=100",
    "/2020/16/laps.json?limit=1000",
    "/2025/18/laps.json?limit=1000&offset=500",
    "/1996/1/drivers/villeneuve/laps.json?limit=100",
    "/1950/driverStandings.json?limit=100",
    "/2025/1/driverStandings.json?limit=100",
    "/1982/constructorStandings.json",
    "/current/last/constructorStandings.json",
]


@pytest.fixture(scope="module")
def real_clients(request, real_build):
    opened = {}
    try:
        for backend in BACKENDS:
            client = make_client(backend, real_build.directory.parent, request, "real_postgres")
            opened[backend] = client.__enter__()
        yield opened
    finally:
        for client in opened.values():
            client.__exit__(None, None, None)


def test_every_resource_is_byte_identical_across_backends(real_clients):
    for url in URLS:
        bodies = {name: c.get(f"/ergast/f1{url}") for name, c in real_clients.items()}
        assert {r.status_code for r in bodies.values()} == {200}, url
        reference = bodies["sqlite"].content
        assert int(bodies["sqlite"].json()["MRData"]["total"]) > 0, url
        for name, response in bodies.items():
            assert response.content == reference, (url, name)
