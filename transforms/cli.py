"""Command line: `python -m transforms build|load|sample|publish|pull`."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from contract import DEFAULT_LOADER_DATABASE_URL
from transforms.artifacts import NoArtifacts, current_version_dir
from transforms.build import ShrinkError
from transforms.raw import InputError
from transforms.runner import AuditError
from transforms.storage import StorageError
from transforms.verify import IntegrityError

DEFAULT_ARTIFACTS = Path("artifacts")
DEFAULT_RAW = Path("data/raw")
DEFAULT_SAMPLE = Path("data/sample")
# The loader creates schemas (and the reader role where missing), so it connects as an owner;
# the API connects as the read-only role (RACING_DATABASE_URL, racing_reader), never like this.
LOADER_URL_ENV = "RACING_LOADER_DATABASE_URL"
READER_PASSWORD_ENV = "RACING_READER_PASSWORD"


def _default_source(quiet: bool) -> Path:
    """data/raw when it holds CSVs, else the generated sample (generated on first use)."""
    if any(DEFAULT_RAW.glob("*.csv")):
        return DEFAULT_RAW
    from transforms import sample

    if not (DEFAULT_SAMPLE / "results.csv").is_file():
        sample.generate(DEFAULT_SAMPLE)
        if not quiet:
            print(f"generated sample data in {DEFAULT_SAMPLE}")
    return DEFAULT_SAMPLE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m transforms")
    parser.add_argument("--artifacts", type=Path, default=DEFAULT_ARTIFACTS)
    sub = parser.add_subparsers(dest="command", required=True)

    build_p = sub.add_parser("build", help="build versioned Parquet artifacts from Ergast CSVs")
    build_p.add_argument(
        "source", nargs="?", help="directory of Ergast-format CSVs, or s3://bucket/prefix/"
    )
    build_p.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    build_p.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even when the build drops over 1%% of the current races, results or drivers",
    )

    load_p = sub.add_parser("load", help="load artifacts/current into SQLite or PostgreSQL")
    load_p.add_argument("target", choices=["sqlite", "postgres"])
    load_p.add_argument(
        "--database-url",
        default=None,
        help=f"an owner's PostgreSQL URL (default: ${LOADER_URL_ENV}, else the local postgres)",
    )
    load_p.add_argument("--quiet", "-q", action="store_true")

    sample_p = sub.add_parser("sample", help="write the generated sample CSVs")
    sample_p.add_argument("out", type=Path)
    sample_p.add_argument("--seed", type=int, default=1)

    publish_p = sub.add_parser(
        "publish",
        help="upload artifacts/current to s3://.../artifacts/<version>/, then move current",
    )
    publish_p.add_argument("url", help="s3://bucket/artifacts/")
    publish_p.add_argument("--quiet", "-q", action="store_true")

    pull_p = sub.add_parser(
        "pull", help="download a version from object storage, verify it, make it current"
    )
    pull_p.add_argument("url", help="s3://bucket/artifacts/")
    pull_p.add_argument("--version", help="data version (default: the one `current` names)")
    pull_p.add_argument("--quiet", "-q", action="store_true")

    args = parser.parse_args(argv)
    log = (lambda _msg: None) if getattr(args, "quiet", False) else print
    try:
        if args.command == "build":
            from transforms import storage
            from transforms.build import build

            shrink = {"allow_shrink": args.allow_shrink}
            if args.source and storage.is_remote(args.source):
                with tempfile.TemporaryDirectory(prefix="racing-raw-") as raw:
                    storage.fetch_raw(args.source, Path(raw), log)
                    build(Path(raw), args.artifacts, log, **shrink)
            else:
                build(
                    Path(args.source) if args.source else _default_source(args.quiet),
                    args.artifacts,
                    log,
                    **shrink,
                )
        elif args.command == "load":
            version_dir = current_version_dir(args.artifacts)
            if args.target == "sqlite":
                from transforms.load_sqlite import load_sqlite

                load_sqlite(version_dir, log)
            else:
                from transforms.load_postgres import load_postgres

                url = (
                    args.database_url
                    or os.environ.get(LOADER_URL_ENV)
                    or DEFAULT_LOADER_DATABASE_URL
                )
                password = os.environ.get(READER_PASSWORD_ENV) or None
                load_postgres(version_dir, url, log, reader_password=password)
        elif args.command == "publish":
            from transforms import storage

            storage.publish(current_version_dir(args.artifacts), args.url, log)
        elif args.command == "pull":
            from transforms import storage

            storage.pull(args.url, args.artifacts, args.version, log)
        else:
            from transforms import sample

            sample.generate(args.out, seed=args.seed)
    except (InputError, AuditError, IntegrityError, NoArtifacts, ShrinkError, StorageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
