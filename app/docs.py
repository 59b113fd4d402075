"""/docs (Swagger UI) and /redoc (ReDoc), rendered from assets pinned in the package
(`app/static/docs`, see its SOURCES.txt; `just docs-assets` re-pins them from npm), served from
this origin under a Content-Security-Policy that allows nothing else: the pages work offline,
behind a proxy and with no CDN. The HTML has no inline script; each UI starts from a small
same-origin file (`swagger-init.js`, `redoc-init.js`)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

ASSETS = Path(__file__).parent / "static" / "docs"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
SERVED = (
    "swagger-ui-bundle.js",
    "swagger-ui.css",
    "swagger-init.js",
    "redoc.standalone.js",
    "redoc-init.js",
)
# Scripts, styles, images, fonts and API calls from this origin only. Styles also allow
# 'unsafe-inline' because both UIs set style attributes and ReDoc injects <style> elements
# (styled-components); ReDoc's search runs in a worker it creates from a blob: URL.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src blob:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Racing Data API · {title}</title>
<link rel="icon" href="data:,">
{head}
</head>
<body>
<div id="{root}"></div>
{scripts}
</body>
</html>
"""


def _page(title: str, root: str, styles: list[str], scripts: list[str]) -> bytes:
    head = "\n".join(f'<link rel="stylesheet" href="docs/assets/{name}">' for name in styles)
    tags = "\n".join(f'<script src="docs/assets/{name}"></script>' for name in scripts)
    return PAGE.format(title=title, head=head, root=root, scripts=tags).encode()


SWAGGER_PAGE = _page(
    "Swagger UI", "swagger-ui", ["swagger-ui.css"], ["swagger-ui-bundle.js", "swagger-init.js"]
)
REDOC_PAGE = _page("ReDoc", "redoc", [], ["redoc.standalone.js", "redoc-init.js"])
HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}


@functools.cache
def _asset(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


@get("/docs", include_in_schema=False, opt={"cache": False}, cache_control=None)
async def swagger_ui() -> Response[bytes]:
    return Response(SWAGGER_PAGE, media_type="text/html; charset=utf-8", headers=HEADERS)


@get("/redoc", include_in_schema=False, opt={"cache": False}, cache_control=None)
async def redoc() -> Response[bytes]:
    return Response(REDOC_PAGE, media_type="text/html; charset=utf-8", headers=HEADERS)


@get("/docs/assets/{name:str}", include_in_schema=False, opt={"cache": False}, sync_to_thread=False)
def docs_asset(name: Annotated[str, Parameter(max_length=64)]) -> Response[bytes]:
    if name not in SERVED:
        raise NotFoundException(detail=f"No docs asset {name!r}")
    return Response(
        _asset(name),
        media_type=MEDIA_TYPES[Path(name).suffix],
        headers={**HEADERS, "Cache-Control": "public, max-age=86400"},
    )


ROUTES = [swagger_ui, redoc, docs_asset]
