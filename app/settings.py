"""Settings from the environment. Parsed by `Settings.from_env()`, never at import."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import msgspec

Backend = Literal["sqlite", "postgres", "parquet"]


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    backend: Backend = "sqlite"
    artifacts_dir: Path = Path("artifacts")
    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    host: str = "127.0.0.1"
    port: int = 8000
    # Responses for one data version never change: cache encoded bodies in memory.
    response_cache: bool = True
    response_cache_entries: int = 4096
    cache_max_age: int = 300
    statement_timeout_ms: int = 2000
    pool_size: int = 4
    log_level: str = "info"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        raw = {
            "backend": env.get("RACING_BACKEND"),
            "artifacts_dir": env.get("RACING_ARTIFACTS"),
            "database_url": env.get("RACING_DATABASE_URL"),
            "host": env.get("HOST"),
            "port": env.get("PORT"),
            "response_cache": env.get("RACING_RESPONSE_CACHE"),
            "response_cache_entries": env.get("RACING_RESPONSE_CACHE_ENTRIES"),
            "cache_max_age": env.get("RACING_CACHE_MAX_AGE"),
            "statement_timeout_ms": env.get("RACING_STATEMENT_TIMEOUT_MS"),
            "pool_size": env.get("RACING_POOL_SIZE"),
            "log_level": env.get("RACING_LOG_LEVEL"),
        }
        values = {key: value for key, value in raw.items() if value not in (None, "")}
        if "response_cache" in values:
            values["response_cache"] = values["response_cache"].lower() in ("1", "true", "yes")
        try:
            return msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SystemExit(f"invalid configuration: {exc}") from None
