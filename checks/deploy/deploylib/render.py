"""Renders the Helm chart with Helm's own engine (helm-python-sdk, no helm binary).

The chart links its files (supergraph, dashboards, alert rules) to their single copies elsewhere
in the repository. Helm follows those links; we still stage a copy of the chart with the links
resolved, so that a missing target fails with a message naming it instead of a loader error.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile
from dataclasses import dataclass

import yaml
from helm_python import Chart

REPO = pathlib.Path(__file__).resolve().parents[3]
CHART = REPO / "chart"
VALUES_FILES = ["values.yaml", "values-dev.yaml", "values-staging.yaml", "values-production.yaml"]
RELEASE = "crowdcrunch"
NAMESPACE = "shop"
KUBE_VERSION = "1.33.0"


class MissingChartFile(RuntimeError):
    """A file the chart links to does not exist in the repository."""


def stage_chart(dest: pathlib.Path) -> pathlib.Path:
    """Copy the chart into `dest` with every symbolic link replaced by its target's contents;
    a link whose target is missing is an error naming it."""
    out = dest / "chart"
    missing = []
    for src in sorted(CHART.rglob("*")):
        rel = src.relative_to(CHART)
        target = out / rel
        if src.is_symlink() and not src.exists():
            missing.append(f"chart/{rel} -> {os.readlink(src)}")
            continue
        if src.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
    if missing:
        raise MissingChartFile("chart links to files that do not exist: " + ", ".join(missing))
    return out


def load_values(values_file: str) -> dict:
    """The values a `-f chart/<values_file>` install uses, on top of chart/values.yaml."""
    if values_file == "values.yaml":
        return {}
    return yaml.safe_load((CHART / values_file).read_text()) or {}


@dataclass
class Rendered:
    """One rendering: the manifests by template path, and every object parsed."""

    values_file: str
    manifests: dict[str, str]
    objects: list[dict]

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o["kind"] == kind]

    def named(self, kind: str, name: str) -> dict:
        found = [o for o in self.of_kind(kind) if o["metadata"]["name"] == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} {kind} named {name} in {self.values_file}")
        return found[0]


def render(chart_dir: pathlib.Path, values_file: str, extra: dict | None = None) -> Rendered:
    values = load_values(values_file)
    if extra:
        values = deep_merge(values, extra)
    chart = Chart.load(str(chart_dir))
    try:
        manifests = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    finally:
        chart.close()
    objects = []
    for path, text in sorted(manifests.items()):
        if not path.endswith(".yaml"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                doc.setdefault("metadata", {}).setdefault("namespace", NAMESPACE)
                objects.append(doc)
    return Rendered(values_file, manifests, objects)


def deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def staged_tempdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="crowdcrunch-chart-")


SUPERGRAPH = REPO / "supergraph.graphql"
