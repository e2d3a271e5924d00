"""Every rendered object and every istio/ manifest validates against its kind's schema:
Kubernetes 1.33 (strict), Istio 1.30.3's CRDs, or the Prometheus Operator schemas; an unknown
kind fails."""


import pytest
import yaml

from deploylib import render as r
from deploylib import schemas

ISTIO_DIR = r.REPO / "istio"


def istio_manifests():
    return sorted(p for p in ISTIO_DIR.rglob("*.yaml"))


def test_every_rendered_object_matches_its_schema(rendered):
    failures = {}
    for obj in rendered.objects:
        errors = schemas.validate_object(obj)
        if errors:
            failures[f"{obj['kind']}/{obj['metadata']['name']}"] = errors
    assert not failures, failures


@pytest.mark.parametrize("path", istio_manifests(), ids=lambda p: str(p.relative_to(r.REPO)))
def test_every_istio_manifest_matches_its_schema(path):
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    assert docs, f"{path} holds no object"
    failures = {f"{d['kind']}/{d['metadata']['name']}": schemas.validate_object(d) for d in docs}
    assert not any(failures.values()), failures


def test_unknown_kind_fails_validation():
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert schemas.validate_object(obj) == ["unknown kind example.com/v1 Widget: no schema to validate it against"]


def test_istio_schema_rejects_a_misspelt_field():
    obj = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "v"},
           "spec": {"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a"}}], "retry": {"attempts": 0}}]}}
    errors = schemas.validate_object(obj)
    assert any("retry" in e for e in errors), errors


def test_istio_schema_rejects_a_wrong_enum_value():
    obj = {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "metadata": {"name": "p"},
           "spec": {"mtls": {"mode": "STRICTEST"}}}
    assert schemas.validate_object(obj)


def test_kubernetes_schema_rejects_an_unknown_field():
    obj = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "s"}, "automountToken": False}
    assert schemas.validate_object(obj)


def test_monitoring_schema_rejects_a_rule_without_expr():
    obj = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "p"},
           "spec": {"groups": [{"name": "g", "rules": [{"alert": "A"}]}]}}
    assert schemas.validate_object(obj)
