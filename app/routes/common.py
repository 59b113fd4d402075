"""What the routes share: the backend dependency, paging parameters and the RFC 8288 Link header."""

from __future__ import annotations

from typing import Annotated

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import Parameter

from app.backends import Backend
from app.models import Page

BackendDep = NamedDependency[Backend]

Limit = Annotated[int, Parameter(description="Page size", ge=1, le=1000)]
Offset = Annotated[int, Parameter(description="Rows to skip", ge=0, le=1_000_000)]


def link_header(request: Request, page: Page) -> dict[str, str]:
    """`next`/`prev` links for a page, or no header when there is neither."""
    links = []
    url = request.url
    if page.offset + page.limit < page.total:
        next_url = url.with_replacements(query=_with_offset(request, page.offset + page.limit))
        links.append(f'<{next_url.path}?{next_url.query}>; rel="next"')
    if page.offset > 0:
        prev_url = url.with_replacements(
            query=_with_offset(request, max(0, page.offset - page.limit))
        )
        links.append(f'<{prev_url.path}?{prev_url.query}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}


def _with_offset(request: Request, offset: int) -> str:
    from urllib.parse import urlencode

    params = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    params.append(("offset", str(offset)))
    return urlencode(params)
