"""The dev overlay played for real: `scripts/container.sh up` (what `just up` runs without docker
compose) builds the API image baking the real data and the PostgreSQL image from the Debian
base, plays PostgreSQL, the data release (loader) and the API with `podman kube play`, and the
API serves the real data on the postgres backend as the read-only role; `down` removes it all.

Slow: image builds (the Debian base costs ~2 min once, then it is reused) and three pods."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, unavailable

pytestmark = pytest.mark.slow

SCRIPT = ROOT / "scripts" / "container.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# What scripts/container.sh gives podman too: runc, and ulimits this kind of machine accepts.
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
"""


@pytest.fixture(scope="module")
def podman_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    conf = tmp_path_factory.mktemp("podman") / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    return {**os.environ, "CONTAINERS_CONF": str(conf)}


def podman(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, check=False, timeout=120, env=env
    )


@pytest.fixture(scope="module")
def stack(
    real_data: Path, tmp_path_factory: pytest.TempPathFactory, podman_env: dict[str, str]
) -> Iterator[dict]:
    for tool in ("podman", "kubectl"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed")
    prefix = f"pytest{os.getpid()}-"
    port = free_port()
    env = {**os.environ, "UP_PREFIX": prefix, "UP_PORT": str(port)}
    log = tmp_path_factory.mktemp("kube-play") / "up.log"
    try:
        with log.open("w") as out:
            result = subprocess.run(
                [str(SCRIPT), "up", str(real_data)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                timeout=900,
                check=False,
            )
        assert result.returncode == 0, log.read_text()[-6000:]
        yield {
            "prefix": prefix,
            "url": f"http://127.0.0.1:{port}",
            "log": log.read_text(),
            "env": podman_env,
        }
    finally:
        down = subprocess.run(
            [str(SCRIPT), "down"], capture_output=True, text=True, env=env, timeout=180
        )
        print(down.stdout, down.stderr)
        assert down.returncode == 0, down.stdout + down.stderr
        podman(podman_env, "volume", "rm", "-f", f"{prefix}racing-postgres-data")
        podman(podman_env, "network", "rm", "-f", f"{prefix}racing-dev")
        left = podman(podman_env, "ps", "-a", "--format", "{{.Names}}").stdout.split()
        assert not [name for name in left if name.startswith(prefix)], left


def test_the_api_serves_the_real_data_on_postgres(stack: dict, real_build) -> None:
    ready = httpx.get(f"{stack['url']}/ready", timeout=10).json()
    assert ready == {
        "status": "ready",
        "data_version": real_build.data_version,
        "backend": "postgres",
    }
    hamilton = httpx.get(f"{stack['url']}/drivers/hamilton", timeout=10)
    assert hamilton.status_code == 200
    assert hamilton.headers["x-data-version"] == real_build.data_version
    assert (hamilton.json()["wins"], hamilton.json()["championships"]) == (105, 7)
    assert httpx.get(f"{stack['url']}/meta", timeout=10).json()["backend"] == "postgres"


def test_the_images_carry_the_code_and_data_version(stack: dict, real_build) -> None:
    line = next(x for x in stack["log"].splitlines() if x.startswith("image localhost/racing-api:"))
    tag = line.split()[1].split(":", 1)[1]
    assert tag.endswith(f"-{real_build.data_version}")
    assert podman(stack["env"], "image", "exists", f"localhost/racing-api:{tag}").returncode == 0


def test_roles_the_loader_writes_and_the_api_reads(stack: dict) -> None:
    prefix = stack["prefix"]
    inspect = podman(stack["env"], "inspect", f"{prefix}racing-api-pod-0-api")
    env = dict(item.split("=", 1) for item in json.loads(inspect.stdout)[0]["Config"]["Env"])
    assert env["RACING_DATABASE_URL"].startswith("postgresql://racing_reader:")
    owners = podman(
        stack["env"],
        "exec",
        f"{prefix}postgres-pod-0-postgres",
        "psql",
        "-h",
        "/tmp",
        "-U",
        "postgres",
        "-d",
        "racing",
        "-Atc",
        "select distinct tableowner from pg_tables where schemaname like 'racing%'",
    )
    assert owners.returncode == 0, owners.stderr
    assert owners.stdout.split() == ["racing_loader"]
    release = podman(stack["env"], "inspect", f"{prefix}racing-data-release-release")
    state = json.loads(release.stdout)[0]["State"]
    assert (state["Status"], state["ExitCode"]) == ("exited", 0)


def test_the_api_runs_hardened(stack: dict) -> None:
    api = f"{stack['prefix']}racing-api-pod-0-api"
    assert podman(stack["env"], "exec", api, "id", "-u").stdout.strip() == "10001"
    write = podman(stack["env"], "exec", api, "sh", "-c", "echo x > /srv/x")
    assert write.returncode != 0 and "Read-only file system" in write.stderr
