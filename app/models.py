"""Response types. A Struct served from a mart names it in `mart`; its fields are columns of that
mart (checked against the manifest when the app starts, app/marts.py). The API adds nothing that
is not computed at build time."""

from __future__ import annotations

import datetime
from typing import ClassVar, Generic, TypeVar

import msgspec

T = TypeVar("T")


class Struct(msgspec.Struct, frozen=True, kw_only=True):
    pass


class DriverSummary(Struct):
    """A driver's career (mart `driver_summary`)."""

    mart: ClassVar[str] = "driver_summary"

    driver_id: int
    driver_ref: str
    code: str | None
    number: int | None
    forename: str | None
    surname: str
    full_name: str
    date_of_birth: datetime.date | None
    nationality: str | None
    url: str | None
    races_entered: int
    races_started: int
    wins: int
    podiums: int
    poles: int
    fastest_laps: int | None
    points: float
    championships: int
    seasons: int
    first_race_id: int | None
    first_race_year: int | None
    first_race_name: str | None
    last_race_id: int | None
    last_race_year: int | None
    last_race_name: str | None
    best_finish: int | None


class ConstructorRef(Struct):
    constructor_id: int
    constructor_ref: str
    name: str


class DriverSeason(Struct):
    """A driver's season (mart `driver_season`)."""

    mart: ClassVar[str] = "driver_season"

    driver_id: int
    season: int
    driver_ref: str
    full_name: str
    races_entered: int
    races_started: int
    wins: int
    podiums: int
    poles: int
    fastest_laps: int | None
    points: float
    championship_position: int | None
    championship_points: float | None
    champion: bool
    constructors: list[ConstructorRef]


class CircuitSummary(Struct):
    """A circuit, its races and its lap record (mart `circuit_summary`)."""

    mart: ClassVar[str] = "circuit_summary"

    circuit_id: int
    circuit_ref: str
    name: str
    location: str | None
    country: str | None
    lat: float | None
    lng: float | None
    alt: int | None
    url: str | None
    races_held: int
    first_year: int | None
    last_year: int | None
    lap_record_time_ms: int | None
    lap_record_time: str | None
    lap_record_driver_id: int | None
    lap_record_driver_ref: str | None
    lap_record_driver_name: str | None
    lap_record_race_id: int | None
    lap_record_year: int | None
    lap_record_lap: int | None
    most_wins_driver_id: int | None
    most_wins_driver_ref: str | None
    most_wins_driver_name: str | None
    most_wins_count: int | None


class CircuitFastestLap(Struct):
    """The fastest lap of one race held at a circuit (mart `circuit_fastest_lap`)."""

    mart: ClassVar[str] = "circuit_fastest_lap"

    circuit_id: int
    race_id: int
    season: int
    round: int
    race_name: str
    race_date: datetime.date | None
    fastest_lap_time_ms: int | None
    fastest_lap_time: str | None
    fastest_lap_lap: int | None
    fastest_lap_driver_id: int | None
    fastest_lap_driver_ref: str | None
    fastest_lap_driver_name: str | None


class Page(Struct, Generic[T]):
    """One page of a list; `total` counts every match, `limit`/`offset` echo the request."""

    data: list[T]
    total: int
    limit: int
    offset: int


class Coverage(Struct):
    seasons: list[int]
    seasons_with_results: list[int]
    complete_seasons: list[int]
    lap_data_seasons: list[int]
    fastest_lap_seasons: list[int]
    races_with_results: int
    files_present: list[str]
    optional_files_missing: list[str]
    optional_files: list[str]


class CutoffRace(Struct):
    """The last race with results in the data set."""

    race_id: int
    season: int
    round: int
    name: str
    date: datetime.date | None


class DataSource(Struct):
    """Where the served data comes from: `sample` (generated, fictional people, teams and
    places) or `real` (Ergast-format CSVs), and the last race it has results for."""

    kind: str
    description: str
    cutoff_race: CutoffRace | None


class Meta(Struct):
    """What is being served: the data version, its source, when it was built, coverage and row
    counts."""

    data_version: str
    built_at: str
    schema_version: int
    backend: str
    source: DataSource | None
    coverage: Coverage
    row_counts: dict[str, int]


class MartChanges(Struct):
    """Rows of one mart added, removed and changed (by the mart's key), with a few examples."""

    name: str
    added: int
    removed: int
    changed: int
    examples: list[str]


class Changes(Struct):
    """What the served version changed against the version it replaced when it was built
    (`previous_version` null when unknown: the first build, or no comparison was possible)."""

    data_version: str
    previous_version: str | None
    summary: list[str]
    marts: list[MartChanges]


class Health(Struct):
    status: str


class Ready(Struct):
    status: str
    data_version: str
    backend: str


class DriverRef(Struct):
    driver_id: int
    driver_ref: str
    name: str


class ConstructorSummary(Struct):
    """A constructor's history (mart `constructor_summary`)."""

    mart: ClassVar[str] = "constructor_summary"

    constructor_id: int
    constructor_ref: str
    name: str
    nationality: str | None
    url: str | None
    races_entered: int
    wins: int
    podiums: int
    poles: int
    points: float
    championships: int
    drivers_fielded: int
    seasons: int
    first_season: int | None
    last_season: int | None


