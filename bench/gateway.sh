#!/usr/bin/env bash
# The gateway speed bench on the public federation benchmark fixture.
#
# Builds release binaries, starts bench-subgraphs, the gateway on the fixture supergraph and
# the bare pass-through proxy baseline, checks both answer correctly, then loads each in turn
# with wrk (closed loop, $CONNECTIONS connections, warm-up then $DURATION seconds) and prints
# a markdown table: RPS, p50, p99 and the CPU milliseconds per request of the process under
# test (from /proc/PID/stat before and after the measured run). The table also goes to
# bench/RESULTS.md (or $OUT).
#
# Usage: bench/gateway.sh
# env: DURATION=60 WARMUP=10 CONNECTIONS=50 THREADS=2 OUT=... NO_BUILD=1 (use existing binaries)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

DURATION="${DURATION:-60}"
WARMUP="${WARMUP:-10}"
CONNECTIONS="${CONNECTIONS:-50}"
THREADS="${THREADS:-2}"
OUT="${OUT:-$here/RESULTS.md}"
fixture="$root/crates/bench-subgraphs/data"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

if ! command -v wrk >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if [ -z "${NO_BUILD:-}" ]; then
  echo "== building release binaries"
  (cd "$root" && cargo build --release -q -p bench-subgraphs -p crowdcrunch-gateway)
fi
bin="$CARGO_TARGET_DIR/release"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting bench-subgraphs, gateway and pass-through baseline"
sub_port="$(free_port)"
"$bin/bench-subgraphs" --listen "127.0.0.1:$sub_port" >"$work/subgraphs.log" 2>&1 &
sub_pid=$!; pids+=("$sub_pid")
wait_http "http://127.0.0.1:$sub_port/health" bench-subgraphs

sed "s#http://0.0.0.0:4200#http://127.0.0.1:$sub_port#g" "$fixture/supergraph.graphql" >"$work/supergraph.graphql"
gw_port="$(free_port)"
"$bin/crowdcrunch-gateway" --supergraph "$work/supergraph.graphql" --listen "127.0.0.1:$gw_port" \
  >"$work/gateway.log" 2>&1 &
gw_pid=$!; pids+=("$gw_pid")
wait_http "http://127.0.0.1:$gw_port/health" gateway

pt_port="$(free_port)"
"$bin/passthrough" --listen "127.0.0.1:$pt_port" --upstream "http://127.0.0.1:$sub_port/reviews" \
  >"$work/passthrough.log" 2>&1 &
pt_pid=$!; pids+=("$pt_pid")
# The proxy has no health route: wait for its port (any answer, even 405, means it is up).
for _ in $(seq 120); do curl -s -o /dev/null "http://127.0.0.1:$pt_port/graphql" && break; sleep 0.5; done

# Request bodies: the benchmark's TestQuery for the gateway; for the baseline one reviews
# `_entities` call whose answer is about as large as the gateway's (87.6 kB), so both
# parse and serialise the same amount of JSON.
python3 - "$fixture/query.graphql" "$work" <<'PY'
import json, sys
query = open(sys.argv[1]).read()
json.dump({"query": query, "operationName": "TestQuery"}, open(f"{sys.argv[2]}/gateway.json", "w"))
reps = [{"__typename": "User", "id": str(i)} for i in range(1, 102)]
base = ("query Baseline($r: [_Any!]!) { _entities(representations: $r) { ... on User "
        "{ id username reviews { id body product { upc } } } } }")
json.dump({"query": base, "variables": {"r": reps}}, open(f"{sys.argv[2]}/baseline.json", "w"))
PY

echo "== checking answers"
curl -fs -H 'content-type: application/json' --data-binary "@$work/gateway.json" \
  "http://127.0.0.1:$gw_port/graphql" >"$work/gateway-answer.json"
python3 - "$work/gateway-answer.json" "$fixture/expected-response.json" <<'PY'
import json, sys
got, want = (json.load(open(p)) for p in sys.argv[1:3])
if got != want:
    sys.exit("FAIL: the gateway's answer differs from expected-response.json")
