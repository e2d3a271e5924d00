"""Security and operability policy over the rendered objects of every values file."""

import tomllib

import pytest

from deploylib import render as r

SUBGRAPHS = ["customers", "orders", "payments", "fulfillment", "returns"]
GATEWAY_PRINCIPAL = f"cluster.local/ns/{r.NAMESPACE}/sa/{r.RELEASE}-gateway"


def workloads(rendered):
    return rendered.of_kind("Deployment") + rendered.of_kind("StatefulSet")


def pod_specs(rendered):
    """(name, pod metadata, pod spec) of every pod the release creates, the test pod included."""
    out = [(w["metadata"]["name"], w["spec"]["template"]["metadata"], w["spec"]["template"]["spec"])
           for w in workloads(rendered)]
    out += [(p["metadata"]["name"], p["metadata"], p["spec"]) for p in rendered.of_kind("Pod")]
    return out


def selects(match_labels, labels):
    return all(labels.get(k) == v for k, v in match_labels.items())


def pod_labels(workload):
    return workload["spec"]["template"]["metadata"]["labels"]


def test_every_container_has_readiness_and_liveness_probes(rendered):
    for w in workloads(rendered):
        for c in w["spec"]["template"]["spec"]["containers"]:
            assert "readinessProbe" in c and "livenessProbe" in c, (w["metadata"]["name"], c["name"])


def test_readiness_and_liveness_differ(rendered):
    # Readiness follows the database (and broker): /ready fails while either is unreachable, so
    # the pod leaves its Service; liveness (/health) does not, so the kubelet does not restart a
    # pod that a restart would not heal. The threshold lets a blip pass.
    # The gateway's /ready follows its load shedding instead: its readiness stays on /health,
    # so that shedding never empties the gateway Service (chart/values.yaml).
    subgraphs = 0
    for w in rendered.of_kind("Deployment"):
        name = w["metadata"]["name"]
        for c in w["spec"]["template"]["spec"]["containers"]:
            ready = "/health" if name.endswith("-gateway") else "/ready"
            subgraphs += ready == "/ready"
            assert c["readinessProbe"]["httpGet"]["path"] == ready, name
            assert c["livenessProbe"]["httpGet"]["path"] == "/health", name
            assert c["readinessProbe"]["failureThreshold"] >= 3
    assert subgraphs == 5


def test_every_container_has_requests_and_limits(rendered):
    for name, _, spec in pod_specs(rendered):
        for c in spec.get("initContainers", []) + spec["containers"]:
            res = c.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(res.get(kind, {})), (name, c["name"], kind)


def test_every_pod_meets_the_restricted_pod_security_standard(rendered):
    for name, _, spec in pod_specs(rendered):
        psc = spec.get("securityContext", {})
        assert psc.get("runAsNonRoot") is True, name
        assert psc.get("runAsUser", 0) != 0, name
        assert psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", name
        assert not any(spec.get(k) for k in ("hostNetwork", "hostPID", "hostIPC")), name
        assert not any("hostPath" in v for v in spec.get("volumes", [])), name
        for c in spec.get("initContainers", []) + spec["containers"]:
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False, (name, c["name"])
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], (name, c["name"])
            assert not sc.get("capabilities", {}).get("add"), (name, c["name"])
            assert sc.get("readOnlyRootFilesystem") is True, (name, c["name"])
            assert sc.get("privileged") is not True, (name, c["name"])


def test_every_workload_has_a_pod_disruption_budget(rendered):
    pdbs = rendered.of_kind("PodDisruptionBudget")
    for w in workloads(rendered):
        covering = [p for p in pdbs if selects(p["spec"]["selector"]["matchLabels"], pod_labels(w))]
        assert len(covering) == 1, w["metadata"]["name"]


def test_every_workload_runs_as_its_own_service_account(rendered):
    accounts = {sa["metadata"]["name"] for sa in rendered.of_kind("ServiceAccount")}
    used = [w["spec"]["template"]["spec"].get("serviceAccountName", "default") for w in workloads(rendered)]
    assert len(set(used)) == len(used), used
    assert set(used) <= accounts
    assert "default" not in used


