"""What changed between two artifact versions: per mart, rows added, removed and changed by the
mart's key (from each manifest), with the first few examples.

`diff_versions(old_dir, new_dir)` returns the structured result (it is also recorded in the new
version's manifest under `changes`, which the API serves at /meta/changes);
`summary_lines(changes)` renders it, one line per mart:

    driver_summary: 1 changed — max_verstappen wins 67 → 68
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from contract import MANIFEST_FILE

EXAMPLES = 3  # examples kept per mart and kind
NAMES = ("driver_ref", "constructor_ref", "circuit_ref")  # what names a row without its own ref


def _manifest(directory: Path) -> dict:
    return json.loads((directory / MANIFEST_FILE).read_text())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _parquet(path: Path) -> str:
    return "read_parquet('" + str(path).replace("'", "''") + "')"


def _label(row: dict, key: list[str]) -> str:
    """How a person names a row: each `<x>_id` of the key by its `<x>_ref` when the mart has
    one (driver, constructor, circuit), other key parts (season, round, lap) as they are."""
    parts, named = [], False
    for column in key:
        ref = column.removesuffix("_id") + "_ref"
        if column.endswith("_id") and row.get(ref) is not None:
            parts.append(str(row[ref]))
            named = True
        elif column.endswith("_id"):
            parts.append(f"{column}={row[column]}")
        else:
            parts.append(str(row[column]))
    if not named:  # a result line or a race: say whose, or where
        ref = next((row[c] for c in NAMES if row.get(c) is not None), None)
        parts += [f"({ref})"] if ref is not None else []
    return " ".join(parts)


def _value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def diff_mart(
    con: duckdb.DuckDBPyConnection, name: str, old: dict, new: dict, old_dir: Path, new_dir: Path
) -> dict:
    key = list(new["key"])
    old_cols = [c["name"] for c in old["columns"]]
    new_cols = [c["name"] for c in new["columns"]]
    common = [c for c in new_cols if c in old_cols and c not in key]
    old_rel, new_rel = _parquet(old_dir / old["file"]), _parquet(new_dir / new["file"])
    on = " and ".join(f"o.{_quote(k)} = n.{_quote(k)}" for k in key)
    differs = " or ".join(f"o.{_quote(c)} is distinct from n.{_quote(c)}" for c in common)
    differs = differs or "false"
    result: dict = {"name": name, "added": 0, "removed": 0, "changed": 0, "examples": []}
    if old["sha256"] == new["sha256"]:
        return result  # byte-identical Parquet: nothing to compare

    def rows(sql: str) -> list[dict]:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    order = ", ".join(_quote(k) for k in key)
    for kind, mine, other in (("added", new_rel, old_rel), ("removed", old_rel, new_rel)):
        match = " and ".join(f"x.{_quote(k)} = y.{_quote(k)}" for k in key)
        base = f"from {mine} x where not exists (select 1 from {other} y where {match})"
        result[kind] = con.execute(f"select count(*) {base}").fetchone()[0]
        sign = "+" if kind == "added" else "-"
        for row in rows(f"select * {base} order by {order} limit {EXAMPLES}"):
            result["examples"].append(f"{sign}{_label(row, key)}")
    joined = f"from {old_rel} o join {new_rel} n on {on} where {differs}"
    result["changed"] = con.execute(f"select count(*) {joined}").fetchone()[0]
    if result["changed"]:
        pairs = ", ".join(
            f"o.{_quote(c)} as {_quote('o.' + c)}, n.{_quote(c)} as {_quote('n.' + c)}"
            for c in [*key, *common]
        )
        order_o = ", ".join(f"o.{_quote(k)}" for k in key)
        for row in rows(f"select {pairs} {joined} order by {order_o} limit {EXAMPLES}"):
            new_row = {c: row[f"n.{c}"] for c in [*key, *common]}
            deltas = [
                f"{c} {_value(row[f'o.{c}'])} → {_value(row[f'n.{c}'])}"
                for c in common
                if row[f"o.{c}"] != row[f"n.{c}"]
            ]
            result["examples"].append(f"{_label(new_row, key)} {', '.join(deltas[:4])}")
    added_cols = [c for c in new_cols if c not in old_cols]
    removed_cols = [c for c in old_cols if c not in new_cols]
    if added_cols or removed_cols:
        result["columns_added"], result["columns_removed"] = added_cols, removed_cols
    return result


def diff_versions(old_dir: Path, new_dir: Path) -> dict:
    """Compare two version directories (each with manifest.json and the mart Parquet files)."""
    old, new = _manifest(old_dir), _manifest(new_dir)
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    marts = []
    try:
        for name, mart in new["marts"].items():
            if name not in old["marts"]:
                marts.append({"name": name, "added": mart["rows"], "removed": 0, "changed": 0,
                              "examples": ["new mart"]})  # fmt: skip
                continue
            marts.append(diff_mart(con, name, old["marts"][name], mart, old_dir, new_dir))
        for name, mart in old["marts"].items():
            if name not in new["marts"]:
                marts.append({"name": name, "added": 0, "removed": mart["rows"], "changed": 0,
                              "examples": ["mart removed"]})  # fmt: skip
    finally:
        con.close()
    return {
        "previous_version": old["data_version"],
        "data_version": new["data_version"],
        "marts": marts,
    }


def summary_lines(changes: dict) -> list[str]:
    """One line per mart that changed, or one line saying nothing did."""
    lines = []
    for mart in changes["marts"]:
        counts = [f"{mart[k]} {k}" for k in ("added", "removed", "changed") if mart[k]]
        if mart.get("columns_added") or mart.get("columns_removed"):
            added = "".join(f" +{c}" for c in mart.get("columns_added", []))
            removed = "".join(f" -{c}" for c in mart.get("columns_removed", []))
            counts.append(f"columns{added}{removed}")
        if not counts:
            continue
        examples = f" — {'; '.join(mart['examples'])}" if mart["examples"] else ""
        lines.append(f"{mart['name']}: {', '.join(counts)}{examples}")
    if not lines:
        lines.append(f"no changes from {changes['previous_version']}")
    return lines
