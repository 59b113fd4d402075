"""Malformed raw input: each case is the tiny fixture with one defect. The build must stop with an
InputError naming the file, the line (where knowable) and the column (where the problem is in
one field), and must leave the previously published artifacts exactly as they were."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pyarrow.parquet as pq
import pytest

from transforms.build import ShrinkError, build
from transforms.raw import InputError

ROOT = Path(__file__).resolve().parents[1]
TINY = Path(__file__).parent / "fixtures" / "tiny"

Mutate = Callable[[Path], None]


def quiet(_message: str) -> None:
    pass


def replace(file: str, old: bytes, new: bytes) -> Mutate:
    """Replace the one occurrence of `old` in `file` (fails loudly if the fixture drifts)."""

    def mutate(source: Path) -> None:
        path = source / file
        data = path.read_bytes()
        assert data.count(old) == 1, f"{old!r} must occur once in {file}"
        path.write_bytes(data.replace(old, new))

    return mutate


def delete(file: str) -> Mutate:
    return lambda source: (source / file).unlink()


def rewrite(file: str, change: Callable[[bytes], bytes]) -> Mutate:
    def mutate(source: Path) -> None:
        path = source / file
        path.write_bytes(change(path.read_bytes()))

    return mutate


def repeated_with_fresh_ids(data: bytes) -> bytes:
    """results.csv followed by its own rows again, each with a new resultId."""
    header, _, body = data.partition(b"\n")
    rows = body.splitlines()
    again = [b"%d," % (100 + n) + row.split(b",", 1)[1] for n, row in enumerate(rows)]
    return b"\n".join([header, *rows, *again]) + b"\n"


class Case(NamedTuple):
    mutate: Mutate
    file: str
    line: int | None  # None: the problem is not on a line (a missing file)
    column: str | None  # None: the problem is the whole row or file, not one field
    problem: str  # a fragment of the message


CASES: dict[str, Case] = {
    "missing_required_file": Case(
        delete("drivers.csv"), "drivers.csv", None, None, "required file is missing"
    ),
    "missing_column": Case(
        replace("drivers.csv", b"driverId,driverRef,number,", b"driverId,driverRef,"),
        "drivers.csv", 1, "number", "missing from the header",
    ),
    "renamed_column": Case(
        replace("drivers.csv", b",driverRef,", b",driver_ref,"),
        "drivers.csv", 1, "driverRef", "missing from the header",
    ),
    "non_numeric_id": Case(
        replace("results.csv", b"\n5,2,3,", b"\n5,2,x3,"),
        "results.csv", 6, "driverId", "'x3' is not an integer",
    ),
    "duplicate_primary_key": Case(
        replace("drivers.csv", b'\n4,"dan"', b'\n3,"dan"'),
        "drivers.csv", 5, "driverId", "duplicate key",
    ),
    "orphan_foreign_key": Case(
        replace("results.csv", b"\n6,2,1,1,", b"\n6,2,9,1,"),
        "results.csv", 7, "driverId", "does not exist in drivers.csv",
    ),
    "truncated_last_line": Case(
        rewrite("constructor_standings.csv", lambda data: data[:-6]),
        "constructor_standings.csv", 9, None, "truncated",
    ),
    "empty_file": Case(rewrite("status.csv", lambda _: b""), "status.csv", 1, None, "empty"),
    "non_utf8_header": Case(
        replace("drivers.csv", b"driverRef", b"driverR\xe9f"), "drivers.csv", 1, None, "UTF-8"
    ),
    "non_utf8_field": Case(
        replace("drivers.csv", b'"Cole"', b'"C\xf6le"'), "drivers.csv", 4, "surname", "UTF-8"
    ),
    "bom": Case(
        rewrite("circuits.csv", lambda data: b"\xef\xbb\xbf" + data),
        "circuits.csv", 1, None, "byte order mark",
    ),
    "ragged_row_in_results": Case(
        replace("results.csv", b"\n9,3,1,1,11,", b"\n9,3,1,1,"),
        "results.csv", 10, None, "row has 17 fields; expected 18",
    ),
    "races_row_with_9_fields": Case(
        replace("races.csv", b"2021_gamma\n", b"2021_gamma,2021-04-02\n"),
        "races.csv", 6, None, "row has 9 fields",
    ),
    "races_row_with_17_fields": Case(
        replace("races.csv", b',"15:30:00"\n', b"\n"), "races.csv", 4, None, "row has 17 fields"
    ),
    "negative_lap_time": Case(
        replace("lap_times.csv", b"1:30.000,90000", b"1:30.000,-90000"),
        "lap_times.csv", 5, "milliseconds", "must be a positive number",
    ),
    "unparseable_date": Case(
        replace("races.csv", b'"2020-03-15"', b'"15/03/2020"'),
        "races.csv", 3, "date", "is not a date",
    ),
    "impossible_date": Case(
        replace("drivers.csv", b'"1991-02-02"', b'"1991-02-31"'),
        "drivers.csv", 3, "dob", "is not a date",
    ),
    "compact_date": Case(
            replace("races.csv", b'"2020-03-15"', b'"20200315"'),
            "races.csv", 3, "date", "is not a date",
        ),
    "integer_out_of_range": Case(
            replace("results.csv", b"\n5,2,3,", b"\n99999999999,2,3,"),
            "results.csv", 6, "resultId", "integer",
        ),
    "nan_points": Case(
            replace("results.csv", b"\n4,2,2,1,12,2,1,1,1,25,", b"\n4,2,2,1,12,2,1,1,1,nan,"),
            "results.csv", 5, "points", "points",
        ),
    # Plainly wrong input that reads fine (issue 11, item 4).
    "header_only_required_file": Case(
        rewrite("results.csv", lambda data: data.split(b"\n", 1)[0] + b"\n"),
        "results.csv", 2, None, "no data rows",
    ),
    "results_repeated_with_fresh_ids": Case(
        rewrite("results.csv", repeated_with_fresh_ids),
        "results.csv", 18, "raceId,driverId,number", "a driver appears twice in one race",
    ),
    "two_winners": Case(
        replace("results.csv", b"\n2,1,2,1,12,3,2,", b"\n2,1,2,1,12,3,1,"),
        "results.csv", 3, "raceId,position", "a second winner of this race",
    ),
    "lap_twice": Case(
        replace("lap_times.csv", b"\n3,3,2,1,1:21.000,81000", b"\n3,3,1,1,1:21.000,81000"),
        "lap_times.csv", 7, "raceId,driverId,lap", "duplicate key",
    ),
    "duplicate_driver_ref": Case(
        replace("drivers.csv", b'\n4,"dan"', b'\n4,"cat"'),
        "drivers.csv", 5, "driverRef", "two drivers share one driverRef",
    ),
    "points_1e300": Case(
        replace("results.csv", b"\n4,2,2,1,12,2,1,1,1,25,", b"\n4,2,2,1,12,2,1,1,1,1e300,"),
        "results.csv", 5, "points", "out of range",
    ),
    "dob_in_2090": Case(
        replace("drivers.csv", b'"1991-02-02"', b'"2090-02-02"'),
        "drivers.csv", 3, "dob", "out of range",
    ),
    "ten_hour_lap": Case(
        replace("lap_times.csv", b"1:30.000,90000", b"1:30.000,36000000"),
        "lap_times.csv", 5, "milliseconds", "out of range",
    ),
    "race_year_1900": Case(
        replace("races.csv", b'\n2,2020,2,2,"Beta Grand Prix","2020-03-15"',
                b'\n2,1900,2,2,"Beta Grand Prix","1900-03-15"'),
        "races.csv", 3, "year", "out of range",
    ),
    "race_date_outside_its_season": Case(
        replace("races.csv", b'"2020-03-15"', b'"2019-03-15"'),
        "races.csv", 3, "date", "not in the race's season",
    ),
    "nul_in_surname": Case(
        replace("drivers.csv", b'"Cole"', b'"Co\x00le"'),
        "drivers.csv", 4, "surname", "control character",
    ),
    "escape_in_circuit_name": Case(
        replace("circuits.csv", b"Alpha Ring", b"Alpha\x1bRing"),
        "circuits.csv", 2, "name", "control character",
    ),
    "cr_only_line_endings": Case(
        rewrite("status.csv", lambda data: data.replace(b"\n", b"\r")),
        "status.csv", 1, None, "CR only",
    ),
}  # fmt: skip


def fresh_source(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(TINY, source)
    return source


def snapshot(artifacts: Path) -> dict:
    """What must not change: where `current` points, its manifest's bytes, the directory list."""
    current = artifacts / "current"
    return {
        "target": os.readlink(current),
        "manifest": (current / "manifest.json").read_bytes(),
        "entries": sorted(p.name for p in artifacts.iterdir()),
        "files": sorted(p.name for p in current.resolve().iterdir()),
    }