def test_every_pod_carries_app_and_version_labels_and_sidecar_injection(rendered):
    for name, meta, _ in pod_specs(rendered):
        labels = meta["labels"]
        assert labels.get("app") and labels.get("version"), name
        if labels["app"] != "postgresql":  # the dev database stays outside the mesh
            assert labels.get("sidecar.istio.io/inject") == "true", name


def test_workloads_spread_across_nodes(rendered):
    for w in rendered.of_kind("Deployment"):
        keys = [t["topologyKey"] for t in w["spec"]["template"]["spec"]["topologySpreadConstraints"]]
        assert "kubernetes.io/hostname" in keys, w["metadata"]["name"]


def test_autoscaled_values_give_every_service_an_hpa(renders):
    for vf in ("values.yaml", "values-staging.yaml", "values-production.yaml"):
        targets = {h["spec"]["scaleTargetRef"]["name"] for h in renders[vf].of_kind("HorizontalPodAutoscaler")}
        assert targets == {d["metadata"]["name"] for d in renders[vf].of_kind("Deployment")}, vf


def test_mtls_is_strict_for_every_service(rendered):
    (pa,) = rendered.of_kind("PeerAuthentication")
    assert pa["spec"]["mtls"]["mode"] == "STRICT"
    for w in rendered.of_kind("Deployment"):
        assert selects(pa["spec"]["selector"]["matchLabels"], pod_labels(w))


def allow_rules_for(rendered, labels):
    """The rules of every ALLOW AuthorizationPolicy selecting pods with `labels`."""
    rules = []
    for ap in rendered.of_kind("AuthorizationPolicy"):
        spec = ap["spec"]
        if spec.get("action", "ALLOW") == "ALLOW" and selects(spec.get("selector", {}).get("matchLabels", {}), labels):
            rules += spec.get("rules", [])
    return rules


def test_each_subgraph_accepts_only_the_gateway_principal(rendered):
    for name in SUBGRAPHS:
        labels = pod_labels(rendered.named("Deployment", f"{r.RELEASE}-{name}"))
        rules = allow_rules_for(rendered, labels)
        assert rules, name
        for rule in rules:
            # A rule without `from` would admit any caller.
            sources = [f["source"] for f in rule.get("from", [])]
            assert sources, (name, rule)
            for source in sources:
                assert set(source) == {"principals"}, (name, source)
                assert source["principals"] == [GATEWAY_PRINCIPAL], (name, source)


def test_the_gateway_accepts_only_the_ingress_gateway_and_the_helm_test(rendered):
    labels = pod_labels(rendered.named("Deployment", f"{r.RELEASE}-gateway"))
    principals = {p for rule in allow_rules_for(rendered, labels) for f in rule["from"] for p in f["source"]["principals"]}
    assert principals == {"cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account",
                          f"cluster.local/ns/{r.NAMESPACE}/sa/{r.RELEASE}-test"}


def test_namespace_default_is_deny(rendered):
    deny_all = [ap for ap in rendered.of_kind("AuthorizationPolicy")
                if ap["spec"].get("action", "ALLOW") == "ALLOW" and not ap["spec"].get("rules")]
    assert len(deny_all) == 1
    for w in rendered.of_kind("Deployment"):
        assert selects(deny_all[0]["spec"]["selector"]["matchLabels"], pod_labels(w))


def test_no_virtual_service_retries_subgraph_traffic(rendered):
    hosts = {f"{r.RELEASE}-{n}.{r.NAMESPACE}.svc.cluster.local" for n in SUBGRAPHS}
    routed = set()
    for vs in rendered.of_kind("VirtualService"):
        for route in vs["spec"].get("http", []):
            dests = {d["destination"]["host"] for d in route["route"]}
            if dests & hosts:
                routed |= dests & hosts
                # Istio retries twice when `retries` is absent: it must say 0 explicitly.
                assert route.get("retries", {}).get("attempts") == 0, vs["metadata"]["name"]
    assert routed == hosts


