"""Download the public Ergast-format CSV mirror into a raw data directory, atomically.

``fetch(dest)`` downloads the 14 files of ``transforms.raw.RAW_FILES`` from a base URL (default:
the TracingInsights/RaceData GitHub mirror; ``<name>.csv`` is appended to the base) into a
temporary directory next to ``dest``, checks each one (HTTP 200, at most ``max_bytes``, UTF-8, the
exact expected header line, at least one data row, every row as wide as the header, and the
sha256 of a given list; a 404 is allowed only for optional files), then swaps the new directory
into place. On any failure ``dest`` is left exactly as it was and the temporary directory is
removed. Standard library only.

Only ``https://`` and ``file://`` bases are fetched (plain ``http://`` only from the loopback
interface, which never leaves the machine): the data is published as the API's answers.

CLI: ``python -m transforms fetch [--url URL] [--dest data/raw] [--sha256 LIST] [--max-mb N]
[--timeout S] [--quiet]``; the URL defaults to ``$RACING_DATA_URL``, else DEFAULT_URL.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import http.client
import ipaddress
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from transforms.raw import RAW_FILES, RawFile

DEFAULT_URL = "https://raw.githubusercontent.com/TracingInsights/RaceData/main/data/"
URL_ENV = "RACING_DATA_URL"
RECORD = ".fetched.json"  # where the files came from and when, for the build's manifest
_CHUNK = 1 << 20
# The largest file of the real data (lap_times.csv) is 17 MB; a mirror serving far more is
# broken or hostile, and must not fill the disk.
DEFAULT_MAX_BYTES = 100 << 20


class FetchError(Exception):
    """A download or check failed; the message is one line, fit for the user."""


def fetch(
    dest: Path,
    base_url: str = DEFAULT_URL,
    timeout: float = 30,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    sha256: dict[str, str] | None = None,
) -> list[str]:
    """Replace `dest` with freshly downloaded, checked CSVs. Returns one report line per file
    (name, bytes, rows; or why an optional file is missing). `sha256` maps file names to the
    expected digests: then every file fetched must be listed and match. Raises FetchError."""
    dest = Path(dest)
    _check_url(base_url)
    base = base_url if base_url.endswith("/") else base_url + "/"
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.fetch-", dir=dest.parent))
    try:
        tmp.chmod(0o755)
        report = []
        for raw in RAW_FILES:
            url = base + raw.filename
            got = _download(raw, url, tmp / raw.filename, timeout, dest, max_bytes)
            if got is None:
                if raw.required or (sha256 and raw.filename in sha256):
                    raise FetchError(
                        f"{'required' if raw.required else 'listed'} file {raw.filename} not "
                        f"found at {url} (HTTP 404); check --url or {URL_ENV}"
                    )
                report.append(f"{raw.filename:<26} missing (HTTP 404; optional, skipped)")
                continue
            _check_rows(raw, tmp / raw.filename, url)
            if sha256 is not None:
                _check_sha256(raw.filename, got[2], sha256, url)
            report.append(f"{raw.filename:<26} {got[0]:>12,} bytes {got[1]:>10,} rows")
        record = {"url": base, "fetched_at": _now()}
        (tmp / RECORD).write_text(json.dumps(record) + "\n")
        _swap(tmp, dest)
        return report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # already gone after a successful swap


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()


def _check_url(base_url: str) -> None:
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme in ("https", "file"):
        return
    if parts.scheme == "http" and _loopback(parts.hostname):
        return
    raise FetchError(
        f"refusing {base_url!r}: use an https:// (or file://) base; plain http:// could be "
        "altered on the way and is accepted only from this machine (127.0.0.1, localhost)"
    )


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL that could have been given (no https -> http)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        _check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def read_sha256_list(path: Path) -> dict[str, str]:
    """`sha256sum` output (`<hex>  <name>` per line) as {name: hex}. Raises FetchError."""
    digests = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise FetchError(f"cannot read the sha256 list {path}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        digest, _, name = line.strip().partition(" ")
        name = name.strip().lstrip("*")  # `*` marks binary mode in sha256sum output
        if len(digest) != 64 or not all(c in "0123456789abcdefABCDEF" for c in digest) or not name:
            raise FetchError(f"{path}, line {number}: expected `<sha256 hex>  <file name>`")
        digests[Path(name).name] = digest.lower()
    return digests


def _check_sha256(name: str, digest: str, expected: dict[str, str], url: str) -> None:
    if name not in expected:
        raise FetchError(f"{name}: not in the sha256 list, so it cannot be checked ({url})")
    if digest != expected[name]:
        raise FetchError(
            f"{name}: sha256 {digest} does not match the list ({expected[name]}) at {url}"
        )


def _check_rows(raw: RawFile, path: Path, url: str) -> None:
    """Every row as wide as the header (races.csv may stop after `url`: SOURCE.md quirk 1)."""
    allowed = {len(raw.columns), raw.short_row_fields or len(raw.columns)}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        try:
            for row in reader:
                if row and len(row) not in allowed:  # a blank line is no row
                    raise FetchError(
                        f"{raw.filename}: line {reader.line_num} has {len(row)} fields; "
                        f"expected {len(raw.columns)} at {url}"
                    )
        except csv.Error as exc:
            raise FetchError(
                f"{raw.filename}: line {reader.line_num} is not CSV ({exc}) at {url}"
            ) from None


def _unreachable(url: str, reason: object, dest: Path) -> FetchError:
    return FetchError(
        f"cannot reach {url} (network unreachable?): {reason}. Set --url or {URL_ENV} to a "
        f"reachable mirror, or put the CSVs in {dest} yourself."
    )


def _download(
    raw: RawFile, url: str, out: Path, timeout: float, dest: Path, max_bytes: int
) -> tuple[int, int, str] | None:
    """Stream `url` into `out`, checking it as it comes. Returns (bytes, data rows, sha256);
    None on 404."""
    try:
        resp = urllib.request.build_opener(_CheckedRedirects).open(url, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise FetchError(f"{raw.filename}: HTTP {exc.code} {exc.reason} from {url}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, FileNotFoundError):  # file:// mirror without this file
            return None
        raise _unreachable(url, exc.reason, dest) from None
    except (OSError, http.client.HTTPException) as exc:
        raise _unreachable(url, exc, dest) from None
    expected = ",".join(raw.columns)
    decoder = codecs.getincrementaldecoder("utf-8")()
    digest = hashlib.sha256()
    head, header_done, size, newlines, last = "", False, 0, 0, b""
    too_big = FetchError(
        f"{raw.filename}: larger than {max_bytes:,} bytes at {url}; refusing it (--max-mb)"
    )
    with resp, out.open("wb") as fh:
        status = getattr(resp, "status", None)
        if url.startswith("http") and status != 200:
            raise FetchError(f"{raw.filename}: HTTP {status} from {url}; expected 200")
        length = resp.headers.get("Content-Length") if hasattr(resp, "headers") else None
        if length and length.isdecimal() and int(length) > max_bytes:
            raise too_big
        while True:
            try:
                chunk = resp.read(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                raise FetchError(f"{raw.filename}: download from {url} failed: {exc}") from None
            if not chunk:
                break
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise FetchError(
                    f"{raw.filename}: not valid UTF-8 (byte {size + exc.start}) at {url}"
                ) from None
            if not header_done:
                head += text
                if "\n" in head:
                    head, header_done = head.split("\n", 1)[0], True
                if header_done or len(head) > 2 * len(expected) + 100:
                    _check_header(raw, head, expected, url)
            if size + len(chunk) > max_bytes:
                raise too_big
            fh.write(chunk)
            digest.update(chunk)
            size += len(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FetchError(f"{raw.filename}: not valid UTF-8 (truncated) at {url}") from None
    if not header_done:
        _check_header(raw, head + tail, expected, url)
    rows = newlines - 1 + (1 if last not in (b"\n", b"") else 0)
    if rows < 1:
        raise FetchError(f"{raw.filename}: no data rows after the header at {url}")
    return size, rows, digest.hexdigest()


def _check_header(raw: RawFile, line: str, expected: str, url: str) -> None:
    line = line.removesuffix("\r")  # CRLF line ending, as transforms.raw accepts
    if line != expected:
        shown = line if len(line) <= 200 else line[:200] + "..."
        raise FetchError(
            f"{raw.filename}: unexpected header {shown!r} at {url}; expected {expected!r}"
        )


def _swap(new: Path, dest: Path) -> None:
    """Rename `new` into `dest`; an existing `dest` is renamed aside first and removed after."""
    old = dest.with_name(f"{dest.name}.old-{os.getpid()}")
    moved = False
    try:
        if dest.exists() or dest.is_symlink():
            os.rename(dest, old)
            moved = True
        os.rename(new, dest)
    except OSError as exc:
        if moved and not (dest.exists() or dest.is_symlink()):
            os.rename(old, dest)
        raise FetchError(f"cannot replace {dest}: {exc}") from None
    if moved:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
