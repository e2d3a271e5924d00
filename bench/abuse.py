#!/usr/bin/env python3
"""The abuse table of issue 10: one fresh gateway per class of abusive request, one request
each, printed as markdown (status, code, time, the gateway's peak RSS with its idle peak).

    cargo build --release -p crowdcrunch-gateway
    python3 bench/abuse.py target/release/crowdcrunch-gateway supergraph.graphql [FILTER...]

No subgraph needs to run: every class is answered before any subgraph call. Timings are
single requests on whatever machine runs it (a benchmark, not a test)."""
import json, os, subprocess, sys, time, urllib.request, hashlib, socket

GW = sys.argv[1]; SG = sys.argv[2]; PORT = 4790

def frag(n, on="Query", wrap=None):
    parts = ["fragment F0 on %s { __typename }" % on]
    parts += ["fragment F%d on %s { ...F%d ...F%d }" % (i, on, i-1, i-1) for i in range(1, n+1)]
    head = wrap % ("...F%d" % n) if wrap else "query { ...F%d }" % n
    return head + " " + " ".join(parts)
def deep(n):
    chain = []
    while len(chain) < n - 1: chain += ["orders", "nodes", "customer"]
    inner = "id"
    for f in reversed(chain[:n-1]): inner = "%s { %s }" % (f, inner)
    return '{ customer(id: "1") { %s } }' % inner
def intro(n):
    inner = "name"
    for _ in range(n): inner = "fields { type { %s } }" % inner
    return '{ __type(name: "Query") { %s } }' % inner
def costly(levels):
    inner = "id"
    for _ in range(levels): inner = "orders { nodes { customer { %s } } }" % inner
    return "{ customers { nodes { %s } } }" % inner
roots = ['customer(id:"1"){id}', 'order(id:"1"){id}', 'payment(id:"1"){id}', 'shipment(id:"1"){id}', 'product(sku:"1"){sku}']
pq = lambda h: {"persistedQuery": {"version": 1, "sha256Hash": h}}
CASES = [
 ("fragment explosion 2^30 on Query", {"query": frag(30)}),
 ("fragment explosion 2^30 on Customer", {"query": frag(30, "Customer", 'query { customer(id: "1") { %s } }')}),
 ("10,000 aliases of customer(id) { id name }", {"query": "{ " + " ".join('a%d: customer(id: "%d") { id name }' % (i, i) for i in range(10000)) + " }"}),
 ("150 aliases (within tokens)", {"query": '{ customer(id: "1") { ' + " ".join("a%d: id" % i for i in range(150)) + " } }"}),
 ("5,000 aliased root fields over 5 subgraphs", {"query": "{ " + " ".join("r%d: %s" % (i, roots[i % 5]) for i in range(5000)) + " }"}),
 ("40 root fields", {"query": "{ " + " ".join("r%d: %s" % (i, roots[i % 5]) for i in range(40)) + " }"}),
 ("depth 40", {"query": deep(40)}),
 ("depth 150", {"query": deep(150)}),
 ("60 nested ... on Query", {"query": "{ " + "... on Query { " * 60 + "__typename" + " }" * 60 + " }"}),
 ("width: 5,000 fields", {"query": '{ customer(id: "1") { ' + "id " * 5000 + "} }"}),
 ("tokens: 20,000 __typename", {"query": "{ " + "__typename " * 20000 + "}"}),
 ("10,000 unknown directives", {"query": "{ __typename " + " ".join("@d%d" % i for i in range(10000)) + " }"}),
 ("20 directives on one field", {"query": "{ __typename " + " ".join("@d%d" % i for i in range(20)) + " }"}),
 ("introspection 12 levels", {"query": intro(12)}),
 ("introspection 31 levels", {"query": intro(31)}),
 ("Int64 literal i64::MAX+1", {"query": '{ customers(first: 9223372036854775808) { nodes { id } } }'}),
 ("1 MB string argument (echoed)", {"query": '{ customers(first: %s) { nodes { id } } }' % json.dumps("x" * 1000000)}),
 ("cost: nested lists", {"query": costly(4)}),
 ("APQ miss", {"extensions": pq("0" * 64)}),
 ("APQ hash mismatch", {"query": "{ __typename }", "extensions": pq("0" * 64)}),
 ("syntax error", {"query": '{ customer(id: "1") { name '}),
]

def vmhwm(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM"): return int(line.split()[1]) // 1024
def wait_port():
    for _ in range(200):
        try: socket.create_connection(("127.0.0.1", PORT), 0.1).close(); return
        except OSError: time.sleep(0.05)
rows = []
only = sys.argv[3:] 
for name, body in CASES:
    if only and not any(o in name for o in only): continue
    p = subprocess.Popen([GW, "--supergraph", SG, "--listen", "127.0.0.1:%d" % PORT], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=dict(os.environ, CROWDCRUNCH_GATEWAY__METRICS_LISTEN="off"))
    try:
        wait_port(); base = vmhwm(p.pid)
        data = json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/graphql" % PORT, data=data, headers={"content-type": "application/json"})
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=60) as r: status, out = r.status, r.read()
        except urllib.error.HTTPError as e: status, out = e.code, e.read()
        ms = (time.perf_counter() - t) * 1000
        j = json.loads(out); errs = j.get("errors", [])
        codes = sorted({e.get("extensions", {}).get("code", "") for e in errs})
        rows.append((name, len(data), status, ",".join(codes) or "-", "%.1f" % ms, vmhwm(p.pid), base, len(errs), len(out)))
    finally:
        p.kill(); p.wait()
print("| class | request bytes | status | code | time ms | peak RSS MB (idle) | errors | answer bytes |")
print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
for r in rows:
    print("| %s | %s | %s | %s | %s | %s (%s) | %s | %s |" % (r[0], format(r[1], ","), r[2], r[3], r[4], r[5], r[6], r[7], format(r[8], ",")))
