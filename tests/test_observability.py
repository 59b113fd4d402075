"""deploy/observability: the Prometheus config, rules and their unit tests pass promtool; every
alert has a test that fires it and one that does not; the Operator's PrometheusRule is the same
rules; Alertmanager routes every alert; the Grafana dashboard and the rules read only metrics
the API exports; and (slow) a real Prometheus scrapes a live API."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import unavailable
from tests.serving import free_port, running_app

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


DASHBOARD = OBSERVABILITY / "grafana-dashboard.json"
# Grafana's variables, replaced by values Prometheus can parse.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$job": JOB, "$instance": ".*"}
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "inf", "nan",
}  # fmt: skip


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    exprs += [
        variable["query"]["query"].removeprefix("label_values(").rsplit(",", 1)[0]
        for variable in dashboard["templating"]["list"]
        if variable["type"] == "query"
    ]
    return exprs


def grafana_free(expr: str) -> str:
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    assert "$" not in expr, f"unknown Grafana variable in {expr}"
    return expr


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression reads: identifiers outside label matchers, ranges,
    strings and grouping clauses, that are neither functions nor keywords."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        word = match.group()
        if expr[match.end() :].lstrip().startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        if re.fullmatch(r"\d+[smhdwy]", word) or re.fullmatch(r"e\d+", word):
            continue
        names.add(word)
    return names


@pytest.fixture(scope="module")
def exported(sample_build) -> set[str]:
    """Every series name the app's /metrics exports, read from a real scrape: the samples, and
    the names a family's TYPE line promises (a labelled family shows samples once used)."""
    from litestar.testing import TestClient

    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(artifacts_dir=sample_build.directory.parent, log_level="warning"))
    with TestClient(app) as client:
        client.get("/drivers/1")
        text = client.get("/metrics").text
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    names = {line.split("{")[0].split()[0] for line in text.splitlines() if line[:1] not in "#"}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names |= {name + suffix for suffix in suffixes.get(kind, [""])}
    return names - {""}


def test_dashboard_is_grafana_json_with_unique_panels():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    titles = {panel["title"] for panel in dashboard["panels"]}
    for wanted in (
        "Requests by route and status",
        "Latency quantiles",
        "Cache hit ratio",
        "Data version",
        "Data age",
        "Backend errors",
    ):
        assert wanted in titles, wanted
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]


def test_every_dashboard_expression_reads_metrics_the_api_exports(exported):
    for expr in dashboard_exprs():
        names = metric_names(grafana_free(expr))
        assert names, f"no metric in {expr}"
        assert names <= exported, f"{expr} reads {names - exported}, not exported"


def test_every_rule_reads_metrics_the_api_exports(exported):
    recorded = set()
    for group in load("rules.yml")["groups"]:
        for rule in group["rules"]:
            names = metric_names(rule["expr"])
            unknown = names - exported - recorded - {"up"}
            assert not unknown, f"{rule.get('alert') or rule['record']} reads {unknown}"
            recorded.add(rule.get("record"))


def test_promtool_parses_every_dashboard_expression(tmp_path):
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:expr_{number}", "expr": grafana_free(expr)}
                    for number, expr in enumerate(dashboard_exprs())
                ],
            }
        ]
    }
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules))
    run(tool("promtool"), "check", "rules", str(path))


def query(prometheus: str, expr: str) -> list[dict]:
    response = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=5)
    assert response.status_code == 200, response.text  # 503 while Prometheus starts
    answer = response.json()
    assert answer["status"] == "success", (expr, answer)
    return answer["data"]["result"]


def wait_for(what: str, check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except (httpx.TransportError, AssertionError):
            result = None
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


@pytest.mark.slow
def test_a_real_prometheus_scrapes_a_live_api(sample_build, tmp_path):
    """Prometheus (Debian) scrapes `python -m app` on loopback every second with our rules
    loaded; PromQL then counts exactly the requests made, and every rule evaluates cleanly."""
    binary = tool("prometheus")
    with running_app(sample_build.directory.parent, tmp_path / "api.log") as (url, _):
        target = url.removeprefix("http://")
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": [target]}]}],
        }
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        port = free_port()
        prometheus = f"http://127.0.0.1:{port}"
        with (tmp_path / "prometheus.log").open("w") as log:
            process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={tmp_path / 'prometheus.yml'}",
                    f"--storage.tsdb.path={tmp_path / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                stdout=log,
                stderr=log,
            )
        try:
            wait_for("the target to be up", lambda: query(prometheus, f'up{{job="{JOB}"}} == 1'))
            for driver in (1, 1, 1, 2, 2):  # three of them replayed from the response cache
                assert httpx.get(f"{url}/drivers/{driver}").status_code == 200
            for _ in range(3):
                assert httpx.get(f"{url}/no/such/route").status_code == 404

            def counted(path: str, status: int, expected: int):
                expr = (
                    f'sum(racing_api_requests_total{{job="{JOB}", path="{path}",'
                    f' method="GET", status_code="{status}"}})'
                )
                return wait_for(
                    f"{expected} {path} {status} counted",
                    lambda: [r for r in query(prometheus, expr) if r["value"][1] == str(expected)],
                )

            counted("/drivers/{driver}", 200, 5)
            counted("unmatched", 404, 3)
            (served,) = query(prometheus, f'racing_api_data_info{{job="{JOB}"}} == 1')
            assert served["metric"]["data_version"] == sample_build.data_version
            assert query(prometheus, f'racing_api_ready{{job="{JOB}"}}')[0]["value"][1] == "1"
            for expr in dashboard_exprs():  # Grafana's panels: each a valid query here
                query(prometheus, grafana_free(expr))

            def rules_healthy() -> bool:
                response = httpx.get(f"{prometheus}/api/v1/rules", timeout=5)
                assert response.status_code == 200, response.text
                groups = response.json()["data"]
                rules = [rule for group in groups["groups"] for rule in group["rules"]]
                assert len(rules) == sum(len(g["rules"]) for g in load("rules.yml")["groups"])
                return all(
                    rule["health"] == "ok" and not rule["lastEvaluation"].startswith("0001")
                    for rule in rules
                )

            wait_for("every rule evaluated without error", rules_healthy)
            firing = {alert["labels"]["alertname"] for alert in query(prometheus, "ALERTS")}
            assert not firing & {"RacingApiDown", "RacingApiAbsent", "RacingApiNotReady"}
        except BaseException:
            print((tmp_path / "prometheus.log").read_text()[-5000:])
            raise
        finally:
            process.terminate()
            process.wait(timeout=30)
