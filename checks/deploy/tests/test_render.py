"""The chart renders for every values file with Helm's own engine, lints strictly, and its
values schema rejects what it must."""

import helm_python
import pytest

from deploylib import render as r

WORKLOADS = ["gateway", "customers", "orders", "payments", "fulfillment", "returns"]


@pytest.mark.parametrize("values_file", r.VALUES_FILES)
def test_chart_lints_strictly_with_each_values_file(chart_dir, tmp_path, values_file):
    values = r.load_values(values_file)
    report = helm_python.lint(str(chart_dir), values, strict=True, namespace=r.NAMESPACE,
                              kube_version=f"v{r.KUBE_VERSION}")
    # Severity 1 is INFO (e.g. "icon is recommended"); warnings (2) and errors (3+) fail.
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not report["errors"] and not problems, report


def test_every_values_file_renders_all_six_services(rendered):
    names = sorted(d["metadata"]["name"] for d in rendered.of_kind("Deployment"))
    assert names == sorted(f"{r.RELEASE}-{w}" for w in WORKLOADS)


def test_values_schema_rejects_unknown_keys(chart_dir):
    with pytest.raises(helm_python.HelmError, match="additional properties|additionalProperties|not allowed"):
        r.render(chart_dir, "values.yaml", {"gateway": {"introspecton": False}})


def test_values_schema_rejects_unknown_top_level_keys(chart_dir):
    with pytest.raises(helm_python.HelmError):
        r.render(chart_dir, "values.yaml", {"replicaCount": 3})


def test_external_database_without_a_secret_is_refused(chart_dir):
    with pytest.raises(helm_python.HelmError, match="database.existingSecret"):
        r.render(chart_dir, "values.yaml", {"postgresql": {"enabled": False}})


def test_gateway_config_points_every_subgraph_at_its_service(renders):
    toml = renders["values.yaml"].named("ConfigMap", f"{r.RELEASE}-gateway")["data"]["gateway.toml"]
    for name, port in [("customers", 4001), ("orders", 4002), ("payments", 4003), ("fulfillment", 4004), ("returns", 4005)]:
        url = f'url = "http://{r.RELEASE}-{name}.{r.NAMESPACE}.svc.cluster.local:{port}/graphql"'
        assert f"[subgraphs.{name}]\n{url}" in toml


def test_changing_the_gateway_config_rolls_the_gateway(chart_dir):
    def checksum(extra):
        out = r.render(chart_dir, "values.yaml", extra)
        dep = out.named("Deployment", f"{r.RELEASE}-gateway")
        return dep["spec"]["template"]["metadata"]["annotations"]["checksum/config"]

    assert checksum({}) != checksum({"gateway": {"playground": False}})


def test_chart_ships_the_repository_supergraph(renders):
    cm = renders["values.yaml"].named("ConfigMap", f"{r.RELEASE}-gateway")
    assert cm["data"]["supergraph.graphql"].strip() == r.SUPERGRAPH.read_text().strip()


def test_gateway_config_names_the_supergraph_subgraphs(renders):
    import re
    import tomllib

    names = {n.lower() for n in re.findall(r'@join__graph\(name:\s*"([^"]+)"', r.SUPERGRAPH.read_text())}
    toml = renders["values.yaml"].named("ConfigMap", f"{r.RELEASE}-gateway")["data"]["gateway.toml"]
    assert set(tomllib.loads(toml)["subgraphs"]) == names