@pytest.fixture(scope="module")
def good_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    artifacts = tmp_path_factory.mktemp("good") / "artifacts"
    build(TINY, artifacts, log=quiet)
    return artifacts


@pytest.fixture
def published(tmp_path: Path, good_artifacts: Path) -> tuple[Path, dict]:
    """A test's own artifacts directory where the good tiny fixture is already published
    (a copy of one build, `current` symlink included, to keep the module fast)."""
    artifacts = tmp_path / "artifacts"
    shutil.copytree(good_artifacts, artifacts, symlinks=True)
    assert (artifacts / "current").is_symlink()
    return artifacts, snapshot(artifacts)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_defect_raises_input_error_and_keeps_current(
    tmp_path: Path, published: tuple[Path, dict], case: Case
) -> None:
    artifacts, before = published
    source = fresh_source(tmp_path)
    case.mutate(source)

    with pytest.raises(InputError) as info:
        build(source, artifacts, log=quiet)

    assert snapshot(artifacts) == before
    error = info.value
    message = str(error)
    assert error.file == case.file and message.startswith(case.file)
    assert error.line == case.line
    if case.line is not None:
        assert f"line {case.line}" in message
    assert case.problem in message
    assert error.column == case.column
    if case.column is not None:
        assert f"column {case.column}" in message


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("orphan_foreign_key", "results.csv"),
        ("missing_required_file", "drivers.csv"),
        ("cr_only_line_endings", "status.csv"),
        ("nul_in_surname", "drivers.csv"),
    ],
)
def test_cli_reports_one_error_line(tmp_path: Path, name: str, file: str) -> None:
    source = fresh_source(tmp_path)
    CASES[name].mutate(source)
    artifacts = tmp_path / "artifacts"
    completed = subprocess.run(
        [sys.executable, "-m", "transforms", "--artifacts", str(artifacts), "build", str(source)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode != 0
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith(f"error: {file}")
    assert not (artifacts / "current").exists()


def test_missing_optional_file_builds(tmp_path: Path) -> None:
    source = fresh_source(tmp_path)
    (source / "lap_times.csv").unlink()
    result = build(source, tmp_path / "artifacts", log=quiet)

    manifest = json.loads((result.directory / "manifest.json").read_text())
    coverage = manifest["coverage"]
    assert "lap_times" in coverage["optional_files_missing"]
    assert "lap_times" not in coverage["files_present"]
    assert coverage["lap_data_seasons"] == []
    assert "lap_times.csv" not in manifest["inputs"]
    # Without lap rows race 3's fastest lap falls back to results.rank = 1: cat, not ann.
    seasons = pq.read_table(result.directory / "driver_season.parquet").to_pylist()
    fastest = {(r["driver_id"], r["season"]): r["fastest_laps"] for r in seasons}
    assert (fastest[1, 2021], fastest[3, 2021]) == (0, 2)


def without_race(source: Path, race_id: int) -> None:
    """Remove one race's results and standings: a plausible-looking but shrunken export."""
    for name in ("results.csv", "driver_standings.csv", "constructor_standings.csv"):
        path = source / name
        header, *rows = path.read_text().splitlines(keepends=True)
        path.write_text(header + "".join(r for r in rows if r.split(",")[1] != str(race_id)))


def test_build_refuses_to_shrink_unless_allowed(
    tmp_path: Path, published: tuple[Path, dict]
) -> None:
    artifacts, before = published
    source = fresh_source(tmp_path)
    without_race(source, 4)

    with pytest.raises(ShrinkError) as info:
        build(source, artifacts, log=quiet)
    message = str(info.value)
    assert "1 of 4 races with results (25%; e.g. 2021 round 2)" in message
    assert "5 of 20 results" in message and "2021 round 2 dan" in message
    assert "drivers" not in message  # every driver is still there
    assert "--allow-shrink" in message
    assert snapshot(artifacts) == before

    logged: list[str] = []
    result = build(source, artifacts, log=logged.append, allow_shrink=True)
    assert result.created and os.readlink(artifacts / "current") == result.data_version
    assert any("warning: this build drops 1 of 4 races" in line for line in logged)


def test_cli_refuses_to_shrink_in_one_line(tmp_path: Path, published: tuple[Path, dict]) -> None:
    artifacts, before = published
    source = fresh_source(tmp_path)
    without_race(source, 4)
    command = [sys.executable, "-m", "transforms", "--artifacts", str(artifacts), "build"]

    refused = subprocess.run(
        [*command, str(source)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: this build drops 1 of 4 races with results")
    assert len(refused.stderr.splitlines()) == 1, refused.stderr
    assert snapshot(artifacts) == before

    allowed = subprocess.run(
        [*command, str(source), "--allow-shrink", "-q"], cwd=ROOT, capture_output=True, timeout=60
    )
    assert allowed.returncode == 0, allowed.stderr
    assert snapshot(artifacts)["target"] != before["target"]
