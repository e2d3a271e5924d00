"""The chart ships the repository's dashboards and alert rules unchanged, and its ServiceMonitors
produce the job names the rules and dashboards expect."""

import json

import yaml

from deploylib import render as r

OBS = r.REPO / "observability"
JOBS = {"gateway", "customers", "orders", "payments", "fulfillment", "returns"}


def test_dashboard_configmaps_carry_the_observability_dashboards(renders):
    dev = renders["values-dev.yaml"]
    shipped = {}
    for cm in dev.of_kind("ConfigMap"):
        if cm["metadata"]["labels"].get("grafana_dashboard") == "1":
            shipped.update(cm["data"])
    expected = {p.name: p.read_text() for p in (OBS / "dashboards").glob("*.json")}
    assert set(shipped) == set(expected)
    for name, text in expected.items():
        assert json.loads(shipped[name]) == json.loads(text), name


def test_prometheus_rule_carries_the_observability_rules(renders):
    (rule,) = renders["values-dev.yaml"].of_kind("PrometheusRule")
    assert rule["spec"] == yaml.safe_load((OBS / "prometheus" / "alerts.yaml").read_text())


def test_service_monitors_name_jobs_after_the_services(renders):
    monitors = renders["values-dev.yaml"].of_kind("ServiceMonitor")
    services = {s["metadata"]["name"]: s for s in renders["values-dev.yaml"].of_kind("Service")}
    jobs = set()
    for m in monitors:
        assert m["spec"]["jobLabel"] == "app"
        selected = [s for s in services.values()
                    if all(s["metadata"]["labels"].get(k) == v for k, v in m["spec"]["selector"]["matchLabels"].items())]
        assert len(selected) == 1, m["metadata"]["name"]
        jobs.add(selected[0]["metadata"]["labels"]["app"])
        ports = {p["name"] for p in selected[0]["spec"]["ports"]}
        assert {e["port"] for e in m["spec"]["endpoints"]} <= ports
    assert jobs == JOBS


def test_monitoring_objects_are_off_unless_asked_for(renders):
    base = renders["values.yaml"]
    assert not base.of_kind("ServiceMonitor") and not base.of_kind("PrometheusRule")
