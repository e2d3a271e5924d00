"""The alert rules: contract names only, labelled and annotated, and each alert fired by a
promtool unit test (run.sh runs `promtool test rules`; this checks that every alert has one)."""

from contract import JOBS, metric_labels
from promql import grouping_labels, matcher_labels, series_names


def test_rules_use_contract_metrics_or_our_recordings(rules):
    known = metric_labels()
    recorded = {r["record"] for r in rules if "record" in r}
    for rule in rules:
        names = series_names(rule["expr"])
        unknown = names - set(known) - recorded
        assert not unknown, (rule.get("record") or rule.get("alert"), unknown)
        labels = grouping_labels(rule["expr"]) | matcher_labels(rule["expr"])
        allowed = set().union(set(), *(known.get(n, set()) for n in names)) | {"service", "subgraph"}
        assert labels <= allowed, (rule.get("record") or rule.get("alert"), labels - allowed)


def test_recording_rules_follow_the_level_metric_operation_convention(rules):
    for rule in rules:
        if "record" in rule:
            assert rule["record"].startswith("crowdcrunch:") and rule["record"].count(":") == 2, rule["record"]


def test_alerts_cover_error_ratio_latency_and_service_down(rules):
    alerts = {r["alert"] for r in rules if "alert" in r}
    assert {"CrowdCrunchGatewayErrorRatioHigh", "CrowdCrunchGatewayLatencyHigh", "CrowdCrunchServiceDown"} <= alerts


def test_service_down_alert_watches_every_job(rules):
    (down,) = [r for r in rules if r.get("alert") == "CrowdCrunchServiceDown"]
    jobs = down["expr"].split('job=~"')[1].split('"')[0].split("|")
    assert set(jobs) == JOBS


def test_every_alert_has_severity_summary_and_description(rules):
    for rule in rules:
        if "alert" in rule:
            assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
            assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
            assert rule.get("for"), rule["alert"]


def test_every_alert_is_fired_by_a_unit_test(rules, rule_tests):
    fired = {case["alertname"] for test in rule_tests["tests"] for case in test.get("alert_rule_test", [])
             if case.get("exp_alerts")}
    alerts = {r["alert"] for r in rules if "alert" in r}
    assert alerts == fired, alerts ^ fired
