"""`python -m app`: serve with uvicorn on HOST:PORT."""

import uvicorn

from app.logs import server_log_config
from app.settings import Settings


def main() -> None:
    settings = Settings.from_env()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # The app writes a JSON line per request (app/edge/access_log.py); the server's own lines
        # become the same JSON.
        access_log=False,
        log_config=server_log_config(settings.log_level),
        # Only a trusted proxy's X-Forwarded-For becomes the client address (rate limiting).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or "",
        server_header=False,
        h11_max_incomplete_event_size=16 * 1024,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