def test_every_service_has_a_circuit_breaking_mutual_tls_destination_rule(rendered):
    by_host = {dr["spec"]["host"]: dr["spec"]["trafficPolicy"] for dr in rendered.of_kind("DestinationRule")}
    for svc in rendered.of_kind("Service"):
        if svc["metadata"]["labels"]["app"] == "postgresql":
            continue
        policy = by_host[f"{svc['metadata']['name']}.{r.NAMESPACE}.svc.cluster.local"]
        assert policy["tls"]["mode"] == "ISTIO_MUTUAL"
        assert policy["connectionPool"]["http"]["http1MaxPendingRequests"] > 0
        assert policy["outlierDetection"]["consecutive5xxErrors"] > 0


def test_network_policy_denies_by_default_and_subgraphs_admit_only_the_gateway(rendered):
    nps = rendered.of_kind("NetworkPolicy")
    deny = [n for n in nps if not n["spec"].get("ingress") and not n["spec"].get("egress")]
    assert len(deny) == 1 and set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    gateway_labels = pod_labels(rendered.named("Deployment", f"{r.RELEASE}-gateway"))
    for name in SUBGRAPHS:
        labels = pod_labels(rendered.named("Deployment", f"{r.RELEASE}-{name}"))
        peers = [peer for n in nps if selects(n["spec"]["podSelector"]["matchLabels"], labels)
                 for rule in n["spec"].get("ingress", []) for peer in rule["from"]
                 if "podSelector" in peer and "namespaceSelector" not in peer]
        assert peers and all(selects(p["podSelector"]["matchLabels"], gateway_labels) for p in peers), name


@pytest.mark.parametrize("values_file,expected", [("values-production.yaml", False), ("values-dev.yaml", True)])
def test_introspection_and_playground_follow_the_environment(renders, values_file, expected):
    cm = renders[values_file].named("ConfigMap", f"{r.RELEASE}-gateway")
    config = tomllib.loads(cm["data"]["gateway.toml"])
    assert config["introspection"] is expected
    assert config["playground"] is expected


def test_production_uses_an_external_database(renders):
    prod = renders["values-production.yaml"]
    assert not prod.of_kind("StatefulSet")
    env = prod.named("Deployment", f"{r.RELEASE}-orders")["spec"]["template"]["spec"]["containers"][0]["env"]
    url = next(e for e in env if e["name"] == "DATABASE_URL")
    assert url["valueFrom"]["secretKeyRef"]["name"] == "crowdcrunch-database"


def test_subgraphs_migrate_before_they_serve(rendered):
    for name in SUBGRAPHS:
        spec = rendered.named("Deployment", f"{r.RELEASE}-{name}")["spec"]["template"]["spec"]
        (init,) = spec["initContainers"]
        assert init["args"] == ["subgraph", name, "--migrate-only"]
        assert init["env"] == [e for e in spec["containers"][0]["env"] if e in init["env"]]


def seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in ("ms", "s", "m", "h"):
        if duration.endswith(unit):
            return float(duration[: -len(unit)]) * units[unit]
    raise ValueError(duration)


def test_gateway_times_out_subgraph_fetches_before_the_mesh_does(rendered):
    config = tomllib.loads(rendered.named("ConfigMap", f"{r.RELEASE}-gateway")["data"]["gateway.toml"])
    for name in SUBGRAPHS:
        vs = rendered.named("VirtualService", f"{r.RELEASE}-{name}")
        assert config["subgraph_timeout_ms"] / 1000 < seconds(vs["spec"]["http"][0]["timeout"]), name


def env_of(rendered, name):
    container = rendered.named("Deployment", f"{r.RELEASE}-{name}")["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value") for e in container["env"]}


