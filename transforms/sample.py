"""Deterministic generator of Ergast-format F1 CSVs (the project's offline sample data).

``generate(out_dir, seed=1)`` writes the 14 Ergast files with the real headers, UTF-8, LF line
endings and unquoted ``\\N`` for NULL; the same seed gives byte-identical files. All values come
from a small pace model driven by ``random.Random(seed)``; only a few real names are reused.
circuits, constructors, drivers, races, seasons and status quote text fields (like the real
files); the other files are unquoted. Guaranteed content (outcomes vary with the seed):

- Seasons 2022-2025, 5 rounds each, raceId 1-20 in date order, on 9 circuits, each hosting a race
  with results; Bahrain (circuitId 1) is on every calendar. Circuit 7's name and driver sainz's
  url contain a comma. 2025 is incomplete: raceId 16-19 have results, raceId 20 (2025 Abu Dhabi)
  is scheduled only and its races.csv row is ragged (8 unquoted fields, like the real 2025 rows).
  Other rows have 18 fields, ``\\N`` for sessions that did not take place.
- 23 drivers, 10 constructors, two cars per constructor per race; drivers change teams between
  seasons, vettel races in 2022 only, latifi and mick_schumacher have ``\\N`` number and code.
- results.csv: 20 entries per race. positionOrder always filled; classified cars have position =
  positionText and status Finished or +1 Lap; retirements have position ``\\N``, positionText R
  and a mechanical status; front-row starters never retire. raceId 2: latifi did not qualify
  (F, statusId 81, grid 0, laps 0). raceId 12: sargeant withdrew (W, statusId 54, grid 0,
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
- The car pace table makes a Ferrari driver the 2022 champion and Red Bull's max_verstappen the
  2023 champion, and some driver wins in more than one season (checked for seeds 1-100).
  Seed 1: champions leclerc (2022), max_verstappen (2023), norris (2024); max_verstappen and
  norris win in several seasons; the shared drive is perez in max_verstappen's P2 car #1.

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
Row = list[Value]
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
WIKI, WIKI_HTTPS = "http://en.wikipedia.org/wiki/", "https://en.wikipedia.org/wiki/"

Circuit = namedtuple("Circuit", "ref name location country lat lng alt gp laps lap_ms km")
Driver = namedtuple("Driver", "ref number code forename surname nationality car skill wiki")
# lap_ms: typical lap; km: lap length; car: car number when number is NULL; skill: ms per lap.
CIRCUITS = [
    Circuit(*f[:4], float(f[4]), float(f[5]), int(f[6]), f[7], int(f[8]), int(f[9]), float(f[10]))
    for f in (line.split("|") for line in """\
bahrain|Bahrain International Circuit|Sakhir|Bahrain|26.0325|50.5106|7|Bahrain|57|95000|5.412
albert_park|Albert Park Grand Prix Circuit|Melbourne|Australia|-37.8497|144.968|10|Australian|58|\
81000|5.278
monaco|Circuit de Monaco|Monte-Carlo|Monaco|43.7347|7.42056|7|Monaco|55|74500|3.337
silverstone|Silverstone Circuit|Silverstone|UK|52.0786|-1.01694|153|British|52|90000|5.891
monza|Autodromo Nazionale di Monza|Monza|Italy|45.6156|9.28111|162|Italian|53|84000|5.793
spa|Circuit de Spa-Francorchamps|Spa|Belgium|50.4372|5.97139|401|Belgian|50|107000|7.004
interlagos|Autódromo José Carlos Pace, Interlagos|São Paulo|Brazil|-23.7036|-46.6997|785|\
São Paulo|60|72500|4.309
yas_marina|Yas Marina Circuit|Abu Dhabi|UAE|24.4672|54.6031|3|Abu Dhabi|58|88000|5.281
americas|Circuit of the Americas|Austin|USA|30.1328|-97.6411|161|United States|56|98000|5.513\
""".splitlines())
]  # fmt: skip
CONSTRUCTORS = [
    ("red_bull", "Red Bull", "Austrian"), ("ferrari", "Ferrari", "Italian"),
    ("mercedes", "Mercedes", "German"), ("mclaren", "McLaren", "British"),
    ("aston_martin", "Aston Martin", "British"), ("alpine", "Alpine F1 Team", "French"),
    ("williams", "Williams", "British"), ("rb", "RB F1 Team", "Italian"),
    ("sauber", "Sauber", "Swiss"), ("haas", "Haas F1 Team", "American"),
]  # fmt: skip
DRIVERS = [
    Driver(f[0], int(f[1]) if f[1] else None, f[2] or None, *f[3:6], int(f[6]), int(f[7]),
           f[8] or f"{f[3]}_{f[4]}")
    for f in (line.split("|") for line in """\
