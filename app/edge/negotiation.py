"""Which representation a request gets: media type (JSON or CSV) and content coding.

Decided once per request, here, and read by everyone who depends on it: the handler (CSV or
JSON), the compressor (br, gzip or none) and the response cache (its key). Repeated header
fields are one comma-separated list (RFC 9110 §5.3), so no layer can read a different copy of
`Accept` or `Accept-Encoding` than another."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, NamedTuple
from urllib.parse import parse_qsl

from litestar.types import Scope

# Offered codings in order of preference on equal quality; compression.py serves exactly these.
ENCODINGS = ("br", "gzip")
VARY = b"Accept, Accept-Encoding"
_STATE_KEY = "racing.representation"


class Representation(NamedTuple):
    media: Literal["json", "csv"]
    encoding: str  # one of ENCODINGS, or "identity"


def header(scope: Scope, name: bytes) -> str:
    """Every field of one request header, joined as RFC 9110 says a recipient may."""
    return ", ".join(value.decode("latin-1") for key, value in scope["headers"] if key == name)


@lru_cache(maxsize=512)  # clients send few distinct values; callers only read the result
def _weights(value: str) -> dict[str, float]:
    """`a;q=0.5, b` -> {"a": 0.5, "b": 1.0}; a malformed weight counts as 0 (not acceptable)."""
    weights: dict[str, float] = {}
    for item in value.split(","):
        token, *params = (part.strip() for part in item.split(";"))
        if not token:
            continue
        q = 1.0
        for param in params:
            key, _, number = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(number), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        token = token.lower()
        weights[token] = max(q, weights.get(token, 0.0))
    return weights


def _media(scope: Scope) -> Literal["json", "csv"]:
    query = scope.get("query_string", b"")
    if b"format" in query:
        for name, value in parse_qsl(query.decode("latin-1")):
            if name == "format" and value in ("json", "csv"):
                return value  # type: ignore[return-value]
    weights = _weights(header(scope, b"accept"))
    csv = weights.get("text/csv", 0.0)
    json = max(weights.get(t, 0.0) for t in ("application/json", "application/*", "*/*"))
    return "csv" if csv > 0 and csv >= json else "json"


def _encoding(scope: Scope) -> str:
    weights = _weights(header(scope, b"accept-encoding"))
    best, best_q = "identity", 0.0
    for coding in ENCODINGS:
        q = weights.get(coding, weights.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best


def representation(scope: Scope) -> Representation:
    """The representation this request gets, computed once and kept in the scope's state."""
    state = scope.setdefault("state", {})
    chosen = state.get(_STATE_KEY)
    if chosen is None:
        chosen = state[_STATE_KEY] = Representation(_media(scope), _encoding(scope))
    return chosen
