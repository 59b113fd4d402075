"""transforms.fetch against a real local HTTP server serving a tiny mirror made from RAW_FILES."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from transforms.cli import main as cli
from transforms.fetch import RECORD, FetchError, fetch, read_sha256_list
from transforms.raw import RAW_FILES

VALUES = {"INTEGER": "1", "BIGINT": "2", "DOUBLE": "1.5", "DATE": "2024-03-02"}


def write_mirror(root: Path) -> None:
    root.mkdir()
    for raw in RAW_FILES:
        header = ",".join(raw.columns)
        row = ",".join(VALUES.get(type_, "Pérez") for type_ in raw.columns.values())
        (root / raw.filename).write_text(f"{header}\n{row}\n{row}\n", encoding="utf-8")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/moved/"):  # a mirror that redirects off the machine
            self.send_response(302)
            self.send_header("Location", "http://mirror.example/" + self.path[7:])
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "mirror"
    write_mirror(root)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "out" / "raw"


def existing(dest: Path) -> dict[str, bytes]:
    """Give `dest` old content and return it, to check it is left untouched."""
    dest.mkdir(parents=True)
    (dest / "status.csv").write_bytes(b"statusId,status\n1,old\n")
    (dest / "notes.txt").write_bytes(b"keep me unless the fetch succeeds\n")
    return snapshot(dest)


def snapshot(dest: Path) -> dict[str, bytes]:
    """The CSVs (a fetch also records where they came from in .fetched.json)."""
    return {p.name: p.read_bytes() for p in sorted(dest.glob("*.csv"))}


def test_success(mirror: tuple[Path, str], dest: Path) -> None:
    root, url = mirror
    report = fetch(dest, url)
    assert snapshot(dest) == snapshot(root)
    assert json.loads((dest / RECORD).read_text())["url"] == url
    assert len(report) == len(RAW_FILES)
    status = (root / "status.csv").stat().st_size
    assert report[0].split()[:5] == ["status.csv", f"{status:,}", "bytes", "2", "rows"]
    assert [p.name for p in dest.parent.iterdir()] == ["raw"]


def test_existing_dest_replaced(mirror: tuple[Path, str], dest: Path) -> None:
    root, url = mirror
    existing(dest)
    fetch(dest, url[:-1])  # a base without the trailing slash works too
    assert snapshot(dest) == snapshot(root)
    assert [p.name for p in dest.parent.iterdir()] == ["raw"]  # no .old-* or temp left


def test_missing_optional_is_reported(mirror: tuple[Path, str], dest: Path) -> None:
    root, url = mirror
    (root / "seasons.csv").unlink()
    report = fetch(dest, url)
    assert any(line.startswith("seasons.csv") and "missing" in line for line in report)
    assert not (dest / "seasons.csv").exists()
    assert len(list(dest.glob("*.csv"))) == len(RAW_FILES) - 1


def test_missing_required_fails(mirror: tuple[Path, str], dest: Path) -> None:
    root, url = mirror
    before = existing(dest)
    (root / "results.csv").unlink()
    with pytest.raises(FetchError, match=r"required file results\.csv not found .*404"):
        fetch(dest, url)
    assert snapshot(dest) == before
    assert [p.name for p in dest.parent.iterdir()] == ["raw"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"driverId,driverRef\n1,x\n", "unexpected header 'driverId,driverRef'"),
        (b"<html>Not the CSV</html>", "unexpected header"),
        (b"statusId,status\n1,caf\xe9\n", "not valid UTF-8"),
        (b"statusId,status\n", "no data rows"),
    ],
)
def test_bad_file_fails_and_leaves_dest(
    mirror: tuple[Path, str], dest: Path, content: bytes, problem: str
) -> None:
    root, url = mirror
    before = existing(dest)
    (root / "status.csv").write_bytes(content)
    with pytest.raises(FetchError, match=r"^status\.csv: ") as info:
        fetch(dest, url)
    assert problem in str(info.value)
    assert snapshot(dest) == before
    assert [p.name for p in dest.parent.iterdir()] == ["raw"]


def test_main_env_url_and_file_url(
    mirror: tuple[Path, str], dest: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    root, url = mirror
    monkeypatch.setenv("RACING_DATA_URL", url)
    assert cli(["fetch", "--dest", str(dest)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(RAW_FILES)
    (root / "qualifying.csv").unlink()
    assert cli(["fetch", "--url", root.as_uri() + "/", "--dest", str(dest), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert snapshot(dest) == snapshot(root)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_url_clear_message(dest: Path, capsys) -> None:
    before = existing(dest)
    url = f"http://127.0.0.1:{closed_port()}/"
    assert cli(["fetch", "--url", url, "--dest", str(dest)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot reach {url}status.csv (network unreachable?): ")
    assert "Set --url or RACING_DATA_URL to a reachable mirror" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert snapshot(dest) == before
    assert [p.name for p in dest.parent.iterdir()] == ["raw"]


def test_timeout_is_per_request(dest: Path) -> None:
    with socket.socket() as sock:  # accepts connections (backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
        with pytest.raises(FetchError, match=r"cannot reach .*timed out"):
            fetch(dest, url, timeout=0.2)
    assert list(dest.parent.iterdir()) == []


@pytest.mark.parametrize(
    "url", ["http://example.com/data/", "http://10.0.0.1/", "ftp://example.com/", "data/raw"]
)
def test_plain_http_and_other_schemes_refused(dest: Path, url: str, capsys) -> None:
    before = existing(dest)
    assert cli(["fetch", "--url", url, "--dest", str(dest)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: refusing {url!r}: use an https://")
    assert len(err.splitlines()) == 1
    assert snapshot(dest) == before


def test_redirect_to_plain_http_refused(mirror: tuple[Path, str], dest: Path) -> None:
    _, url = mirror
    with pytest.raises(FetchError, match=r"refusing 'http://mirror\.example/status\.csv'"):
        fetch(dest, url + "moved/")
    assert not dest.exists()


def test_size_cap(mirror: tuple[Path, str], dest: Path) -> None:
    root, url = mirror
    before = existing(dest)
    (root / "status.csv").write_text("statusId,status\n" + "1,Finished\n" * 200)
    with pytest.raises(FetchError, match=r"^status\.csv: larger than 1,000 bytes at "):
        fetch(dest, url, max_bytes=1000)
    assert snapshot(dest) == before
    assert len(fetch(dest, url, max_bytes=10_000)) == len(RAW_FILES)


def test_ragged_row_refused(mirror: tuple[Path, str], dest: Path) -> None:
    root, url = mirror
    (root / "status.csv").write_bytes(b"statusId,status\n1,Finished\n2,Engine,extra\n")
    with pytest.raises(FetchError, match=r"^status\.csv: line 3 has 3 fields; expected 2"):
        fetch(dest, url)


def test_sha256_list(mirror: tuple[Path, str], dest: Path, tmp_path: Path, capsys) -> None:
    root, url = mirror
    listing = tmp_path / "SHA256SUMS"
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in root.iterdir()]
    listing.write_text("\n".join(lines) + "\n")
    assert cli(["fetch", "--url", url, "--dest", str(dest), "--sha256", str(listing), "-q"]) == 0
    assert snapshot(dest) == snapshot(root)

    before = snapshot(dest)
    drivers = root / "drivers.csv"
    good = drivers.read_bytes()
    drivers.write_bytes(good.replace("Pérez".encode(), b"Perez", 1))
    assert cli(["fetch", "--url", url, "--dest", str(dest), "--sha256", str(listing)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: drivers.csv: sha256 ") and "does not match the list" in err
    assert snapshot(dest) == before

    unlisted = {k: v for k, v in read_sha256_list(listing).items() if k != "drivers.csv"}
    with pytest.raises(FetchError, match=r"^drivers\.csv: not in the sha256 list"):
        fetch(dest, url, sha256=unlisted)
    drivers.write_bytes(good)
    (root / "seasons.csv").unlink()  # optional, but listed: its absence is an error
    with pytest.raises(FetchError, match=r"listed file seasons\.csv not found"):
        fetch(dest, url, sha256=read_sha256_list(listing))
