"""Turn the rendered dev overlay into what `podman kube play` (4.3) can run, in start order.

    kubectl kustomize deploy/kubernetes/overlays/dev | python scripts/kube_play.py OUT_DIR \\
        --api-image localhost/racing-api:TAG --postgres-image localhost/racing-postgres:TAG

writes OUT_DIR/1-postgres.yaml, 2-release.yaml and 3-api.yaml: the same containers, commands,
environment, security contexts and volumes as the cluster runs, with what podman 4.3 does not do
translated or left to the caller:
- the StatefulSet becomes a Deployment of one pod on a named volume (racing-postgres-data);
- the Job becomes a Pod with restartPolicy Never (init containers fail on this podman; the
  caller plays it after PostgreSQL is ready and waits for it to exit);
- Secret and ConfigMap references are resolved into plain values (podman's own Secret and
  ConfigMap handling differs between versions);
- probes and preStop hooks are dropped (podman 4.3 would turn an httpGet probe into a `curl`
  the image does not have); the caller polls /ready itself;
- the API gets one replica and a hostPort on loopback; Services, autoscalers, disruption
  budgets, network policies and CronJobs are not played (podman has no equivalent) and are
  validated offline by tests/test_kubernetes.py.
Pods find each other by name on a podman network with DNS (the caller passes `--network`)."""

from __future__ import annotations

import argparse
import base64
import copy
import sys
from pathlib import Path

import yaml

DROPPED = {
    "Namespace",
    "ServiceAccount",
    "Service",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "CronJob",
    "ConfigMap",
    "Secret",
}


def resolve_env(container: dict, config: dict[str, dict], secrets: dict[str, dict]) -> None:
    env = []
    for source in container.pop("envFrom", []):
        env += [{"name": k, "value": v} for k, v in config[source["configMapRef"]["name"]].items()]
    for item in container.get("env", []):
        ref = item.get("valueFrom", {})
        if "secretKeyRef" in ref:
            value = secrets[ref["secretKeyRef"]["name"]][ref["secretKeyRef"]["key"]]
        elif "configMapKeyRef" in ref:
            value = config[ref["configMapKeyRef"]["name"]][ref["configMapKeyRef"]["key"]]
        else:
            value = item["value"]
        env = [e for e in env if e["name"] != item["name"]] + [
            {"name": item["name"], "value": value}
        ]
    container["env"] = env


def playable_pod_spec(
    spec: dict, images: dict[str, str], config: dict[str, dict], secrets: dict[str, dict]
) -> dict:
    spec = copy.deepcopy(spec)
    for key in ("serviceAccountName", "automountServiceAccountToken", "topologySpreadConstraints"):
        spec.pop(key, None)
    for container in spec["containers"]:
        name = container["image"].rsplit(":", 1)[0].rsplit("/", 1)[-1]
        container["image"] = images[name]
        container["imagePullPolicy"] = "Never"
        for key in ("startupProbe", "readinessProbe", "livenessProbe", "lifecycle"):
            container.pop(key, None)
        resolve_env(container, config, secrets)
        # podman 4.3 publishes every declared containerPort on the host: inside the network
        # every port is reachable anyway, so only ports given a hostPort below are kept.
        container.pop("ports", None)
    return spec


def convert(
    docs: list[dict], images: dict[str, str], host_port: int, prefix: str = ""
) -> dict[str, list[dict]]:
    config = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    secrets = {
        d["metadata"]["name"]: d.get("stringData", {})
        | {k: base64.b64decode(v).decode() for k, v in d.get("data", {}).items()}
        for d in docs
        if d["kind"] == "Secret"
    }
    out: dict[str, list[dict]] = {"1-postgres": [], "2-release": [], "3-api": []}
    for doc in docs:
        kind, name = doc["kind"], doc["metadata"]["name"]
        if kind in DROPPED:
            continue
        meta = {"name": prefix + name, "labels": doc["spec"]["template"]["metadata"]["labels"]}
        if kind == "StatefulSet":
            spec = playable_pod_spec(doc["spec"]["template"]["spec"], images, config, secrets)
            # Claims become podman named volumes, created by the caller when missing (podman
            # 4.3 refuses to play a PersistentVolumeClaim whose volume exists, so a second
            # `just up` could not reuse the data).
            for claim in doc["spec"]["volumeClaimTemplates"]:
                spec["volumes"].append(
                    {
                        "name": claim["metadata"]["name"],
                        "persistentVolumeClaim": {
                            "claimName": f"racing-{name}-{claim['metadata']['name']}"
                        },
                    }
                )
            out["1-postgres"].append(deployment(meta, spec))
        elif kind == "Job":
            spec = playable_pod_spec(doc["spec"]["template"]["spec"], images, config, secrets)
            out["2-release"].append(
                {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
            )
        elif kind == "Deployment":
            spec = playable_pod_spec(doc["spec"]["template"]["spec"], images, config, secrets)
            (container,) = spec["containers"]
            container["ports"] = [
                {**port, "hostPort": host_port, "hostIP": "127.0.0.1"}
                for port in doc["spec"]["template"]["spec"]["containers"][0]["ports"]
            ]
            out["3-api"].append(deployment(meta, spec))
        else:
            raise SystemExit(f"kube_play.py: no podman translation for {kind}/{name}")
    return out


def deployment(meta: dict, spec: dict) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": meta["name"]},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": meta["labels"]},
            "template": {"metadata": {"labels": meta["labels"]}, "spec": spec},
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="directory for the files to play, in order")
    parser.add_argument("--api-image", required=True)
    parser.add_argument("--postgres-image", required=True)
    parser.add_argument("--port", type=int, default=8000, help="API port on 127.0.0.1")
    parser.add_argument("--prefix", default="", help="prefix for pod and volume names")
    args = parser.parse_args(argv)
    docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
    images = {"racing-api": args.api_image, "racing-postgres": args.postgres_image}
    args.out.mkdir(parents=True, exist_ok=True)
    for stage, stage_docs in convert(docs, images, args.port, args.prefix).items():
        (args.out / f"{stage}.yaml").write_text(yaml.safe_dump_all(stage_docs, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
