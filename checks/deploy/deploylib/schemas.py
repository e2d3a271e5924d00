"""Validation of every rendered or committed object against the schema of its kind.

- Kubernetes built-in kinds: kubernetes-validate (strict, Kubernetes 1.33.0).
- Istio kinds: the OpenAPI v3 schemas in Istio's CRDs (vendored with their licence in
  schemas/istio/), converted to JSON Schema here; unknown fields are rejected as `kubectl apply`
  with strict field validation would.
- Prometheus Operator kinds (ServiceMonitor, PrometheusRule): schemas/monitoring.coreos.com.json,
  written for the fields this project uses.
- Any other kind fails: nothing we ship may go unchecked.
"""

from __future__ import annotations

import copy
import json
import pathlib
from functools import lru_cache

import jsonschema
import kubernetes_validate
import yaml

from .render import KUBE_VERSION

SCHEMAS = pathlib.Path(__file__).resolve().parents[1] / "schemas"
ISTIO_CRDS = SCHEMAS / "istio" / "istio-1.30.3-crds.yaml"
MONITORING_SCHEMAS = SCHEMAS / "monitoring.coreos.com.json"

# API groups served by Kubernetes itself ("" is the core group).
KUBE_GROUPS = {"", "apps", "batch", "policy", "autoscaling", "networking.k8s.io", "rbac.authorization.k8s.io"}


def crd_schema_to_jsonschema(node):
    """Convert a CRD's structural OpenAPI v3 schema to a strict JSON Schema (draft 7)."""
    if isinstance(node, list):
        return [crd_schema_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("x-kubernetes-validations", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
                   "x-kubernetes-map-type", "x-kubernetes-embedded-resource"):
            continue  # CEL rules and list semantics: enforced by the API server, not expressible here.
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {k: crd_schema_to_jsonschema(v) for k, v in value.items()}
        else:
            out[key] = crd_schema_to_jsonschema(value)
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out = {"anyOf": [{"type": "integer"}, {"type": "string"}], **{k: v for k, v in out.items() if k != "anyOf"}}
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if out.get("type") == "object" and "properties" in out and not preserve and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def object_schema(group: str, version: str, kind: str, spec_schema: dict) -> dict:
    """Wrap a kind's schema with the envelope every object has."""
    api_version = f"{group}/{version}" if group else version
    schema = copy.deepcopy(spec_schema)
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"const": api_version}
    props["kind"] = {"const": kind}
    props["metadata"] = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "maxLength": 253}},
    }
    props.pop("status", None)
    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
    schema["additionalProperties"] = False
    return schema


@lru_cache(maxsize=1)
def istio_schemas() -> dict[tuple[str, str], dict]:
    """JSON Schemas of every served Istio kind, keyed by (apiVersion, kind)."""
    schemas = {}
    for crd in yaml.safe_load_all(ISTIO_CRDS.read_text()):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group = crd["spec"]["group"]
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served"):
                continue
            converted = crd_schema_to_jsonschema(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
            schemas[(f"{group}/{version['name']}", kind)] = object_schema(group, version["name"], kind, converted)
    return schemas


@lru_cache(maxsize=1)
def monitoring_schemas() -> dict[tuple[str, str], dict]:
    raw = json.loads(MONITORING_SCHEMAS.read_text())
    return {("monitoring.coreos.com/v1", kind): schema for kind, schema in raw["kinds"].items()}


def schema_errors(schema: dict, obj: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(obj)]


def validate_object(obj: dict) -> list[str]:
    """Every reason `obj` is invalid; empty when it is valid."""
    api_version = obj.get("apiVersion", "")
    kind = obj.get("kind", "")
    group = api_version.rpartition("/")[0]
    key = (api_version, kind)
    if group in KUBE_GROUPS:
        try:
            kubernetes_validate.validate(obj, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            return [f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}"]
        except kubernetes_validate.SchemaNotFoundError:
            return [f"no Kubernetes {KUBE_VERSION} schema for {api_version} {kind}"]
        return []
    if key in istio_schemas():
        return schema_errors(istio_schemas()[key], obj)
    if key in monitoring_schemas():
        return schema_errors(monitoring_schemas()[key], obj)
    return [f"unknown kind {api_version} {kind}: no schema to validate it against"]
