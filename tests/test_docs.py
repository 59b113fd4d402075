"""The docs cannot drift: every route, setting and recipe is in the README, and every response
field is a column of the mart it is served from (the artifact contract)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from app.marts import check_artifacts, served_structs
from app.settings import ENV_NAMES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_route_is_in_the_readme():
    schema = json.loads((ROOT / "openapi.json").read_text())
    documented = set(re.findall(r"`(/[^`\s]*)`", README))
    for path in schema["paths"]:
        readme_form = re.sub(r"\{(\w+)\}", lambda m: "{" + m.group(1) + "}", path)
        assert readme_form in documented or path in README, f"{path} is not in the README"


def test_struct_fields_are_mart_columns(sample_build):
    """What the app checks when it starts (app/marts.py), over the sample's manifest."""
    manifest = json.loads((sample_build.directory / "manifest.json").read_text())
    check_artifacts(manifest)
    assert {struct.mart for struct in served_structs()} <= set(manifest["marts"])


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
