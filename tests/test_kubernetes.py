"""deploy/kubernetes: both overlays render with kustomize, every manifest passes schema
validation for a current Kubernetes version and checkov's policy scan, and the shapes the
README promises are there (probes, limits, hardening, drain, autoscaling, network policy, the
data release as the loader role, immutable image tags).

Playing the dev overlay for real under podman is tests/test_kube_play.py (slow)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.conftest import ROOT, unavailable

KUBE = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = "1.37.0"
# `just image` tags images <commit>-<data_version>: a short git hash and the 16-hex data version.
IMAGE_TAG = re.compile(r"^[0-9a-f]{7,40}(-dirty)?-[0-9a-f]{16}$")


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        unavailable("kubectl is not installed (kustomize renders the overlays)")
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    binary = kubectl()
    out = tmp_path_factory.mktemp("kustomize")
    files = {}
    for overlay in OVERLAYS:
        result = subprocess.run(
            [binary, "kustomize", str(KUBE / "overlays" / overlay)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        files[overlay] = out / f"{overlay}.yaml"
        files[overlay].write_text(result.stdout)
    return files


@pytest.fixture(scope="module")
def docs(rendered: dict[str, Path]) -> dict[str, list[dict]]:
    return {name: list(yaml.safe_load_all(path.read_text())) for name, path in rendered.items()}


def find(docs: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [
        d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)
    ]


def one(docs: list[dict], kind: str, name: str) -> dict:
    found = find(docs, kind, name)
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def pod_specs(docs: list[dict]) -> dict[str, dict]:
    """Every pod template by its workload ("Deployment/racing-api": spec)."""
    specs = {}
    for d in docs:
        key = f"{d['kind']}/{d['metadata']['name']}"
        if d["kind"] in ("Deployment", "StatefulSet", "Job"):
            specs[key] = d["spec"]["template"]["spec"]
        elif d["kind"] == "CronJob":
            specs[key] = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return specs


def env_of(container: dict) -> dict[str, dict | str]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_manifest_passes_the_kubernetes_schema(
    docs: dict[str, list[dict]], overlay: str
) -> None:
    assert len(docs[overlay]) >= 10
    for doc in docs[overlay]:
        # strict: unknown fields (typos such as `readinesProbe`) fail too.
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_a_misspelt_field_fails_the_schema(docs: dict[str, list[dict]]) -> None:
    """The validation above is not vacuous."""
    deployment = yaml.safe_load(yaml.safe_dump(one(docs["prod"], "Deployment", "racing-api")))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def checkov() -> str:
    for candidate in (ROOT / ".tools" / "checkov" / "bin" / "checkov", shutil.which("checkov")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    unavailable("checkov is not installed (.ci/run installs it into .tools/checkov)")
    raise AssertionError  # unreachable


def test_checkov_passes_with_every_skip_justified(rendered: dict[str, Path]) -> None:
    config = KUBE / ".checkov.yaml"
    lines = config.read_text().splitlines()
    skipped = [i for i, line in enumerate(lines) if re.match(r"\s+- CKV", line)]
    assert skipped, "no skipped rules listed"
    for i in skipped:
        assert lines[i - 1].strip().startswith("#"), f"no reason above {lines[i].strip()}"
    result = subprocess.run(
        [checkov(), "--config-file", str(config), *(f"--file={p}" for p in rendered.values())],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"Passed checks: [1-9]\d*, Failed checks: 0", result.stdout), result.stdout


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_base_resources_are_there(docs: dict[str, list[dict]], overlay: str) -> None:
    d = docs[overlay]
    assert one(d, "Namespace", "racing")
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert one(d, kind, "racing-api")["metadata"]["namespace"] == "racing"
    assert one(d, "Job", "racing-data-release")
    hpa = one(d, "HorizontalPodAutoscaler", "racing-api")["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "racing-api",
    }
    assert 2 <= hpa["minReplicas"] < hpa["maxReplicas"]
    assert one(d, "PodDisruptionBudget", "racing-api")["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_api_deployment(docs: dict[str, list[dict]], overlay: str) -> None:
    deployment = one(docs[overlay], "Deployment", "racing-api")
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = deployment["spec"]["template"]["spec"]
    (api,) = pod["containers"]
    assert api["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert api["livenessProbe"]["httpGet"]["path"] == "/health"
    assert api["startupProbe"]["httpGet"]["path"] == "/ready"
    assert api["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    for kind in ("requests", "limits"):
        assert set(api["resources"][kind]) == {"cpu", "memory"}
    # Drain: preStop outlasts endpoint removal, and the grace period covers it plus the drain.
    pre_stop = api["lifecycle"]["preStop"]["sleep"]["seconds"]
    config = one(docs[overlay], "ConfigMap", "racing-config")["data"]
    drain = int(config["RACING_DRAIN_SECONDS"])
    assert pre_stop >= 5 and pod["terminationGracePeriodSeconds"] > pre_stop + drain
    assert config["RACING_BACKEND"] == "postgres"
    # The API connects as the read-only role.
    assert env_of(api)["RACING_DATABASE_URL"] == {
        "secretKeyRef": {"name": "racing-database", "key": "reader-url"}
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_is_hardened(docs: dict[str, list[dict]], overlay: str) -> None:
    specs = pod_specs(docs[overlay])
    assert len(specs) >= 2
    for name, pod in specs.items():
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert context["runAsUser"] >= 10000, name
            assert set(container["resources"]["limits"]) == {"cpu", "memory"}, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policy(docs: dict[str, list[dict]], overlay: str) -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in find(docs[overlay], "NetworkPolicy")}
    deny = policies.pop("default-deny")
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    ingress_ports = {
        (policy["podSelector"]["matchLabels"].get("app.kubernetes.io/name"), port["port"])
        for policy in policies.values()
        for rule in policy.get("ingress", [])
        for port in rule["ports"]
    }
    expected = {("racing-api", 8000)} | ({("postgres", 5432)} if overlay == "dev" else set())
    assert ingress_ports == expected
    egress_ports = {
        port["port"]
        for policy in policies.values()
        for rule in policy.get("egress", [])
        for port in rule["ports"]
    }
    assert egress_ports == {53, 5432, 443}  # DNS, PostgreSQL, object storage (HTTPS)
    # Every pod that needs the database or object storage is selected by the egress policy.
    egress_selector = policies["racing-egress"]["podSelector"]["matchLabels"]
    for d in docs[overlay]:
        if d["kind"] in ("Deployment", "Job"):
            labels = d["spec"]["template"]["metadata"]["labels"]
            assert egress_selector.items() <= labels.items(), d["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_data_release_runs_as_the_loader_role(
    docs: dict[str, list[dict]], overlay: str
) -> None:
    specs = pod_specs(docs[overlay])
    releases = {k: v for k, v in specs.items() if k.endswith("/racing-data-release")}
    assert set(releases) == (
        {"Job/racing-data-release"}
        if overlay == "dev"
        else {"Job/racing-data-release", "CronJob/racing-data-release"}
    )
    for pod in releases.values():
        assert pod["restartPolicy"] == "Never"
        (container,) = pod["containers"]
        env = env_of(container)
        assert env["RACING_LOADER_DATABASE_URL"] == {
            "secretKeyRef": {"name": "racing-database", "key": "loader-url"}
        }
        assert "RACING_DATABASE_URL" not in env  # the API's (reader) URL is never the loader's
        script = " ".join(container["args"])
        assert script.rstrip().endswith("load postgres")
        if overlay == "prod":  # from object storage: build, publish, then load
            assert 'build "$RACING_RAW_URL"' in script
            assert script.index("build") < script.index("publish") < script.index("load")
            assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= env.keys()


def test_dev_runs_postgres_in_the_cluster_and_prod_does_not(
    docs: dict[str, list[dict]],
) -> None:
    postgres = one(docs["dev"], "StatefulSet", "postgres")
    (container,) = postgres["spec"]["template"]["spec"]["containers"]
    assert container["image"].startswith("localhost/racing-postgres:")
    assert one(docs["dev"], "Service", "postgres")
    assert {s["metadata"]["name"] for s in find(docs["dev"], "Secret")} == {
        "racing-database",
        "racing-object-storage",
    }
    # prod: the operator provides the Secrets; nothing with credentials is rendered from git.
    assert not find(docs["prod"], "StatefulSet")
    assert not find(docs["prod"], "Secret")


def test_prod_has_more_replicas(docs: dict[str, list[dict]]) -> None:
    def replicas(overlay: str) -> tuple[int, int, int]:
        deployment = one(docs[overlay], "Deployment", "racing-api")["spec"]["replicas"]
        hpa = one(docs[overlay], "HorizontalPodAutoscaler", "racing-api")["spec"]
        return deployment, hpa["minReplicas"], hpa["maxReplicas"]

    assert all(p > d for p, d in zip(replicas("prod"), replicas("dev"), strict=True))


def test_prod_images_use_an_immutable_tag(docs: dict[str, list[dict]]) -> None:
    for name, pod in pod_specs(docs["prod"]).items():
        for container in pod["containers"]:
            image, _, tag = container["image"].rpartition(":")
            assert image and IMAGE_TAG.match(tag), f"{name}: {container['image']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_an_argocd_application_per_overlay(overlay: str) -> None:
    app = yaml.safe_load((KUBE / "argocd" / f"{overlay}.yaml").read_text())
    assert app["apiVersion"] == "argoproj.io/v1alpha1" and app["kind"] == "Application"
    source = app["spec"]["source"]
    assert source["path"] == f"deploy/kubernetes/overlays/{overlay}"
    assert (ROOT / source["path"] / "kustomization.yaml").is_file()
    assert app["spec"]["destination"]["namespace"] == "racing"
    # Automated sync in dev; prod waits for a reviewed Sync.
    assert ("automated" in app["spec"]["syncPolicy"]) == (overlay == "dev")
