"""Every text input (query filters, searches, path ids) is validated the same way on every
backend, declared once in the OpenAPI schema: control characters are a 400 naming the
parameter, never a 500 (PostgreSQL refuses NUL in text) nor a backend-dependent answer."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT

# (request target, the parameter the problem must name, where it is)
CONTROL_CHARACTERS = [
    ("/drivers?q=%00", "q", "query"),
    ("/drivers?q=ham%00", "q", "query"),
    ("/drivers?nationality=%00", "nationality", "query"),
    ("/circuits?country=It%1Faly", "country", "query"),
    ("/circuits?q=a%7Fb", "q", "query"),
    ("/races?circuit=%00", "circuit", "query"),
    ("/constructors?nationality=%0A", "nationality", "query"),
    ("/constructors?q=%C2%85", "q", "query"),  # U+0085, a C1 control
    ("/drivers/%00", "driver", "path"),
    ("/drivers/ham%00/seasons", "driver", "path"),
    ("/drivers/%00/vs/1", "driver", "path"),
    ("/drivers/1/vs/%00", "other", "path"),
    ("/drivers/1/vs/ros%1Bberg", "other", "path"),
    ("/circuits/%00", "circuit", "path"),
    ("/circuits/%00/fastest-laps", "circuit", "path"),
    ("/constructors/%00", "constructor", "path"),
    ("/constructors/%09/seasons", "constructor", "path"),
    ("/ergast/f1/drivers/ham%00ilton.json", "path", "path"),
]


@pytest.mark.parametrize(("target", "name", "location"), CONTROL_CHARACTERS)
def test_control_characters_are_a_400_naming_the_parameter(client, target, name, location):
    response = client.get(target)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [(e["name"], e["location"]) for e in errors] == [(name, location)]
    assert "matching regex" in errors[0]["message"]  # the pattern the schema declares


def test_every_text_parameter_declares_the_pattern():
    schema = json.loads((ROOT / "openapi.json").read_text())
    checked = set()
    for path, item in schema["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            declared = parameter["schema"]
            for variant in declared.get("oneOf", [declared]):
                if variant.get("type") == "string" and "enum" not in variant:
                    # Litestar puts a nullable parameter's constraints beside its `oneOf`.
                    assert "pattern" in {**declared, **variant}, f"{path} {parameter['name']}"
                    checked.add(parameter["name"])
    assert {"q", "nationality", "country", "circuit", "driver", "other", "constructor"} <= checked
