"""The raw input contract: the 14 Ergast-format CSV files, read into DuckDB and validated.

Each file is read by DuckDB with explicit column types (the fast path). Only when something is
wrong does a slower pass over the file find the exact line and column, so a malformed input stops
the build with one message naming the file, the line, the column and the problem.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

NULL = r"\N"


class InputError(Exception):
    """A raw input file is missing or malformed. The message names file, line and column."""

    def __init__(self, file: str, problem: str, line: int | None = None, column: str | None = None):
        self.file, self.problem, self.line, self.column = file, problem, line, column
        where = file + (f", line {line}" if line is not None else "")
        where += f", column {column}" if column else ""
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Check:
    """A rule every non-null row must satisfy, as a DuckDB boolean expression over one column."""

    column: str
    sql: str
    problem: str


@dataclass(frozen=True)
class Unique:
    """A natural key beside the file's id: no two rows (of those where `where` holds) share
    `columns`; with `per`, rows sharing `columns` must share `per` (one car may carry two
    drivers, SOURCE.md quirk 5, so two winners of one race must be one car)."""

    columns: tuple[str, ...]
    problem: str
    where: str = "true"
    per: str | None = None


@dataclass(frozen=True)
class RawFile:
    name: str
    columns: dict[str, str]  # CSV header name -> DuckDB type
    key: tuple[str, ...]
    required: bool = True
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    not_null: tuple[str, ...] = ()
    unique: tuple[Unique, ...] = ()
    # races.csv rows for scheduled races may stop after this many fields (SOURCE.md quirk 1).
    short_row_fields: int | None = None

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


def _fk(cols: str, table: str, ref: str | None = None) -> ForeignKey:
    return ForeignKey(tuple(cols.split(",")), table, tuple((ref or cols).split(",")))


_POSITIVE = "must be a positive number"
_NON_NEGATIVE = "must not be negative"
# Generous bounds on what the real data holds (max 50 points a race, 575 in a season, laps up to
# 2 h 05 min and races up to 4 h 11 min with red flags, drivers born 1896-2006), so a value past
# them is a defect of the input (`1e300` points, a date of birth in 2090), not a new record.
_MAX_MS = 6 * 3600 * 1000
_FIRST_YEAR = 1950
_LAST_YEAR = "year(current_date) + 2"


def _range(column: str, low: object, high: object, unit: str = "") -> Check:
    shown_high = "2 years from now" if high == _LAST_YEAR else f"{high}{unit}"
    return Check(
        column,
        f'"{column}" between {low} and {high}',
        f"is out of range ({low}{unit} to {shown_high})",
    )


_ONE_PER_RACE = "a driver appears twice in one race in the same car"
_ONE_WINNER = "a second winner of this race (only drivers sharing one car can both win)"
_ONE_PLACE = "two cars share one place in the classification (positionOrder)"

_RESULT_FOREIGN_KEYS = (
    _fk("raceId", "races"),
    _fk("driverId", "drivers"),
    _fk("constructorId", "constructors"),
    _fk("statusId", "status"),
)

RAW_FILES: tuple[RawFile, ...] = (
    RawFile(
        "status",
        {"statusId": "INTEGER", "status": "VARCHAR"},
        key=("statusId",),
        not_null=("status",),
    ),
    RawFile(
        "circuits",
        {
            "circuitId": "INTEGER",
            "circuitRef": "VARCHAR",
            "name": "VARCHAR",
            "location": "VARCHAR",
            "country": "VARCHAR",
            "lat": "DOUBLE",
            "lng": "DOUBLE",
            "alt": "INTEGER",
            "url": "VARCHAR",
        },
        key=("circuitId",),
        not_null=("circuitRef", "name"),
        unique=(Unique(("circuitRef",), "two circuits share one circuitRef"),),
    ),
    RawFile(
        "constructors",
        {
            "constructorId": "INTEGER",
            "constructorRef": "VARCHAR",
            "name": "VARCHAR",
            "nationality": "VARCHAR",
            "url": "VARCHAR",
        },
        key=("constructorId",),
        not_null=("constructorRef", "name"),
        unique=(Unique(("constructorRef",), "two constructors share one constructorRef"),),
    ),
    RawFile(
        "drivers",
        {
            "driverId": "INTEGER",
            "driverRef": "VARCHAR",
            "number": "INTEGER",
            "code": "VARCHAR",
            "forename": "VARCHAR",
            "surname": "VARCHAR",
            "dob": "DATE",
            "nationality": "VARCHAR",
            "url": "VARCHAR",
        },
        key=("driverId",),
        not_null=("driverRef", "surname"),
        checks=(_range("dob", "'1870-01-01'", "current_date"),),
        unique=(Unique(("driverRef",), "two drivers share one driverRef"),),
    ),
    RawFile(
        "seasons",
        {"year": "INTEGER", "url": "VARCHAR"},
        key=("year",),
        required=False,
        checks=(_range("year", _FIRST_YEAR, _LAST_YEAR),),
    ),
    RawFile(
        "races",
        {
            "raceId": "INTEGER",
            "year": "INTEGER",
            "round": "INTEGER",
            "circuitId": "INTEGER",
            "name": "VARCHAR",
            "date": "DATE",
            "time": "VARCHAR",
            "url": "VARCHAR",
            "fp1_date": "DATE",
            "fp1_time": "VARCHAR",
            "fp2_date": "DATE",
            "fp2_time": "VARCHAR",
            "fp3_date": "DATE",
            "fp3_time": "VARCHAR",
            "quali_date": "DATE",
            "quali_time": "VARCHAR",
            "sprint_date": "DATE",
            "sprint_time": "VARCHAR",
        },
        key=("raceId",),
        foreign_keys=(_fk("circuitId", "circuits"),),
        checks=(
            Check("round", "round >= 1", _POSITIVE),
            _range("year", _FIRST_YEAR, _LAST_YEAR),
            _range("round", 1, 100),
            Check("date", 'year("date") = "year"', "is not in the race's season (year)"),
        ),
        not_null=("year", "round", "circuitId", "name"),
        unique=(Unique(("year", "round"), "two races share one season and round"),),
        short_row_fields=8,
    ),
    RawFile(
        "results",
        {
            "resultId": "INTEGER",
            "raceId": "INTEGER",
            "driverId": "INTEGER",
            "constructorId": "INTEGER",
            "number": "INTEGER",
            "grid": "INTEGER",
            "position": "INTEGER",
            "positionText": "VARCHAR",
            "positionOrder": "INTEGER",
            "points": "DOUBLE",
            "laps": "INTEGER",
            "time": "VARCHAR",
            "milliseconds": "BIGINT",
            "fastestLap": "INTEGER",
            "rank": "INTEGER",
            "fastestLapTime": "VARCHAR",
            "fastestLapSpeed": "DOUBLE",
            "statusId": "INTEGER",
        },
        key=("resultId",),
        foreign_keys=_RESULT_FOREIGN_KEYS,
        checks=(
            Check("position", "position >= 1", _POSITIVE),
            Check("grid", "grid >= 0", _NON_NEGATIVE),
            Check("laps", "laps >= 0", _NON_NEGATIVE),
            Check("points", "points >= 0", _NON_NEGATIVE),
            Check("milliseconds", "milliseconds > 0", _POSITIVE),
            _range("points", 0, 100),
            _range("milliseconds", 1, _MAX_MS, " ms"),
            _range("laps", 0, 1000),
            _range("position", 1, 100),
            _range("grid", 0, 100),
        ),
        not_null=("raceId", "driverId", "constructorId", "positionText", "positionOrder"),
        # A shared drive (SOURCE.md quirk 5) is one driver in two cars, so the car number
        # tells the rows apart: results.csv repeated with fresh resultIds is refused.
        unique=(
            Unique(("raceId", "driverId", "number"), _ONE_PER_RACE),
            Unique(("raceId", "position"), _ONE_WINNER, where="position = 1", per="number"),
            Unique(("raceId", "positionOrder"), _ONE_PLACE, per="number"),
        ),
    ),
    RawFile(
        "sprint_results",
        {
            "resultId": "INTEGER",
            "raceId": "INTEGER",
            "driverId": "INTEGER",
            "constructorId": "INTEGER",
            "number": "INTEGER",
            "grid": "INTEGER",
            "position": "INTEGER",
            "positionText": "VARCHAR",
            "positionOrder": "INTEGER",
            "points": "DOUBLE",
            "laps": "INTEGER",
            "time": "VARCHAR",
            "milliseconds": "BIGINT",
            "fastestLap": "INTEGER",
            "fastestLapTime": "VARCHAR",
            "statusId": "INTEGER",
            "rank": "INTEGER",
        },
        key=("resultId",),
        required=False,
        foreign_keys=_RESULT_FOREIGN_KEYS,
        checks=(
            Check("position", "position >= 1", _POSITIVE),
            Check("points", "points >= 0", _NON_NEGATIVE),
            _range("points", 0, 100),
            _range("milliseconds", 1, _MAX_MS, " ms"),
            _range("position", 1, 100),
        ),
        not_null=("raceId", "driverId", "constructorId", "positionText", "positionOrder"),
        unique=(
            Unique(("raceId", "driverId"), "a driver appears twice in one sprint"),
            Unique(("raceId", "position"), _ONE_WINNER, where="position = 1", per="number"),
        ),
    ),
    RawFile(
        "qualifying",
        {
            "qualifyId": "INTEGER",
            "raceId": "INTEGER",
            "driverId": "INTEGER",
            "constructorId": "INTEGER",
            "number": "INTEGER",
            "position": "INTEGER",
            "q1": "VARCHAR",
            "q2": "VARCHAR",
            "q3": "VARCHAR",
        },
        key=("qualifyId",),
        required=False,
        foreign_keys=(
            _fk("raceId", "races"),
            _fk("driverId", "drivers"),
            _fk("constructorId", "constructors"),
        ),
        checks=(Check("position", "position >= 1", _POSITIVE),),
        not_null=("raceId", "driverId"),
        unique=(Unique(("raceId", "driverId"), "a driver appears twice in one qualifying"),),
    ),
    RawFile(
        "lap_times",
        {
            "raceId": "INTEGER",
            "driverId": "INTEGER",
            "lap": "INTEGER",
            "position": "INTEGER",
            "time": "VARCHAR",
            "milliseconds": "INTEGER",
        },
        key=("raceId", "driverId", "lap"),
        required=False,
        foreign_keys=(_fk("raceId", "races"), _fk("driverId", "drivers")),
        checks=(
            Check("lap", "lap >= 1", _POSITIVE),
            Check("milliseconds", "milliseconds > 0", _POSITIVE),
            _range("milliseconds", 1, _MAX_MS, " ms"),
            _range("lap", 1, 1000),
        ),
        not_null=("milliseconds",),
    ),
    RawFile(
        "pit_stops",
        {
            "raceId": "INTEGER",
            "driverId": "INTEGER",
            "stop": "INTEGER",
            "lap": "INTEGER",
            "time": "VARCHAR",
            "duration": "VARCHAR",
            "milliseconds": "INTEGER",
        },
        key=("raceId", "driverId", "stop"),
        required=False,
        foreign_keys=(_fk("raceId", "races"), _fk("driverId", "drivers")),
        checks=(
            Check("milliseconds", "milliseconds > 0", _POSITIVE),
            _range("milliseconds", 1, _MAX_MS, " ms"),
        ),
    ),
    RawFile(
        "driver_standings",
        {
            "driverStandingsId": "INTEGER",
            "raceId": "INTEGER",
            "driverId": "INTEGER",
            "points": "DOUBLE",
            "position": "INTEGER",
            "positionText": "VARCHAR",
            "wins": "INTEGER",
        },
        key=("driverStandingsId",),
        foreign_keys=(_fk("raceId", "races"), _fk("driverId", "drivers")),
        checks=(Check("position", "position >= 1", _POSITIVE), _range("points", 0, 5000)),
        unique=(Unique(("raceId", "driverId"), "a driver appears twice in one race's standings"),),
    ),
    RawFile(
        "constructor_standings",
        {
            "constructorStandingsId": "INTEGER",
            "raceId": "INTEGER",
            "constructorId": "INTEGER",
            "points": "DOUBLE",
            "position": "INTEGER",
            "positionText": "VARCHAR",
            "wins": "INTEGER",
        },
        key=("constructorStandingsId",),
        foreign_keys=(_fk("raceId", "races"), _fk("constructorId", "constructors")),
        checks=(Check("position", "position >= 1", _POSITIVE), _range("points", 0, 5000)),
        unique=(
            Unique(
                ("raceId", "constructorId"), "a constructor appears twice in one race's standings"
            ),
        ),
    ),
    RawFile(
        "constructor_results",
        {
            "constructorResultsId": "INTEGER",
            "raceId": "INTEGER",
            "constructorId": "INTEGER",
            "points": "DOUBLE",
            "status": "VARCHAR",
        },
        key=("constructorResultsId",),
        required=False,
        foreign_keys=(_fk("raceId", "races"), _fk("constructorId", "constructors")),
        checks=(_range("points", 0, 500),),
        unique=(Unique(("raceId", "constructorId"), "a constructor appears twice in one race"),),
    ),
)

RAW_BY_NAME = {raw.name: raw for raw in RAW_FILES}


@dataclass
class RawInput:
    """What was read: file hashes for the manifest and which optional files were present."""

    source: Path
    sha256: dict[str, str] = field(default_factory=dict)
    present: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)


def load_raw(con: duckdb.DuckDBPyConnection, source: Path) -> RawInput:
    """Read every raw file into a `raw_<name>` table (an empty table when an optional file is
    absent), then check keys, foreign keys and value rules. Raises InputError."""
    raw_input = RawInput(source=source)
    for raw in RAW_FILES:
        path = source / raw.filename
        if not path.is_file():
            if raw.required:
                raise InputError(raw.filename, f"required file is missing from {source}")
            raw_input.missing_optional.append(raw.name)
            _create_empty(con, raw)
            continue
        data = path.read_bytes()
        raw_input.sha256[raw.filename] = hashlib.sha256(data).hexdigest()
        raw_input.present.append(raw.name)
        _check_header(raw, data)
        if raw.short_row_fields:
            _check_field_counts(raw, data)
        _read_csv(con, raw, path)
        if raw.required and not con.execute(f"select 1 from raw_{raw.name} limit 1").fetchone():
            raise InputError(raw.filename, "has a header but no data rows", line=2)
    for raw in RAW_FILES:
        if raw.name in raw_input.present:
            _check_rules(con, raw, source / raw.filename)
    return raw_input


def _create_empty(con: duckdb.DuckDBPyConnection, raw: RawFile) -> None:
    cols = ", ".join(f'"{name}" {type_}' for name, type_ in raw.columns.items())
    con.execute(f"create or replace table raw_{raw.name} ({cols})")


def _check_header(raw: RawFile, data: bytes) -> None:
    if not data.strip():
        raise InputError(raw.filename, "file is empty; expected a header row", line=1)
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError(
            raw.filename, "file starts with a UTF-8 byte order mark; save it without a BOM", line=1
        )
    first_line = data.split(b"\n", 1)[0].rstrip(b"\r")
    if b"\r" in first_line:
        raise InputError(
            raw.filename, "lines end with CR only; save the file with LF (or CRLF) line endings", 1
        )
    try:
        header = next(csv.reader([first_line.decode("utf-8")]))
    except UnicodeDecodeError as exc:
        raise InputError(
            raw.filename, f"header is not valid UTF-8 ({exc.reason})", line=1
        ) from None
    except csv.Error as exc:
        raise InputError(raw.filename, f"header cannot be parsed ({exc})", line=1) from None
    expected = list(raw.columns)
    for name in expected:
        if name not in header:
            raise InputError(raw.filename, "required column is missing from the header", 1, name)
    if header != expected:
        unexpected = [name for name in header if name not in expected]
        problem = (
            f"unexpected column {unexpected[0]!r} in the header"
            if unexpected
            else f"columns are out of order: expected {','.join(expected)}"
        )
        raise InputError(raw.filename, problem, line=1)


def _check_field_counts(raw: RawFile, data: bytes) -> None:
    """races.csv may end a scheduled race's row after `url`; any other width is an error."""
    allowed = {len(raw.columns), raw.short_row_fields}
    text = _decode(raw, data)
    reader = csv.reader(text.splitlines())
    for row in reader:
        if len(row) not in allowed and reader.line_num > 1:
            raise InputError(
                raw.filename,
                f"row has {len(row)} fields; expected {len(raw.columns)} "
                f"(or {raw.short_row_fields} for a race without session times)",
                line=reader.line_num,
            )


