#!/usr/bin/env bash
# The @defer bench: time to the first part vs the whole answer when a deferred field is slow.
#
# Starts bench-subgraphs with the inventory subgraph answering $DELAY_MS late (the slow
# service) and the gateway on the fixture supergraph, then sends $N requests of a query whose
# inventory fields (`inStock`, `shippingEstimate`) are in a deferred fragment:
#   - with `Accept: multipart/mixed`: time to the first part (curl's time_starttransfer: the
#     first part is written as one chunk) and to the last one (time_total);
#   - the same document as plain JSON (`Accept: application/json`, @defer ignored): the whole
#     answer's time;
#   - the document without the fragment (no inventory call at all), for reference.
# Prints a markdown table of medians and p90s (milliseconds), also written to $OUT.
#
# Usage: bench/defer.sh      env: N=30 DELAY_MS=300 NO_BUILD=1 OUT=bench/DEFER.md
#        BIN_DIR=... (binaries from elsewhere, e.g. target/debug with NO_BUILD=1)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

N="${N:-30}"
DELAY_MS="${DELAY_MS:-300}"
OUT="${OUT:-$here/DEFER.md}"
fixture="$root/crates/bench-subgraphs/data"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

if [ -z "${NO_BUILD:-}" ]; then
  echo "== building release binaries"
  (cd "$root" && cargo build --release -q -p bench-subgraphs -p crowdcrunch-gateway)
fi
bin="${BIN_DIR:-$CARGO_TARGET_DIR/release}"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill_tree "$pid"; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sub_port="$(free_port)"
"$bin/bench-subgraphs" --listen "127.0.0.1:$sub_port" --delay "inventory=$DELAY_MS" \
  >"$work/subgraphs.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$sub_port/health" bench-subgraphs
sed "s#http://0.0.0.0:4200#http://127.0.0.1:$sub_port#g" "$fixture/supergraph.graphql" >"$work/supergraph.graphql"
gw_port="$(free_port)"
"$bin/crowdcrunch-gateway" --supergraph "$work/supergraph.graphql" --listen "127.0.0.1:$gw_port" \
  >"$work/gateway.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$gw_port/health" gateway
url="http://127.0.0.1:$gw_port/graphql"

deferred='{ topProducts { upc name price reviews { body author { username } } ... @defer(label: "stock") { inStock shippingEstimate } } }'
simple='{ topProducts { upc name price reviews { body author { username } } ... @defer(label: "stock") { inStock } } }'
without='{ topProducts { upc name price reviews { body author { username } } } }'
python3 - "$work" "$deferred" "$without" "$simple" <<'PY'
import json, sys
work, deferred, without, simple = sys.argv[1:5]
json.dump({"query": deferred}, open(f"{work}/deferred.json", "w"))
json.dump({"query": without}, open(f"{work}/without.json", "w"))
json.dump({"query": simple}, open(f"{work}/simple.json", "w"))
PY

# timings ACCEPT BODY NAME: N timed requests (after 3 unmeasured ones) into $work/NAME.times.
timings() {
  local accept=$1 body=$2 name=$3
  for i in $(seq $((N + 3))); do
    curl -s -o "$work/$name.out" -w '%{time_starttransfer} %{time_total}\n' \
      -H 'content-type: application/json' -H "accept: $accept" \
      --data-binary "@$work/$body" "$url" >>"$work/$name.raw"
  done
  tail -n "$N" "$work/$name.raw" >"$work/$name.times"
}
echo "== $N requests each (inventory answers ${DELAY_MS} ms late)"
timings 'multipart/mixed;deferSpec=20220824, application/json' deferred.json multipart
grep -q '"hasNext":false' "$work/multipart.out" || { echo "FAIL: no multipart answer" >&2; exit 1; }
timings 'application/json' deferred.json whole
grep -q '"inStock"' "$work/whole.out" || { echo "FAIL: the whole answer lacks inStock" >&2; exit 1; }
timings 'application/json' without.json without
timings 'multipart/mixed;deferSpec=20220824, application/json' simple.json simple
timings 'application/json' simple.json simple-whole

python3 - "$work" "$N" "$DELAY_MS" "$(git -C "$root" rev-parse --short HEAD)" >"$OUT" <<'PY'
import statistics, sys, time
work, n, delay, commit = sys.argv[1:5]
def load(name):
    rows = [tuple(float(x) * 1000 for x in line.split()) for line in open(f"{work}/{name}.times")]
    return [r[0] for r in rows], [r[1] for r in rows]
def p(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]
first, last = load("multipart")
_, whole = load("whole")
_, without = load("without")
sfirst, slast = load("simple")
_, swhole = load("simple-whole")
print("# @defer bench")
print()
print(f"`bench/defer.sh` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit}: the gateway on the")
print(f"benchmark fixture, the inventory subgraph answering {delay} ms late, {n} sequential requests each")
print("(curl; medians and p90 in ms).")
print()
print("| request | answer | median ms | p90 ms |")
print("|---|---|---:|---:|")
print(f"| `@defer` on the inventory fields, `multipart/mixed` | first part (primary) | {statistics.median(first):.1f} | {p(first, .9):.1f} |")
print(f"| same | last part (complete) | {statistics.median(last):.1f} | {p(last, .9):.1f} |")
print(f"| same document, `application/json` (@defer ignored) | whole answer | {statistics.median(whole):.1f} | {p(whole, .9):.1f} |")
print(f"| `@defer` on `inStock` only (no `@requires`), `multipart/mixed` | first part | {statistics.median(sfirst):.1f} | {p(sfirst, .9):.1f} |")
print(f"| same | last part | {statistics.median(slast):.1f} | {p(slast, .9):.1f} |")
print(f"| same document, `application/json` | whole answer | {statistics.median(swhole):.1f} | {p(swhole, .9):.1f} |")
print(f"| without the deferred fragment (no inventory call) | whole answer | {statistics.median(without):.1f} | {p(without, .9):.1f} |")
print()
print("Queries: `{ topProducts { upc name price reviews { body author { username } } ... @defer(label: \"stock\") { inStock shippingEstimate } } }`")
print("and the same with `inStock` only in the fragment. `shippingEstimate` `@requires` `price` and `weight`: the deferred")
print("part is planned on its own, so it asks inventory twice (inStock, then shippingEstimate after the")
print("required fields), where the whole plan asks once: its last part comes after the whole answer would.")
PY
cat "$OUT"
