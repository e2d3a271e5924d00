"""The Grafana dashboards: valid against Grafana's dashboard schema, generated from
generate.py, and querying only what the services expose."""

import json
import subprocess
import sys

import jsonschema
import pytest

from contract import JOBS, metric_labels
from promql import grouping_labels, matcher_labels, series_names

from conftest import DASHBOARD_FILES, OBS, panels_of

EXPECTED = {"gateway-overview.json", "services.json", "business.json"}


def queries(dashboard):
    for panel in panels_of(dashboard):
        for target in panel.get("targets", []):
            yield panel["title"], target


def test_the_three_dashboards_exist():
    assert {p.name for p in DASHBOARD_FILES} == EXPECTED


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_dashboard_validates_against_grafana_schema(path, grafana_schema):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in jsonschema.Draft7Validator(grafana_schema).iter_errors(json.loads(path.read_text()))]
    assert not errors, errors


def test_schema_rejects_a_misspelt_panel_field(grafana_schema, dashboards):
    broken = json.loads(json.dumps(dashboards["business.json"]))
    broken["panels"][1]["gridpos"] = broken["panels"][1].pop("gridPos")
    assert not jsonschema.Draft7Validator(grafana_schema).is_valid(broken)


def test_committed_dashboards_are_the_generator_output(tmp_path):
    subprocess.run([sys.executable, str(OBS / "dashboards" / "generate.py"), str(tmp_path)], check=True)
    for path in DASHBOARD_FILES:
        assert (tmp_path / path.name).read_text() == path.read_text(), f"{path.name}: run generate.py"


def test_every_data_panel_has_a_prometheus_query(dashboards):
    for name, d in dashboards.items():
        for panel in panels_of(d):
            if panel["type"] == "row":
                continue
            targets = panel.get("targets", [])
            assert targets, (name, panel["title"])
            for t in targets:
                assert t["expr"].strip() and t["datasource"]["type"] == "prometheus", (name, panel["title"])


def test_panel_ids_and_uids_are_unique(dashboards):
    uids = [d["uid"] for d in dashboards.values()]
    assert len(set(uids)) == len(uids)
    for name, d in dashboards.items():
        ids = [p["id"] for p in panels_of(d)]
        assert len(set(ids)) == len(ids), name


def test_every_query_uses_contract_metrics_and_labels(dashboards):
    known = metric_labels()
    for name, d in dashboards.items():
        for title, target in queries(d):
            expr = target["expr"]
            names = series_names(expr)
            assert names and names <= set(known), (name, title, names - set(known))
            allowed = set().union(*(known[n] for n in names))
            used = grouping_labels(expr) | matcher_labels(expr)
            assert used <= allowed, (name, title, used - allowed)


def test_service_variable_lists_the_subgraphs(dashboards):
    (var,) = [v for v in dashboards["services.json"]["templating"]["list"] if v["name"] == "service"]
    assert var["query"]["query"] == "label_values(subgraph_http_requests_total, service)"
    for _, target in queries(dashboards["services.json"]):
        if "job" not in target["expr"]:
            assert 'service=~"$service"' in target["expr"], target["expr"]


def test_up_panels_only_name_scrape_jobs(dashboards):
    for name, d in dashboards.items():
        for _, target in queries(d):
            if "up{" in target["expr"]:
                assert 'job=~"$service"' in target["expr"] or any(f'job="{j}"' in target["expr"] for j in JOBS)


def test_lexer_finds_a_misspelt_metric():
    assert "gateway_http_request_total" in series_names('sum(rate(gateway_http_request_total{status="500"}[5m]))')