def _decode(raw: RawFile, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        text = data.split(b"\n")[line - 1].decode("utf-8", errors="replace")
        fields = next(csv.reader([text]), [])
        names = list(raw.columns) if line > 1 else []
        column = next(
            (name for name, value in zip(names, fields, strict=False) if "\ufffd" in value), None
        )
        raise InputError(
            raw.filename, f"bytes are not valid UTF-8 ({exc.reason})", line, column
        ) from None


def _read_csv(con: duckdb.DuckDBPyConnection, raw: RawFile, path: Path) -> None:
    columns = ", ".join(f"'{name}': '{type_}'" for name, type_ in raw.columns.items())
    options = "null_padding = true" if raw.short_row_fields else "strict_mode = true"
    try:
        con.execute(
            f"""
            create or replace table raw_{raw.name} as
            select * from read_csv(?, header = true, auto_detect = false, delim = ',',
                quote = '"', escape = '"', nullstr = '\\N', columns = {{{columns}}},
                dateformat = '%Y-%m-%d', {options})
            """,
            [str(path)],
        )
    except duckdb.Error as exc:
        _diagnose(raw, path)
        first_line = str(exc).strip().splitlines()[0]
        raise InputError(raw.filename, f"could not be read: {first_line}") from None


_INT_RANGES = {"INTEGER": 2**31, "BIGINT": 2**63}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse(type_: str, value: str) -> None:
    """Raise ValueError unless DuckDB would read `value` as `type_`."""
    if type_ == "DATE":
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        datetime.date.fromisoformat(value)
    elif type_ in _INT_RANGES:
        bound = _INT_RANGES[type_]
        if not -bound <= int(value) < bound:
            raise ValueError(f"out of range for a {type_.lower()} ({-bound} to {bound - 1})")
    elif type_ == "DOUBLE" and not math.isfinite(float(value)):
        raise ValueError(value)


def _diagnose(raw: RawFile, path: Path) -> None:
    """Find the first line DuckDB could not read, and raise an InputError naming it."""
    text = _decode(raw, path.read_bytes())
    reader = csv.reader(text.splitlines())
    next(reader, None)
    names = list(raw.columns)
    allowed = {len(names), raw.short_row_fields or len(names)}
    for row in reader:
        line = reader.line_num
        if len(row) not in allowed:
            problem = f"row has {len(row)} fields; expected {len(names)}"
            if len(row) < len(names) and line == len(text.splitlines()):
                problem += " (the file looks truncated)"
            raise InputError(raw.filename, problem, line=line)
        for name, value in zip(names, row, strict=False):
            type_ = raw.columns[name]
            if value == NULL or type_ == "VARCHAR":
                continue
            try:
                _parse(type_, value)
            except ValueError as exc:
                kind = {
                    "INTEGER": "an integer",
                    "BIGINT": "an integer",
                    "DOUBLE": "a finite number",
                }
                problem = f"is not {kind.get(type_, 'a date (YYYY-MM-DD)')}"
                if str(exc).startswith("out of range"):
                    problem = f"is {exc}"
                raise InputError(raw.filename, f"{value!r} {problem}", line, name) from None


def _check_rules(con: duckdb.DuckDBPyConnection, raw: RawFile, path: Path) -> None:
    table = f"raw_{raw.name}"
    key = ", ".join(f'"{c}"' for c in raw.key)
    null_key = " or ".join(f'"{c}" is null' for c in (*raw.key, *raw.not_null))
    if con.execute(f"select 1 from {table} where {null_key} limit 1").fetchone():
        for line, row in _rows(raw, path):
            for column in (*raw.key, *raw.not_null):
                if row.get(column, NULL) in (NULL, ""):
                    raise InputError(raw.filename, "value is missing (\\N)", line, column)
    dup = con.execute(
        f"select {key} from {table} group by all having count(*) > 1 order by all limit 1"
    ).fetchone()
    if dup is not None:
        line = _find_line(raw, path, dict(zip(raw.key, dup, strict=True)), occurrence=2)
        shown = ", ".join(f"{c}={v}" for c, v in zip(raw.key, dup, strict=True))
        raise InputError(raw.filename, f"duplicate key ({shown})", line, ",".join(raw.key))
    for unique in raw.unique:
        _check_unique(con, raw, path, unique)
    for fk in raw.foreign_keys:
        _check_foreign_key(con, raw, path, fk)
    finite = tuple(
        Check(name, f'isfinite("{name}")', "is not a finite number")
        for name, type_ in raw.columns.items()
        if type_ == "DOUBLE"
    )
    # Text is served as JSON and CSV and loaded into PostgreSQL (which refuses NUL): no control
    # characters at all (the real data has none, not even a tab).
    text = tuple(
        Check(name, f"not regexp_matches(\"{name}\", '[[:cntrl:]]')", _CONTROL)
        for name, type_ in raw.columns.items()
        if type_ == "VARCHAR"
    )
    checks = (*finite, *text, *raw.checks)
    # One scan for every rule; only a file that breaks one is scanned again to say which.
    any_bad = " or ".join(f"coalesce(not ({check.sql}), false)" for check in checks)
    if not checks or not con.execute(f"select 1 from {table} where {any_bad} limit 1").fetchone():
        return
    for check in checks:
        bad = con.execute(
            f'select {key}, "{check.column}" from {table} where not ({check.sql}) limit 1'
        ).fetchone()
        if bad is not None:
            line = _find_line(raw, path, dict(zip(raw.key, bad, strict=False)))
            raise InputError(raw.filename, f"{bad[-1]!r} {check.problem}", line, check.column)


_CONTROL = "contains a control character (U+0000 to U+001F or U+007F)"


def _check_unique(con: duckdb.DuckDBPyConnection, raw: RawFile, path: Path, unique: Unique) -> None:
    cols = ", ".join(f'"{c}"' for c in unique.columns)
    if unique.per is None:
        found = con.execute(
            f"select {cols} from raw_{raw.name} where {unique.where} "
            f"group by all having count(*) > 1 order by all limit 1"
        ).fetchone()
        if found is None:
            return
        values = dict(zip(unique.columns, found, strict=True))
        line = _find_line(raw, path, values, occurrence=2)
    else:
        per = f'"{unique.per}"'
        found = con.execute(
            f"select {cols}, max({per}) from raw_{raw.name} where {unique.where} "
            f"group by {cols} having count(distinct {per}) > 1 order by {cols} limit 1"
        ).fetchone()
        if found is None:
            return
        values = dict(zip(unique.columns, found, strict=False))
        line = _find_line(raw, path, {**values, unique.per: found[-1]})
    shown = ", ".join(f"{c}={v}" for c, v in values.items())
    raise InputError(raw.filename, f"{unique.problem} ({shown})", line, ",".join(unique.columns))


def _check_foreign_key(
    con: duckdb.DuckDBPyConnection, raw: RawFile, path: Path, fk: ForeignKey
) -> None:
    cols = ", ".join(f'c."{c}"' for c in fk.columns)
    join = " and ".join(
        f'c."{c}" = p."{r}"' for c, r in zip(fk.columns, fk.ref_columns, strict=True)
    )
    not_null = " and ".join(f'c."{c}" is not null' for c in fk.columns)
    orphan = con.execute(
        f"select {cols} from raw_{raw.name} c anti join raw_{fk.table} p on {join} "
        f"where {not_null} limit 1"
    ).fetchone()
    if orphan is None:
        return
    values = dict(zip(fk.columns, orphan, strict=True))
    line = _find_line(raw, path, values)
    shown = ", ".join(f"{v}" for v in orphan)
    raise InputError(
        raw.filename,
        f"{shown} does not exist in {fk.table}.csv ({','.join(fk.ref_columns)})",
        line,
        ",".join(fk.columns),
    )


def _rows(raw: RawFile, path: Path):
    reader = csv.reader(_decode(raw, path.read_bytes()).splitlines())
    next(reader, None)
    names = list(raw.columns)
    for row in reader:
        yield reader.line_num, dict(zip(names, row, strict=False))


def _matches(row: dict[str, str], values: dict[str, object]) -> bool:
    for column, value in values.items():
        text = row.get(column, NULL)
        if value is None:
            if text not in (NULL, ""):
                return False
        elif text == NULL or not _same(text, value):
            return False
    return True


def _same(text: str, value: object) -> bool:
    try:
        return type(value)(text) == value  # type: ignore[call-arg]
    except (TypeError, ValueError):
        return str(value) == text


def _find_line(
    raw: RawFile, path: Path, values: dict[str, object], occurrence: int = 1
) -> int | None:
    seen = 0
    for line, row in _rows(raw, path):
        if _matches(row, values):
            seen += 1
            if seen == occurrence:
                return line
    return None
