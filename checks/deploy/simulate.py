#!/usr/bin/env python3
"""Simulated deploy: run what the chart would run in a cluster, here, on loopback.

Renders the chart (default values, with an external database Secret as staging and production
use), then for every Deployment takes its init containers' and container's command, arguments
and environment exactly as rendered, maps the Services' DNS names to 127.0.0.1 ports, runs the
migrations the init containers run, starts the real binaries against a fresh database on
127.0.0.1:5432, waits for every probe path to answer, scrapes each prometheus.io annotation, and
finally runs the `helm test` pod's query through the gateway. A local OTLP/HTTP receiver stands
in for Jaeger and must receive spans.

    CROWDCRUNCH_BIN=path/to/crowdcrunch checks/deploy/run.sh --simulate
    (default binary: $CARGO_TARGET_DIR/debug/crowdcrunch, else target/debug/crowdcrunch)
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from contextlib import ExitStack

from deploylib import render as r
from deploylib.otlp import OtlpReceiver
from deploylib.wiring import (AddressMap, Process, WiringError, container_port, free_port, resolve_env, secret_data,
                              service_ports)

PG_ADMIN_URL = os.environ.get("SIMULATE_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_SECRET = "crowdcrunch-database"
START_TIMEOUT = float(os.environ.get("SIMULATE_START_TIMEOUT", "300"))
VALUES = {
    "postgresql": {"enabled": False},
    "database": {"existingSecret": DB_SECRET},
    # Sample every trace so that the one query is exported.
    "tracing": {"samplingRatio": 1.0},
}


class Failed(RuntimeError):
    pass


def binary() -> pathlib.Path:
    if os.environ.get("CROWDCRUNCH_BIN"):
        return pathlib.Path(os.environ["CROWDCRUNCH_BIN"])
    target = os.environ.get("CARGO_TARGET_DIR") or str(r.REPO / "target")
    return pathlib.Path(target) / "debug" / "crowdcrunch"


def psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 10):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Simulation:
    def __init__(self, workdir: pathlib.Path, exe: pathlib.Path):
        self.workdir = workdir
        self.exe = exe
        self.results: list[tuple[str, bool, str]] = []
        self.running: list[tuple[str, subprocess.Popen, pathlib.Path]] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, ok, detail))
        print(f"{'ok  ' if ok else 'FAIL'} {name}{(': ' + detail) if detail else ''}", flush=True)
        return ok

    # --- processes -----------------------------------------------------------------------
    def argv(self, container: dict, mounts: dict[str, pathlib.Path], amap: AddressMap, own) -> list[str]:
        command = container["command"]
        if pathlib.PurePosixPath(command[0]).name != "crowdcrunch":
            raise WiringError(f"{container['name']}: unexpected command {command}")
        out = [str(self.exe)] + command[1:]
        for arg in container.get("args", []):
            for mount_path, local in mounts.items():
                if arg.startswith(mount_path + "/"):
                    arg = str(local) + arg[len(mount_path):]
            out.append(amap.rewrite(arg, own))
        return out

    def spawn(self, proc: Process) -> subprocess.Popen:
        log = self.workdir / f"{proc.name}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "DATABASE_", "CROWDCRUNCH_GATEWAY__"))}
        env.update(proc.env)
        handle = open(log, "wb")
        p = subprocess.Popen(proc.argv, env=env, stdout=handle, stderr=subprocess.STDOUT,
                             cwd=self.workdir, start_new_session=True)
        self.running.append((proc.name, p, log))
        handle.close()  # the child holds its own descriptor
        return p

    def tail(self, name: str, lines: int = 25) -> str:
        log = self.workdir / f"{name}.log"
        text = log.read_text(errors="replace").splitlines() if log.exists() else []
        return "\n".join("    | " + line for line in text[-lines:])

    def run_to_completion(self, proc: Process, timeout: float) -> bool:
        p = self.spawn(proc)
        try:
            code = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            return self.check(f"{proc.name} completes", False, f"still running after {timeout}s\n{self.tail(proc.name)}")
        return self.check(f"{proc.name} exits 0", code == 0, "" if code == 0 else f"exit {code}\n{self.tail(proc.name)}")

    def wait_serving(self, proc: Process, p: subprocess.Popen) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        pending = list(dict.fromkeys(proc.http_probes))
        while pending and time.monotonic() < deadline:
            if p.poll() is not None:
                return self.check(f"{proc.name} serves {', '.join(path for _, path in pending)}", False,
                                  f"exited with {p.returncode}\n{self.tail(proc.name)}")
            port, path = pending[0]
            try:
                status, _ = http("GET", f"http://127.0.0.1:{port}{path}", timeout=2)
                if status == 200:
                    pending.pop(0)
                    continue
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        shown = ", ".join(f"{path} (:{port})" for port, path in dict.fromkeys(proc.http_probes))
        return self.check(f"{proc.name} answers 200 on {shown}", not pending,
                          f"no 200 from {[path for _, path in pending]} within {START_TIMEOUT}s\n{self.tail(proc.name)}" if pending else "")

    def stop_all(self) -> None:
        for _, p, _ in reversed(self.running):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for name, p, _ in reversed(self.running):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                self.check(f"{name} stops on SIGTERM", False, "killed after 15s")


def processes_for(dep: dict, rendered: r.Rendered, amap: AddressMap, local_port: int, sim: Simulation,
                  secrets: dict) -> tuple[list[Process], Process]:
    """The init containers and the main container of one Deployment, as local processes."""
    spec = dep["spec"]["template"]["spec"]
    annotations = dep["spec"]["template"]["metadata"].get("annotations", {})
    main = spec["containers"][0]
    name = dep["metadata"]["name"].removeprefix(f"{r.RELEASE}-")
    # Every port the container listens on gets a loopback port: the first (`http`, the one the
    # Service routes to) the Service's, the others (the gateway's internal /metrics) their own.
    own = {p["containerPort"]: (local_port if i == 0 else free_port()) for i, p in enumerate(main["ports"])}

    mounts = {}
    for volume in spec.get("volumes", []):
        if "configMap" not in volume:
            continue
        cm = rendered.named("ConfigMap", volume["configMap"]["name"])
        local = sim.workdir / "volumes" / name / volume["name"]
        local.mkdir(parents=True, exist_ok=True)
        for key, text in cm["data"].items():
            (local / key).write_text(amap.rewrite(text, own))
        for c in spec["containers"]:
            for m in c.get("volumeMounts", []):
                if m["name"] == volume["name"]:
                    mounts[m["mountPath"]] = local

    def as_process(container: dict, label: str) -> Process:
        env = {k: amap.rewrite(v, own) for k, v in resolve_env(container.get("env", []), secrets).items()}
        probes = []
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            if kind in container and "httpGet" in container[kind]:
                get = container[kind]["httpGet"]
                port = container_port(container, get["port"])
                if port not in own:
                    raise WiringError(f"{name}: {kind} port {get['port']} is not a container port")
                probes.append((own[port], get["path"]))
        if annotations.get("prometheus.io/scrape") == "true":
            port = int(annotations["prometheus.io/port"])
            if port not in own:
                raise WiringError(f"{name}: prometheus.io/port {port} is not a container port")
            probes.append((own[port], annotations["prometheus.io/path"]))
        return Process(label, sim.argv(container, mounts, amap, own), env, local_port, probes)

    inits = [as_process(c, f"{name}-{c['name']}") for c in spec.get("initContainers", [])]
    return inits, as_process(main, name)


def run(sim: Simulation, rendered: r.Rendered, db_url: str, otlp: OtlpReceiver) -> None:
    amap = AddressMap()
    deployments = rendered.of_kind("Deployment")
    services = rendered.of_kind("Service")
    local_ports = {}
    for dep in deployments:
        ports = service_ports(services, dep)
        svc = next(s for s in services if s["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"])
        (_, svc_port), = ports.items()
        local_ports[dep["metadata"]["name"]] = local = free_port()
        amap.add_service(svc["metadata"]["name"], r.NAMESPACE, svc_port, local)

    # Where the services export traces: the one OTEL endpoint the chart renders.
    endpoints = {e["value"] for d in deployments for e in d["spec"]["template"]["spec"]["containers"][0]["env"]
                 if e["name"] == "OTEL_EXPORTER_OTLP_ENDPOINT"}
    if len(endpoints) != 1:
        raise WiringError(f"expected one OTLP endpoint, got {endpoints}")
    host_port = next(iter(endpoints)).split("://", 1)[1].rstrip("/")
    host, port = host_port.rsplit(":", 1)
    amap.by_host_port[(host, int(port))] = otlp.port

    secrets = secret_data(rendered.of_kind("Secret"))
    secrets[(DB_SECRET, "database-url")] = db_url

    gateway = [d for d in deployments if d["metadata"]["name"] == f"{r.RELEASE}-gateway"]
    subgraphs = [d for d in deployments if d not in gateway]
    planned = [(d, *processes_for(d, rendered, amap, local_ports[d["metadata"]["name"]], sim, secrets))
               for d in subgraphs + gateway]

    # Init containers (migrations) first, as the kubelet would, then the services.
    for _, inits, _ in planned:
        for init in inits:
            if not sim.run_to_completion(init, START_TIMEOUT):
                return
    # Subgraphs, then the gateway that fetches from them.
    for group in (planned[:-1], planned[-1:]):
        started = [(main, sim.spawn(main)) for _, _, main in group]
        for main, p in started:
            if not sim.wait_serving(main, p):
                return

    # Every subgraph URL the gateway is configured with reaches a live subgraph.
    config_map = rendered.named("ConfigMap", f"{r.RELEASE}-gateway")
    config = tomllib.loads(amap.rewrite(config_map["data"]["gateway.toml"]))
    for name, sub in sorted(config["subgraphs"].items()):
        body = json.dumps({"query": "{ _service { sdl } }"}).encode()
        status, answer = http("POST", sub["url"], body, {"content-type": "application/json"})
        try:
            sdl = json.loads(answer)["data"]["_service"]["sdl"]
        except (ValueError, KeyError, TypeError):
            sdl = ""
        ok = status == 200 and bool(sdl)
        sim.check(f"gateway's {name} URL reaches the {name} subgraph", ok,
                  "" if ok else f"{sub['url']}: HTTP {status} {answer[:200]!r}")

    # The `helm test` pod's query, as its script runs it.
    (test_pod,) = [p for p in rendered.of_kind("Pod") if p["metadata"]["annotations"].get("helm.sh/hook") == "test"]
    env = resolve_env(test_pod["spec"]["containers"][0]["env"], secrets)
    url = amap.rewrite(env["GATEWAY_URL"])
    status, body = http("POST", url, env["QUERY_JSON"].encode(), {"content-type": "application/json"}, timeout=30)
    text = body.decode(errors="replace")
    try:
        doc = json.loads(text)
    except ValueError:
        doc = {}
    ok = status == 200 and doc.get("data") and not doc.get("errors")
    sim.check("helm test query through the gateway", bool(ok), f"HTTP {status}: {text[:400]}")

    # /metrics is served on the gateway's internal port only, never on the public one.
    public = local_ports[f"{r.RELEASE}-gateway"]
    status, _ = http("GET", f"http://127.0.0.1:{public}/metrics")
    sim.check("gateway's public port does not serve /metrics", status == 404, f"HTTP {status}")

    # The pods' root filesystem is read-only: the processes' working directory must stay clean.
    written = sorted(p.name for p in sim.workdir.iterdir()
                     if p.name not in ("chart", "volumes") and not p.name.endswith(".log"))
    sim.check("services write nothing to their working directory", not written, ", ".join(written))

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not otlp.requests:
        time.sleep(0.5)
    sim.check("services export spans to the OTLP endpoint", bool(otlp.requests),
              f"{otlp.requests} export requests")


def main() -> int:
    exe = binary()
    if not exe.is_file() or not os.access(exe, os.X_OK):
        print(f"simulate: the crowdcrunch binary is missing at {exe}; build it "
              f"(cargo build --bin crowdcrunch) or set CROWDCRUNCH_BIN", file=sys.stderr)
        return 2
    if shutil.which("psql") is None:
        print("simulate: psql is missing (Debian postgresql-client)", file=sys.stderr)
        return 2
    db = f"crowdcrunch_sim_{os.getpid()}"
    db_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + db
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="crowdcrunch-sim-") as tmp:
        workdir = pathlib.Path(tmp)
        chart = r.stage_chart(workdir)
        rendered = r.render(chart, "values.yaml", VALUES)
        psql(f"CREATE DATABASE {db}")
        stack.callback(lambda: psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        otlp = stack.enter_context(OtlpReceiver())
        sim = Simulation(workdir, exe)
        stack.callback(sim.stop_all)
        try:
            run(sim, rendered, db_url, otlp)
        except WiringError as e:
            sim.check("chart wiring", False, str(e))
        sim.stop_all()
        passed = sum(ok for _, ok, _ in sim.results)
        failed = len(sim.results) - passed
        print(f"simulate: {passed} passed, {failed} failed")
        return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
