"""Settings come from the environment, with clear errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import Settings


def test_defaults_without_environment():
    settings = Settings.from_env({})
    assert settings.backend == "sqlite"
    assert settings.artifacts_dir == Path("artifacts")
    assert settings.response_cache is True
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_environment_values_are_typed():
    settings = Settings.from_env(
        {
            "RACING_BACKEND": "postgres",
            "RACING_ARTIFACTS": "/srv/artifacts",
            "PORT": "9000",
            "RACING_RESPONSE_CACHE": "false",
            "RACING_STATEMENT_TIMEOUT_MS": "500",
        }
    )
    assert settings.backend == "postgres"
    assert settings.artifacts_dir == Path("/srv/artifacts")
    assert settings.port == 9000
    assert settings.response_cache is False
    assert settings.statement_timeout_ms == 500


@pytest.mark.parametrize(
    ("env", "named"),
    [({"PORT": "eighty"}, "PORT"), ({"RACING_BACKEND": "mysql"}, "RACING_BACKEND")],
)
def test_invalid_values_stop_with_the_variable_named(env, named):
    with pytest.raises(SystemExit, match=f"invalid configuration: .* in {named}"):
        Settings.from_env(env)
