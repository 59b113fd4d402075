"""Integrity of a version directory: every file is what the manifest (or, for `racing.sqlite`,
the digest the SQLite load recorded beside it) says, byte for byte. Both halves check with
these functions: a load before it reads the Parquet, the API before it serves a file.

Standard library only, like the rest of the contract."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from contract import MANIFEST_FILE, SQLITE_FILE, SQLITE_SHA256_FILE


class IntegrityError(Exception):
    """A file of a version is missing or not what was recorded. One line naming the file."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path, self.problem = path, problem
        super().__init__(f"{path}: {problem}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(version_dir: Path) -> dict:
    path = version_dir / MANIFEST_FILE
    remedy = "rebuild with `just build-artifacts`"
    try:
        manifest = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise IntegrityError(path, f"missing; {remedy}") from None
    except (OSError, ValueError) as exc:
        raise IntegrityError(path, f"unreadable ({exc}); {remedy}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("marts"), dict):
        raise IntegrityError(path, f"not a manifest (no marts); {remedy}")
    return manifest


def check_file(path: Path, sha256: str, size: int | None, remedy: str) -> None:
    try:
        actual_size = path.stat().st_size
    except FileNotFoundError:
        raise IntegrityError(path, f"missing; {remedy}") from None
    if size is not None and actual_size != size:
        raise IntegrityError(path, f"{actual_size} bytes, the record says {size}; {remedy}")
    actual = sha256_file(path)
    if actual != sha256:
        raise IntegrityError(
            path, f"sha256 {actual[:16]}… differs from the recorded {sha256[:16]}…; {remedy}"
        )


def check_marts(version_dir: Path, manifest: dict | None = None) -> dict:
    """Every mart file against the manifest (size, then sha256). Returns the manifest."""
    manifest = manifest or read_manifest(version_dir)
    for mart in manifest["marts"].values():
        check_file(
            version_dir / mart["file"], mart["sha256"], mart.get("bytes"),
            "rebuild with `just build-artifacts` (a rebuild repairs the version)",
        )  # fmt: skip
    return manifest


def check_sqlite(version_dir: Path) -> None:
    """`racing.sqlite` against the digest its load recorded beside it."""
    path = version_dir / SQLITE_FILE
    record = version_dir / SQLITE_SHA256_FILE
    remedy = "reload it with `just load sqlite`"
    try:
        recorded = record.read_text().split()[0]
    except (FileNotFoundError, IndexError):
        raise IntegrityError(path, f"no digest recorded at {record.name}; {remedy}") from None
    check_file(path, recorded, None, remedy)


def record_sqlite(version_dir: Path, written: Path) -> None:
    """Record the digest of a finished SQLite load (`written`, still under a temporary name)
    as that of version_dir/racing.sqlite, atomically. Written before the file is renamed into
    place: a kill in between leaves a record the old file fails, so the next load redoes it."""
    record = version_dir / SQLITE_SHA256_FILE
    tmp = version_dir / f".{SQLITE_SHA256_FILE}.{os.getpid()}.tmp"
    tmp.write_text(f"{sha256_file(written)}  {SQLITE_FILE}\n")
    os.replace(tmp, record)
