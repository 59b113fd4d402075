"""Is a version directory what was recorded? Every mart file against the manifest's size and
sha256, and `racing.sqlite` (once loaded) against the digest its load recorded beside it.

`verify_version` is what `python -m transforms verify` runs; the loads run the mart check
before reading any Parquet, and the API runs the same checks (contract/integrity.py) on what
it opens."""

from __future__ import annotations

from pathlib import Path

from contract import SQLITE_FILE
from contract.integrity import IntegrityError, check_marts, check_sqlite

__all__ = ["IntegrityError", "verify_version"]


def verify_version(version_dir: Path) -> list[str]:
    """One line per file found as recorded; raises IntegrityError, one line naming the first
    file that is missing or differs."""
    manifest = check_marts(version_dir)
    checked = [f"{mart['file']}: ok" for mart in manifest["marts"].values()]
    if (version_dir / SQLITE_FILE).exists():
        check_sqlite(version_dir)
        checked.append(f"{SQLITE_FILE}: ok")
    return checked
