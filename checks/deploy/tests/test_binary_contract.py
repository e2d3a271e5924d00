"""Static cross-check of the chart against the sources of the binaries it runs (the simulated
deploy checks the same at run time, once the binaries are built): every environment variable,
command-line flag and gateway configuration key the chart renders is one the code reads."""

import re
import tomllib

from deploylib import render as r

KIT = r.REPO / "crates" / "subgraph-kit" / "src"
# The telemetry crate the subgraphs (and the gateway) read their OTEL_* settings with.
TELEMETRY = r.REPO / "crates" / "telemetry" / "src"
GATEWAY = r.REPO / "gateway" / "src"


def source(*paths):
    return "\n".join(p.read_text() for path in paths for p in sorted(path.rglob("*.rs")))


def container(rendered, name):
    return rendered.named("Deployment", f"{r.RELEASE}-{name}")["spec"]["template"]["spec"]["containers"][0]


def test_subgraph_environment_is_what_subgraph_kit_reads(renders):
    kit = source(KIT, TELEMETRY)
    env = [e["name"] for e in container(renders["values.yaml"], "orders")["env"]]
    for name in env:
        if name == "ORDERS_LISTEN":
            # Read as format!("{upper}_LISTEN") for the service's own name.
            assert '{upper}_LISTEN"' in kit, name
        elif name in ("RUST_LOG", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
                      "OTEL_EXPORTER_OTLP_PROTOCOL"):
            continue  # read by the tracing / OpenTelemetry SDK crates themselves
        else:
            assert f'"{name}"' in kit, f"subgraph-kit never reads {name}"


def test_gateway_flags_are_the_gateway_command_line(renders):
    cli = (GATEWAY / "cli.rs").read_text()
    args = container(renders["values.yaml"], "gateway")["args"]
    assert args[0] == "gateway"
    for flag in (a for a in args if a.startswith("--")):
        field = flag[2:].replace("-", "_")
        assert re.search(rf"pub {field}:", cli), f"gateway has no {flag} flag"


def test_gateway_config_keys_exist_in_the_gateway_config(renders):
    code = (GATEWAY / "config.rs").read_text()
    toml = tomllib.loads(renders["values-production.yaml"].named("ConfigMap", f"{r.RELEASE}-gateway")["data"]["gateway.toml"])
    keys = {k for k in toml if k != "subgraphs"} | {k for sub in toml["subgraphs"].values() for k in sub}
    for key in keys | {"subgraphs"}:
        assert re.search(rf"pub {key}:", code), f"gateway config has no key {key}"


def test_probe_and_metrics_paths_are_routes_of_the_services(renders):
    code = source(KIT, GATEWAY)
    dep = renders["values.yaml"].named("Deployment", f"{r.RELEASE}-orders")["spec"]["template"]
    c = dep["spec"]["containers"][0]
    paths = {c[p]["httpGet"]["path"] for p in ("startupProbe", "readinessProbe", "livenessProbe")}
    paths.add(dep["metadata"]["annotations"]["prometheus.io/path"])
    for path in paths:
        assert f'"{path}"' in code, f"no route {path}"
