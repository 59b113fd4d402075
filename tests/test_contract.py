"""The artifact contract is checked, not just written: the two halves import nothing from each
other, every mart's declared key is audited before anything is published, the loaders build
exactly the tables and indexes the manifest declares, and the search folding agrees on both
sides."""

from __future__ import annotations

import ast
import shutil
import sqlite3
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract import SEARCH_FOLD_SQL, SQLITE_FILE, fold_search
from tests.conftest import ROOT, quiet
from transforms import artifacts, cli, runner
from transforms.build import build

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
    original = path.read_text()
    header = "".join(line + "\n" for line in original.splitlines() if line.startswith("-- "))
    path.write_text(header + wrap.format(model=f"(\n{original}\n)"))
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
    current = store / "current"
    before = current.resolve()
    monkeypatch.setattr(runner, "SQL_DIR", broken_sql(tmp_path, "season_summary", wrap))
    assert cli.main(["--artifacts", str(store), "build", "-q", str(TINY)]) == 1
    assert capsys.readouterr().err.splitlines() == [error]
    assert current.resolve() == before
    assert sorted(p.name for p in store.iterdir()) == sorted(["current", before.name])


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
    assert not (tmp_path / "artifacts" / "current").exists()


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

