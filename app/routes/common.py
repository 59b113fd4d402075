"""What the routes share: the backend of a request, one dependency for a list's paging, sort,
search and format (`listing`), the RFC 8288 Link header, and answering lists as JSON or CSV."""

from __future__ import annotations

import asyncio
import enum
import functools
import inspect
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode

import msgspec
from litestar import MediaType, Request, Response
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ClientException
from litestar.openapi.spec import Example, OpenAPI, OpenAPIMediaType, OpenAPIType, Schema
from litestar.params import Parameter

from app.backends import Backend
from app.edge.metrics import timed_backend

# _weights: the one parser of Accept weights, shared rather than copied.
from app.edge.negotiation import _weights as accept_weights
from app.edge.negotiation import header, representation
from app.edge.problems import PROBLEM_RESPONSES, problem_spec
from app.follow import pinned
from app.models import Page


def backend_of(request: Request) -> Backend:
    """The backend of the snapshot the request took (a 503 when none is being served), timed;
    called by the handler rather than injected: as a dependency beside
    `listing` it cost a list route an anyio task group (Litestar resolves a route's
    independent dependencies concurrently) and a signature-model check per request."""
    return timed_backend(request.app.state, pinned(request.scope).require())


Limit = Annotated[
    int,
    Parameter(description="Page size", ge=1, le=1000, examples=[Example(summary="10", value=10)]),
]
Offset = Annotated[
    int,
    Parameter(
        description="Rows to skip", ge=0, le=1_000_000, examples=[Example(summary="0", value=0)]
    ),
]


class OutputFormat(enum.StrEnum):
    """The representation of a list: JSON (the default) or CSV."""

    JSON = "json"
    CSV = "csv"


Format = Annotated[
    OutputFormat | None,
    Parameter(
        description="`csv` answers text/csv like `Accept: text/csv` (handy in a browser)",
        required=False,
    ),
]
# Every text input (filters, searches, path ids) takes at most 64 characters and no control
# character (Unicode category Cc): no name, ref or country holds one, and PostgreSQL refuses NUL
# in text. Declared in the schema, so every backend sees the same, already validated, input.
# `(?![\s\S])` is the end of the text in both ECMAScript and Python (where `$` would let a
# final newline through).
TEXT_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f]*(?![\s\S])"


def text(description: str, *, min_length: int | None = None, example: str | None = None) -> Any:
    """A text parameter's declaration: length and character rules in one place."""
    return Parameter(
        description=description,
        min_length=min_length,
        max_length=64,
        pattern=TEXT_PATTERN,
        examples=[Example(summary=example, value=example)] if example else None,
    )


def ident(description: str, example: str) -> Any:
    """A path id: a numeric id or a ref."""
    return text(description, min_length=1, example=example)


Nationality = Annotated[str | None, text("Exact nationality, any case (`British`, `italian`)")]
Search = Annotated[
    str | None,
    text(
        "Case- and accent-insensitive search in names, refs (and codes, locations)",
        min_length=1,
    ),
]
CSV_MEDIA_TYPE = "text/csv"  # Litestar appends "; charset=utf-8"


def sort_values(fields: Sequence[str]) -> tuple[str, ...]:
    return tuple(value for field in fields for value in (field, f"-{field}"))


class Listing(msgspec.Struct, frozen=True, kw_only=True):
    """A list request's paging, sort and search (`format` is read by negotiation)."""

    limit: int
    offset: int
    sort: str | None = None
    q: str | None = None


ListingDep = NamedDependency[Listing]


