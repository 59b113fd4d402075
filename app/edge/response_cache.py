"""The response cache: an LRU of complete 200 responses for one data version, keyed by the
representation served, with weak ETags and 304 answers to `If-None-Match`.

A route opts out with `opt={"cache": False}` (probes, metrics). HEAD arrives here as GET.

Each stored response also remembers the exact requests that were answered with it (their
`replay.replay_key`: path, raw query and the raw header fields negotiation reads), so that
`replay.replay_cached` can answer the same request again before routing (app/edge/replay.py).
Header lists go out as copies: layers above (CORS) edit the lists they are sent."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import parse_qsl, urlencode

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.edge.headers import served_version, stamped
from app.edge.negotiation import VARY, header, representation

if TYPE_CHECKING:
    from app.edge.metrics import Metrics

Headers = list[tuple[bytes, bytes]]
Entry = tuple[Headers, bytes]  # headers, body of a 200


class Alias(NamedTuple):
    """What answered a request: its key here, its route, and the headers a replay sends: the
    stored 200's and a 304's, each stamped as app/edge/headers.py stamps every response."""

    key: tuple
    template: str | None
    etag: bytes
    ok_headers: Headers
    not_modified_headers: Headers


def alias_for(key: tuple, scope: Scope, headers: Headers, validators: Headers) -> Alias:
    version = served_version(scope)
    return Alias(
        key,
        scope.get("path_template"),
        validators[0][1],
        stamped(headers, version),
        stamped(validators, version),
    )


REPLAY_KEY = "racing.replay_key"


class ResponseCache:
    """Bounded by entries and by bytes (a single body over a tenth of the budget is not kept);
    holds one data version at a time: the first request for a new version empties it."""

    def __init__(self, max_entries: int, max_bytes: int, metrics: Metrics | None = None) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.version: str | None = None
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._aliases: dict[tuple, Alias] = {}  # request key -> what answered it
        self._metrics = metrics

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        if self._metrics is not None:
            (self._metrics.cache_hits if entry else self._metrics.cache_misses).inc()
        return entry

    def alias(self, replay_key: tuple, alias: Alias) -> None:
        """Remember that the request `replay_key` is answered by the entry `alias.key`
        (bounded: forgotten all at once beyond four per entry)."""
        if len(self._aliases) >= 4 * self.max_entries:
            self._aliases.clear()
        self._aliases[replay_key] = alias

    def replay(self, version: str, replay_key: tuple) -> tuple[Entry, Alias] | None:
        """The stored response for a request answered before from `version`, or None (a
        miss is not counted: the request goes on to the route, which counts it)."""
        alias = self._aliases.get(replay_key)
        if alias is None or version != self.version:
            return None
        entry = self._entries.get(alias.key)
        if entry is None:
            return None
        self._entries.move_to_end(alias.key)
        if self._metrics is not None:
            self._metrics.cache_hits.inc()
        return entry, alias

    def put(self, key: tuple, entry: Entry) -> None:
        size = len(entry[1])
        if size > self.max_bytes // 10 or key in self._entries:
            return
        self._entries[key] = entry
        self.bytes += size
        evicted = 0
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, body) = self._entries.popitem(last=False)
            self.bytes -= len(body)
            evicted += 1
        self._measure(evicted)

    def hold(self, version: str) -> None:
        """Keep only `version`'s responses: a new data version empties the cache."""
        if version != self.version:
            evicted = len(self._entries)
            self._entries.clear()
            self._aliases.clear()
            self.bytes = 0
            self.version = version
            self._measure(evicted)

    def _measure(self, evicted: int) -> None:
        if self._metrics is not None:
            if evicted:
                self._metrics.cache_evictions.inc(evicted)
            self._metrics.cache_entries.set(len(self._entries))
            self._metrics.cache_bytes.set(self.bytes)


def canonical_query(query_string: bytes) -> str:
    """The query with parameters sorted, so equivalent requests share an ETag and a cache entry."""
    if not query_string:
        return ""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return urlencode(sorted(pairs))


def etag_matches(if_none_match: str, etag: bytes) -> bool:
    """Weak comparison (RFC 9110 §13.1.2); `*` matches any current representation."""
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix(b"W/").decode()
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


def with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers with exactly one `Vary`, naming what negotiation reads."""
    return [(name, value) for name, value in headers if name.lower() != b"vary"] + [(b"vary", VARY)]


def response_cache(app: ASGIApp) -> ASGIApp:
    """Route middleware: replays stored responses, stores fresh 200s, answers 304 when
    `If-None-Match` matches the ETag of a 200 (never of an error)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "GET" or scope["route_handler"].opt.get("cache") is False:
            await app(scope, receive, send)
            return
        litestar = scope["app"]
        settings = litestar.state.settings
        version = served_version(scope)
        media, encoding = representation(scope)
        request_key = f"{scope['path']}?{canonical_query(scope.get('query_string', b''))}|{media}"
        if scope["route_handler"].opt.get("vary_host"):  # the body names the host (Ergast's url)
            request_key += f"|{header(scope, b'host')}"
        digest = hashlib.blake2b(request_key.encode(), digest_size=8).hexdigest()
        etag = f'W/"{version}-{digest}"'.encode()
        validators = [
            (b"etag", etag),
            (b"cache-control", f"public, max-age={settings.cache_max_age}".encode()),
            (b"vary", VARY),
        ]
        if_none_match = header(scope, b"if-none-match")
        not_modified = bool(if_none_match) and etag_matches(if_none_match, etag)

        cache: ResponseCache | None = litestar.state.response_cache
        key = (version, request_key, encoding)
        entry = None
        if cache is not None:
            cache.hold(version)
            entry = cache.get(key)
        replay_key = scope.get(REPLAY_KEY)
        if entry is not None:
            if replay_key is not None:
                cache.alias(replay_key, alias_for(key, scope, entry[0], validators))
            headers, body = entry
            if not_modified:
                headers, body = validators, b""
            await send(
                {
                    "type": "http.response.start",
                    "status": 304 if not_modified else 200,
                    "headers": list(headers),
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        ok = False
        start: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal ok, start
            if message["type"] == "http.response.start":
                ok = message["status"] == 200
                if not ok:
                    await send(message)
                    return
                start = with_vary([*message.get("headers", []), *validators[:2]])
                message["headers"] = list(start)
                if not_modified:
                    message = {"type": "http.response.start", "status": 304, "headers": validators}
            elif message["type"] == "http.response.body" and ok:
                chunks.append(message.get("body", b""))
                done = not message.get("more_body")
                if done and cache is not None and cache.version == version:
                    cache.put(key, (start, b"".join(chunks)))
                    if replay_key is not None:
                        cache.alias(replay_key, alias_for(key, scope, start, validators))
                if not_modified:
                    if message.get("more_body"):
                        return
                    message = {"type": "http.response.body", "body": b""}
            await send(message)

        await app(scope, receive, capture)

    return middleware
