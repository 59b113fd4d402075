"""`python -m transforms` is the one command line of the build half: every command has --help,
`verify` checks a version against its manifest, errors are one line."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from transforms.cli import main

COMMANDS = ("fetch", "sample", "build", "load", "verify", "diff")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "transforms", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_top_level_help_lists_every_command():
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert f"    {command}" in result.stdout, command


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: python -m transforms {command}")
    assert "-h, --help" in result.stdout
    assert len(result.stdout.splitlines()) > 4  # a description, not only the usage line


def test_unknown_command_is_a_usage_error():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr


def test_verify_passes_then_names_the_tampered_file(sample_build, tmp_path, capsys):
    copy = tmp_path / sample_build.data_version
    shutil.copytree(sample_build.directory, copy)
    assert main(["verify", str(copy)]) == 0
    assert "every file matches its manifest" in capsys.readouterr().out
    target = copy / "driver_summary.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, different bytes
    target.write_bytes(bytes(data))
    assert main(["verify", str(copy)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "driver_summary.parquet" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_verify_unknown_version_is_one_line(tmp_path, capsys):
    assert main(["--artifacts", str(tmp_path), "verify", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: nope: no such version") and len(err.splitlines()) == 1


def test_sample_command_writes_the_csvs(tmp_path):
    assert main(["sample", str(tmp_path / "s"), "--seed", "3", "-q"]) == 0
    assert len(list((tmp_path / "s").glob("*.csv"))) == 14