max_verstappen|1|VER|Max|Verstappen|Dutch|1|-250|
perez|11|PER|Sergio|Pérez|Mexican|11|150|
leclerc|16|LEC|Charles|Leclerc|Monegasque|16|-200|
sainz|55|SAI|Carlos|Sainz|Spanish|55|0|Carlos_Sainz,_Jr.
hamilton|44|HAM|Lewis|Hamilton|British|44|-150|
russell|63|RUS|George|Russell|British|63|-50|
norris|4|NOR|Lando|Norris|British|4|-150|
ricciardo|3|RIC|Daniel|Ricciardo|Australian|3|150|
piastri|81|PIA|Oscar|Piastri|Australian|81|-50|
alonso|14|ALO|Fernando|Alonso|Spanish|14|-100|
vettel|5|VET|Sebastian|Vettel|German|5|0|
stroll|18|STR|Lance|Stroll|Canadian|18|200|
ocon|31|OCO|Esteban|Ocon|French|31|50|
gasly|10|GAS|Pierre|Gasly|French|10|50|
albon|23|ALB|Alexander|Albon|Thai|23|0|
latifi|||Nicholas|Latifi|Canadian|6|200|
tsunoda|22|TSU|Yuki|Tsunoda|Japanese|22|50|
bottas|77|BOT|Valtteri|Bottas|Finnish|77|50|
zhou|24|ZHO|Guanyu|Zhou|Chinese|24|200|
magnussen|20|MAG|Kevin|Magnussen|Danish|20|100|
mick_schumacher|||Mick|Schumacher|German|47|200|
hulkenberg|27|HUL|Nico|Hülkenberg|German|27|50|
sargeant|2|SAR|Logan|Sargeant|American|2|200|""".splitlines())
]  # fmt: skip
DRIVER_IDS = {d.ref: i for i, d in enumerate(DRIVERS, 1)}
LINEUPS = {  # per season, the two drivers of each constructor in constructorId order
    2022: "max_verstappen perez|leclerc sainz|hamilton russell|norris ricciardo|vettel stroll|"
          "alonso ocon|albon latifi|gasly tsunoda|bottas zhou|magnussen mick_schumacher",
    2023: "max_verstappen perez|leclerc sainz|hamilton russell|norris piastri|alonso stroll|"
          "ocon gasly|albon latifi|tsunoda ricciardo|bottas zhou|magnussen mick_schumacher",
    2024: "max_verstappen perez|leclerc sainz|hamilton russell|norris piastri|alonso stroll|"
          "ocon gasly|albon sargeant|tsunoda ricciardo|bottas zhou|magnussen hulkenberg",
    2025: "max_verstappen perez|leclerc hamilton|russell bottas|norris piastri|alonso stroll|"
          "gasly ricciardo|albon sainz|tsunoda sargeant|zhou hulkenberg|ocon magnussen",
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
    2022: [("bahrain", "03-20", False), ("albert_park", "04-10", False),
           ("monaco", "05-29", False), ("silverstone", "07-03", False), ("monza", "09-11", False)],
    2023: [("bahrain", "03-05", False), ("monaco", "05-28", False), ("spa", "07-30", True),
           ("interlagos", "11-05", False), ("yas_marina", "11-26", False)],
    2024: [("bahrain", "03-02", False), ("albert_park", "03-24", False), ("monza", "09-01", False),
           ("americas", "10-20", True), ("interlagos", "11-03", True)],
    2025: [("albert_park", "03-16", False), ("bahrain", "04-13", False),
           ("silverstone", "07-06", False), ("spa", "07-27", True), ("yas_marina", "12-07", False)],
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
DNQ, WITHDRAWN, SHARED_DRIVE = (2022, 2, "latifi"), (2024, 2, "sargeant"), (2022, 3)
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
        url = WIKI + c.name.replace(" ", "_")
        tables["circuits"].append([i, *c[:7], url])  # ref, name, ... lng, alt
    for i, (ref, name, nationality) in enumerate(CONSTRUCTORS, 1):
        tables["constructors"].append([i, ref, name, nationality, WIKI + name.replace(" ", "_")])
    for i, d in enumerate(DRIVERS, 1):
        birth = random.Random(f"dob:{d.ref}")  # identity data does not depend on the seed
        dob = dt.date(1978, 1, 1) + dt.timedelta(days=birth.randint(0, 9000))
        row: Row = [i, d.ref, d.number, d.code, d.forename, d.surname, dob.isoformat()]
        tables["drivers"].append([*row, d.nationality, WIKI + d.wiki])
    for year in sorted(CALENDAR):
        tables["seasons"].append([year, f"{WIKI_HTTPS}{year}_Formula_One_World_Championship"])
    tables["status"].extend([sid, name] for sid, name in sorted(STATUS.items()))


def _race_row(race: Race) -> Row:
    name = f"{race.circuit.gp} Grand Prix"
    url = f"{WIKI_HTTPS}{race.year}_{name.replace(' ', '_')}"
    row: Row = [race.race_id, race.year, race.round, race.circuit_id, name]
    row += [race.date.isoformat(), START, url]
    if not race.has_results:
        return row  # scheduled only: ragged 8-field row
    fri, sat = (race.date - dt.timedelta(days=n) for n in (2, 1))
    fp1: Row = [fri.isoformat(), "11:30:00"]
    quali: Row = [sat.isoformat(), "15:00:00"]
    if race.sprint:
        return row + fp1 + [None] * 4 + quali + [sat.isoformat(), "11:00:00"]
    fp23: Row = [fri.isoformat(), "15:00:00", sat.isoformat(), "11:30:00"]
    return row + fp1 + fp23 + quali + [None, None]


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
        row: Row = [race.race_id, car.driver_id, car.team_id, car.number, car.grid]
        if car.status in CLASSIFIED.values():
            total, lead_lap = sum(car.laps), len(car.laps) == len(order[0].laps)
            time = _clock(total) if pos == 1 else "+" + _seconds(total - winner_ms)
            row += [pos, str(pos), pos, points[pos - 1] if pos <= len(points) else 0, len(car.laps)]
            row += [time, total] if lead_lap else [None, None]
        else:
            text = {DID_NOT_QUALIFY: "F", WITHDREW: "W"}.get(car.status, "R")
            row += [None, text, pos, 0, len(car.laps), None, None]
        if car.laps:
            best = min(car.laps)
            speed = round(race.circuit.km * 3_600_000 / best, 3)
            row += [car.laps.index(best) + 1, rank[car.driver_id], _clock(best), speed]
        else:
            row += [None] * 4
        rows.append([*row, car.status])
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
        [race.race_id, car.driver_id, lap, position[car.driver_id, lap], _clock(ms), ms]
        for car in sorted(cars, key=lambda c: c.driver_id)
        for lap, ms in enumerate(car.laps, 1)
    ]


def _pit_rows(race: Race, cars: list[Car]) -> list[Row]:
    rows: list[Row] = []
    for car in cars:
        cumulative = list(accumulate(car.laps))
        stops = [(lap, ms) for lap, ms in sorted(car.stops.items()) if lap <= len(car.laps)]
        for stop, (lap, ms) in enumerate(stops, 1):
            clock = START_S + (cumulative[lap - 1] - ms) // 1000
            hms = f"{clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d}"
            duration = _seconds(ms) if ms < 60_000 else _clock(ms)
            rows.append([race.race_id, car.driver_id, stop, lap, hms, duration, ms])
    return sorted(rows, key=lambda r: (r[4], r[1]))


def _add_results(table: list[Row], rows: list[Row], sprint: bool = False) -> None:
    for row in rows:
        if sprint:  # sprint column order: ..., fastestLap, fastestLapTime, statusId, rank
            row = [*row[:13], row[14], row[16], row[13]]
        table.append([len(table) + 1, *row])


def _run_weekend(rng: random.Random, race: Race, tables: dict[str, list[Row]]) -> None:
    cars = _entries(race)
    for car in cars:
        entry = (race.year, race.round, DRIVERS[car.driver_id - 1].ref)
        car.status = {DNQ: DID_NOT_QUALIFY, WITHDRAWN: WITHDREW}.get(entry, FINISHED)
    qualified = _qualify(rng, race, [c for c in cars if c.status != WITHDREW])
    for position, (car, times) in enumerate(qualified, 1):
        row: Row = [len(tables["qualifying"]) + 1, race.race_id, car.driver_id, car.team_id]
        row += [car.number, position, *(_clock(t) if t else None for t in times)]
        tables["qualifying"].append(row)
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
    if shared:
        car, mate = shared
        i = next(i for i, r in enumerate(rows) if r[1] == car.driver_id)
        rows[i][8] = _num(float(rows[i][8] or 0) / 2)
        rows.insert(i + 1, [rows[i][0], mate.driver_id, *rows[i][2:12], *[None] * 4, rows[i][16]])
    _add_results(tables["results"], rows)
    if race.year >= 2023:
        tables["lap_times"] += _lap_rows(race, starters)
        tables["pit_stops"] += _pit_rows(race, starters)


def _add_standings(table: list[Row], race_id: int, totals: dict[int, list[float]]) -> None:
    ranked = sorted(totals.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    for pos, (key, (points, wins)) in enumerate(ranked, 1):
        table.append([len(table) + 1, race_id, key, _num(points), pos, str(pos), int(wins)])


def _standings(races: list[Race], tables: dict[str, list[Row]]) -> None:
    """Cumulative standings (GP + sprint points, GP wins) and constructor results per race."""
    scored: dict[int, list[tuple[int, int, float, bool]]] = defaultdict(list)
    for name, gp in (("results", True), ("sprint_results", False)):
        for row in tables[name]:
            won = gp and row[6] == 1
            scored[int(row[1])].append((int(row[2]), int(row[3]), float(row[9]), won))
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
            row: Row = [len(tables["constructor_results"]) + 1, race.race_id, team_id]
            tables["constructor_results"].append([*row, _num(points), None])
        _add_standings(tables["driver_standings"], race.race_id, drivers)
        _add_standings(tables["constructor_standings"], race.race_id, teams)


def _cell(value: Value, quote: bool) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str) and quote:
        return '"' + value.replace('"', '""') + '"'
    return str(value)


def _write(path: Path, name: str, rows: list[Row]) -> None:
    """Short (ragged) rows are written unquoted, like the real 2025 races.csv rows."""
    width = HEADERS[name].count(",") + 1
    quoted = name in QUOTED
    lines = [HEADERS[name]]
    lines += [",".join(_cell(v, quoted and len(row) == width) for v in row) for row in rows]
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
