"""`python -m transforms`: the one command line of the build half.

    fetch   download the Ergast-format CSV mirror into data/raw (atomically)
    sample  write the generated (fictional) sample CSVs
    build   build versioned Parquet artifacts, printing what changed against `current`
    load    load artifacts/current into SQLite or PostgreSQL
    verify  check a version's files against the sha256 its manifest records
    diff    what changed between two versions, per mart
    publish upload artifacts/current to object storage, then move its `current`
    pull    download a version from object storage, verify it, make it current

Every command has `--help`. Errors are one line on stderr and exit status 1.
"""

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


class CommandError(Exception):
    """A command cannot do what was asked; the message is one line, fit for the user."""


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


def _version_dir(artifacts: Path, ident: str) -> Path:
    """A version directory: a path, or a version name (or `current`) under --artifacts."""
    for candidate in (Path(ident), artifacts / ident):
        if (candidate / "manifest.json").is_file():
            return candidate.resolve()
    raise CommandError(f"{ident}: no such version (no manifest.json there or in {artifacts}/)")


def _fetch(args: argparse.Namespace) -> None:
    from transforms.fetch import FetchError, fetch, read_sha256_list

    try:
        expected = read_sha256_list(args.sha256) if args.sha256 else None
        report = fetch(
            args.dest, args.url, args.timeout, max_bytes=args.max_mb << 20, sha256=expected
        )
    except FetchError as exc:
        raise CommandError(str(exc)) from None
    if not args.quiet:
        print("\n".join(report))


def _sample(args: argparse.Namespace) -> None:
    from transforms import sample

    sample.generate(args.out, seed=args.seed)
    if not args.quiet:
        print(f"wrote the sample (seed {args.seed}) to {args.out}")


def _build(args: argparse.Namespace, log) -> None:
    from transforms import storage
    from transforms.build import build

    shrink = {"allow_shrink": args.allow_shrink}
    if args.source and storage.is_remote(args.source):
        with tempfile.TemporaryDirectory(prefix="racing-raw-") as raw:
            storage.fetch_raw(args.source, Path(raw), log)
            build(Path(raw), args.artifacts, log, **shrink)
    else:
        source = Path(args.source) if args.source else _default_source(args.quiet)
        build(source, args.artifacts, log, **shrink)


def _load(args: argparse.Namespace, log) -> None:
    version_dir = current_version_dir(args.artifacts)
    if args.target == "sqlite":
        from transforms.load_sqlite import load_sqlite

        load_sqlite(version_dir, log)
    else:
        from transforms.load_postgres import load_postgres

        url = args.database_url or os.environ.get(LOADER_URL_ENV) or DEFAULT_LOADER_DATABASE_URL
        password = os.environ.get(READER_PASSWORD_ENV) or None
        load_postgres(version_dir, url, log, reader_password=password)


def _verify(args: argparse.Namespace) -> None:
    from transforms.verify import verify_version

    directory = _version_dir(args.artifacts, args.version)
    checked = verify_version(directory)  # raises IntegrityError naming the first bad file
    if not args.quiet:
        print("\n".join(checked))
        print(f"{directory.name}: every file matches its manifest")


