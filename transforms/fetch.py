"""Download the public Ergast-format CSV mirror into a raw data directory, atomically.

``fetch(dest)`` downloads the 14 files of ``transforms.raw.RAW_FILES`` from a base URL (default:
the TracingInsights/RaceData GitHub mirror; ``<name>.csv`` is appended to the base) into a
temporary directory next to ``dest``, checks each one (HTTP 200, UTF-8, the exact expected header
line, at least one data row; a 404 is allowed only for optional files), then swaps the new
directory into place. On any failure ``dest`` is left exactly as it was and the temporary
directory is removed. Standard library only.

CLI: ``python -m transforms.fetch [--url URL] [--dest data/raw] [--timeout S] [--quiet]``; the
URL defaults to ``$RACING_DATA_URL``, else DEFAULT_URL. ``file://`` bases work for local mirrors.
"""

from __future__ import annotations

import argparse
import codecs
import http.client
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from transforms.raw import RAW_FILES, RawFile

DEFAULT_URL = "https://raw.githubusercontent.com/TracingInsights/RaceData/main/data/"
URL_ENV = "RACING_DATA_URL"
_CHUNK = 1 << 20


class FetchError(Exception):
    """A download or check failed; the message is one line, fit for the user."""


def fetch(dest: Path, base_url: str = DEFAULT_URL, timeout: float = 30) -> list[str]:
    """Replace `dest` with freshly downloaded, checked CSVs. Returns one report line per file
    (name, bytes, rows; or why an optional file is missing). Raises FetchError."""
    dest = Path(dest)
    scheme = urllib.parse.urlsplit(base_url).scheme
    if scheme not in ("http", "https", "file"):
        raise FetchError(f"unsupported URL {base_url!r}: use an http://, https:// or file:// base")
    base = base_url if base_url.endswith("/") else base_url + "/"
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.fetch-", dir=dest.parent))
    try:
        tmp.chmod(0o755)
        report = []
        for raw in RAW_FILES:
            url = base + raw.filename
            got = _download(raw, url, tmp / raw.filename, timeout, dest)
            if got is None:
                if raw.required:
                    raise FetchError(
                        f"required file {raw.filename} not found at {url} (HTTP 404); "
                        f"check --url or {URL_ENV}"
                    )
                report.append(f"{raw.filename:<26} missing (HTTP 404; optional, skipped)")
            else:
                report.append(f"{raw.filename:<26} {got[0]:>12,} bytes {got[1]:>10,} rows")
        _swap(tmp, dest)
        return report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # already gone after a successful swap


def _unreachable(url: str, reason: object, dest: Path) -> FetchError:
    return FetchError(
        f"cannot reach {url} (network unreachable?): {reason}. Set --url or {URL_ENV} to a "
        f"reachable mirror, or put the CSVs in {dest} yourself."
    )


def _download(
    raw: RawFile, url: str, out: Path, timeout: float, dest: Path
) -> tuple[int, int] | None:
    """Stream `url` into `out`, checking it as it comes. Returns (bytes, data rows); None on 404."""
    try:
        resp = urllib.request.urlopen(url, timeout=timeout)
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
    head, header_done, size, newlines, last = "", False, 0, 0, b""
    with resp, out.open("wb") as fh:
        status = getattr(resp, "status", None)
        if url.startswith("http") and status != 200:
            raise FetchError(f"{raw.filename}: HTTP {status} from {url}; expected 200")
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
            fh.write(chunk)
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
    return size, rows


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m transforms.fetch",
        description="Download the Ergast-format F1 CSVs into a raw data directory (atomically).",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get(URL_ENV) or DEFAULT_URL,
        help=f"base URL, <name>.csv is appended (default: ${URL_ENV} or {DEFAULT_URL})",
    )
    parser.add_argument("--dest", type=Path, default=Path("data/raw"), help="default: data/raw")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    try:
        report = fetch(args.dest, args.url, args.timeout)
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        for line in report:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
