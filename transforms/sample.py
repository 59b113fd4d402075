"""Deterministic generator of Ergast-format F1 CSVs (the project's offline sample data).

``generate(out_dir, seed=1)`` writes the 14 Ergast files with the real headers, UTF-8, LF line
endings and unquoted ``\\N`` for NULL; the same seed gives byte-identical files, plus a
``sample.json`` marker that tells the build (and so ``/meta``) the data is the sample. Every
person, team, circuit, town and country is fictional (URLs point at example.org), so nobody
mistakes a sample number for a real one; only the shape and the quirks of the real files are
copied. All values come from a small pace model driven by ``random.Random(seed)``. circuits,
constructors, drivers, races, seasons and status quote text fields (like the real files); the
other files are unquoted. Rows are built as dicts keyed by the Ergast column names. Guaranteed
content (outcomes vary with the seed):

- Seasons 2022-2025, 5 rounds each, raceId 1-20 in date order, on 9 circuits, each hosting a race
  with results; Sandmere (circuitId 1) is on every calendar. Circuit 7's name and driver okafor's
  url contain a comma; names carry accents (Ferreño, Sjöberg, Forêts-Hautes). 2025 is
  incomplete: raceId 16-19 have results, raceId 20 (2025 Pearl Bay) is scheduled only and its
  races.csv row is ragged (8 unquoted fields, like the real 2025 rows). Other rows have 18
  fields, ``\\N`` for sessions that did not take place.
- 23 drivers, 10 constructors, two cars per constructor per race; drivers change teams between
  seasons, kestner races in 2022 only, oyelaran and jonas_brandt have ``\\N`` number and code.
- results.csv: 20 entries per race. positionOrder always filled; classified cars have position =
  positionText and status Finished or +1 Lap; retirements have position ``\\N``, positionText R
  and a mechanical status; front-row starters never retire. raceId 2: oyelaran did not qualify
  (F, statusId 81, grid 0, laps 0). raceId 12: corwin withdrew (W, statusId 54, grid 0,
  laps 0). raceId 3: shared drive, the teammate of the P2 (or P3) car retired his own car and
  has a second row for that car repeating its position and positionOrder (as the real data
  does); the car's points are split between both rows. Points 25-18-15-12-10-8-6-4-2-1, no
  fastest-lap point. Fastest-lap columns are the driver's minimum lap; rank 1..n over cars with
  laps; each race's fastest lap is unique.
- sprint_results.csv: raceId 8, 14, 15 and 19 (their races.csv sprint_date/time are filled),
  points 8..1 for P1..P8.
- lap_times.csv and pit_stops.csv: every race with results from 2023 on, none for 2022. One lap
  row per completed lap per starter, sorted by raceId, driverId, lap. 1-2 stops per car; raceId
  7 has a red flag on lap 30, so every car then running has a ``16:4x.xxx`` stop.
- qualifying.csv: every race with results; q2/q3 ``\\N`` for cars out in Q1/Q2.
- driver_standings / constructor_standings: after every race with results, everyone entered that
  season so far; points = cumulative GP + sprint points; ranked by points, GP wins, then id.
  constructor_results: GP + sprint points per race and constructor, status ``\\N``.
- The car pace table makes a Scuderia Corvo driver the 2022 champion and Vireo Racing's
  arlo_vance the 2023 champion, and some driver wins in more than one season (checked for seeds
  1-100). Seed 1: champions delacroix (2022), arlo_vance (2023), quill (2024); arlo_vance and
  quill win in several seasons; the shared drive is ferreno in arlo_vance's P2 car #1.

CLI: ``python -m transforms sample OUT_DIR [--seed N]``.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import json
import random
from collections import defaultdict, namedtuple
from itertools import accumulate
from pathlib import Path

Value = int | float | str | None
Row = dict[str, Value]  # column name (as in HEADERS) -> value; missing = ragged tail
HEADERS = {
    "circuits": "circuitId,circuitRef,name,location,country,lat,lng,alt,url",
    "constructor_results": "constructorResultsId,raceId,constructorId,points,status",
    "constructor_standings": "constructorStandingsId,raceId,constructorId,points,position,"
                             "positionText,wins",
    "constructors": "constructorId,constructorRef,name,nationality,url",
    "driver_standings": "driverStandingsId,raceId,driverId,points,position,positionText,wins",
    "drivers": "driverId,driverRef,number,code,forename,surname,dob,nationality,url",
    "lap_times": "raceId,driverId,lap,position,time,milliseconds",
    "pit_stops": "raceId,driverId,stop,lap,time,duration,milliseconds",
    "qualifying": "qualifyId,raceId,driverId,constructorId,number,position,q1,q2,q3",
    "races": "raceId,year,round,circuitId,name,date,time,url,fp1_date,fp1_time,fp2_date,"
             "fp2_time,fp3_date,fp3_time,quali_date,quali_time,sprint_date,sprint_time",
    "results": "resultId,raceId,driverId,constructorId,number,grid,position,positionText,"
               "positionOrder,points,laps,time,milliseconds,fastestLap,rank,fastestLapTime,"
               "fastestLapSpeed,statusId",
    "seasons": "year,url",
    "sprint_results": "resultId,raceId,driverId,constructorId,number,grid,position,positionText,"
                      "positionOrder,points,laps,time,milliseconds,fastestLap,fastestLapTime,"
                      "statusId,rank",
    "status": "statusId,status",
}  # fmt: skip
MARKER = "sample.json"  # written beside the CSVs
QUOTED = frozenset({"circuits", "constructors", "drivers", "races", "seasons", "status"})
# Fictional, so no real pages: URLs on example.org (http and https, as the real files mix them).
WIKI, WIKI_HTTPS = "http://example.org/sample/", "https://example.org/sample/"

Circuit = namedtuple("Circuit", "ref name location country lat lng alt gp laps lap_ms km")
Driver = namedtuple("Driver", "ref number code forename surname nationality car skill wiki")
# lap_ms: typical lap; km: lap length; car: car number when number is NULL; skill: ms per lap.
CIRCUITS = [
    Circuit(*f[:4], float(f[4]), float(f[5]), int(f[6]), f[7], int(f[8]), int(f[9]), float(f[10]))
    for f in (line.split("|") for line in """\