def test_production_verifies_the_issuers_tokens_at_the_mesh_gateway_and_subgraphs(renders):
    prod = renders["values-production.yaml"]
    auth = r.load_values("values-production.yaml")["auth"]
    (ra,) = prod.of_kind("RequestAuthentication")
    assert selects(ra["spec"]["selector"]["matchLabels"], pod_labels(prod.named("Deployment", f"{r.RELEASE}-gateway")))
    (rule,) = ra["spec"]["jwtRules"]
    assert rule["issuer"] == auth["issuer"] and rule["jwksUri"] == auth["jwksUrl"]
    assert rule["forwardOriginalToken"] is True
    gateway = env_of(prod, "gateway")
    assert gateway["CROWDCRUNCH_GATEWAY__AUTHENTICATION__JWKS_URL"] == auth["jwksUrl"]
    assert gateway["CROWDCRUNCH_GATEWAY__AUTHENTICATION__ISSUER"] == auth["issuer"]
    for name in SUBGRAPHS:
        env = env_of(prod, name)
        assert env["AUTH_JWKS_URL"] == auth["jwksUrl"], name
        assert env["AUTH_ISSUER"] == auth["issuer"], name
        assert env["AUTH_AUDIENCE"] == ",".join(auth["audiences"]), name


def test_an_inline_jwks_is_mounted_and_a_jwt_can_be_required_for_posts(chart_dir):
    jwks = '{"keys": []}'
    extra = {"auth": {"issuer": "https://i.example/", "jwks": jwks, "requireJwtForPost": True}}
    rendered = r.render(chart_dir, "values.yaml", extra)
    (cm,) = [c for c in rendered.of_kind("ConfigMap") if c["metadata"]["name"].endswith("-auth-jwks")]
    assert cm["data"]["jwks.json"] == jwks
    (ra,) = rendered.of_kind("RequestAuthentication")
    assert ra["spec"]["jwtRules"][0]["jwks"] == jwks
    assert env_of(rendered, "orders")["AUTH_JWKS_FILE"] == "/etc/crowdcrunch-auth/jwks.json"
    deny = [ap for ap in rendered.of_kind("AuthorizationPolicy") if ap["spec"].get("action") == "DENY"]
    (policy,) = deny
    (rule,) = policy["spec"]["rules"]
    assert rule["from"][0]["source"]["notRequestPrincipals"] == ["*"]
    assert rule["to"][0]["operation"]["methods"] == ["POST"]


def test_without_a_jwks_there_is_no_request_authentication(renders):
    dev = renders["values.yaml"]
    assert not dev.of_kind("RequestAuthentication")
    assert "AUTH_JWKS_URL" not in env_of(dev, "orders")


def test_a_persisted_query_manifest_is_mounted_and_can_be_the_only_documents_served(chart_dir):
    manifest = ('{"format": "apollo-persisted-query-manifest", "version": 1, "operations": '
                '[{"id": "a1", "name": "Catalog", "type": "query", "body": "query Catalog { products { nodes { sku } } }"}]}')
    extra = {"gateway": {"persistedDocuments": {"manifest": manifest, "safelist": True}}}
    rendered = r.render(chart_dir, "values-production.yaml", extra)
    cm = rendered.named("ConfigMap", f"{r.RELEASE}-gateway")
    assert cm["data"]["persisted-queries.json"].strip() == manifest
    toml = tomllib.loads(cm["data"]["gateway.toml"])
    assert toml["persisted_documents"] == {
        "apq": True, "manifest": "/etc/crowdcrunch/persisted-queries.json", "safelist": True}
    # The gateway's config volume is the whole ConfigMap, mounted where the path points.
    (dep,) = [d for d in rendered.of_kind("Deployment") if d["metadata"]["name"] == f"{r.RELEASE}-gateway"]
    mounts = dep["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "config", "mountPath": "/etc/crowdcrunch", "readOnly": True} in mounts


def test_a_safelist_without_a_manifest_does_not_render(chart_dir):
    extra = {"gateway": {"persistedDocuments": {"safelist": True}}}
    with pytest.raises(Exception, match="needs the manifest"):
        r.render(chart_dir, "values.yaml", extra)