class ConstructorSeason(Struct):
    """A constructor's season (mart `constructor_season`); also a constructors' standings line."""

    mart: ClassVar[str] = "constructor_season"

    constructor_id: int
    season: int
    constructor_ref: str
    name: str
    races_entered: int
    wins: int
    podiums: int
    poles: int
    points: float
    championship_position: int | None
    championship_points: float | None
    champion: bool
    drivers_fielded: int
    drivers: list[DriverRef]


class SeasonSummary(Struct):
    """A season: rounds, races held and, once complete, its champions (mart `season_summary`)."""

    mart: ClassVar[str] = "season_summary"

    season: int
    url: str | None
    rounds: int
    races_held: int
    complete: bool
    champion_driver_id: int | None
    champion_driver_ref: str | None
    champion_driver_name: str | None
    champion_driver_points: float | None
    champion_constructor_id: int | None
    champion_constructor_ref: str | None
    champion_constructor_name: str | None
    champion_constructor_points: float | None


class Race(Struct):
    """A race on the calendar, held or scheduled (mart `race`)."""

    mart: ClassVar[str] = "race"

    race_id: int
    season: int
    round: int
    name: str
    date: datetime.date | None
    time: str | None
    url: str | None
    circuit_id: int
    circuit_ref: str
    circuit_name: str
    location: str | None
    country: str | None
    has_results: bool
    has_sprint: bool
    entries: int
    winner_driver_id: int | None
    winner_driver_ref: str | None
    winner_driver_name: str | None
    winner_constructor_id: int | None
    winner_constructor_ref: str | None
    winner_constructor_name: str | None
    fastest_lap_time_ms: int | None
    fastest_lap_time: str | None
    fastest_lap_driver_id: int | None


class SeasonDetail(SeasonSummary):
    """A season with its calendar."""

    races: list[Race]


class RaceResult(Struct):
    """One car's line in a race or sprint classification (mart `race_result`)."""

    mart: ClassVar[str] = "race_result"

    result_id: int
    position_order: int
    position: int | None
    position_text: str
    driver_id: int
    driver_ref: str
    driver_name: str
    constructor_id: int
    constructor_ref: str
    constructor_name: str
    number: int | None
    grid: int | None
    laps: int | None
    status: str
    started: bool
    time: str | None
    time_ms: int | None
    points: float
    fastest_lap: int | None
    fastest_lap_rank: int | None
    fastest_lap_time: str | None
    fastest_lap_time_ms: int | None


class QualifyingResult(Struct):
    """One car's line in a race's qualifying classification (mart `qualifying_result`); q1, q2
    and q3 are the published lap times, null where the car set none in that part."""

    mart: ClassVar[str] = "qualifying_result"

    qualify_id: int
    race_id: int
    position: int | None
    driver_id: int
    driver_ref: str
    constructor_id: int
    constructor_ref: str
    number: int | None
    q1: str | None
    q1_ms: int | None
    q2: str | None
    q2_ms: int | None
    q3: str | None
    q3_ms: int | None


class LapTime(Struct):
    """One driver's lap of a race (mart `lap_time`): position at the end of the lap and the lap
    time as published (`1:34.494`) and in milliseconds."""

    mart: ClassVar[str] = "lap_time"

    race_id: int
    driver_id: int
    lap: int
    position: int | None
    time: str | None
    time_ms: int | None


class PitStop(Struct):
    """One pit stop of a driver in a race (mart `pit_stop`): the local clock time of the stop and
    its duration as published (`23.227`) and in milliseconds."""

    mart: ClassVar[str] = "pit_stop"

    race_id: int
    driver_id: int
    driver_ref: str
    stop: int
    lap: int
    time_of_day: str | None
    duration: str | None
    duration_ms: int | None


class RaceResultLine(RaceResult):
    """A classification line with its session (`race` or `sprint`): a race's CSV rows."""

    session: str


class RaceDetail(Race):
    """A race with its full classification and its sprint's, if it had one."""

    results: list[RaceResult]
    sprint_results: list[RaceResult]


class HeadToHeadSide(Struct):
    """One driver's side of a head-to-head, over the races both drivers started."""

    driver_id: int
    driver_ref: str
    full_name: str
    finished_ahead: int
    qualified_ahead: int
    wins: int
    podiums: int
    points: float


class HeadToHeadPair(Struct):
    """Two drivers over the races both started, the lower driver id first (mart
    `head_to_head`); the query turns it into a HeadToHead in the order asked."""

    mart: ClassVar[str] = "head_to_head"

    driver_id: int
    other_driver_id: int
    races: int
    races_as_teammates: int
    first_season: int | None
    last_season: int | None
    driver_finished_ahead: int
    other_finished_ahead: int
    driver_qualified_ahead: int
    other_qualified_ahead: int
    driver_wins: int
    other_wins: int
    driver_podiums: int
    other_podiums: int
    driver_points: float | None
    other_points: float | None


class HeadToHead(Struct):
    """Two drivers compared over every Grand Prix both started."""

    races: int
    races_as_teammates: int
    first_season: int | None
    last_season: int | None
    a: HeadToHeadSide
    b: HeadToHeadSide
