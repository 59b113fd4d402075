"""The schema in the repository is current, and a client generated from it works against a real
server on loopback: pages, lookups, and typed problems for 404 and 400."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.openapi import schema_json
from tests.conftest import ROOT

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def test_committed_openapi_json_is_current():
    assert (ROOT / "openapi.json").read_bytes() == schema_json(), "run `just openapi`"


@pytest.fixture(scope="module")
def client_package(tmp_path_factory):
    out = tmp_path_factory.mktemp("client") / "racing-client"
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        [GENERATOR, "generate", "--path", ROOT / "openapi.json", "--output-path", out,
         "--fail-on-warning"],
        check=True, env=env, capture_output=True, cwd=out.parent,
    )  # fmt: skip
    sys.path.insert(0, str(out))
    try:
        yield "racing_data_api_client"
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.startswith("racing_data_api_client")]:
            del sys.modules[name]
        shutil.rmtree(out, ignore_errors=True)


def test_generated_client_round_trip(live_server, client_package):
    import importlib

    api = importlib.import_module(client_package)
    list_drivers = importlib.import_module(f"{client_package}.api.drivers.list_drivers")
    get_driver = importlib.import_module(f"{client_package}.api.drivers.get_driver")
    models = importlib.import_module(f"{client_package}.models")
    client = api.Client(base_url=live_server)

    by_points = models.ListDriversSort("-points")
    first = list_drivers.sync(client=client, limit=5, offset=0, sort=by_points)
    second = list_drivers.sync(client=client, limit=5, offset=5, sort=by_points)
    assert len(first.data) == len(second.data) == 5
    assert first.total == second.total > 10
    assert not {d.driver_id for d in first.data} & {d.driver_id for d in second.data}
    assert [d.points for d in first.data] == sorted((d.points for d in first.data), reverse=True)

    ref = first.data[0].driver_ref
    one = get_driver.sync(client=client, driver=ref)
    assert isinstance(one, models.DriverSummary)
    assert one.driver_ref == ref and one.wins == first.data[0].wins

    missing = get_driver.sync_detailed(client=client, driver="nobody")
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.status == 404 and "nobody" in missing.parsed.detail

    bad = list_drivers.sync_detailed(client=client, limit=5000)
    assert bad.status_code == 400
    assert isinstance(bad.parsed, models.Problem)
    assert [error.name for error in bad.parsed.errors] == ["limit"]
