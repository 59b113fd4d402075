"""Structured logs: a live server's output is JSON lines, one per request with the documented
fields and the echoed request id; level control; events; and the Promtail pipeline that parses
them reads fields that exist."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from litestar import get
from litestar.testing import TestClient

from app import logs
from app.main import create_app
from app.settings import Settings
from tests.serving import running_app

ROOT = Path(__file__).resolve().parents[1]
PROMTAIL = ROOT / "deploy" / "observability" / "promtail.yaml"
REQUEST_FIELDS = {
    "time",
    "level",
    "logger",
    "event",
    "method",
    "route",
    "path",
    "status",
    "duration_ms",
    "bytes",
    "data_version",
    "request_id",
    "client",
}
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def json_lines(text: str) -> list[dict]:
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"line {number} is not JSON: {line!r}")
    return lines


def request_lines(lines: list[dict]) -> dict[str, dict]:
    return {line["request_id"]: line for line in lines if line["event"] == "request"}


@pytest.fixture(scope="module")
def served(sample_build, tmp_path_factory):
    """A live `python -m app --access-log` at log level info: (url, log path), and every line it
    wrote once it has stopped (start-up and shutdown included)."""
    log = tmp_path_factory.mktemp("logs") / "server.log"
    with running_app(
        sample_build.directory.parent, log, log_level="info", env={"RACING_ACCESS_LOG": "1"}
    ) as (url, _):
        yield url, log


def wait_for_requests(log: Path, ids: set[str]) -> list[dict]:
    deadline = time.monotonic() + 10
    while True:
        lines = json_lines(log.read_text())
        if ids <= request_lines(lines).keys() or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_every_line_is_json_and_each_request_has_one_line(served, sample_build):
    url, log = served
    version = sample_build.data_version
    with httpx.Client(base_url=url, headers={"accept-encoding": "identity"}) as http:
        first = http.get("/drivers/1", headers={"x-request-id": "trace-42"})
        etag = first.headers["etag"]
        answers = [
            first,
            http.get("/drivers/1"),  # from the response cache
            http.head("/drivers/1"),
            http.get("/drivers/1", headers={"if-none-match": etag}),
            http.get("/no/such/route"),
            http.get("/drivers", params={"limit": 0}),
            http.get("/drivers/x" + "y" * 5000),  # refused before routing
            http.get("/drivers/2", headers={"x-request-id": "not a token"}),
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 304, 404, 400, 414, 200]
    ids = [a.headers["x-request-id"] for a in answers]
    assert ids[0] == "trace-42"
    assert all(GENERATED_ID.fullmatch(rid) for rid in ids[1:]), ids
    assert len(set(ids)) == len(ids)

    lines = wait_for_requests(log, set(ids))
    by_id = request_lines(lines)
    now = datetime.now(UTC)
    expected = [
        ("GET", "/drivers/{driver}", "/drivers/1", 200),
        ("GET", "/drivers/{driver}", "/drivers/1", 200),
        ("HEAD", "/drivers/{driver}", "/drivers/1", 200),
        ("GET", "/drivers/{driver}", "/drivers/1", 304),
        ("GET", "unmatched", "/no/such/route", 404),
        ("GET", "/drivers", "/drivers", 400),
        ("GET", "unmatched", "/drivers/x" + "y" * 5000, 414),
        ("GET", "/drivers/{driver}", "/drivers/2", 200),
    ]
    for answer, rid, (method, route, path, status) in zip(answers, ids, expected, strict=True):
        line = by_id[rid]
        assert line.keys() == REQUEST_FIELDS
        assert (line["method"], line["route"], line["path"], line["status"]) == (
            method,
            route,
            path,
            status,
        )
        assert (line["level"], line["logger"], line["client"]) == (
            "info",
            "racing.access",
            "127.0.0.1",
        )
        assert line["data_version"] == answer.headers["x-data-version"] == version
        assert line["bytes"] == (0 if method == "HEAD" else len(answer.content))
        assert 0 <= line["duration_ms"] < 10_000
        stamp = datetime.fromisoformat(line["time"])
        assert line["time"].endswith("Z") and now - timedelta(minutes=1) < stamp <= now

    startup = [line for line in lines if line["event"] == "startup"]
    assert len(startup) == 1
    assert startup[0]["data_version"] == version and startup[0]["backend"] == "sqlite"
    # The server's own lines are the same JSON.
    assert any(line["event"] == "Application startup complete." for line in lines)


def capture_lines(capsys) -> list[dict]:
    logs.flush()
    return json_lines(capsys.readouterr().out)


def test_level_warning_drops_request_lines_but_still_echoes_the_id(sample_build, capsys):
    capture_lines(capsys)  # lines an earlier test in this process left pending are not ours
    artifacts = sample_build.directory.parent
    app = create_app(Settings(artifacts_dir=artifacts, log_level="warning", access_log=True))
    with TestClient(app) as client:
        answer = client.get("/drivers/1", headers={"x-request-id": "quiet-1"})
    assert answer.headers["x-request-id"] == "quiet-1"
    assert capture_lines(capsys) == []  # not even the info-level start-up event

    app = create_app(Settings(artifacts_dir=artifacts, log_level="debug", access_log=True))
    with TestClient(app) as client:
        client.get("/drivers/1", headers={"x-request-id": "loud-1"})
    assert "loud-1" in request_lines(capture_lines(capsys))


def test_request_lines_are_off_unless_asked_for(sample_build, capsys, monkeypatch):
    """By default (a line costs about a fifth of a cached answer) no request lines, but the
    events and the echoed id; `RACING_ACCESS_LOG=1` (or `--access-log`) turns them on."""
    capture_lines(capsys)
    monkeypatch.setenv("RACING_ARTIFACTS", str(sample_build.directory.parent))
    monkeypatch.delenv("RACING_ACCESS_LOG", raising=False)
    monkeypatch.delenv("RACING_LOG_LEVEL", raising=False)
    with TestClient(create_app()) as client:
        for _ in range(2):  # answered, then replayed from the cache
            answer = client.get("/drivers/1", headers={"x-request-id": "default-1"})
            assert answer.headers["x-request-id"] == "default-1"
    lines = capture_lines(capsys)
    assert request_lines(lines) == {}
    assert [line["event"] for line in lines if line["logger"] == "racing"] == [
        "startup",
        "shutdown",
    ]

    monkeypatch.setenv("RACING_ACCESS_LOG", "1")
    with TestClient(create_app()) as client:
        for _ in range(2):
            client.get("/drivers/1", headers={"x-request-id": "asked-1"})
    assert [line["status"] for line in capture_lines(capsys) if line["event"] == "request"] == [
        200,
        200,
    ]


@pytest.mark.parametrize(
    ("given", "echoed"),
    [
        ("3f2a9c4e-6b1d-4c7e-9a8f-0d2b5e7c1a94", True),
        ("abc.DEF_1:2@host/x+y=z", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("two words", False),
        ("new\nline", False),
        ("", False),
    ],
)
def test_request_id_is_echoed_only_when_it_is_a_sane_token(sqlite_client, given, echoed):
    answer = sqlite_client.get("/health", headers={"x-request-id": given})
    if echoed:
        assert answer.headers["x-request-id"] == given
    else:
        assert GENERATED_ID.fullmatch(answer.headers["x-request-id"])


def test_an_error_line_carries_the_request_id(sample_build, capsys):
    @get("/boom", opt={"cache": False})
    async def boom() -> str:
        raise RuntimeError("kaboom")

    app = create_app(Settings(artifacts_dir=sample_build.directory.parent, access_log=True))
    app.register(boom)
    with TestClient(app) as client:
        assert client.get("/boom", headers={"x-request-id": "boom-1"}).status_code == 500
    lines = capture_lines(capsys)
    errors = [line for line in lines if line["level"] == "error"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "boom-1"
    assert "RuntimeError: kaboom" in errors[0]["exception"]
    assert request_lines(lines)["boom-1"]["status"] == 500


def test_an_unknown_level_is_a_one_line_error(sample_build):
    with pytest.raises(SystemExit, match="RACING_LOG_LEVEL='loud'"):
        create_app(Settings(artifacts_dir=sample_build.directory.parent, log_level="loud"))


def test_promtail_pipeline_reads_fields_the_log_has(sample_build, capsys):
    """The JSON stage extracts only fields a request line has; labels are few and come from
    extracted fields; the timestamp stage reads `time` in the format the log writes."""
    app = create_app(Settings(artifacts_dir=sample_build.directory.parent, access_log=True))
    with TestClient(app) as client:
        client.get("/drivers/1", headers={"x-request-id": "promtail-1"})
    line = request_lines(capture_lines(capsys))["promtail-1"]

    config = yaml.safe_load(PROMTAIL.read_text())
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "racing-api"]
    stages = {name: body for stage in job["pipeline_stages"] for name, body in stage.items()}
    extracted = stages["json"]["expressions"]
    assert set(extracted.values()) <= line.keys(), "the JSON stage reads a field the log lacks"
    labels = stages["labels"]
    assert set(labels) <= set(extracted) and len(labels) <= 4  # Loki wants few, small labels
    assert "request_id" not in labels and "path" not in labels  # unbounded values
    assert stages["timestamp"]["source"] in extracted
    assert extracted[stages["timestamp"]["source"]] == "time"
    assert stages["timestamp"]["format"] == "RFC3339Nano"
    datetime.fromisoformat(line["time"])  # RFC 3339 (with Z), which RFC3339Nano parses


def test_a_data_switch_is_a_json_event_and_later_lines_carry_the_new_version(tmp_path):
    """A running server that follows a new build + load says so in one `data_switch` line, and
    the request lines after it name the new version."""
    from tests.conftest import quiet
    from tests.test_follow import TINY, variant
    from transforms.build import build
    from transforms.load_sqlite import load_sqlite

    artifacts = tmp_path / "artifacts"
    v1 = build(TINY, artifacts, quiet)
    load_sqlite(v1.directory, quiet)
    log = tmp_path / "server.log"
    with running_app(artifacts, log, log_level="info", env={"RACING_ACCESS_LOG": "1"}) as (url, _):
        v2 = build(variant(tmp_path / "v2", "v2"), artifacts, quiet)
        load_sqlite(v2.directory, quiet)
        deadline = time.monotonic() + 20
        while httpx.get(f"{url}/ready").json().get("data_version") != v2.data_version:
            assert time.monotonic() < deadline, "the server never switched"
            time.sleep(0.1)
        rid = httpx.get(f"{url}/circuits/3").headers["x-request-id"]
        lines = wait_for_requests(log, {rid})
    (switch,) = [line for line in lines if line["event"] == "data_switch"]
    assert (switch["previous"], switch["data_version"]) == (v1.data_version, v2.data_version)
    assert request_lines(lines)[rid]["data_version"] == v2.data_version