def listing(
    *,
    default_limit: int = 50,
    sorts: Sequence[str] = (),
    default_sort: str | None = None,
    sort_description: str = "",
    sort_example: tuple[str, str] | None = None,
    search: bool = False,
) -> Provide:
    """The dependency of a list route (`dependencies={"listing": listing(...)}`), in the manner
    of litestar-fullstack's filter dependencies: `limit`, `offset`, `format`, and `sort` and
    `q` where the route has them, declared once here, documented in each route's schema."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("limit", keyword, default=default_limit, annotation=Limit),
        inspect.Parameter("offset", keyword, default=0, annotation=Offset),
    ]
    if sorts:
        examples = [Example(summary=sort_example[0], value=sort_example[1])] if sort_example else []
        sort = Annotated[
            Literal[sort_values(sorts)],  # type: ignore[valid-type]
            Parameter(description=sort_description, examples=examples),
        ]
        params.append(inspect.Parameter("sort", keyword, default=default_sort, annotation=sort))
    if search:
        params.append(inspect.Parameter("q", keyword, default=None, annotation=Search))
    params.append(inspect.Parameter("format", keyword, default=None, annotation=Format))

    def provide(**values: Any) -> Listing:
        values.pop("format")  # validated and documented here; negotiation reads it
        return Listing(**values)

    provide.__signature__ = inspect.Signature(params, return_annotation=Listing)  # type: ignore[attr-defined]
    provide.__annotations__ = {p.name: p.annotation for p in params} | {"return": Listing}
    return Provide(provide, sync_to_thread=False)


def link_header(request: Request, page: Page) -> dict[str, str]:
    """`next`/`prev` links for a page, or no header when there is neither: the request's own
    path and parameters (encoded once for both links), `offset` last."""
    has_next, has_prev = page.offset + page.limit < page.total, page.offset > 0
    if not (has_next or has_prev):
        return {}
    # The raw query string, not `query_params`: its order changes from process to process.
    query = parse_qsl(request.scope["query_string"].decode(), keep_blank_values=True)
    kept = urlencode([(k, v) for k, v in query if k != "offset"])
    start = (
        f"{request.scope['path']}?{kept}&offset=" if kept else f"{request.scope['path']}?offset="
    )
    links = []
    if has_next:
        links.append(f'<{start}{page.offset + page.limit}>; rel="next"')
    if has_prev:
        links.append(f'<{start}{max(0, page.offset - page.limit)}>; rel="prev"')
    return {"Link": ", ".join(links)}


def wants_csv(request: Request) -> bool:
    """`format` (already validated by the handler's signature) or else `Accept`, read once per
    request by app/edge/negotiation.py, which the response cache keys on too."""
    return representation(request.scope).media == "csv"


NOT_ACCEPTABLE = problem_spec(
    "CSV asked of a single resource (`?format=csv` or only `text/csv` accepted): it is JSON only",
    {
        "title": "Not Acceptable",
        "status": 406,
        "detail": "/drivers/hamilton is one resource, answered as JSON only; CSV is for lists",
    },
)
SINGLE_RESPONSES = {**PROBLEM_RESPONSES, 406: NOT_ACCEPTABLE}


def json_only(request: Request, format: OutputFormat | None) -> None:
    """A single resource asked for as CSV answers 406 rather than JSON without saying so: with
    `?format=csv`, or when `Accept` prefers `text/csv` and does not accept JSON at all."""
    if format is OutputFormat.CSV or (wants_csv(request) and not _accepts_json(request)):
        raise ClientException(
            status_code=406,
            detail=f"{request.url.path} is one resource, answered as JSON only; CSV is for lists",
        )


def _accepts_json(request: Request) -> bool:
    weights = accept_weights(header(request.scope, b"accept"))
    return any(weights.get(t, 0.0) > 0 for t in ("application/json", "application/*", "*/*"))


async def respond_with_rows(
    request: Request,
    resource: msgspec.Struct,
    rows: Sequence[msgspec.Struct],
    struct: type[msgspec.Struct],
) -> Response:
    """A resource that holds a list (a race's classification, a season's calendar): JSON as
    typed, or the list as CSV. The route takes `format`."""
    if not wants_csv(request):
        return Response(resource)
    return Response(await csv_body(rows, struct), media_type=CSV_MEDIA_TYPE)


async def respond(request: Request, result: Page | list, struct: type[msgspec.Struct]) -> Response:
    """JSON as typed, or CSV with the same rows in the same order (a page's `data` only; the
    page's total goes into `X-Total-Count`). A route that answers CSV takes `format`."""
    headers = link_header(request, result) if isinstance(result, Page) else {}
    if not wants_csv(request):
        if len(result.data if isinstance(result, Page) else result) <= JSON_CHUNK:
            return Response(result, headers=headers)
        return Response(await json_body(result), media_type=MediaType.JSON, headers=headers)
    items = result.data if isinstance(result, Page) else result
    if isinstance(result, Page):
        headers["X-Total-Count"] = str(result.total)
    body = await csv_body(items, struct)
    return Response(body, media_type=CSV_MEDIA_TYPE, headers=headers)


# Spreadsheets run a cell that starts with one of these as a formula (OWASP, "CSV Injection"):
# such a text cell is written with a leading `'`, which they show as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A value as `msgspec.to_builtins` gives it, written as in JSON; text that a spreadsheet
    would read as a formula is neutralised."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


@functools.cache
def _columns(struct: type[msgspec.Struct]) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
    """Per field: its name, and the sub-field names when it is a list of objects."""
    plan = []
    for field in msgspec.structs.fields(struct):
        args = getattr(field.type, "__args__", ())
        if getattr(field.type, "__origin__", None) is list and args:
            plan.append((field.name, tuple(f.name for f in msgspec.structs.fields(args[0]))))
        else:
            plan.append((field.name, None))
    return tuple(plan)


def csv_header(struct: type[msgspec.Struct]) -> list[str]:
    return [
        f"{name}_{sub}" if subs else name
        for name, subs in _columns(struct)
        for sub in (subs or (None,))
    ]


_NEEDS_QUOTES = re.compile(r'[,"\r\n]').search


def _field(text: str) -> str:
    """RFC 4180 quoting: a field with a comma, a quote or a line break (CR too) is quoted."""
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES(text) else text


JSON_CHUNK = 200  # rows encoded between turns of the event loop (~0.1 ms of msgspec)
_encode_json = msgspec.json.Encoder().encode
_EMPTY_PAGE_HEAD = b'{"data":[]'


async def json_body(result: Page | list) -> bytes:
    """The JSON msgspec writes for `result`, byte for byte, its rows encoded JSON_CHUNK at a
    time with other requests running in between: a page of 1000 is ~0.5 ms of encoding at once.
    A Page's `data` is its first field, so the rest of it follows the spliced-in list."""
    items = result.data if isinstance(result, Page) else result
    parts = []
    for start in range(0, len(items), JSON_CHUNK):
        if start:
            await asyncio.sleep(0)
        parts.append(_encode_json(items[start : start + JSON_CHUNK])[1:-1])
    listed = b"[" + b",".join(parts) + b"]"
    if not isinstance(result, Page):
        return listed
    rest = _encode_json(msgspec.structs.replace(result, data=[]))
    return b'{"data":' + listed + rest[len(_EMPTY_PAGE_HEAD) :]


CSV_CHUNK = 50  # rows written between turns of the event loop (~0.45 ms of Python)


async def csv_body(items: Sequence[msgspec.Struct], struct: type[msgspec.Struct]) -> bytes:
    """`to_csv`, CSV_CHUNK rows at a time with other requests running in between: writing a
    page of 1000 takes milliseconds of Python, which would otherwise hold every other request."""
    if len(items) <= CSV_CHUNK:
        return to_csv(items, struct)
    parts = [to_csv(items[:CSV_CHUNK], struct)]
    for start in range(CSV_CHUNK, len(items), CSV_CHUNK):
        await asyncio.sleep(0)
        parts.append(to_csv(items[start : start + CSV_CHUNK], struct, header=False))
    return b"".join(parts)


def to_csv(
    items: Sequence[msgspec.Struct], struct: type[msgspec.Struct], *, header: bool = True
) -> bytes:
    """A header row, then one row per item: scalars as they are; a list of objects becomes one
    column per sub-field, named `<field>_<subfield>`, values joined with `|`
    (`constructors_name`: `McLaren|Mercedes`). `header=False` leaves out the header row (a page
    written in parts).

    Written a column at a time: msgspec makes the rows (tuples of builtins); each column
    becomes text by its kind in one pass (ints through msgspec's encoder, missing values as
    empty cells, text checked for formula starts in one regex search over the whole column);
    the lines are joined in C. Quoting is rare, so it is looked for once over the whole chunk
    (a comma too many, a quote or a line break) and only then per line and field."""
    names = csv_header(struct)
    lines = [",".join(names)] if header else []
    if items:
        rows = msgspec.to_builtins(list(map(msgspec.structs.astuple, items)))
        cells: list[Sequence[str]] = []
        for (_, subs), kind, column in zip(
            _columns(struct), _kinds(struct), zip(*rows, strict=True), strict=True
        ):
            if subs is not None:
                cells.extend(
                    ["|".join(_cell(o.get(sub)) for o in objects or ()) for objects in column]
                    for sub in subs
                )
            else:
                cells.append(_text_column(column, kind))
        written = list(map(",".join, zip(*cells, strict=True)))
        text = "\n".join(written)
        commas = (len(names) - 1) * len(written)
        if (
            text.count(",") != commas
            or '"' in text
            or text.count("\n") != len(written) - 1
            or "\r" in text
        ):
            written = [
                ",".join(map(_field, row)) if _needs_quotes(line, len(names) - 1) else line
                for line, row in zip(written, zip(*cells, strict=True), strict=True)
            ]
        lines += written
    lines.append("")
    return "\n".join(lines).encode()


def _needs_quotes(line: str, commas: int) -> bool:
    return line.count(",") != commas or '"' in line or "\n" in line or "\r" in line


# A text cell that starts like a formula, in a column's cells each led by NUL (never in served
# text; one there would only send the column through the exact per-cell check).
_FORMULA_CELL = re.compile(r"\x00[=+\-@\t\r]").search


def _text_column(column: Sequence[Any], kind: str) -> Sequence[str]:
    """One column's cells as CSV text, `_cell` for each, done for the whole column at once."""
    if kind == "int":  # msgspec writes ints as str does, ten times faster
        cells = _encode_json(column).decode()[1:-1].split(",")
        return [c if c != "null" else "" for c in cells] if None in column else cells
    if kind == "float":
        return ["" if v is None else str(v) for v in column]
    if kind in ("text", "date"):  # str (a date as ISO text), maybe missing
        if None in column:
            column = ["" if v is None else v for v in column]
        if kind == "text" and _FORMULA_CELL("\x00" + "\x00".join(column)):
            return ["'" + v if v.startswith(FORMULA_START) else v for v in column]
        return column
    return list(map(_cell, column))


@functools.cache
def _kinds(struct: type[msgspec.Struct]) -> tuple[str, ...]:
    """Per field of `_columns`: `int`, `float`, `date` or `text` (each maybe None), or `other`
    (bool, lists, unions of kinds), which goes through `_cell` cell by cell."""
    simple = {
        msgspec.inspect.StrType: "text",
        msgspec.inspect.IntType: "int",
        msgspec.inspect.FloatType: "float",
        msgspec.inspect.DateType: "date",
    }
    kinds = []
    for field in msgspec.inspect.type_info(struct).fields:
        kind = field.type
        if isinstance(kind, msgspec.inspect.UnionType):
            rest = [t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType)]
            kind = rest[0] if len(rest) == 1 else None
        kinds.append(simple.get(type(kind), "other"))
    return tuple(kinds)


def document_csv(openapi: OpenAPI) -> None:
    """Add `text/csv` beside `application/json` on every operation that takes `format` and
    answers lists (single resources document a 406 for it instead)."""
    for path_item in (openapi.paths or {}).values():
        operation = path_item.get
        if operation is None or not any(p.name == "format" for p in operation.parameters or []):
            continue
        if "406" in operation.responses:
            continue
        ok = operation.responses["200"]
        ok.content = dict(ok.content or {})
        ok.content["text/csv"] = OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.STRING,
                description="A header row, then the JSON `data` rows in the same order. "
                "Lists of objects become `<field>_<subfield>` columns joined with `|`.",
            )
        )
