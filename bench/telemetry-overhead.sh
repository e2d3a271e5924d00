#!/usr/bin/env bash
# Telemetry overhead bench: the gateway's CPU milliseconds per request on the public
# federation benchmark fixture with telemetry off, metrics only, metrics + 10% trace
# sampling and metrics + 100% sampling (traces exported over OTLP/HTTP to a local sink).
# Runs the configurations in interleaved rounds and prints a markdown table of medians and
# the overhead of each over "off".
#
# Needs a release gateway built with its `otel` feature ($GATEWAY_BIN, default
# $CARGO_TARGET_DIR/release/crowdcrunch-gateway) and release `bench-subgraphs`.
# Usage: bench/telemetry-overhead.sh    env: DURATION=30 WARMUP=5 ROUNDS=3 CONNECTIONS=50 THREADS=2
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

DURATION="${DURATION:-30}"
WARMUP="${WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-50}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
gateway_bin="${GATEWAY_BIN:-$CARGO_TARGET_DIR/release/crowdcrunch-gateway}"
subgraphs_bin="${SUBGRAPHS_BIN:-$CARGO_TARGET_DIR/release/bench-subgraphs}"
fixture="$root/crates/bench-subgraphs/data"

command -v wrk >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
if [[ ! -x "$subgraphs_bin" || ! -x "$gateway_bin" ]]; then
  (cd "$root" && cargo build --release -q -p bench-subgraphs -p crowdcrunch-gateway)
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

sub_port="$(free_port)"
"$subgraphs_bin" --listen "127.0.0.1:$sub_port" >"$work/subgraphs.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$sub_port/health" bench-subgraphs
sed "s#http://0.0.0.0:4200#http://127.0.0.1:$sub_port#g" "$fixture/supergraph.graphql" >"$work/supergraph.graphql"
python3 - "$fixture/query.graphql" "$work/body.json" <<'PY'
import json, sys
json.dump({"query": open(sys.argv[1]).read(), "operationName": "TestQuery"}, open(sys.argv[2], "w"))
PY

# The OTLP sink: accepts every export and drops it (the collector's cost is not the gateway's).
sink_port="$(free_port)"
python3 - "$sink_port" >"$work/sink.log" 2>&1 <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY
pids+=($!)

hz="$(getconf CLK_TCK)"
# run NAME ENV...: start the gateway with ENV, warm up, measure, stop; appends
# "NAME<TAB>cpu_ms<TAB>rps<TAB>p99_ms<TAB>errors" to $work/results.
run() {
  local name=$1; shift
  local port pid c0 c1
  port="$(free_port)"
  env "$@" "$gateway_bin" --supergraph "$work/supergraph.graphql" --listen "127.0.0.1:$port" \
    >"$work/gateway-$port.log" 2>&1 &
  pid=$!
  wait_http "http://127.0.0.1:$port/health" gateway
  echo "== $name: warm-up ${WARMUP}s, then ${DURATION}s at $CONNECTIONS connections" >&2
  BODY_FILE="$work/body.json" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" -s "$here/post.lua" \
    "http://127.0.0.1:$port/graphql" >/dev/null
  c0="$(cpu_ticks "$pid")"
  BODY_FILE="$work/body.json" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency \
    -s "$here/post.lua" "http://127.0.0.1:$port/graphql" >"$work/$port.wrk"
  c1="$(cpu_ticks "$pid")"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$name" "$(grep '^RESULT' "$work/$port.wrk")" "$c0" "$c1" "$hz" >>"$work/results" <<'PY'
import sys
name, line, c0, c1, hz = sys.argv[1:6]
r = dict(kv.split("=") for kv in line.split()[1:])
n = int(r["requests"])
ms = (int(c1) - int(c0)) * 1000 / int(hz) / max(n, 1)
errors = int(r["non2xx"]) + int(r["graphql_errors"]) + int(r["socket_errors"])
print(f"{name}\t{ms}\t{n / (int(r['duration_us']) / 1e6)}\t{int(r['p99_us']) / 1000}\t{errors}")
PY
}

otlp=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_TRACES_SAMPLER=traceidratio)
# Rounds interleave the configurations so drift in the machine's load hits each alike.
for round in $(seq "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  run "telemetry off" CROWDCRUNCH_METRICS=off
  run "metrics on, tracing off" CROWDCRUNCH_METRICS=on
  run "metrics on, 10% sampling" CROWDCRUNCH_METRICS=on "${otlp[@]}" OTEL_TRACES_SAMPLER_ARG=0.1
  run "metrics on, 100% sampling" CROWDCRUNCH_METRICS=on "${otlp[@]}" OTEL_TRACES_SAMPLER_ARG=1.0
done

echo
echo "Telemetry overhead: \`bench/telemetry-overhead.sh\`, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores,"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); wrk $THREADS threads, $CONNECTIONS connections,"
echo "${WARMUP} s warm-up + ${DURATION} s per run, $ROUNDS interleaved rounds, TestQuery. Medians over rounds."
echo
python3 - "$work/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, ms, rps, p99, errors = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append((float(ms), float(rps), float(p99), int(errors)))
print("| configuration | gateway CPU ms/request (median) | runs (CPU ms/request) | over off | RPS | p99 ms | errors |")
print("|---|---:|---|---:|---:|---:|---:|")
base = None
for name, runs in rows.items():
    ms = statistics.median(r[0] for r in runs)
    base = base or ms
    over = "—" if ms is base else f"{(ms / base - 1) * 100:+.1f}%"
    print(f"| {name} | {ms:.3f} | {', '.join(f'{r[0]:.3f}' for r in runs)} | {over} "
          f"| {statistics.median(r[1] for r in runs):,.0f} | {statistics.median(r[2] for r in runs):.1f} "
          f"| {sum(r[3] for r in runs)} |")
PY