sandmere|Sandmere International Circuit|Sandmere|Qadira|24.1183|48.9271|12|Qadiran|57|95000|5.412
lakeside|Lakeside Park Circuit|Port Arden|Austrel|-35.2046|139.4418|22|Austrelian|58|81000|5.278
valmont|Circuit de Valmont|Valmont-Port|Valmont|44.0913|6.8862|31|Valmont|55|74500|3.337
ashcombe|Ashcombe Heath Circuit|Ashcombe|Norland|53.2271|-2.1034|140|Norland|52|90000|5.891
parco_reale|Autodromo del Parco Reale|Villareale|Ostiria|46.2210|10.0927|170|Ostirian|53|84000|5.793
hautmont|Circuit des Forêts-Hautes|Hautmont|Belvaria|50.9114|6.4431|380|Belvarian|50|107000|7.004
vale_alto|Autódromo Vale Alto, Ribeira|São Ribeira|Terravela|-22.8817|-45.0962|760|\
Terravelan|60|72500|4.309
pearl_bay|Pearl Bay Circuit|Pearl Bay|Qadira|23.8825|53.0764|4|Pearl Bay|58|88000|5.281
redrock|Redrock Raceway|Calder Flats|Westmark|31.4012|-99.2255|190|Westmark|56|98000|5.513\
""".splitlines())
]  # fmt: skip
CONSTRUCTORS = [
    ("vireo", "Vireo Racing", "Aldorian"), ("corvo", "Scuderia Corvo", "Ostirian"),
    ("halden", "Halden Motorsport", "Ostirian"), ("kestrel", "Kestrel", "Norlander"),
    ("greywater", "Greywater", "Norlander"), ("lumen", "Lumen F1 Team", "Valmontese"),
    ("harrow", "Harrow Engineering", "Norlander"), ("rook", "Rook Racing", "Ostirian"),
    ("tessera", "Tessera", "Elskarian"), ("oakline", "Oakline F1 Team", "Westmarker"),
]  # fmt: skip
DRIVERS = [
    Driver(f[0], int(f[1]) if f[1] else None, f[2] or None, *f[3:6], int(f[6]), int(f[7]),
           f[8] or f"{f[3]}_{f[4]}")
    for f in (line.split("|") for line in """\