print("gateway answer equals expected-response.json")
PY
curl -fs -H 'content-type: application/json' --data-binary "@$work/baseline.json" \
  "http://127.0.0.1:$pt_port/graphql" >"$work/baseline-answer.json"
if grep -q '"errors"' "$work/baseline-answer.json"; then
  echo "FAIL: baseline answer has errors: $(head -c 300 "$work/baseline-answer.json")" >&2
  exit 1
fi

hz="$(getconf CLK_TCK)"
rows=()
# measure NAME PID URL BODY: warm up, then one measured wrk run; appends a table row.
measure() {
  local name=$1 pid=$2 url=$3 body=$4
  echo "== $name: warm-up ${WARMUP}s, then ${DURATION}s at $CONNECTIONS connections"
  BODY_FILE="$body" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" -s "$here/post.lua" "$url" >/dev/null
  local c0 s0 c1 s1 line
  c0="$(cpu_ticks "$pid")"; s0="$(cpu_ticks "$sub_pid")"
  BODY_FILE="$body" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -s "$here/post.lua" "$url" \
    >"$work/$name.wrk"
  c1="$(cpu_ticks "$pid")"; s1="$(cpu_ticks "$sub_pid")"
  line="$(grep '^RESULT' "$work/$name.wrk")"
  rows+=("$(python3 - "$name" "$line" "$c0" "$c1" "$s0" "$s1" "$hz" "$(peak_rss_mb "$pid")" <<'PY'
import sys
name, line, c0, c1, s0, s1, hz, rss = sys.argv[1:9]
r = dict(kv.split("=") for kv in line.split()[1:])
n = int(r["requests"])
secs = int(r["duration_us"]) / 1e6
ms = lambda ticks: ticks * 1000 / int(hz) / max(n, 1)
print(f"| {name} | {n / secs:,.0f} | {int(r['p50_us']) / 1000:.2f} | {int(r['p99_us']) / 1000:.2f} "
      f"| {ms(int(c1) - int(c0)):.3f} | {ms(int(s1) - int(s0)):.3f} | {rss} | {int(r['body_bytes']):,} "
      f"| {r['non2xx']} / {r['graphql_errors']} / {r['socket_errors']} |")
PY
)")
}

measure "crowdcrunch-gateway" "$gw_pid" "http://127.0.0.1:$gw_port/graphql" "$work/gateway.json"
measure "pass-through baseline" "$pt_pid" "http://127.0.0.1:$pt_port/graphql" "$work/baseline.json"

cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
# Other work on the machine skews RPS and latency most; record how busy it was.
load="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "# Gateway speed bench"
  echo
  echo "\`bench/gateway.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD),"
  echo "$(nproc) cores ($cpu). wrk, $THREADS threads, $CONNECTIONS connections (closed loop),"
  echo "${WARMUP} s warm-up, then ${DURATION} s measured per target, one target at a time; the"
  echo "load tool, the subgraphs and the process under test share the machine (load average at"
  echo "the end: $load)."
  echo
  echo "| target | RPS | p50 ms | p99 ms | CPU ms/request (process under test) | subgraphs CPU ms/request | peak RSS MiB | response bytes | non-2xx / GraphQL errors / socket errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "- crowdcrunch-gateway: the fixture's \`TestQuery\` (its answer checked equal to"
  echo "  \`expected-response.json\` before the run) through the gateway on the fixture supergraph."
  echo "- pass-through baseline: \`passthrough\` (crates/bench-subgraphs) forwards each POST to the"
  echo "  reviews subgraph and parses and re-serialises the JSON answer; the request is one"
  echo "  \`_entities\` call of 101 users whose answer is about the size of the gateway's."
  echo "- CPU ms/request = (utime + stime of the process over the measured run) / requests."
  echo "- Every request carries a unique \`Authorization\` header (bench/post.lua), so no in-flight"
  echo "  deduplication can merge identical requests."
} >"$OUT"
echo
cat "$OUT"
