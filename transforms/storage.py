"""Object storage (S3 or any S3-compatible server): raw CSVs in, versioned artifacts out.

Layout, under URLs such as s3://racing-data/raw/ and s3://racing-data/artifacts/:

    raw/*.csv                        the Ergast CSVs a build reads
    artifacts/<version>/<mart>.parquet, artifacts/<version>/manifest.json
    artifacts/current                the version to serve (one line); always written last

`publish` uploads a version's files, then its manifest, then moves `current`: a reader that
follows `current` always finds a complete version. `pull` downloads a version (the current one
unless named), checks every file's size and sha256 against the manifest, and only then puts it
in place locally (artifacts.publish: rename, then repoint the local `current`).

Credentials and endpoint come from the environment only, as every S3 tool reads them:
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), AWS_REGION, and
AWS_ENDPOINT_URL for S3-compatible servers (`http://127.0.0.1:8333`). Without keys the AWS SDK's
default chain applies (instance profile, workload identity)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pyarrow import fs

from contract import CURRENT_LINK, MANIFEST_FILE
from contract.integrity import IntegrityError, check_file, check_marts
from transforms import artifacts
from transforms.runner import Log

SCHEME = "s3://"
POINTER = CURRENT_LINK  # the same name as the local symlink: <prefix>/current
VERSION = re.compile(r"^[0-9a-f]{16}$")  # artifacts.data_version: 16 hex digits
CHUNK = 1 << 20


class StorageError(Exception):
    """Object storage could not be read or written, or what it holds fails verification."""


def is_remote(location: str | os.PathLike) -> bool:
    return str(location).startswith(SCHEME)


def filesystem(environ: Mapping[str, str] | None = None) -> fs.S3FileSystem:
    env = os.environ if environ is None else environ
    options: dict = {
        "region": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        "connect_timeout": 10,
        "request_timeout": 60,
    }
    if endpoint := env.get("AWS_ENDPOINT_URL"):
        parts = urlsplit(endpoint)
        if not parts.netloc:
            raise StorageError(f"AWS_ENDPOINT_URL={endpoint!r}: expected http(s)://host:port")
        options |= {"endpoint_override": parts.netloc, "scheme": parts.scheme or "https"}
    if env.get("AWS_ACCESS_KEY_ID"):
        options |= {
            "access_key": env["AWS_ACCESS_KEY_ID"],
            "secret_key": env.get("AWS_SECRET_ACCESS_KEY", ""),
            "session_token": env.get("AWS_SESSION_TOKEN") or None,
        }
    return fs.S3FileSystem(**options)


def _path(url: str) -> str:
    """s3://bucket/prefix/ -> bucket/prefix (pyarrow's form)."""
    if not is_remote(url) or not url[len(SCHEME) :].strip("/"):
        raise StorageError(f"{url}: expected s3://bucket/prefix/")
    return url[len(SCHEME) :].strip("/")


def _call(what: str, function, *args):
    """pyarrow raises OSError with the SDK's message; say what we were doing."""
    try:
        return function(*args)
    except OSError as exc:
        raise StorageError(f"{what}: {exc}") from None


def _read(s3: fs.S3FileSystem, path: str) -> bytes:
    def read() -> bytes:
        with s3.open_input_stream(path) as f:
            return f.read()

    return _call(f"reading s3://{path}", read)


def _write(s3: fs.S3FileSystem, path: str, data: bytes) -> None:
    def write() -> None:
        with s3.open_output_stream(path) as f:
            f.write(data)

    _call(f"writing s3://{path}", write)


def _upload(s3: fs.S3FileSystem, local: Path, path: str) -> None:
    def upload() -> None:
        with local.open("rb") as src, s3.open_output_stream(path) as dst:
            while chunk := src.read(CHUNK):
                dst.write(chunk)

    _call(f"uploading {local} to s3://{path}", upload)


def _download(s3: fs.S3FileSystem, path: str, local: Path) -> None:
    def download() -> None:
        with s3.open_input_stream(path) as src, local.open("wb") as dst:
            while chunk := src.read(CHUNK):
                dst.write(chunk)

    _call(f"downloading s3://{path}", download)


