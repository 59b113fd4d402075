"""Data changes are visible: `python -m transforms diff`, the summary every build prints before
it publishes, /meta/changes for the served version, and /meta saying sample or real."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from tests.conftest import make_client, quiet
from transforms.build import build
from transforms.cli import main
from transforms.diff import diff_versions, summary_lines
from transforms.load_sqlite import load_sqlite


@pytest.fixture(scope="module")
def two_versions(sample_csvs: Path, tmp_path_factory: pytest.TempPathFactory):
    """The sample built, then rebuilt with driver 1's forename changed, in one artifacts dir.
    Returns (artifacts, old build, new build, build log, driver_ref, old name, new name)."""
    root = tmp_path_factory.mktemp("changes")
    edited = root / "edited"
    shutil.copytree(sample_csvs, edited)
    drivers = (edited / "drivers.csv").read_text().splitlines()
    first = next(csv.reader([drivers[1]]))
    ref, forename = first[1], first[4]
    drivers[1] = drivers[1].replace(f'"{forename}"', '"Renamed"', 1)
    (edited / "drivers.csv").write_text("\n".join(drivers) + "\n")
    artifacts = root / "artifacts"
    old = build(sample_csvs, artifacts, quiet)
    lines: list[str] = []
    new = build(edited, artifacts, lines.append)
    load_sqlite(new.directory, quiet)
    return artifacts, old, new, lines, ref, forename


def test_diff_names_the_changed_row_and_its_values(two_versions):
    _, old, new, _, ref, forename = two_versions
    changes = diff_versions(old.directory, new.directory)
    by_mart = {m["name"]: m for m in changes["marts"]}
    assert (by_mart["driver_summary"]["added"], by_mart["driver_summary"]["removed"]) == (0, 0)
    assert by_mart["driver_summary"]["changed"] == 1
    assert by_mart["constructor_summary"]["changed"] == 0  # no driver names there
    line = next(line for line in summary_lines(changes) if line.startswith("driver_summary:"))
    assert line.startswith(f"driver_summary: 1 changed — {ref} forename {forename} → Renamed")


def test_diff_counts_added_and_removed_rows(two_versions, tmp_path):
    _, old, _new, _, _, _ = two_versions
    # The same version compared with itself: nothing changed.
    assert summary_lines(diff_versions(old.directory, old.directory)) == [
        f"no changes from {old.data_version}"
    ]
    # A version with one driver_season row fewer: one removed, and the reverse one added.
    smaller = tmp_path / "smaller"
    shutil.copytree(old.directory, smaller)
    import json

    import duckdb

    path = smaller / "driver_season.parquet"
    duckdb.execute(
        f"copy (select * from read_parquet('{old.directory / 'driver_season.parquet'}') "
        "where not (driver_id = 1 and season = 2022)) to '" + str(path) + "' (format parquet)"
    )
    manifest = json.loads((smaller / "manifest.json").read_text())
    manifest["marts"]["driver_season"]["sha256"] = "changed"
    (smaller / "manifest.json").write_text(json.dumps(manifest))
    removed = {m["name"]: m for m in diff_versions(old.directory, smaller)["marts"]}
    assert removed["driver_season"]["removed"] == 1
    assert removed["driver_season"]["examples"][0].startswith("-")
    assert removed["driver_season"]["examples"][0].endswith(" 2022")
    added = {m["name"]: m for m in diff_versions(smaller, old.directory)["marts"]}
    assert (added["driver_season"]["added"], added["driver_season"]["removed"]) == (1, 0)


def test_build_prints_the_summary_before_publishing(two_versions):
    _, old, _, lines, ref, _forename = two_versions
    at = lines.index(f"   changes against current ({old.data_version}):")
    published = next(i for i, line in enumerate(lines) if line.startswith("Done."))
    summary = [line.strip() for line in lines[at + 1 : published]]
    assert any(line.startswith(f"driver_summary: 1 changed — {ref} forename") for line in summary)


def test_cli_diff_prints_the_same_summary(two_versions, capsys):
    artifacts, old, _new, lines, _, _ = two_versions
    assert main(["--artifacts", str(artifacts), "diff", old.data_version]) == 0
    printed = capsys.readouterr().out.splitlines()
    at = lines.index(f"   changes against current ({old.data_version}):")
    assert printed == [line.strip() for line in lines[at + 1 : at + 1 + len(printed)]]
    assert main(["--artifacts", str(artifacts), "diff", old.data_version, "nope"]) == 1


def test_meta_changes_for_the_served_version(two_versions, request):
    artifacts, old, new, _, ref, forename = two_versions
    with make_client("sqlite", artifacts, request) as client:
        body = client.get("/meta/changes").json()
    assert body["data_version"] == new.data_version
    assert body["previous_version"] == old.data_version
    marts = {m["name"]: m for m in body["marts"]}
    assert marts["driver_summary"]["changed"] == 1
    assert any(
        line.startswith(f"driver_summary: 1 changed — {ref} forename {forename} → Renamed")
        for line in body["summary"]
    )


def test_meta_changes_of_a_first_build_is_unknown(client):
    body = client.get("/meta/changes").json()
    assert body["previous_version"] is None
    assert body["marts"] == [] and body["summary"] == []


def test_meta_says_sample_with_its_cutoff_race(client):
    source = client.get("/meta").json()["source"]
    assert source["kind"] == "sample"
    assert "fictional" in source["description"]
    assert source["cutoff_race"]["season"] == 2025 and source["cutoff_race"]["round"] == 4


@pytest.mark.real_data
def test_meta_says_real_with_its_cutoff_race(real_client):
    source = real_client.get("/meta").json()["source"]
    assert source["kind"] == "real"
    assert source["cutoff_race"]["name"] == "Singapore Grand Prix"
    assert source["cutoff_race"]["season"] == 2025


def test_server_start_up_line_says_what_it_serves(sample_build, tmp_path):
    from tests.serving import running_app

    log = tmp_path / "server.log"
    with running_app(sample_build.directory.parent, log, log_level="info"):
        pass
    line = next(line for line in log.read_text().splitlines() if "serving " in line)
    assert f"serving sample data, version {sample_build.data_version}" in line
    assert "up to the 2025 " in line
