#!/usr/bin/env bash
# CI entry for the playground's browser test: installs what it needs, starts the benchmark
# subgraphs and the gateway on free ports, drives the playground in headless Chromium, and
# cleans up. Exit status is the test's.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
supergraph="${SUPERGRAPH:-$root/crates/bench-subgraphs/data/supergraph.graphql}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

"$root/scripts/install-test-tools" chromium node npm curl
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$root" && cargo build -q -p bench-subgraphs -p crowdcrunch-gateway --bins --example live_subgraphs)
bin="$CARGO_TARGET_DIR/debug"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
wait_http() { # URL, what
  for _ in $(seq 120); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.5
  done
  echo "FAIL: $2 did not come up at $1" >&2
  exit 1
}

subgraphs_port="$(free_port)"
"$bin/bench-subgraphs" --listen "127.0.0.1:$subgraphs_port" >"$work/subgraphs.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$subgraphs_port/health" bench-subgraphs

sed "s#http://0.0.0.0:4200#http://127.0.0.1:$subgraphs_port#g" "$supergraph" >"$work/supergraph.graphql"
gateway_port="$(free_port)"
"$bin/crowdcrunch-gateway" --supergraph "$work/supergraph.graphql" --listen "127.0.0.1:$gateway_port" \
  >"$work/gateway.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$gateway_port/health" gateway

if ! node "$here/test/browser.mjs" "http://127.0.0.1:$gateway_port/playground"; then
  echo "--- gateway log"; tail -n 50 "$work/gateway.log"
  exit 1
fi

# Subscriptions from the playground: the gateway's `live` test subgraphs (examples/live_subgraphs)
# behind a second gateway; the page subscribes over its WebSocket while prices are published.
"$CARGO_TARGET_DIR/debug/examples/live_subgraphs" >"$work/live.json" 2>"$work/live.log" &
pids+=($!)
for _ in $(seq 120); do [ -s "$work/live.json" ] && break; sleep 0.5; done
url() { node -e "console.log(JSON.parse(require('fs').readFileSync('$work/live.json','utf8'))['$1'])"; }
{
  for name in ticker catalog shipping; do printf '[subgraphs.%s]\nurl = "%s"\n' "$name" "$(url "$name")"; done
} >"$work/live.toml"
live_port="$(free_port)"
"$bin/crowdcrunch-gateway" --config "$work/live.toml" --listen "127.0.0.1:$live_port" \
  --supergraph "$here/../tests/fixtures/live/supergraph.graphql" >"$work/live-gateway.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$live_port/health" "live gateway"
if ! PLAYGROUND_QUERY='subscription { priceChanged(sku: "play") { price item { name shippingCost } } }' \
  PLAYGROUND_EXPECT='Item play|shippingCost' PLAYGROUND_PUBLISH="$(url publish)" \
  PLAYGROUND_PUBLISH_BODY='{"sku":"play","count":1}' \
  node "$here/test/browser.mjs" "http://127.0.0.1:$live_port/playground"; then
  echo "--- live gateway log"; tail -n 50 "$work/live-gateway.log"
  exit 1
fi
