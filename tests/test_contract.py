"""The artifact contract is checked, not just written: the two halves import nothing from each
other, every mart's declared key is audited before anything is published, the loaders build
exactly the tables and indexes the manifest declares, and the search folding agrees on both
sides."""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.main import create_app
from app.marts import ContractMismatch, check_artifacts, served_structs
from app.settings import Settings
from contract import CURRENT_LINK, SEARCH_FOLD_SQL, SQLITE_FILE, fold_search, version_schema
from tests.conftest import ROOT, quiet
from tests.serving import free_port
from transforms import artifacts, cli, runner
from transforms.build import build
from transforms.load_sqlite import load_sqlite

TINY = ROOT / "tests" / "fixtures" / "tiny"


def imported_packages(package: str) -> dict[str, set[str]]:
    """Top-level packages each module of a package imports (absolute imports; the project
    uses no relative ones)."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: relative import"
                names.add((node.module or "").split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("app", {"transforms"}), ("transforms", {"app"}), ("contract", {"app", "transforms"})],
)
def test_halves_import_nothing_from_each_other(package, forbidden):
    modules = imported_packages(package)
    assert modules, f"no modules found in {package}/"
    for module, names in modules.items():
        assert not names & forbidden, f"{module} imports {sorted(names & forbidden)}"


def test_the_contract_needs_only_the_standard_library():
    for module, names in imported_packages("contract").items():
        assert names <= set(sys.stdlib_module_names) | {"__future__", "contract"}, module


def test_the_import_check_sees_an_import_across_halves(tmp_path, monkeypatch):
    """The check above fails when someone adds such an import (here, to a copy of app/)."""
    shutil.copytree(ROOT / "app", tmp_path / "app")
    (tmp_path / "app" / "sneaky.py").write_text("from transforms.runner import MARTS\n")
    monkeypatch.setattr("tests.test_contract.ROOT", tmp_path)
    with pytest.raises(AssertionError, match=r"app/sneaky.py imports \['transforms'\]"):
        test_halves_import_nothing_from_each_other("app", {"transforms"})


def broken_sql(tmp_path: Path, mart: str, wrap: str) -> Path:
    """A copy of transforms/sql whose `mart` selects `wrap` around its original query."""
    sql_dir = tmp_path / "sql"
    shutil.copytree(runner.SQL_DIR, sql_dir)
    path = sql_dir / "marts" / f"{mart}.sql"
    lines = path.read_text().splitlines(keepends=True)
    header = "".join(line for line in lines if line.startswith("-- "))
    body = "".join(line for line in lines if not line.startswith("-- "))
    path.write_text(header + wrap.format(model=f"(\n{body}\n)"))
    return sql_dir


@pytest.mark.parametrize(
    ("wrap", "error"),
    [
        (
            "select * from {model} union all (select * from {model} order by season limit 1)",
            "error: mart season_summary: key (season) is not unique: season=2020, rows=2",
        ),
        (
            "select * replace (nullif(season, 2021) as season) from {model}",
            "error: mart season_summary: key (season) is null: season=None",
        ),
    ],
    ids=["duplicate", "null"],
)
def test_a_broken_key_stops_the_build_and_publishes_nothing(
    tmp_path, monkeypatch, capsys, wrap, error
):
    store = tmp_path / "artifacts"
    assert cli.main(["--artifacts", str(store), "build", "-q", str(TINY)]) == 0
    current = store / CURRENT_LINK
    before = current.resolve()
    monkeypatch.setattr(runner, "SQL_DIR", broken_sql(tmp_path, "season_summary", wrap))
    assert cli.main(["--artifacts", str(store), "build", "-q", str(TINY)]) == 1
    assert capsys.readouterr().err.splitlines() == [error]
    assert current.resolve() == before
    assert sorted(p.name for p in store.iterdir()) == sorted([CURRENT_LINK, before.name])


def test_a_list_column_must_hold_json_arrays(tmp_path, monkeypatch):
    wrap = "select * replace ('{{}}' as constructors) from {model}"
    monkeypatch.setattr(runner, "SQL_DIR", broken_sql(tmp_path, "driver_season", wrap))
    with pytest.raises(runner.AuditError, match=r"^mart driver_season: list column constructors "):
        build(TINY, tmp_path / "artifacts", quiet)


def test_a_mart_must_declare_its_key(tmp_path, monkeypatch):
    sql_dir = broken_sql(tmp_path, "race", "select * from {model}")
    path = sql_dir / "marts" / "race.sql"
    path.write_text(path.read_text().replace("-- key: race_id\n", ""))
    monkeypatch.setattr(runner, "SQL_DIR", sql_dir)
    with pytest.raises(runner.AuditError, match=r"^mart race: no `-- key:` line"):
        build(TINY, tmp_path / "artifacts", quiet)


def test_a_column_type_outside_the_contract_stops_the_build(tmp_path, monkeypatch):
    wrap = "select * replace ([race_id] as time) from {model}"
    monkeypatch.setattr(runner, "SQL_DIR", broken_sql(tmp_path, "race", wrap))
    with pytest.raises(runner.AuditError, match=r"^mart race: column time has type list"):
        build(TINY, tmp_path / "artifacts", quiet)
    assert not (tmp_path / "artifacts" / CURRENT_LINK).exists()


def test_the_manifest_declares_each_marts_contract(sample_build):
    manifest = artifacts.read_manifest(sample_build.directory)
    for mart in runner.marts():
        declared = manifest["marts"][mart.name]
        assert declared["key"] == list(mart.key)
        assert declared["indexes"] == [list(index) for index in mart.indexes]
        assert declared["list_columns"] == list(mart.list_columns)
    assert manifest["marts"]["driver_season"]["list_columns"] == ["constructors"]
    assert ["driver_ref"] in manifest["marts"]["driver_summary"]["indexes"]


def test_the_sqlite_load_builds_what_the_manifest_declares(sample_build):
    manifest = artifacts.read_manifest(sample_build.directory)
    con = sqlite3.connect(sample_build.directory / SQLITE_FILE)
    try:
        for name, mart in manifest["marts"].items():
            info = con.execute(f"pragma table_info('{name}')").fetchall()
            assert [row[1] for row in info] == [c["name"] for c in mart["columns"]]
            key = sorted((row[5], row[1]) for row in info if row[5])
            assert [column for _, column in key] == mart["key"]
            indexes = {
                tuple(r[2] for r in con.execute(f"pragma index_info('{index}')"))
                for (index,) in con.execute(
                    "select name from sqlite_master where type = 'index' and tbl_name = ? "
                    "and name not like 'sqlite_autoindex%'",
                    [name],
                )
            }
            assert indexes == {tuple(index) for index in mart["indexes"]}, name
    finally:
        con.close()


@pytest.mark.postgres
def test_the_postgres_load_builds_what_the_manifest_declares(sample_build, sample_postgres):
    import psycopg

    manifest = artifacts.read_manifest(sample_build.directory)
    schema = version_schema(manifest["data_version"])
    with psycopg.connect(sample_postgres) as con:
        for name, mart in manifest["marts"].items():
            columns = con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                [schema, name],
            ).fetchall()
            assert [c for (c,) in columns] == [c["name"] for c in mart["columns"]]
            indexes = con.execute(
                "select i.indisprimary, array_agg(a.attname order by k.ord) "
                "from pg_index i join pg_class t on t.oid = i.indrelid "
                "join pg_namespace n on n.oid = t.relnamespace "
                "cross join unnest(i.indkey) with ordinality as k(attnum, ord) "
                "join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum "
                "where n.nspname = %s and t.relname = %s group by i.indexrelid, i.indisprimary",
                [schema, name],
            ).fetchall()
            assert [cols for primary, cols in indexes if primary] == [mart["key"]], name
            declared = sorted(cols for primary, cols in indexes if not primary)
            assert declared == sorted(mart["indexes"]), name


def test_load_without_artifacts_is_one_line(tmp_path, capsys):
    assert cli.main(["--artifacts", str(tmp_path), "load", "sqlite"]) == 1
    assert capsys.readouterr().err == (
        f"error: {tmp_path}/current: no built artifacts; run `just build-artifacts` first\n"
    )


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    con.execute(f"create macro fold_search(text) as {SEARCH_FOLD_SQL.format('text')}")
    yield con
    con.close()


def sql_fold(con: duckdb.DuckDBPyConnection, text: str) -> str:
    return con.execute("select fold_search(?)", [text]).fetchone()[0]


# Latin letters, accents, digits, punctuation and spaces: what names and search text are made of.
NAME_TEXT = st.text(
    st.characters(max_codepoint=0x24F, categories=["L", "M", "N", "P", "Zs"]), max_size=20
)


@given(NAME_TEXT)
def test_search_folding_agrees_in_sql_and_python(duck, text):
    assert sql_fold(duck, text) == fold_search(text)


def test_search_folding_on_every_name_in_the_real_data(duck, real_data):
    names = duck.execute(
        "select list(concat_ws(' ', forename, surname)) from read_csv(?, nullstr='\\N')",
        [str(real_data / "drivers.csv")],
    ).fetchone()[0]
    assert "Kimi Räikkönen" in names
    for name in names:
        assert sql_fold(duck, name) == fold_search(name), name


def test_the_app_checks_every_served_struct(sample_build):
    served = {struct.__name__: struct.mart for struct in served_structs()}
    assert served["DriverSeason"] == "driver_season"
    assert "RaceDetail" not in served  # assembled from several queries; Race is checked
    check_artifacts(artifacts.read_manifest(sample_build.directory))


def altered(manifest: dict, mart: str, change) -> dict:
    manifest = copy.deepcopy(manifest)
    change(manifest["marts"][mart])
    return manifest


def column(name: str):
    def set_type(mart: dict, kind: str) -> None:
        next(c for c in mart["columns"] if c["name"] == name)["type"] = kind

    return set_type


@pytest.mark.parametrize(
    ("mart", "change", "error"),
    [
        (
            "driver_summary",
            lambda m: column("wins")(m, "string"),
            "DriverSummary.wins: mart driver_summary column wins has type string, "
            "which cannot fill an int",
        ),
        (
            "race",
            lambda m: column("date")(m, "string"),
            "Race.date: mart race column date has type string, which cannot fill a date or null",
        ),
        (
            "driver_season",
            lambda m: m["list_columns"].clear(),
            "DriverSeason.constructors: mart driver_season column constructors has type string, "
            "which cannot fill a list",
        ),
        (
            "constructor_season",
            lambda m: m["list_columns"].append("name"),
            "ConstructorSeason.name: mart constructor_season column name has type string "
            "(a list column), which cannot fill a str",
        ),
    ],
    ids=["int-from-text", "date-from-text", "list-not-declared", "list-into-str"],
)
def test_a_struct_field_that_does_not_fit_its_mart_is_named(sample_build, mart, change, error):
    manifest = altered(artifacts.read_manifest(sample_build.directory), mart, change)
    with pytest.raises(ContractMismatch) as info:
        check_artifacts(manifest)
    assert str(info.value) == error


def test_columns_no_struct_serves_may_change(sample_build):
    manifest = artifacts.read_manifest(sample_build.directory)
    dropped = altered(manifest, "circuit_summary", lambda m: m["columns"].pop())
    assert manifest["marts"]["circuit_summary"]["columns"][-1]["name"] == "search_name"
    check_artifacts(dropped)


def test_artifacts_of_another_schema_version_are_refused(sample_build):
    manifest = artifacts.read_manifest(sample_build.directory)
    with pytest.raises(ContractMismatch, match="schema version 1, this API reads 2"):
        check_artifacts({**manifest, "schema_version": 1})


@pytest.fixture(scope="module")
def artifacts_missing_a_column(tmp_path_factory) -> Path:
    """The tiny fixture built with circuit_summary lacking a column CircuitSummary serves."""
    tmp_path = tmp_path_factory.mktemp("missing-column")
    wrap = "select * exclude (most_wins_count) from {model}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "SQL_DIR", broken_sql(tmp_path, "circuit_summary", wrap))
        result = build(TINY, tmp_path / "artifacts", quiet)
    load_sqlite(result.directory, quiet)
    return result.directory.parent


MISSING = "CircuitSummary.most_wins_count: mart circuit_summary has no column most_wins_count"


@pytest.mark.parametrize("backend", ["sqlite", "parquet"])
def test_the_app_refuses_to_start_on_a_missing_column(artifacts_missing_a_column, backend):
    from litestar.testing import TestClient

    app = create_app(Settings(backend=backend, artifacts_dir=artifacts_missing_a_column))
    with pytest.raises(ExceptionGroup) as info, TestClient(app):  # raised in a task group
        pass
    assert info.group_contains(ContractMismatch, match=f"^{re.escape(MISSING)}$", depth=1)


def test_the_server_refuses_to_start_with_one_line(artifacts_missing_a_column):
    env = {
        **os.environ,
        "RACING_ARTIFACTS": str(artifacts_missing_a_column),
        "RACING_BACKEND": "sqlite",
        "PORT": str(free_port()),
    }
    done = subprocess.run(
        [sys.executable, "-m", "app"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    # The server's lines are JSON on stdout (app/logs.py).
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    errors = [line["event"] for line in lines if line["level"] == "error"]
    assert errors == [
        f"artifacts do not fit the API: {MISSING}",
        "Application startup failed. Exiting.",
    ], output
    assert "Traceback" not in output