arlo_vance|1|VNC|Arlo|Vance|Aldorian|1|-250|
ferreno|11|FRR|Tomás|Ferreño|Brevanian|11|150|
delacroix|16|DEL|Lucien|Delacroix|Valmontese|16|-200|
okafor|55|OKA|Ezra|Okafor|Brevanian|55|0|Ezra_Okafor,_Jr.
halvorsen|44|HAL|Jörg|Halvorsen|Norlander|44|-150|
pembury|63|PEM|Rufus|Pembury|Norlander|63|-50|
quill|4|QUI|Milo|Quill|Norlander|4|-150|
tarrant|3|TAR|Declan|Tarrant|Austrelian|3|150|
wexley|81|WEX|Finn|Wexley|Austrelian|81|-50|
ibarrola|14|IBA|Mateo|Ibarrola|Brevanian|14|-100|
kestner|5|KES|Anton|Kestner|Ostirian|5|0|
drummond|18|DRU|Callum|Drummond|Westmarker|18|200|
morency|31|MOR|Théo|Morency|Valmontese|31|50|
brisard|10|BRI|Hugo|Brisard|Valmontese|10|50|
suriya|23|SUR|Kiet|Suriya|Qadiran|23|0|
oyelaran|||Femi|Oyelaran|Westmarker|6|200|
nakamori|22|NKR|Ren|Nakamori|Kaishan|22|50|
lindqvist|77|LIN|Eero|Lindqvist|Elskarian|77|50|
wei|24|WEI|Tian|Wei|Kaishan|24|200|
fjeldsted|20|FJE|Soren|Fjeldsted|Elskarian|20|100|
jonas_brandt|||Jonas|Brandt|Ostirian|47|200|
sjoberg|27|SJO|Nils|Sjöberg|Elskarian|27|50|
corwin|2|COR|Wade|Corwin|Westmarker|2|200|""".splitlines())
]  # fmt: skip
DRIVER_IDS = {d.ref: i for i, d in enumerate(DRIVERS, 1)}
LINEUPS = {  # per season, the two drivers of each constructor in constructorId order
    2022: "arlo_vance ferreno|delacroix okafor|halvorsen pembury|quill tarrant|kestner drummond|"
          "ibarrola morency|suriya oyelaran|brisard nakamori|lindqvist wei|fjeldsted jonas_brandt",
    2023: "arlo_vance ferreno|delacroix okafor|halvorsen pembury|quill wexley|ibarrola drummond|"
          "morency brisard|suriya oyelaran|nakamori tarrant|lindqvist wei|fjeldsted jonas_brandt",
    2024: "arlo_vance ferreno|delacroix okafor|halvorsen pembury|quill wexley|ibarrola drummond|"
          "morency brisard|suriya corwin|nakamori tarrant|lindqvist wei|fjeldsted sjoberg",
    2025: "arlo_vance ferreno|delacroix halvorsen|pembury lindqvist|quill wexley|"
          "ibarrola drummond|brisard tarrant|suriya okafor|nakamori corwin|wei sjoberg|"
          "morency fjeldsted",
}  # fmt: skip
CAR_PACE = {  # per season and constructor: ms per lap slower than the best, first/last round
    2022: [(600, 400), (0, 0), (700, 500), (900, 800), (1100, 1000), (800, 800),
           (1200, 1100), (1000, 1000), (900, 1000), (1000, 1100)],
    2023: [(0, 0), (600, 500), (550, 500), (1100, 350), (450, 700), (800, 800),
           (1100, 1000), (1200, 1000), (1100, 1200), (1000, 1200)],
    2024: [(0, 500), (300, 200), (550, 300), (450, 0), (800, 900), (1100, 1000),
           (1100, 1100), (900, 900), (1200, 1200), (1000, 900)],
    2025: [(300, 200), (350, 250), (350, 250), (0, 0), (900, 900), (1200, 1200),
           (800, 800), (900, 900), (1000, 1000), (900, 900)],
}  # fmt: skip
CALENDAR = {  # per season: (circuit, race date, sprint weekend)
    2022: [("sandmere", "03-20", False), ("lakeside", "04-10", False),
           ("valmont", "05-29", False), ("ashcombe", "07-03", False),
           ("parco_reale", "09-11", False)],
    2023: [("sandmere", "03-05", False), ("valmont", "05-28", False), ("hautmont", "07-30", True),
           ("vale_alto", "11-05", False), ("pearl_bay", "11-26", False)],
    2024: [("sandmere", "03-02", False), ("lakeside", "03-24", False),
           ("parco_reale", "09-01", False), ("redrock", "10-20", True),
           ("vale_alto", "11-03", True)],
    2025: [("lakeside", "03-16", False), ("sandmere", "04-13", False),
           ("ashcombe", "07-06", False), ("hautmont", "07-27", True),
           ("pearl_bay", "12-07", False)],
}  # fmt: skip
STATUS = {1: "Finished", 2: "Disqualified", 3: "Accident", 4: "Collision", 5: "Engine",
          6: "Gearbox", 7: "Transmission", 9: "Hydraulics", 10: "Electrical", 11: "+1 Lap",
          12: "+2 Laps", 13: "+3 Laps", 20: "Spun off", 22: "Suspension", 23: "Brakes",
          31: "Retired", 54: "Withdrew", 77: "107% Rule", 81: "Did not qualify",
          97: "Did not prequalify", 130: "Collision damage"}  # fmt: skip
FINISHED, DID_NOT_QUALIFY, WITHDREW, GEARBOX = 1, 81, 54, 6
CLASSIFIED = {0: 1, 1: 11, 2: 12, 3: 13}  # laps behind the winner -> statusId
RETIREMENTS = [3, 4, 5, 6, 9, 10, 20, 22, 23, 130]
GP_POINTS, SPRINT_POINTS = [25, 18, 15, 12, 10, 8, 6, 4, 2, 1], [8, 7, 6, 5, 4, 3, 2, 1]
DNQ, WITHDRAWN, SHARED_DRIVE = (2022, 2, "oyelaran"), (2024, 2, "corwin"), (2022, 3)
RED_FLAG = (2023, 2, 30, 1_004_000)  # year, round, lap, pit stop ms
START, START_S = "13:00:00", 13 * 3600


@dataclasses.dataclass(frozen=True)
class Race:
    race_id: int
    year: int
    round: int
    circuit_id: int
    date: dt.date
    sprint: bool
    has_results: bool

    @property
    def circuit(self) -> Circuit:
        return CIRCUITS[self.circuit_id - 1]


@dataclasses.dataclass(eq=False)
class Car:
    driver_id: int
    team_id: int
    number: int
    pace: float  # ms per lap added to the circuit's lap_ms
    status: int = FINISHED
    grid: int = 0
    laps: list[int] = dataclasses.field(default_factory=list)  # completed laps, ms
    stops: dict[int, int] = dataclasses.field(default_factory=dict)  # lap -> pit stop ms


def _clock(ms: int) -> str:
    """``m:ss.sss``, or ``h:mm:ss.sss`` from one hour on."""
    minutes, milli = divmod(ms, 60_000)
    hours, minutes = divmod(minutes, 60)
    hh = f"{hours}:{minutes:02d}" if hours else str(minutes)
    return f"{hh}:{milli // 1000:02d}.{milli % 1000:03d}"


def _seconds(ms: int) -> str:
    return f"{ms // 1000}.{ms % 1000:03d}"


def _num(points: float) -> int | float:
    return int(points) if float(points).is_integer() else points


def _calendar() -> list[Race]:
    races: list[Race] = []
    circuit_ids = {c.ref: i for i, c in enumerate(CIRCUITS, 1)}
    for year, rounds in sorted(CALENDAR.items()):
        for rnd, (ref, mmdd, sprint) in enumerate(rounds, 1):
            date = dt.date.fromisoformat(f"{year}-{mmdd}")
            scheduled_only = year == 2025 and rnd == len(rounds)
            races.append(Race(len(races) + 1, year, rnd, circuit_ids[ref], date, sprint,
                              not scheduled_only))  # fmt: skip
    return races


def _static_tables(tables: dict[str, list[Row]]) -> None:
    for i, c in enumerate(CIRCUITS, 1):
        tables["circuits"].append({
            "circuitId": i, "circuitRef": c.ref, "name": c.name, "location": c.location,
            "country": c.country, "lat": c.lat, "lng": c.lng, "alt": c.alt,
            "url": WIKI + c.name.replace(" ", "_"),
        })  # fmt: skip
    for i, (ref, name, nationality) in enumerate(CONSTRUCTORS, 1):
        tables["constructors"].append({
            "constructorId": i, "constructorRef": ref, "name": name, "nationality": nationality,
            "url": WIKI + name.replace(" ", "_"),
        })  # fmt: skip
    for i, d in enumerate(DRIVERS, 1):
        birth = random.Random(f"dob:{d.ref}")  # identity data does not depend on the seed
        dob = dt.date(1978, 1, 1) + dt.timedelta(days=birth.randint(0, 9000))
        tables["drivers"].append({
            "driverId": i, "driverRef": d.ref, "number": d.number, "code": d.code,
            "forename": d.forename, "surname": d.surname, "dob": dob.isoformat(),
            "nationality": d.nationality, "url": WIKI + d.wiki,
        })  # fmt: skip
    for year in sorted(CALENDAR):
        url = f"{WIKI_HTTPS}{year}_Formula_One_World_Championship"
        tables["seasons"].append({"year": year, "url": url})
    tables["status"].extend({"statusId": k, "status": v} for k, v in sorted(STATUS.items()))


def _race_row(race: Race) -> Row:
    name = f"{race.circuit.gp} Grand Prix"
    row: Row = {
        "raceId": race.race_id, "year": race.year, "round": race.round,
        "circuitId": race.circuit_id, "name": name, "date": race.date.isoformat(),
        "time": START, "url": f"{WIKI_HTTPS}{race.year}_{name.replace(' ', '_')}",
    }  # fmt: skip
    if not race.has_results:
        return row  # scheduled only: the ragged 8-field row
    fri, sat = (race.date - dt.timedelta(days=n) for n in (2, 1))
    row |= {"fp1_date": fri.isoformat(), "fp1_time": "11:30:00", "fp2_date": None,
            "fp2_time": None, "fp3_date": None, "fp3_time": None,
            "quali_date": sat.isoformat(), "quali_time": "15:00:00",
            "sprint_date": None, "sprint_time": None}  # fmt: skip
    if race.sprint:
        return row | {"sprint_date": sat.isoformat(), "sprint_time": "11:00:00"}
    return row | {"fp2_date": fri.isoformat(), "fp2_time": "15:00:00",
                  "fp3_date": sat.isoformat(), "fp3_time": "11:30:00"}  # fmt: skip


def _entries(race: Race) -> list[Car]:
    progress = (race.round - 1) / (len(CALENDAR[race.year]) - 1)
    cars = []
    for team_id, pair in enumerate(LINEUPS[race.year].split("|"), 1):
        first, last = CAR_PACE[race.year][team_id - 1]
        for ref in pair.split():
            driver = DRIVERS[DRIVER_IDS[ref] - 1]
            pace = first + (last - first) * progress + driver.skill
            cars.append(Car(DRIVER_IDS[ref], team_id, driver.number or driver.car, pace))
    return cars


def _qualify(rng: random.Random, race: Race, cars: list[Car]) -> list[tuple[Car, list[int | None]]]:
    """Q1 for all, Q2 for the top 15, Q3 for the top 10; sets the grid (DNQ gets 0)."""
    times: dict[int, list[int | None]] = {}
    for car in cars:
        slow = 8000 if car.status == DID_NOT_QUALIFY else 0
        ms = race.circuit.lap_ms - 4000 + int(car.pace + rng.gauss(0, 150)) + slow
        times[car.driver_id] = [ms, None, None]

    def ranked(stage: int, pool: list[Car]) -> list[Car]:
        return sorted(pool, key=lambda c: (times[c.driver_id][stage], c.driver_id))

    def improve(stage: int, pool: list[Car]) -> list[Car]:
        for car in pool:
            previous = times[car.driver_id][stage - 1] or 0
            times[car.driver_id][stage] = previous - 250 + int(rng.gauss(0, 120))
        return ranked(stage, pool)

    q1 = ranked(0, cars)
    q2 = improve(1, q1[:15])
    order = improve(2, q2[:10]) + q2[10:] + q1[15:]
    for pos, car in enumerate(order, 1):
        car.grid = 0 if car.status == DID_NOT_QUALIFY else pos
    return [(car, times[car.driver_id]) for car in order]


def _drive(rng: random.Random, race: Race, cars: list[Car], n_laps: int, pits: bool) -> None:
    """Full-distance lap times for every car, pit stops and red flag included."""
    red_flag = pits and RED_FLAG[:2] == (race.year, race.round)
    for car in cars:
        form = rng.gauss(0, 60)
        if pits:
            stop_laps = rng.sample(range(10, n_laps - 8), rng.randint(1, 2))
            car.stops = {lap: rng.randint(20_500, 27_500) for lap in sorted(stop_laps)}
        if red_flag:
            car.stops[RED_FLAG[2]] = RED_FLAG[3] + rng.randint(0, 3000)
        car.laps = []
        for lap in range(1, n_laps + 1):
            ms = race.circuit.lap_ms + car.pace + form + rng.gauss(0, 300) - 30 * lap
            ms += 3500 + 300 * (car.grid - 1) if lap == 1 else 0
            ms += car.stops[lap] - 4000 if lap in car.stops else 0
            car.laps.append(int(ms))


def _finish(rng: random.Random, cars: list[Car], n_laps: int, retirements: int) -> None:
    """Retire some cars (never from the front row), flag the rest when the winner finishes."""
    for car in rng.sample([c for c in cars if c.grid > 2], retirements):
        car.laps = car.laps[: rng.randint(0, n_laps - 5)]
        car.status = rng.choice(RETIREMENTS)
    running = [c for c in cars if c.status == FINISHED]
    winner_ms = min(sum(c.laps) for c in running)
    for car in running:
        done = min(n_laps, bisect.bisect_left(list(accumulate(car.laps)), winner_ms) + 1)
        car.laps = car.laps[:done]
        car.status = CLASSIFIED[n_laps - done]


def _order(cars: list[Car]) -> list[Car]:
    """Classified cars by laps and time, then retirements by laps and grid."""
    classified = sorted((c for c in cars if c.status in CLASSIFIED.values()),
                        key=lambda c: (-len(c.laps), sum(c.laps), c.driver_id))  # fmt: skip
    retired = [c for c in cars if c not in classified]
    return classified + sorted(retired, key=lambda c: (-len(c.laps), c.grid, c.driver_id))


def _unique_fastest_lap(cars: list[Car]) -> None:
    best = min(ms for car in cars for ms in car.laps)
    seen = False
    for car in sorted(cars, key=lambda c: c.driver_id):
        for i, ms in enumerate(car.laps):
            if ms == best:
                car.laps[i] += 1 if seen else 0
                seen = True


def _result_rows(race: Race, order: list[Car], points: list[int]) -> list[Row]:
    """Result rows in results.csv column order, without resultId."""
    fastest = sorted((min(c.laps), c.driver_id) for c in order if c.laps)
    rank = {driver_id: i for i, (_, driver_id) in enumerate(fastest, 1)}
    winner_ms = sum(order[0].laps)
    rows = []
    for pos, car in enumerate(order, 1):
        row: Row = {
            "raceId": race.race_id, "driverId": car.driver_id, "constructorId": car.team_id,
            "number": car.number, "grid": car.grid, "position": None, "positionText": None,
            "positionOrder": pos, "points": 0, "laps": len(car.laps), "time": None,
            "milliseconds": None, "fastestLap": None, "rank": None, "fastestLapTime": None,
            "fastestLapSpeed": None, "statusId": car.status,
        }  # fmt: skip
        if car.status in CLASSIFIED.values():
            total = sum(car.laps)
            row |= {"position": pos, "positionText": str(pos)}
            row["points"] = points[pos - 1] if pos <= len(points) else 0
            if len(car.laps) == len(order[0].laps):  # on the lead lap: a time
                row["time"] = _clock(total) if pos == 1 else "+" + _seconds(total - winner_ms)
                row["milliseconds"] = total
        else:
            row["positionText"] = {DID_NOT_QUALIFY: "F", WITHDREW: "W"}.get(car.status, "R")
        if car.laps:
            best = min(car.laps)
            row |= {"fastestLap": car.laps.index(best) + 1, "rank": rank[car.driver_id],
                    "fastestLapTime": _clock(best),
                    "fastestLapSpeed": round(race.circuit.km * 3_600_000 / best, 3)}  # fmt: skip
        rows.append(row)
    return rows


def _shared_drive(rng: random.Random, order: list[Car]) -> tuple[Car, Car]:
    """The P2 (else P3) car whose teammate is behind it; that teammate retires early."""
    for car in order[1:3]:
        mate = next(c for c in order if c.team_id == car.team_id and c is not car)
        if order.index(mate) > order.index(car):
            if mate.status in CLASSIFIED.values():
                mate.laps, mate.status = mate.laps[: rng.randint(5, 15)], GEARBOX
            return car, mate
    raise AssertionError("no shared-drive candidate")


def _lap_rows(race: Race, cars: list[Car]) -> list[Row]:
    cumulative = {c.driver_id: list(accumulate(c.laps)) for c in cars}
    position: dict[tuple[int, int], int] = {}
    for lap in range(1, max(map(len, cumulative.values())) + 1):
        running = sorted((cum[lap - 1], d) for d, cum in cumulative.items() if len(cum) >= lap)
        position.update(((d, lap), pos) for pos, (_, d) in enumerate(running, 1))
    return [
        {"raceId": race.race_id, "driverId": car.driver_id, "lap": lap,
         "position": position[car.driver_id, lap], "time": _clock(ms), "milliseconds": ms}
        for car in sorted(cars, key=lambda c: c.driver_id)
        for lap, ms in enumerate(car.laps, 1)
    ]  # fmt: skip


def _pit_rows(race: Race, cars: list[Car]) -> list[Row]:
    rows: list[Row] = []
    for car in cars:
        cumulative = list(accumulate(car.laps))
        stops = [(lap, ms) for lap, ms in sorted(car.stops.items()) if lap <= len(car.laps)]
        for stop, (lap, ms) in enumerate(stops, 1):
            clock = START_S + (cumulative[lap - 1] - ms) // 1000
            hms = f"{clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d}"
            rows.append({
                "raceId": race.race_id, "driverId": car.driver_id, "stop": stop, "lap": lap,
                "time": hms, "duration": _seconds(ms) if ms < 60_000 else _clock(ms),
                "milliseconds": ms,
            })  # fmt: skip
    return sorted(rows, key=lambda r: (r["time"], r["driverId"]))


def _add_results(table: list[Row], rows: list[Row], sprint: bool = False) -> None:
    for row in rows:
        if sprint:  # sprint_results has no fastestLapSpeed (and its own column order)
            row = {k: v for k, v in row.items() if k != "fastestLapSpeed"}
        table.append({"resultId": len(table) + 1, **row})


def _run_weekend(rng: random.Random, race: Race, tables: dict[str, list[Row]]) -> None:
    cars = _entries(race)
    for car in cars:
        entry = (race.year, race.round, DRIVERS[car.driver_id - 1].ref)
        car.status = {DNQ: DID_NOT_QUALIFY, WITHDRAWN: WITHDREW}.get(entry, FINISHED)
    qualified = _qualify(rng, race, [c for c in cars if c.status != WITHDREW])
    for position, (car, times) in enumerate(qualified, 1):
        q1, q2, q3 = (_clock(t) if t else None for t in times)
        tables["qualifying"].append({
            "qualifyId": len(tables["qualifying"]) + 1, "raceId": race.race_id,
            "driverId": car.driver_id, "constructorId": car.team_id, "number": car.number,
            "position": position, "q1": q1, "q2": q2, "q3": q3,
        })  # fmt: skip
    starters = [c for c in cars if c.grid]
    n_laps = race.circuit.laps
    if race.sprint:
        sprinters = [dataclasses.replace(c, laps=[], stops={}) for c in starters]
        shootout = sorted(sprinters, key=lambda c: (c.pace + rng.gauss(0, 200), c.driver_id))
        for grid, car in enumerate(shootout, 1):
            car.grid = grid
        _drive(rng, race, sprinters, n_laps // 3, pits=False)
        _finish(rng, sprinters, n_laps // 3, rng.choice([0, 1]))
        _unique_fastest_lap(sprinters)
        rows = _result_rows(race, _order(sprinters), SPRINT_POINTS)
        _add_results(tables["sprint_results"], rows, sprint=True)
    _drive(rng, race, starters, n_laps, pits=True)
    _finish(rng, starters, n_laps, rng.choice([1, 2, 2, 3]))
    is_shared = (race.year, race.round) == SHARED_DRIVE
    shared = _shared_drive(rng, _order(starters)) if is_shared else None
    _unique_fastest_lap(starters)
    rows = _result_rows(race, _order(starters) + [c for c in cars if not c.grid], GP_POINTS)
    if shared:  # the teammate's second row for the car: same result, half the points
        car, mate = shared
        i = next(i for i, r in enumerate(rows) if r["driverId"] == car.driver_id)
        rows[i]["points"] = _num(float(rows[i]["points"] or 0) / 2)
        no_lap = dict.fromkeys(("fastestLap", "rank", "fastestLapTime", "fastestLapSpeed"))
        rows.insert(i + 1, rows[i] | {"driverId": mate.driver_id} | no_lap)
    _add_results(tables["results"], rows)
    if race.year >= 2023:
        tables["lap_times"] += _lap_rows(race, starters)
        tables["pit_stops"] += _pit_rows(race, starters)


def _add_standings(
    table: list[Row], race_id: int, totals: dict[int, list[float]], whose: str
) -> None:
    ranked = sorted(totals.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    for pos, (key, (points, wins)) in enumerate(ranked, 1):
        table.append({
            f"{whose}StandingsId": len(table) + 1, "raceId": race_id, f"{whose}Id": key,
            "points": _num(points), "position": pos, "positionText": str(pos), "wins": int(wins),
        })  # fmt: skip


def _standings(races: list[Race], tables: dict[str, list[Row]]) -> None:
    """Cumulative standings (GP + sprint points, GP wins) and constructor results per race."""
    scored: dict[int, list[tuple[int, int, float, bool]]] = defaultdict(list)
    for name, gp in (("results", True), ("sprint_results", False)):
        for row in tables[name]:
            won = gp and row["position"] == 1
            scored[int(row["raceId"])].append(
                (int(row["driverId"]), int(row["constructorId"]), float(row["points"]), won)
            )
    drivers: dict[int, list[float]] = {}
    teams: dict[int, list[float]] = {}
    for race in (r for r in races if r.has_results):
        if race.round == 1:
            drivers, teams = {}, {}
        race_points: dict[int, float] = defaultdict(float)
        for driver_id, team_id, points, won in scored[race.race_id]:
            for totals, key in ((drivers, driver_id), (teams, team_id)):
                entry = totals.setdefault(key, [0.0, 0.0])
                entry[0] += points
                entry[1] += won
            race_points[team_id] += points
        for team_id, points in sorted(race_points.items()):
            tables["constructor_results"].append({
                "constructorResultsId": len(tables["constructor_results"]) + 1,
                "raceId": race.race_id, "constructorId": team_id, "points": _num(points),
                "status": None,
            })  # fmt: skip
        _add_standings(tables["driver_standings"], race.race_id, drivers, "driver")
        _add_standings(tables["constructor_standings"], race.race_id, teams, "constructor")


def _cell(value: Value, quote: bool) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str) and quote:
        return '"' + value.replace('"', '""') + '"'
    return str(value)


def _write(path: Path, name: str, rows: list[Row]) -> None:
    """Short (ragged) rows are written unquoted, like the real 2025 races.csv rows."""
    columns = HEADERS[name].split(",")
    quoted = name in QUOTED
    lines = [HEADERS[name]]
    for row in rows:
        assert set(row) <= set(columns), f"{name}: unknown columns {set(row) - set(columns)}"
        values = [row[c] for c in columns if c in row]  # a ragged row lacks its tail
        full = len(values) == len(columns)
        lines.append(",".join(_cell(v, quoted and full) for v in values))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def generate(out_dir: Path, seed: int = 1) -> None:
    """Write the 14 Ergast CSV files for ``seed`` into ``out_dir`` (created if needed)."""
    rng = random.Random(seed)
    tables: dict[str, list[Row]] = {name: [] for name in HEADERS}
    _static_tables(tables)
    races = _calendar()
    for race in races:
        tables["races"].append(_race_row(race))
        if race.has_results:
            _run_weekend(rng, race, tables)
    _standings(races, tables)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        _write(out_dir / f"{name}.csv", name, rows)
    # Tells the build (and so /meta) that this directory is the generated sample.
    marker = {"generator": "python -m transforms sample", "seed": seed, "fictional": True}
    (out_dir / MARKER).write_text(json.dumps(marker) + "\n")
