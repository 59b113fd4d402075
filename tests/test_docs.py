"""The docs cannot drift: every route, setting and recipe is in the README, and every response
field is a column of the mart it is served from (the artifact contract)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from app import models
from app.settings import ENV_NAMES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()

STRUCT_MARTS = {
    models.DriverSummary: ["driver_summary"],
    models.DriverSeason: ["driver_season"],
    models.CircuitSummary: ["circuit_summary"],
    models.CircuitFastestLap: ["circuit_fastest_lap"],
    models.ConstructorSummary: ["constructor_summary"],
    models.ConstructorSeason: ["constructor_season"],
    models.SeasonSummary: ["season_summary"],
    models.Race: ["race"],
    models.RaceResult: ["race_result"],
}


def test_every_route_is_in_the_readme():
    schema = json.loads((ROOT / "openapi.json").read_text())
    documented = set(re.findall(r"`(/[^`\s]*)`", README))
    for path in schema["paths"]:
        readme_form = re.sub(r"\{(\w+)\}", lambda m: "{" + m.group(1) + "}", path)
        assert readme_form in documented or path in README, f"{path} is not in the README"


@pytest.mark.parametrize(("struct", "marts"), STRUCT_MARTS.items(), ids=lambda v: str(v))
def test_struct_fields_are_mart_columns(sample_build, struct, marts):
    manifest = json.loads((sample_build.directory / "manifest.json").read_text())
    inherited = {f.name for f in msgspec.structs.fields(struct)}
    for mart in marts:
        columns = {c["name"] for c in manifest["marts"][mart]["columns"]}
        assert inherited <= columns, f"{struct.__name__} fields missing from {mart}"


def test_every_setting_is_in_the_readme():
    for name in ENV_NAMES.values():
        assert f"`{name}`" in README, name


def test_every_recipe_is_in_the_readme():
    just = Path(sys.executable).with_name("just")  # installed into the venv by rust-just
    recipes = subprocess.run(
        [just, "--summary"], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.split()
    assert "serve" in recipes and "bench" in recipes
    for recipe in recipes:
        if recipe not in ("default", "fmt"):
            assert f"`{recipe}`" in README or f"just {recipe}" in README, recipe
