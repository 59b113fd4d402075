"""Settings from the environment. Parsed by `Settings.from_env()`, never at import."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from contract import DEFAULT_DATABASE_URL

BackendName = Literal["sqlite", "postgres", "parquet"]
Positive = Annotated[float, msgspec.Meta(gt=0)]


def _decode_path(type_: type, value: object) -> object:
    if type_ is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError(f"cannot convert {value!r} to {type_}")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    backend: BackendName = "sqlite"
    artifacts_dir: Path = Path("artifacts")
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    # Responses for one data version never change: cache encoded bodies in memory.
    response_cache: bool = True
    response_cache_entries: int = 4096
    response_cache_mb: int = 64
    cache_max_age: int = 300
    statement_timeout_ms: int = 2000
    pool_size: int = 4
    log_level: str = "info"
    # One JSON line per request (at `info`): ~10 µs, a fifth of a cached answer, so off unless
    # asked for (the Kubernetes manifests ask: Loki reads the lines).
    access_log: bool = False
    # Serving processes; None: one per core available (CPU affinity and cgroup quota).
    workers: Annotated[int, msgspec.Meta(ge=1, le=256)] | None = None
    # After SIGTERM: /ready answers 503 while every other route serves this long, then exit.
    drain_seconds: Annotated[float, msgspec.Meta(ge=0)] = 5.0
    # Slow clients: seconds to send a request head, seconds a kept-alive connection may idle,
    # and open connections per worker (kept below the file-descriptor limit).
    header_timeout: Positive = 10.0
    keep_alive_timeout: Positive = 5.0
    max_connections: Annotated[int, msgspec.Meta(ge=1)] = 4096
    # "100/minute" (second, minute, hour, day) per client address; off when empty.
    rate_limit: str | None = None
    # Serve /metrics on this port only (not on the public one) when set.
    metrics_port: int | None = None
    # Addresses of reverse proxies whose X-Forwarded-For is trusted ("*" for any).
    trusted_proxies: str | None = None

    @property
    def rate_limit_rule(self) -> tuple[str, int] | None:
        if not self.rate_limit:
            return None
        count, _, unit = self.rate_limit.partition("/")
        if unit not in ("second", "minute", "hour", "day") or not count.isdecimal():
            raise SystemExit(
                f"invalid configuration: RACING_RATE_LIMIT={self.rate_limit!r}; "
                "expected <count>/<second|minute|hour|day>, e.g. 100/minute"
            )
        return unit, int(count)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {field: env[name] for field, name in ENV_NAMES.items() if env.get(name, "") != ""}
        for flag in ("response_cache", "access_log"):
            if flag in values:
                values[flag] = values[flag].lower() in ("1", "true", "yes", "on")
        try:
            return msgspec.convert(values, cls, strict=False, dec_hook=_decode_path)
        except msgspec.ValidationError as exc:
            message = str(exc)
            for field, name in ENV_NAMES.items():
                message = message.replace(f"at `$.{field}`", f"in {name}")
            raise SystemExit(f"invalid configuration: {message}") from None


ENV_NAMES = {
    "backend": "RACING_BACKEND",
    "artifacts_dir": "RACING_ARTIFACTS",
    "database_url": "RACING_DATABASE_URL",
    "host": "HOST",
    "port": "PORT",
    "response_cache": "RACING_RESPONSE_CACHE",
    "response_cache_entries": "RACING_RESPONSE_CACHE_ENTRIES",
    "response_cache_mb": "RACING_RESPONSE_CACHE_MB",
    "cache_max_age": "RACING_CACHE_MAX_AGE",
    "statement_timeout_ms": "RACING_STATEMENT_TIMEOUT_MS",
    "pool_size": "RACING_POOL_SIZE",
    "log_level": "RACING_LOG_LEVEL",
    "access_log": "RACING_ACCESS_LOG",
    "workers": "RACING_WORKERS",
    "drain_seconds": "RACING_DRAIN_SECONDS",
    "header_timeout": "RACING_HEADER_TIMEOUT",
    "keep_alive_timeout": "RACING_KEEP_ALIVE_TIMEOUT",
    "max_connections": "RACING_MAX_CONNECTIONS",
    "rate_limit": "RACING_RATE_LIMIT",
    "trusted_proxies": "RACING_TRUSTED_PROXIES",
    "metrics_port": "RACING_METRICS_PORT",
}
