"""The Ergast URL grammar, as Jolpica implements it:

    /ergast/f1/[{season}/[{round}/]]{criterion}/{value}/.../{resource}[/{value}](.json|/)

`season` is a year or `current`; `round` a number, `last` or `next`. Criteria come in any order;
the last segment names what comes back, and a value after it filters that resource. Keywords are
case-insensitive (`driverStandings` = `driverstandings`); ids are matched as given."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# criterion keyword -> the field it sets
CRITERIA = {
    "circuits": "circuit",
    "constructors": "constructor",
    "drivers": "driver",
    "grid": "grid",
    "results": "position",
    "fastest": "fastest",
    "status": "status",
    "laps": "lap",
}
# What the value after the resource filters (no entry: the resource takes no value).
RESOURCE_VALUE = {
    "circuits": "circuit",
    "constructors": "constructor",
    "drivers": "driver",
    "status": "status",
    "results": "position",
    "sprint": "sprint_position",
    "qualifying": "qualifying_position",
    "pitstops": "stop",
    "laps": "lap",
    "driverstandings": "standing",
    "constructorstandings": "standing",
}
NUMERIC = {
    "grid",
    "position",
    "fastest",
    "status",
    "lap",
    "sprint_position",
    "qualifying_position",
    "stop",
    "standing",
}
_RESULT_FILTERS = {"grid", "position", "fastest", "status"}
_COMMON = {"season", "round", "circuit", "constructor", "driver", *_RESULT_FILTERS}
# Filters each resource understands (Jolpica's matrix); anything else is a 400. The 400s begin
# as Jolpica's do ("Bad Request: Unsupported filter for endpoint", ...).
SUPPORTED = {
    **dict.fromkeys(
        (
            "seasons",
            "circuits",
            "races",
            "constructors",
            "drivers",
            "status",
            "results",
            "sprint",
            "qualifying",
        ),
        _COMMON,
    ),
    "pitstops": {*_COMMON, "lap"},
    "laps": {*_COMMON, "lap"},
    "driverstandings": {"season", "round", "driver"},
    "constructorstandings": {"season", "round", "constructor"},
}
# Every resource, in the order Ergast documents them.
RESOURCES = tuple(SUPPORTED)
REQUIRED = {
    "pitstops": ("season", "round"),
    "laps": ("season", "round"),
    "driverstandings": ("season",),
    "constructorstandings": ("season",),
}

_SEASON = re.compile(r"\d{4}|current")
_ROUND = re.compile(r"\d{1,2}|last|next")
_NUMBER = re.compile(r"\d{1,6}")
_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
MAX_SEGMENTS = 24


class GrammarError(Exception):
    """The path is not an Ergast request (404) or asks for something unsupported (400)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class Query:
    """A parsed request. Filters hold the text given (numbers already checked); `season` and
    `round` may still be `current`, `last` or `next` until resolved against the data."""

    resource: str
    season: str | None = None
    round: str | None = None
    filters: dict[str, str] = field(default_factory=dict)

    def number(self, name: str) -> int | None:
        value = self.filters.get(name)
        return int(value) if value is not None else None


def parse(path: str) -> Query:
    """`/2008/5/drivers/hamilton/laps.json` -> Query(resource='laps', season='2008', ...)."""
    path = path.strip("/")
    if path.endswith(".json"):
        path = path[: -len(".json")]
    elif path.endswith(".xml"):
        raise GrammarError(400, "Only JSON is served: end the path in .json or /")
    segments = path.split("/") if path else []
    if len(segments) > MAX_SEGMENTS:
        raise GrammarError(404, "Not an Ergast path: too many segments")
    if any(not segment for segment in segments):
        raise GrammarError(404, "Not an Ergast path: empty segment")

    season = round_ = None
    if segments and _SEASON.fullmatch(segments[0].lower()):
        season = segments.pop(0).lower()
        if segments and _ROUND.fullmatch(segments[0].lower()):
            round_ = segments.pop(0).lower()

    if not segments:
        return Query("races", season, round_)
    if len(segments) % 2:
        resource, value, pairs = segments[-1].lower(), None, segments[:-1]
    else:
        resource, value, pairs = segments[-2].lower(), segments[-1], segments[:-2]
    if resource not in RESOURCES:
        raise GrammarError(404, f"Not an Ergast resource: {segments[-1 - (value is not None)]!r}")

    query = Query(resource, season, round_)
    for index in range(0, len(pairs), 2):
        name = pairs[index].lower()
        if name not in CRITERIA:
            raise GrammarError(404, f"Not an Ergast criterion: {pairs[index]!r}")
        _set(query, CRITERIA[name], pairs[index + 1])
    if value is not None:
        if resource not in RESOURCE_VALUE:
            raise GrammarError(
                400, f"Bad Request: Endpoint does not support final filter ({resource})."
            )
        _set(query, RESOURCE_VALUE[resource], value)
    _check_supported(query)
    return query


def _set(query: Query, name: str, value: str) -> None:
    if name in query.filters:
        raise GrammarError(400, f"Bad Request: {name} is given more than once")
    pattern = _NUMBER if name in NUMERIC else _ID
    if not pattern.fullmatch(value):
        kind = "a number" if name in NUMERIC else "an id (letters, digits, _ and -)"
        raise GrammarError(400, f"Bad Request: {name} must be {kind}, not {value[:64]!r}")
    query.filters[name] = value


def _check_supported(query: Query) -> None:
    supported = SUPPORTED[query.resource]
    given = set(query.filters) - {RESOURCE_VALUE.get(query.resource)}
    if query.season is not None:
        given.add("season")
    if query.round is not None:
        given.add("round")
    unsupported = sorted(given - supported)
    if unsupported:
        raise GrammarError(
            400,
            "Bad Request: Unsupported filter for endpoint "
            f"({query.resource}: {', '.join(unsupported)}).",
        )
    for required in REQUIRED.get(query.resource, ()):
        if required not in given:
            needed = ", ".join(REQUIRED[query.resource])
            raise GrammarError(
                400,
                f"Bad Request: Missing one of the required parameters ({query.resource} need: "
                f"{needed}).",
            )
