"""Write deploy/observability/prometheusrule.yaml: rules.yml, comments and all, inside a
PrometheusRule for the Prometheus Operator, so plain Prometheus and the operator load the same
rules. `--check` exits 1 instead of writing when the file is stale."""

from __future__ import annotations

import sys
from pathlib import Path
from textwrap import indent

DIRECTORY = Path(__file__).resolve().parents[1] / "deploy" / "observability"
RULES = DIRECTORY / "rules.yml"
TARGET = DIRECTORY / "prometheusrule.yaml"
HEADER = """\
# Generated from rules.yml by `just observability`: edit rules.yml, not this file.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: racing-api
  labels:
    app.kubernetes.io/name: racing-api
    app.kubernetes.io/component: monitoring
spec:
"""


def render(rules: str) -> str:
    return HEADER + indent(rules, "  ")


def main(argv: list[str]) -> int:
    text = render(RULES.read_text())
    if "--check" in argv:
        if TARGET.read_text() != text:
            print(f"{TARGET} is stale: run `just observability`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