def fetch_raw(url: str, dest: Path, log: Log = print) -> list[str]:
    """Download the CSVs directly under an s3:// prefix into dest (a directory)."""
    s3, prefix = filesystem(), _path(url)
    selector = fs.FileSelector(prefix, allow_not_found=True)
    infos = _call(f"listing {url}", s3.get_file_info, selector)
    names = sorted(
        info.base_name
        for info in infos
        if info.type == fs.FileType.File and info.base_name.endswith(".csv")
    )
    if not names:
        raise StorageError(f"{url}: no CSV files there")
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        _download(s3, f"{prefix}/{name}", dest / name)
    log(f"   fetched {len(names)} raw files from {url}")
    return names


def files_of(manifest: dict) -> list[str]:
    """A version's files in upload order: the data first, the manifest last."""
    return [mart["file"] for mart in manifest["marts"].values()] + [MANIFEST_FILE]


def publish(version_dir: Path, url: str, log: Log = print) -> str:
    """Upload a local version's files under <url>/<version>/, then point <url>/current at it.
    A version already there with the same manifest is not uploaded again."""
    manifest = check_marts(version_dir)  # never publish a damaged local copy
    version = manifest["data_version"]
    s3, base = filesystem(), _path(url)
    remote = f"{base}/{version}"
    local_manifest = (version_dir / MANIFEST_FILE).read_bytes()
    existing = _call(f"checking {url}", s3.get_file_info, f"{remote}/{MANIFEST_FILE}")
    if existing.type == fs.FileType.File and _read(s3, existing.path) == local_manifest:
        log(f"   {version} is already published at {SCHEME}{remote}/")
    else:
        for name in files_of(manifest):
            _upload(s3, version_dir / name, f"{remote}/{name}")
        log(f"   uploaded {len(files_of(manifest))} files to {SCHEME}{remote}/")
    _write(s3, f"{base}/{POINTER}", f"{version}\n".encode())
    log(f"Published {version}: {SCHEME}{base}/{POINTER} -> {version}")
    return version


def current_version(url: str) -> str:
    s3, base = filesystem(), _path(url)
    version = _read(s3, f"{base}/{POINTER}").decode().strip()
    if not VERSION.match(version):
        raise StorageError(f"{url}{POINTER}: {version[:40]!r} is not a data version")
    return version


def pull(url: str, artifacts_dir: Path, version: str | None = None, log: Log = print) -> Path:
    """Download a version (default: the one <url>/current names) into artifacts_dir, verify
    every file against its manifest, then make it the local current version. Returns its
    directory. Nothing changes locally unless every file verifies."""
    version = version or current_version(url)
    if not VERSION.match(version):
        raise StorageError(f"{version!r} is not a data version (16 hex digits)")
    s3, remote = filesystem(), f"{_path(url)}/{version}"

    def write(staging: Path) -> None:
        raw_manifest = _read(s3, f"{remote}/{MANIFEST_FILE}")
        manifest = json.loads(raw_manifest)
        if manifest.get("data_version") != version:
            raise StorageError(
                f"{SCHEME}{remote}/{MANIFEST_FILE} is for version "
                f"{manifest.get('data_version')!r}, not {version}"
            )
        for mart in manifest["marts"].values():
            local = staging / mart["file"]
            _download(s3, f"{remote}/{mart['file']}", local)
            try:
                check_file(local, mart["sha256"], mart["bytes"], "publish the version again")
            except IntegrityError as exc:  # name the object, not the temporary file
                raise StorageError(f"{SCHEME}{remote}/{mart['file']}: {exc.problem}") from None
        (staging / MANIFEST_FILE).write_bytes(raw_manifest)

    directory, created = artifacts.publish(artifacts_dir, version, write)
    state = "downloaded and verified" if created else "already here"
    log(f"Pulled {version} from {url} ({state}); {artifacts_dir}/current -> {version}")
    return directory
