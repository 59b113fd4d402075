"""`python -m app`: serve the API. Every option mirrors an environment variable (the option wins);
see `python -m app --help` and the README's configuration table."""

from __future__ import annotations

import argparse
import os
import sys

from app.settings import ENV_NAMES, Settings

# option -> settings field; the environment variable comes from ENV_NAMES.
OPTIONS = {
    "--host": ("host", str, "address to listen on"),
    "--port": ("port", int, "port to listen on"),
    "--workers": ("workers", int, "serving processes"),
    "--backend": ("backend", str, "the database to serve from"),
    "--log-level": ("log_level", str, "log verbosity"),
    "--access-log": ("access_log", bool, "one JSON line per request (at log level info)"),
    "--drain-seconds": (
        "drain_seconds",
        float,
        "after SIGTERM, seconds /ready answers 503 while the rest still serves",
    ),
}
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def parser() -> argparse.ArgumentParser:
    defaults = Settings()
    cli = argparse.ArgumentParser(
        prog="python -m app",
        description="Serve the Racing Data API (uvicorn, httptools, uvloop; one process per "
        "core). Options override the environment variables named below.",
    )
    for option, (field, type_, text) in OPTIONS.items():
        default = getattr(defaults, field)
        shown = "cores available" if default is None else "off" if default is False else default
        kwargs: dict = {"type": type_}
        if type_ is bool:  # a flag: given, it is on
            kwargs = {"action": "store_const", "const": "true"}
        if field == "backend":
            kwargs["choices"] = ("sqlite", "postgres", "parquet")
        if field == "log_level":
            kwargs["choices"] = LOG_LEVELS
        cli.add_argument(
            option, dest=field, help=f"{text} [{ENV_NAMES[field]}, default {shown}]", **kwargs
        )
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # The options become the environment: workers started later read the same settings.
    for field, value in vars(args).items():
        if value is not None:
            os.environ[ENV_NAMES[field]] = str(value)
    settings = Settings.from_env()
    if settings.log_level not in LOG_LEVELS:
        raise SystemExit(
            f"invalid configuration: RACING_LOG_LEVEL={settings.log_level!r}; "
            f"expected one of {', '.join(LOG_LEVELS)}"
        )
    from app.serve import serve

    return serve(settings)


if __name__ == "__main__":
    sys.exit(main())
