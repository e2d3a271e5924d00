import json
import pathlib

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]
OBS = REPO / "observability"
DASHBOARD_FILES = sorted((OBS / "dashboards").glob("*.json"))


def panels_of(dashboard):
    """Every panel, including those nested in collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


@pytest.fixture(scope="session")
def dashboards():
    return {p.name: json.loads(p.read_text()) for p in DASHBOARD_FILES}


@pytest.fixture(scope="session")
def grafana_schema():
    return json.loads((OBS / "schema" / "grafana-dashboard.schema.json").read_text())


@pytest.fixture(scope="session")
def rules():
    groups = yaml.safe_load((OBS / "prometheus" / "alerts.yaml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


@pytest.fixture(scope="session")
def rule_tests():
    return yaml.safe_load((OBS / "prometheus" / "alerts.test.yaml").read_text())
