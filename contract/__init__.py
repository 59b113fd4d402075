"""The artifact contract: the few names that `transforms/` (which writes the artifacts) and
`app/` (which serves them) must agree on. Everything else they share travels in the artifacts:
each mart's key, columns and types, list-valued columns and indexes are in `manifest.json`,
written by the build from the marts' SQL headers and read by the loaders and the API
(docs/ARCHITECTURE.md has the map).

Standard library only, so both halves can import it while importing nothing from each other."""

from __future__ import annotations

import unicodedata

# The manifest's format; the API refuses artifacts of another one.
SCHEMA_VERSION = 2

# Files and pointers. artifacts/<version>/ holds <mart>.parquet, MANIFEST_FILE and, once loaded,
# SQLITE_FILE; artifacts/CURRENT_LINK is a symlink to the version to serve.
MANIFEST_FILE = "manifest.json"
CURRENT_LINK = "current"
SQLITE_FILE = "racing.sqlite"
# The SQLite load records the sha256 of what it wrote here (`<hex>  racing.sqlite`), so the API
# can check the file it opens (the manifest, written by the build, cannot know it).
SQLITE_SHA256_FILE = f"{SQLITE_FILE}.sha256"

# Every load holds a META_TABLE of (key, value): the data version and the whole manifest.
META_TABLE = "meta"
META_DATA_VERSION = "data_version"
META_MANIFEST = "manifest"

# PostgreSQL: each version in schema racing_<version>; POINTER_TABLE's single row names the one
# to serve (columns data_version, schema_name).
POINTER_SCHEMA = "racing"
POINTER_TABLE = f"{POINTER_SCHEMA}.current"
VERSION_SCHEMA_PREFIX = "racing_"
# The API connects as READER_ROLE, which the load grants read access only; the loader connects
# as an owner (RACING_LOADER_DATABASE_URL), never the API.
READER_ROLE = "racing_reader"
DEFAULT_DATABASE_URL = f"postgresql://{READER_ROLE}@127.0.0.1:5432/postgres"
DEFAULT_LOADER_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def version_schema(data_version: str) -> str:
    return f"{VERSION_SCHEMA_PREFIX}{data_version}"


# Column types a mart may have, as the manifest writes them (Arrow's names), and what they are.
# A list-valued column is "string" holding a JSON array, named in the mart's `list_columns`.
COLUMN_TYPES = {
    "int8": "integer",
    "int16": "integer",
    "int32": "integer",
    "int64": "integer",
    "double": "float",
    "float": "float",
    "string": "text",
    "large_string": "text",
    "bool": "boolean",
    "date32[day]": "date",
}


def select_as_sqlite(columns: list[dict]) -> str:
    """A DuckDB select list of a mart's manifest columns holding what the SQLite load stores
    and every backend returns: dates as ISO 8601 text, booleans as 0/1."""
    selected = []
    for column in columns:
        name = f'"{column["name"]}"'
        kind = COLUMN_TYPES[column["type"]]
        if kind == "date":
            selected.append(f"strftime({name}, '%Y-%m-%d') as {name}")
        elif kind == "boolean":
            selected.append(f"cast({name} as integer) as {name}")
        else:
            selected.append(name)
    return ", ".join(selected)


# Search: marts store a folded `search_name`; the API folds the query the same way, then matches
# with LIKE. The rule is lower case, then Unicode canonical decomposition with the combining
# marks dropped ("Räikkönen" -> "raikkonen"), which is what DuckDB's strip_accents(lower(x))
# does; tests/test_contract.py checks the two agree.
SEARCH_FOLD_SQL = "strip_accents(lower({}))"


def fold_search(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
