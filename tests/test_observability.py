"""deploy/observability: the Prometheus config, rules and their unit tests pass promtool; every
alert has a test that fires it and one that does not; the Operator's PrometheusRule is the same
rules; Alertmanager routes every alert."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[1]
OBSERVABILITY = ROOT / "deploy" / "observability"
RULES = OBSERVABILITY / "rules.yml"
JOB = "racing-api"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        unavailable(
            f"{name} is not installed (Debian packages prometheus, prometheus-alertmanager)"
        )
    return path


def run(*command: str) -> str:
    done = subprocess.run(command, cwd=OBSERVABILITY, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def load(name: str) -> dict:
    return yaml.safe_load((OBSERVABILITY / name).read_text())


def alerts() -> dict[str, dict]:
    return {
        rule["alert"]: rule
        for group in load("rules.yml")["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def test_promtool_checks_the_config_and_the_rules():
    promtool = tool("promtool")
    out = run(promtool, "check", "config", "prometheus.yml")
    assert "1 rule files found" in out
    run(promtool, "check", "rules", "rules.yml")


def test_promtool_unit_tests_pass():
    assert "SUCCESS" in run(tool("promtool"), "test", "rules", "rules.test.yml")


def test_every_alert_has_a_firing_and_a_quiet_unit_test():
    cases = [
        case
        for group in load("rules.test.yml")["tests"]
        for case in group.get("alert_rule_test", [])
    ]
    for name in alerts():
        mine = [case for case in cases if case["alertname"] == name]
        assert any(case.get("exp_alerts") for case in mine), f"{name} is never fired"
        assert any(not case.get("exp_alerts") for case in mine), f"{name} has no quiet case"
    assert {case["alertname"] for case in cases} <= alerts().keys()


def test_alerts_have_a_severity_and_a_summary():
    for name, rule in alerts().items():
        assert rule["labels"]["severity"] in ("critical", "warning"), name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name


def test_the_prometheus_rule_is_the_rules_file():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import prometheusrule
    finally:
        sys.path.pop(0)
    generated = (OBSERVABILITY / "prometheusrule.yaml").read_text()
    assert generated == prometheusrule.render(RULES.read_text()), "run `just observability`"
    resource = yaml.safe_load(generated)
    assert (resource["apiVersion"], resource["kind"]) == (
        "monitoring.coreos.com/v1",
        "PrometheusRule",
    )
    assert resource["spec"] == load("rules.yml")


def test_scrape_job_and_service_monitor_give_the_job_the_alerts_select():
    (job,) = load("prometheus.yml")["scrape_configs"]
    assert job["job_name"] == JOB and job["metrics_path"] == "/metrics"
    assert f'job="{JOB}"' in alerts()["RacingApiDown"]["expr"]
    monitor = load("servicemonitor.yaml")
    assert monitor["kind"] == "ServiceMonitor"
    selected = monitor["spec"]["selector"]["matchLabels"]
    assert selected[monitor["spec"]["jobLabel"]] == JOB
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"


def test_alertmanager_config_is_valid_and_routes_every_alert_by_severity():
    amtool = tool("amtool")
    run(amtool, "check-config", "alertmanager.yml")
    receivers = {"critical": "racing-api-pager", "warning": "racing-api-chat"}
    for name, rule in alerts().items():
        severity = rule["labels"]["severity"]
        routed = run(
            amtool,
            "config",
            "routes",
            "test",
            "--config.file=alertmanager.yml",
            f"alertname={name}",
            f"severity={severity}",
        )
        assert routed.strip() == receivers[severity], name


def kubernetes_api() -> dict[str, dict]:
    path = ROOT / "deploy" / "kubernetes" / "base" / "api.yaml"
    return {doc["kind"]: doc for doc in yaml.safe_load_all(path.read_text()) if doc}


def test_the_service_monitor_and_promtail_find_the_kubernetes_api():
    """deploy/kubernetes is another file's business; these must still select its objects."""
    service, deployment = kubernetes_api()["Service"], kubernetes_api()["Deployment"]
    monitor = load("servicemonitor.yaml")["spec"]
    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    (endpoint,) = monitor["endpoints"]
    assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}

    (job,) = load("promtail.yaml")["scrape_configs"]
    keep = next(r for r in job["relabel_configs"] if r.get("action") == "keep")
    assert keep["source_labels"] == ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert pod_labels["app.kubernetes.io/name"] == keep["regex"]
