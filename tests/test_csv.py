"""CSV rows: the same values as JSON, lists of objects as `<field>_<subfield>` columns, and text
that a spreadsheet would run as a formula neutralised (OWASP "CSV Injection")."""

from __future__ import annotations

import asyncio
import csv
import datetime
import io

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.routes.common import CSV_CHUNK, csv_body, csv_header, to_csv


class Team(msgspec.Struct, frozen=True, kw_only=True):
    ref: str
    points: float


class Line(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    number: int | None
    delta: float
    champion: bool
    born: datetime.date | None
    teams: list[Team]


def rows(items: list[Line]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(to_csv(items, Line).decode())))


def test_values_are_written_as_in_json():
    line = Line(
        name="Lewis Hamilton",
        number=None,
        delta=-1.5,
        champion=True,
        born=datetime.date(1985, 1, 7),
        teams=[Team(ref="mclaren", points=98.0), Team(ref="mercedes", points=413.5)],
    )
    header, row = rows([line])
    assert header == csv_header(Line)
    assert header == [
        "name",
        "number",
        "delta",
        "champion",
        "born",
        "teams_ref",
        "teams_points",
    ]
    # Numbers are never neutralised: -1.5 stays a number.
    assert row == [
        "Lewis Hamilton",
        "",
        "-1.5",
        "true",
        "1985-01-07",
        "mclaren|mercedes",
        "98.0|413.5",
    ]


@pytest.mark.parametrize(
    "text", ["=1+2", "+1", "-2", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("x")']
)
def test_formula_leading_text_is_neutralised(text):
    line = Line(
        name=text,
        number=1,
        delta=0.0,
        champion=False,
        born=None,
        teams=[Team(ref=text, points=1.0)],
    )
    _, row = rows([line])
    assert row[0] == "'" + text
    assert row[5] == "'" + text
    assert row[3] == "false" and row[4] == ""


def test_plain_text_is_unchanged():
    line = Line(name="a=b, c", number=7, delta=2.0, champion=False, born=None, teams=[])
    _, row = rows([line])
    assert row == ["a=b, c", "7", "2.0", "false", "", "", ""]


@pytest.mark.parametrize("count", [0, 1, CSV_CHUNK, CSV_CHUNK + 1, 2 * CSV_CHUNK + 57])
def test_a_page_written_in_parts_is_the_page_written_at_once(count):
    items = [
        Line(
            name=f'Driver "{i}", Jr.' if i % 7 == 0 else f"=cmd{i}" if i % 11 == 0 else f"D{i}",
            number=i if i % 3 else None,
            delta=i / 4,
            champion=i % 2 == 0,
            born=None,
            teams=[Team(ref=f"t{i}", points=1.5), Team(ref="x,y", points=0.0)] if i % 5 else [],
        )
        for i in range(count)
    ]
    whole = to_csv(items, Line)
    assert asyncio.run(csv_body(items, Line)) == whole
    assert len(rows(items)) == count + 1


def expected_cell(value: object) -> str:
    """A cell as the CSV contract says, written one value at a time."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
    return str(value)


text = st.text(alphabet=st.sampled_from(list('ab ,"=+-@\t\r\n|é')), max_size=6)
lines_ = st.lists(
    st.builds(
        Line,
        name=text,
        number=st.none() | st.integers(-(2**63), 2**63 - 1),
        delta=st.floats(allow_nan=False, allow_infinity=False),
        champion=st.booleans(),
        born=st.none() | st.dates(),
        teams=st.lists(st.builds(Team, ref=text, points=st.floats(-1e6, 1e6)), max_size=2),
    ),
    max_size=8,
)


@given(lines_)
def test_every_cell_reads_back_as_written_one_by_one(items):
    """Whatever the text (commas, quotes, line breaks, formula starts), a CSV reader gets back
    each value as written alone: the column-at-a-time writer loses or shifts nothing."""
    header, *read = list(csv.reader(io.StringIO(to_csv(items, Line).decode(), newline="")))
    assert header == csv_header(Line)
    assert read == [
        [
            expected_cell(i.name),
            expected_cell(i.number),
            expected_cell(i.delta),
            expected_cell(i.champion),
            expected_cell(i.born.isoformat() if i.born else None),
            "|".join(expected_cell(t.ref) for t in i.teams),
            "|".join(expected_cell(t.points) for t in i.teams),
        ]
        for i in items
    ]