def _diff(args: argparse.Namespace) -> None:
    from transforms.diff import diff_versions, summary_lines

    old = _version_dir(args.artifacts, args.old)
    new = _version_dir(args.artifacts, args.new)
    print("\n".join(summary_lines(diff_versions(old, new))))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m transforms",
        description="Build the Racing Data API's artifacts: fetch raw CSVs, build versioned "
        "Parquet, load it, check it and compare versions.",
    )
    top.add_argument(
        "--artifacts",
        type=Path,
        default=DEFAULT_ARTIFACTS,
        help="artifacts directory (default: artifacts)",
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=description)

    fetch_p = command(
        "fetch",
        "download the Ergast-format CSV mirror into data/raw",
        "Download the 14 Ergast-format CSVs, check each (HTTP 200, UTF-8, exact header, at least "
        "one row) and replace the destination atomically; on any failure it is left as it was.",
    )
    fetch_p.add_argument(
        "--url",
        default=None,
        help="base URL, <name>.csv is appended; file:// works (default: $RACING_DATA_URL, "
        "else the TracingInsights/RaceData mirror on GitHub)",
    )
    fetch_p.add_argument("--dest", type=Path, default=DEFAULT_RAW, help="default: data/raw")
    fetch_p.add_argument(
        "--sha256",
        type=Path,
        help="a sha256sum-style list (`<hex>  <name>`); every file fetched must match it",
    )
    fetch_p.add_argument(
        "--max-mb",
        type=int,
        default=100,
        help="refuse a file larger than this many MiB (default: %(default)s)",
    )
    fetch_p.add_argument("--timeout", type=float, default=30, help="seconds per request")
    fetch_p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")

    sample_p = command(
        "sample",
        "write the generated sample CSVs",
        "Write the deterministic sample: 14 Ergast-format CSVs about fictional drivers, teams "
        "and circuits, with the quirks of the real files.",
    )
    sample_p.add_argument("out", type=Path, help="directory for the CSV files")
    sample_p.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    sample_p.add_argument("-q", "--quiet", action="store_true", help="print nothing")

    build_p = command(
        "build",
        "build versioned Parquet artifacts from Ergast CSVs",
        "Read and validate the CSVs, run the SQL models and audits, print what changed against "
        "artifacts/current, then publish artifacts/<version> and point current at it.",
    )
    build_p.add_argument(
        "source",
        nargs="?",
        help="directory of Ergast-format CSVs, or s3://bucket/prefix/ (default: data/raw if it "
        "has CSVs, else the sample in data/sample, generated when missing)",
    )
    build_p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    build_p.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even when the build drops over 1%% of the current races, results or drivers",
    )

    load_p = command(
        "load",
        "load artifacts/current into SQLite or PostgreSQL",
        "Load the current version into racing.sqlite beside it, or into PostgreSQL schema "
        "racing_<version> and repoint racing.current (loading a version twice is a no-op).",
    )
    load_p.add_argument("target", choices=["sqlite", "postgres"], help="where to load")
    load_p.add_argument(
        "--database-url",
        default=None,
        help=f"an owner's PostgreSQL URL (default: ${LOADER_URL_ENV}, else the local postgres)",
    )
    load_p.add_argument("-q", "--quiet", action="store_true", help="print only errors")

    verify_p = command(
        "verify",
        "check a version's files against its manifest",
        "Recompute the sha256 of every file the manifest lists; exit 1 naming each file that "
        "is missing or differs.",
    )
    verify_p.add_argument(
        "version", nargs="?", default="current", help="version name or directory (default: current)"
    )
    verify_p.add_argument("-q", "--quiet", action="store_true", help="print only errors")

    diff_p = command(
        "diff",
        "what changed between two versions",
        "Per mart, rows added, removed and changed by the mart's key, with the first few "
        "examples (driver_summary: 1 changed — max_verstappen wins 67 → 68).",
    )
    diff_p.add_argument("old", help="the older version: name under --artifacts, or a directory")
    diff_p.add_argument("new", nargs="?", default="current", help="the newer (default: current)")

    publish_p = command(
        "publish",
        "upload artifacts/current to object storage, then move its current",
        "Upload artifacts/current to s3://.../artifacts/<version>/, then point the bucket's "
        "`current` at it (last, so readers never see a partial version).",
    )
    publish_p.add_argument("url", help="s3://bucket/artifacts/")
    publish_p.add_argument("-q", "--quiet", action="store_true", help="print only errors")

    pull_p = command(
        "pull",
        "download a version from object storage, verify it, make it current",
        "Download a version from s3://.../artifacts/, check every file against its manifest, "
        "then make it artifacts/current.",
    )
    pull_p.add_argument("url", help="s3://bucket/artifacts/")
    pull_p.add_argument("--version", help="data version (default: the one `current` names)")
    pull_p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "fetch" and args.url is None:
        from transforms.fetch import DEFAULT_URL, URL_ENV

        args.url = os.environ.get(URL_ENV) or DEFAULT_URL
    log = (lambda _msg: None) if getattr(args, "quiet", False) else print
    try:
        if args.command == "fetch":
            _fetch(args)
        elif args.command == "sample":
            _sample(args)
        elif args.command == "build":
            _build(args, log)
        elif args.command == "load":
            _load(args, log)
        elif args.command == "verify":
            _verify(args)
        elif args.command == "diff":
            _diff(args)
        elif args.command == "publish":
            from transforms import storage

            storage.publish(current_version_dir(args.artifacts), args.url, log)
        else:
            from transforms import storage

            storage.pull(args.url, args.artifacts, args.version, log)
    except (
        InputError,
        AuditError,
        IntegrityError,
        NoArtifacts,
        ShrinkError,
        StorageError,
        CommandError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
