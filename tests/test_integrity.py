"""Artifacts are verified, not trusted: a changed byte in a Parquet file or in racing.sqlite is
found by the loads (one line naming the file, nothing loaded), by `verify_version`, and a
rebuild from good input repairs the version in place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from contract import SQLITE_FILE, SQLITE_SHA256_FILE
from contract.integrity import IntegrityError, sha256_file
from tests.conftest import ROOT, quiet
from transforms.build import build
from transforms.load_sqlite import load_sqlite
from transforms.verify import verify_version

TINY = Path(__file__).parent / "fixtures" / "tiny"


def flip_a_bit(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if at is None else at
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def version(tmp_path: Path) -> Path:
    """A freshly built and SQLite-loaded tiny version of the test's own."""
    directory = build(TINY, tmp_path / "artifacts", quiet).directory
    load_sqlite(directory, quiet)
    return directory


def transforms_cli(artifacts: Path, *args: str, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "transforms", "--artifacts", str(artifacts), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def test_an_intact_version_verifies(version: Path) -> None:
    lines = verify_version(version)
    assert "driver_summary.parquet: ok" in lines and f"{SQLITE_FILE}: ok" in lines
    recorded = (version / SQLITE_SHA256_FILE).read_text().split()
    assert recorded == [sha256_file(version / SQLITE_FILE), SQLITE_FILE]


def test_a_flipped_bit_in_a_parquet_file_stops_the_loads(version: Path, postgres_url) -> None:
    (version / SQLITE_FILE).unlink()
    parquet = version / "driver_summary.parquet"
    flip_a_bit(parquet)

    with pytest.raises(IntegrityError, match=r"driver_summary\.parquet: sha256 .* differs"):
        verify_version(version)
    loader = {**os.environ, "RACING_LOADER_DATABASE_URL": postgres_url}
    for target in ("sqlite", "postgres"):
        done = transforms_cli(version.parent, "load", target, env=loader)
        assert done.returncode == 1
        assert done.stderr.startswith(f"error: {parquet}: sha256 "), done.stderr
        assert "rebuild with `just build-artifacts`" in done.stderr
        assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (version / SQLITE_FILE).exists()


def test_a_rebuild_repairs_a_damaged_version_in_place(version: Path) -> None:
    parquet = version / "driver_summary.parquet"
    good = parquet.read_bytes()
    inode = version.stat().st_ino
    flip_a_bit(parquet)

    logged: list[str] = []
    again = build(TINY, version.parent, logged.append)
    assert again.directory == version and again.created
    assert parquet.read_bytes() == good
    assert version.stat().st_ino == inode  # the directory servers read never went away
    assert f"   repaired driver_summary.parquet in {version}" in logged
    assert (version / SQLITE_FILE).exists()  # loaded from the good bytes: still valid
    verify_version(version)
    assert build(TINY, version.parent, quiet).created is False  # intact now: nothing to do


def test_a_version_without_a_readable_manifest_is_rebuilt_whole(version: Path) -> None:
    (version / "manifest.json").write_text("{not json")
    again = build(TINY, version.parent, quiet)
    assert again.created
    verify_version(again.directory)


def test_a_changed_racing_sqlite_is_loaded_again_not_already_held(version: Path) -> None:
    database = version / SQLITE_FILE
    flip_a_bit(database, at=database.stat().st_size - 100)
    with pytest.raises(IntegrityError, match=rf"{SQLITE_FILE}: sha256 .* reload it"):
        verify_version(version)

    done = transforms_cli(version.parent, "load", "sqlite")
    assert done.returncode == 0, done.stderr
    assert "already holds" not in done.stdout
    assert "loading" in done.stdout and "again" in done.stdout
    verify_version(version)
    assert "already holds" in transforms_cli(version.parent, "load", "sqlite").stdout


def test_a_load_without_its_record_is_done_again(version: Path) -> None:
    (version / SQLITE_SHA256_FILE).unlink()  # e.g. a load killed before it recorded
    with pytest.raises(IntegrityError, match="no digest recorded"):
        verify_version(version)
    logged: list[str] = []
    load_sqlite(version, logged.append)
    assert not any("already holds" in line for line in logged)
    verify_version(version)


def test_a_missing_parquet_file_is_named(version: Path) -> None:
    (version / "race.parquet").unlink()
    with pytest.raises(IntegrityError, match=r"race\.parquet: missing; rebuild"):
        verify_version(version)
