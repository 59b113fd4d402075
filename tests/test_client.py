"""The schema in the repository is current, and the client package `just client` generates
installs with pip and works against a real server on loopback, used the way its README shows:
plain strings for enum parameters, pages, lookups, and typed problems for 404 and 400."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.openapi import schema_json
from tests.conftest import ROOT

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def test_committed_openapi_json_is_current():
    assert (ROOT / "openapi.json").read_bytes() == schema_json(), "run `just openapi`"


@pytest.fixture(scope="module")
def installed_client(tmp_path_factory) -> Path:
    """`just client`'s generation into a temporary directory, then `pip install` of it into
    another (no network: no dependencies, the venv's setuptools). Returns the install target."""
    work = tmp_path_factory.mktemp("client")
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        [GENERATOR, "generate", "--path", ROOT / "openapi.json", "--output-path", work / "client",
         "--fail-on-warning", "--meta", "uv", "--config", ROOT / "client-gen" / "config.yaml",
         "--custom-template-path", ROOT / "client-gen" / "templates"],
        check=True, env=env, capture_output=True, cwd=work,
    )  # fmt: skip
    target = work / "site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", target, work / "client"],
        check=True, capture_output=True,
    )  # fmt: skip
    return target


def test_client_package_has_its_own_readme_and_name(installed_client):
    dist = next(installed_client.glob("racing_data_api_client-*.dist-info"))
    metadata = (dist / "METADATA").read_text()
    assert "Name: racing-data-api-client" in metadata
    assert "pip install ./client" in metadata  # our README, not the generator's template
    assert 'sort="-wins"' in metadata


USER_SCRIPT = """
import sys
from typing import get_args

from racing_data_api_client import Client
from racing_data_api_client.api.drivers import get_driver, list_drivers
from racing_data_api_client.models import DriverSummary, ListDriversSort, Problem

client = Client(base_url=sys.argv[1])
assert "-wins" in get_args(ListDriversSort)  # sort values read as they are

first = list_drivers.sync(client=client, limit=5, offset=0, sort="-points")
second = list_drivers.sync(client=client, limit=5, offset=5, sort="-points")
assert len(first.data) == len(second.data) == 5
assert first.total == second.total > 10
assert not {d.driver_id for d in first.data} & {d.driver_id for d in second.data}
assert [d.points for d in first.data] == sorted((d.points for d in first.data), reverse=True)
most_wins = list_drivers.sync(client=client, sort="-wins", limit=3).data
assert [d.wins for d in most_wins] == sorted((d.wins for d in most_wins), reverse=True)

ref = first.data[0].driver_ref
one = get_driver.sync(client=client, driver=ref)
assert isinstance(one, DriverSummary)
assert one.driver_ref == ref and one.wins == first.data[0].wins

missing = get_driver.sync_detailed(client=client, driver="nobody")
assert missing.status_code == 404 and isinstance(missing.parsed, Problem)
assert missing.parsed.status == 404 and "nobody" in missing.parsed.detail

bad = list_drivers.sync_detailed(client=client, limit=5000)
assert bad.status_code == 400 and isinstance(bad.parsed, Problem)
assert [error.name for error in bad.parsed.errors] == ["limit"]

unknown_sort = list_drivers.sync_detailed(client=client, sort="nope")
assert unknown_sort.status_code == 400 and isinstance(unknown_sort.parsed, Problem)
print("ok")
"""


def test_installed_client_as_a_user_runs_it(live_server, installed_client, tmp_path):
    script = tmp_path / "use_client.py"
    script.write_text(textwrap.dedent(USER_SCRIPT))
    # A fresh interpreter outside the repository: only the installed package is importable.
    env = {**os.environ, "PYTHONPATH": str(installed_client)}
    result = subprocess.run(
        [sys.executable, script, live_server],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
