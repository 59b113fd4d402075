"""Versioned artifacts: artifacts/<data_version>/<mart>.parquet + manifest.json, published
atomically, with artifacts/current pointing at the version to serve."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow
import pyarrow.parquet as pq

from contract import COLUMN_TYPES, CURRENT_LINK, MANIFEST_FILE, SCHEMA_VERSION, integrity
from contract.integrity import sha256_file
from transforms.runner import AuditError, Model


class NoArtifacts(Exception):
    """Nothing is built yet where a load looks for artifacts/current."""


def data_version(input_sha256: dict[str, str], transform_sha256: str) -> str:
    """Content-derived: the same inputs and SQL give the same version."""
    digest = hashlib.sha256(f"schema {SCHEMA_VERSION}\ntransform {transform_sha256}\n".encode())
    for name in sorted(input_sha256):
        digest.update(f"{name} {input_sha256[name]}\n".encode())
    return digest.hexdigest()[:16]


def write_parquet(con: duckdb.DuckDBPyConnection, mart: Model, directory: Path) -> dict:
    path = directory / f"{mart.name}.parquet"
    order = ", ".join(mart.key)
    con.execute(
        f"copy (select * from {mart.name} order by {order}) to '{path}' "
        "(format parquet, compression zstd, row_group_size 100000)"
    )
    columns = [{"name": f.name, "type": str(f.type)} for f in pq.read_schema(path)]
    for column in columns:
        if column["type"] not in COLUMN_TYPES:
            raise AuditError(
                f"mart {mart.name}: column {column['name']} has type {column['type']}, "
                f"not one of the contract's ({', '.join(COLUMN_TYPES)})"
            )
    return {
        "file": path.name,
        "grain": mart.grain,
        "key": list(mart.key),
        "indexes": [list(index) for index in mart.indexes],
        "list_columns": list(mart.list_columns),
        "rows": pq.ParquetFile(path).metadata.num_rows,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "columns": columns,
    }


def current_version_dir(artifacts_dir: Path) -> Path:
    """The version directory artifacts/current points at; raises NoArtifacts when none is."""
    current = artifacts_dir / CURRENT_LINK
    if not (current / MANIFEST_FILE).is_file():
        raise NoArtifacts(f"{current}: no built artifacts; run `just build-artifacts` first")
    return current.resolve()


def tool_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pyarrow": pyarrow.__version__,
    }


def publish(
    artifacts_dir: Path,
    version: str,
    write: Callable[[Path], None],
    log: Callable[[str], None] = lambda _message: None,
) -> tuple[Path, bool]:
    """Write a version into a temporary directory inside artifacts_dir, rename it into place,
    then switch `current`. Returns (version directory, whether anything was written).

    A version that already exists intact is not rewritten (same inputs, same bytes): only
    `current` moves. One whose files no longer match its manifest is repaired: the damaged
    files are replaced, each by an atomic rename, so the directory a server reads never
    disappears. A failure before a rename leaves no trace but a removed temporary directory."""
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    remove_debris(artifacts_dir)
    final = artifacts_dir / version
    damaged = _damaged(final)
    if damaged == []:
        switch_current(artifacts_dir, version)
        return final, False
    staging = Path(tempfile.mkdtemp(prefix=f".build-{os.getpid()}-", dir=artifacts_dir))
    try:
        write(staging)
        staging.chmod(0o755)  # mkdtemp makes it 0700; the server may run as another user
        _fsync_dir(staging)
        if damaged and _same_marts(final, staging):
            for name in damaged:
                os.replace(staging / name, final / name)
            _fsync_dir(final)
            log(f"   repaired {', '.join(damaged)} in {final}")
        else:  # nothing usable there: debris of an older failure, or built by other tools
            if final.exists():
                shutil.rmtree(final)
            os.rename(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    switch_current(artifacts_dir, version)
    return final, True


def _damaged(version_dir: Path) -> list[str] | None:
    """The mart files of an existing version that differ from its manifest ([] if none);
    None when there is no readable manifest (a directory to replace whole, if any)."""
    try:
        manifest = integrity.read_manifest(version_dir)
    except integrity.IntegrityError:
        return None
    damaged = []
    for mart in manifest["marts"].values():
        try:
            integrity.check_file(version_dir / mart["file"], mart["sha256"], mart["bytes"], "")
        except integrity.IntegrityError:
            damaged.append(mart["file"])
    return damaged


def _same_marts(old: Path, new: Path) -> bool:
    """Whether a fresh build wrote exactly the files the old manifest records."""
    files = {m["file"]: m["sha256"] for m in integrity.read_manifest(old)["marts"].values()}
    fresh = {m["file"]: m["sha256"] for m in integrity.read_manifest(new)["marts"].values()}
    return files == fresh


def remove_debris(artifacts_dir: Path) -> None:
    """Remove temporary directories and links left by builds that were killed (their process
    is gone), so a killed build costs nothing but disk until the next one."""
    for path in artifacts_dir.glob(".build-*"):
        if not alive(path.name.split("-")[1]):
            shutil.rmtree(path, ignore_errors=True)
    for path in artifacts_dir.glob(".current-*"):
        if not alive(path.name.split("-")[1]):
            path.unlink(missing_ok=True)


def alive(pid: str) -> bool:
    """Whether the process with this id (text from a file name) still runs."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def switch_current(artifacts_dir: Path, version: str) -> None:
    """Atomically repoint artifacts/current (a relative symlink) at a version."""
    link = artifacts_dir / CURRENT_LINK
    tmp = artifacts_dir / f".current-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(version)
    os.replace(tmp, link)
    _fsync_dir(artifacts_dir)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_manifest(version_dir: Path) -> dict:
    return json.loads((version_dir / MANIFEST_FILE).read_text())


def write_manifest(directory: Path, manifest: dict) -> None:
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")


def now_utc() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
