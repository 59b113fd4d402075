"""The app's side of the artifact contract: which mart each response Struct is read from (its
`mart`), which of a mart's columns hold JSON lists (from the manifest), and the check, run when
the app starts, that the artifacts being served have every column those Structs need, with
compatible types."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from itertools import starmap
from typing import Any

import msgspec
from msgspec import inspect

from app.models import Struct
from contract import COLUMN_TYPES, SCHEMA_VERSION


class ContractMismatch(Exception):
    """The artifacts being served do not have what a response Struct needs. One line."""


# Struct field type -> the manifest column kinds (contract.COLUMN_TYPES) it can be read from.
READS_FROM: dict[type[inspect.Type], set[str]] = {
    inspect.IntType: {"integer"},
    inspect.FloatType: {"float", "integer"},
    inspect.StrType: {"text"},
    inspect.BoolType: {"boolean"},
    inspect.DateType: {"date"},
}


def served_structs() -> list[type[Struct]]:
    """Every Struct that declares its own mart (a subclass adding fields, such as RaceDetail,
    is assembled from several queries and declares none)."""
    found, pending = [], list(Struct.__subclasses__())
    while pending:
        struct = pending.pop()
        pending.extend(struct.__subclasses__())
        if "mart" in vars(struct):
            found.append(struct)
    return sorted(found, key=lambda struct: struct.__name__)


def list_columns(manifest: dict, struct: type[Struct]) -> list[str]:
    return manifest["marts"][struct.mart]["list_columns"]


def check_artifacts(manifest: dict[str, Any]) -> None:
    """Raise ContractMismatch naming the first Struct field the artifacts cannot fill."""
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise ContractMismatch(
            f"the artifacts' manifest has schema version {manifest.get('schema_version')}, "
            f"this API reads {SCHEMA_VERSION}: rebuild them (`just build-artifacts`)"
        )
    for struct in served_structs():
        mart = manifest["marts"].get(struct.mart)
        if mart is None:
            raise ContractMismatch(f"{struct.__name__}: the artifacts have no mart {struct.mart}")
        columns = {column["name"]: column["type"] for column in mart["columns"]}
        for field in inspect.type_info(struct).fields:
            where = f"{struct.__name__}.{field.name}"
            if field.name not in columns:
                raise ContractMismatch(f"{where}: mart {struct.mart} has no column {field.name}")
            column_type = columns[field.name]
            if not _fits(field.type, column_type, field.name in mart["list_columns"]):
                raise ContractMismatch(
                    f"{where}: mart {struct.mart} column {field.name} has type {column_type}"
                    + (" (a list column)" if field.name in mart["list_columns"] else "")
                    + f", which cannot fill {_describe(field.type)}"
                )


def _fits(field_type: inspect.Type, column_type: str, is_list: bool) -> bool:
    if isinstance(field_type, inspect.UnionType):
        types = [t for t in field_type.types if not isinstance(t, inspect.NoneType)]
        return len(types) == 1 and _fits(types[0], column_type, is_list)
    if isinstance(field_type, inspect.ListType):
        return is_list and COLUMN_TYPES.get(column_type) == "text"
    kinds = READS_FROM.get(type(field_type), set())
    return not is_list and COLUMN_TYPES.get(column_type) in kinds


def _describe(field_type: inspect.Type) -> str:
    if isinstance(field_type, inspect.UnionType):
        types = [t for t in field_type.types if not isinstance(t, inspect.NoneType)]
        return " or ".join(_describe(t) for t in types) + " or null"
    name = type(field_type).__name__.removesuffix("Type").lower()
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def reader(
    struct: type[Struct], list_columns: Sequence[str]
) -> Callable[[Sequence[tuple]], list[Any]]:
    """Rows (tuples in the order of the Struct's fields, as `queries.columns` selects them) to
    Structs, validated and converted as `msgspec.convert(..., strict=False)` would from dicts.
    List columns arrive as JSON text (SQLite has no list type) and are decoded as typed."""
    return _reader(struct, tuple(list_columns))


@functools.cache
def _reader(struct: type[Struct], list_columns: tuple[str, ...]) -> Callable[..., list[Any]]:
    # One C conversion into an array-like twin of the Struct (the same field types, list
    # columns as their text), then each Struct built positionally from the twin's values:
    # no dict and no Python per field.
    fields = msgspec.structs.fields(struct)
    twin = msgspec.defstruct(
        f"{struct.__name__}Row",
        [(f.name, str | None if f.name in list_columns else f.type) for f in fields],
        array_like=True,
        frozen=True,
        gc=False,
    )
    many = list[twin]  # type: ignore[valid-type]
    astuple = msgspec.structs.astuple
    lists = [
        (i, msgspec.json.Decoder(f.type, strict=False).decode)
        for i, f in enumerate(fields)
        if f.name in list_columns
    ]

    def read(rows: Sequence[tuple]) -> list[Any]:
        checked = msgspec.convert(rows, many, strict=False)
        if not lists:
            return list(starmap(struct, map(astuple, checked)))
        made = []
        for row in checked:
            values = list(astuple(row))
            for i, decode in lists:
                values[i] = decode(values[i]) if values[i] else []
            made.append(struct(*values))
        return made

    return read
