"""Turns rendered Kubernetes objects into local processes: the command, arguments and environment
of each container, with the in-cluster addresses replaced by loopback ones.

Every Service gets a free 127.0.0.1 port (the ports of a developer's running platform may be
taken); `<svc>.<ns>.svc.cluster.local:<port>`, `<svc>:<port>` and a container's own
`0.0.0.0:<containerPort>` are rewritten to it. Nothing else is changed, so a wrong variable name,
port or path in the chart still shows up as a failure.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field


class WiringError(RuntimeError):
    """The rendered objects cannot be run as they are."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AddressMap:
    """In-cluster address -> loopback address."""

    by_host_port: dict[tuple[str, int], int] = field(default_factory=dict)

    def add_service(self, name: str, namespace: str, port: int, local: int) -> None:
        for host in (name, f"{name}.{namespace}", f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.cluster.local"):
            self.by_host_port[(host, port)] = local

    def rewrite(self, text: str, own_ports: dict[int, int] | None = None) -> str:
        """Rewrite every known host:port in `text`; `own_ports` maps this container's
        0.0.0.0:<containerPort> listen addresses to their loopback ports."""

        def swap(m: re.Match) -> str:
            host, port = m.group(1), int(m.group(2))
            if own_ports and host == "0.0.0.0" and port in own_ports:
                return f"127.0.0.1:{own_ports[port]}"
            local = self.by_host_port.get((host, port))
            return f"127.0.0.1:{local}" if local else m.group(0)

        return re.sub(r"([A-Za-z0-9.-]+):(\d+)", swap, text)


def secret_data(secrets: list[dict]) -> dict[tuple[str, str], str]:
    out = {}
    for s in secrets:
        for key, value in (s.get("stringData") or {}).items():
            out[(s["metadata"]["name"], key)] = value
    return out


def resolve_env(env: list[dict], secrets: dict[tuple[str, str], str]) -> dict[str, str]:
    """The environment a container gets: literal values and Secret references."""
    out = {}
    for var in env:
        if "value" in var:
            out[var["name"]] = str(var["value"])
        elif "secretKeyRef" in var.get("valueFrom", {}):
            ref = var["valueFrom"]["secretKeyRef"]
            key = (ref["name"], ref["key"])
            if key not in secrets:
                raise WiringError(f"{var['name']}: Secret {ref['name']} has no key {ref['key']}")
            out[var["name"]] = secrets[key]
        else:
            raise WiringError(f"{var['name']}: unsupported valueFrom {var.get('valueFrom')}")
    return out


def container_port(container: dict, name_or_number) -> int:
    if isinstance(name_or_number, int):
        return name_or_number
    for p in container.get("ports", []):
        if p.get("name") == name_or_number:
            return p["containerPort"]
    raise WiringError(f"container {container['name']} has no port named {name_or_number}")


@dataclass
class Process:
    """One container to run locally."""

    name: str
    argv: list[str]
    env: dict[str, str]
    port: int | None  # loopback port it serves its main (`http`) port on
    http_probes: list[tuple[int, str]]  # (loopback port, path) its probes and scrape annotations use


def service_ports(services: list[dict], deployment: dict) -> dict[int, int]:
    """containerPort -> Service port, for the Service that selects this Deployment's pods."""
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    for svc in services:
        sel = svc["spec"].get("selector", {})
        if sel and all(labels.get(k) == v for k, v in sel.items()):
            return {container_port(container, p.get("targetPort", p["port"])): p["port"]
                    for p in svc["spec"]["ports"] if p["name"] == "http"}
    raise WiringError(f"no Service selects Deployment {deployment['metadata']['name']}")
