#!/usr/bin/env bash
# Load-tests the gateway on the public benchmark fixture (../../../shared/bench/guild-federation):
# bench-subgraphs on 127.0.0.1:4200, the gateway on 127.0.0.1:4000, wrk with 50 connections.
# Prints RPS, latency percentiles and the gateway's CPU milliseconds per request.
# Usage: gateway/bench/run.sh [duration-seconds]   (needs release builds of both binaries)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fixture="$here/../../../shared/bench/guild-federation"
bin="${CARGO_TARGET_DIR:-$here/../../target}/release"
secs="${1:-20}"
tmp="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

"$bin/bench-subgraphs" --listen 127.0.0.1:4200 >"$tmp/subgraphs.log" 2>&1 &
RUST_LOG=warn "$bin/crowdcrunch-gateway" --supergraph "$fixture/supergraph.graphql" --listen 127.0.0.1:4000 >"$tmp/gw.log" 2>&1 &
gw=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:4000/health >/dev/null && break; sleep 0.1; done

python3 - "$fixture/query.graphql" >"$tmp/body.json" <<'PY'
import json, sys
print(json.dumps({"query": open(sys.argv[1]).read()}))
PY
cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open("$tmp/body.json"):read("*a")
LUA
curl -sf -H 'content-type: application/json' --data @"$tmp/body.json" http://127.0.0.1:4000/graphql \
  | python3 -c "import json,sys; d=json.load(sys.stdin); e=json.load(open('$fixture/expected-response.json')); print('correct:', d==e)"
wrk -t2 -c50 -d5s -s "$tmp/post.lua" http://127.0.0.1:4000/graphql >/dev/null  # warm-up

cpu() { awk '{print $14+$15}' "/proc/$gw/stat"; }
tck=$(getconf CLK_TCK)
before=$(cpu)
wrk -t2 -c50 -d"${secs}s" --latency -s "$tmp/post.lua" http://127.0.0.1:4000/graphql | tee "$tmp/wrk.txt"
after=$(cpu)
reqs=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")
python3 -c "print('gateway CPU ms/request: %.3f' % (($after-$before)*1000.0/$tck/$reqs))"
