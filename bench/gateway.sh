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
# With PEERS set, other federation gateways are measured in the same run on the same fixture,
# one table row each (see README.md):
#   grafbase      npm @grafbase/cli-x86_64-unknown-linux-musl (a binary): `grafbase dev`, which
#                 composes the four subgraphs' SDL (their `_service { sdl }`) itself.
#   hive-gateway  npm @graphql-hive/gateway (Node): `hive-gateway supergraph` on the fixture.
# Hive Router (crates.io hive-router) is not offered: it needs a nightly rustc, and no nightly
# toolchain can be fetched on this machine.
# They are installed with npm at pinned versions into $PEER_CACHE, outside the repo; each is
# started only for its own run and stopped after it, with in-flight deduplication off and the
# client's Authorization header forwarded to the subgraphs. A peer whose answer differs from
# expected-response.json is still measured, its row marked; one that does not start is skipped
# with a note.
#
# Usage: bench/gateway.sh
# env: DURATION=60 WARMUP=10 CONNECTIONS=50 THREADS=2 OUT=... NO_BUILD=1 (use existing binaries)
#      PEERS="grafbase hive-gateway" (default: none)
#      PEER_CACHE=$HOME/.cache/crowdcrunch/bench-peers
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
PEERS="${PEERS:-}"
PEER_CACHE="${PEER_CACHE:-$HOME/.cache/crowdcrunch/bench-peers}"
# Pinned peer versions (bump deliberately; each version installs into its own directory).
GRAFBASE_VERSION=0.103.0
HIVE_GATEWAY_VERSION=2.15.1
HIVE_GRAPHQL_JS_VERSION=16.15.0
fixture="$root/crates/bench-subgraphs/data"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

if ! command -v wrk >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

# peer_install NAME-VERSION PACKAGE@VERSION...: npm-installs the pinned packages into
# $PEER_CACHE/NAME-VERSION once (a stamp file marks a finished install); prints the directory.
peer_install() {
  local dir="$PEER_CACHE/$1"; shift
  if [ ! -f "$dir/.installed" ]; then
    echo "== installing $* into $dir" >&2
    mkdir -p "$dir"
    python3 - "$dir/package.json" "$@" <<'PY'
import json, sys
deps = dict(spec.rsplit("@", 1) for spec in sys.argv[2:])
json.dump({"private": True, "dependencies": deps}, open(sys.argv[1], "w"), indent=2)
PY
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >&2)
    touch "$dir/.installed"
  fi
  echo "$dir"
}

peers=()
for peer in $PEERS; do
  case "$peer" in
    grafbase)
      [ "$(uname -m)" = x86_64 ] || { echo "FAIL: the grafbase peer is the x86_64 musl binary" >&2; exit 1; } ;;
    hive-gateway) command -v node >/dev/null 2>&1 || { echo "FAIL: hive-gateway needs node" >&2; exit 1; } ;;
    hive-router)
      echo "FAIL: hive-router needs a nightly rustc (cargo +nightly install hive-router), not available here" >&2
      exit 1 ;;
    *) echo "FAIL: unknown peer '$peer' (known: grafbase hive-gateway)" >&2; exit 1 ;;
  esac
  command -v npm >/dev/null 2>&1 || { echo "FAIL: PEERS needs npm to install the peers" >&2; exit 1; }
  peers+=("$peer")
done
# Install before anything is started or measured (npm is CPU-heavy).
for peer in "${peers[@]}"; do
  case "$peer" in
    grafbase) grafbase_dir="$(peer_install "grafbase-$GRAFBASE_VERSION" \
      "@grafbase/cli-x86_64-unknown-linux-musl@$GRAFBASE_VERSION")" ;;
    hive-gateway) hive_dir="$(peer_install "hive-gateway-$HIVE_GATEWAY_VERSION" \
      "@graphql-hive/gateway@$HIVE_GATEWAY_VERSION" "graphql@$HIVE_GRAPHQL_JS_VERSION")" ;;
  esac
done

if [ -z "${NO_BUILD:-}" ]; then
  echo "== building release binaries"
  (cd "$root" && cargo build --release -q -p bench-subgraphs -p crowdcrunch-gateway)
fi
bin="$CARGO_TARGET_DIR/release"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill_tree "$pid"; done
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
# Passes the client's Authorization on to the subgraphs, as the peers below are configured to.
CROWDCRUNCH_GATEWAY__PROPAGATE_HEADERS=authorization \
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

# answer_equals FILE NAME: whether the JSON in FILE equals expected-response.json (key order
# aside); prints the verdict.
answer_equals() {
  python3 - "$1" "$fixture/expected-response.json" "$2" <<'PY'
import json, sys
try:
    got = json.load(open(sys.argv[1]))
except ValueError:
    got = None
if got != json.load(open(sys.argv[2])):
    sys.exit(f"{sys.argv[3]}: answer DIFFERS from expected-response.json")
print(f"{sys.argv[3]} answer equals expected-response.json")
PY
}

echo "== checking answers"
curl -fs -H 'content-type: application/json' --data-binary "@$work/gateway.json" \
  "http://127.0.0.1:$gw_port/graphql" >"$work/gateway-answer.json"
answer_equals "$work/gateway-answer.json" gateway || { echo "FAIL" >&2; exit 1; }
curl -fs -H 'content-type: application/json' --data-binary "@$work/baseline.json" \
  "http://127.0.0.1:$pt_port/graphql" >"$work/baseline-answer.json"
if grep -q '"errors"' "$work/baseline-answer.json"; then
  echo "FAIL: baseline answer has errors: $(head -c 300 "$work/baseline-answer.json")" >&2
  exit 1
fi

hz="$(getconf CLK_TCK)"
rows=()
# measure NAME PID URL BODY: warm up, then one measured wrk run; appends a table row. CPU and
# peak RSS are those of PID and its descendants (the same as PID's alone for one process).
measure() {
  local name=$1 pid=$2 url=$3 body=$4
  echo "== $name: warm-up ${WARMUP}s, then ${DURATION}s at $CONNECTIONS connections"
  BODY_FILE="$body" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" -s "$here/post.lua" "$url" >/dev/null
  local c0 s0 c1 s1 line
  c0="$(tree_cpu_ticks "$pid")"; s0="$(cpu_ticks "$sub_pid")"
  BODY_FILE="$body" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -s "$here/post.lua" "$url" \
    >"$work/$name.wrk"
  c1="$(tree_cpu_ticks "$pid")"; s1="$(cpu_ticks "$sub_pid")"
  line="$(grep '^RESULT' "$work/$name.wrk")"
  rows+=("$(python3 - "$name" "$line" "$c0" "$c1" "$s0" "$s1" "$hz" "$(tree_peak_rss_mb "$pid")" <<'PY'
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

# start_peer PEER: writes the peer's configuration into $work and starts it on a free port;
# sets peer_pid (the process doing the work: the grafbase binary, or node itself for Hive
# Gateway, never a wrapper), peer_port, peer_label and peer_note (the table footnote).
start_peer() {
  peer_port="$(free_port)"
  case "$1" in
    grafbase)
      # `grafbase dev` has no supergraph-file option: it composes the subgraphs' own SDL,
      # fetched here from `_service { sdl }`, and routes to the same URLs.
      local s
      {
        echo "# bench/gateway.sh: in-flight deduplication off; Authorization forwarded."
        echo "[traffic_shaping]"
        echo "inflight_deduplication = false"
        echo
        echo "[[headers]]"
        echo 'rule = "forward"'
        echo 'name = "authorization"'
        for s in accounts inventory products reviews; do
          curl -fs -H 'content-type: application/json' --data '{"query":"{ _service { sdl } }"}' \
            "http://127.0.0.1:$sub_port/$s" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["_service"]["sdl"])' \
              >"$work/grafbase-$s.graphql"
          echo
          echo "[subgraphs.$s]"
          echo "url = \"http://127.0.0.1:$sub_port/$s\""
          echo "schema_path = \"$work/grafbase-$s.graphql\""
        done
      } >"$work/grafbase.toml"
      # The CLI unpacks its local UI into $HOME/.grafbase (its --home flag does not move that):
      # give it a home in the cache instead.
      mkdir -p "$PEER_CACHE/grafbase-$GRAFBASE_VERSION-home"
      HOME="$PEER_CACHE/grafbase-$GRAFBASE_VERSION-home" \
        "$grafbase_dir/node_modules/@grafbase/cli-x86_64-unknown-linux-musl/grafbase" \
        dev --config "$work/grafbase.toml" --listen-address "127.0.0.1:$peer_port" \
        >"$work/grafbase.log" 2>&1 &
      peer_pid=$!
      peer_label="grafbase $GRAFBASE_VERSION"
      peer_note="- grafbase $GRAFBASE_VERSION: \`grafbase dev\` of npm \`@grafbase/cli-x86_64-unknown-linux-musl\`
  (the Grafbase CLI's dev gateway; the standalone \`grafbase-gateway\` binary is only on GitHub,
  not reachable here), composing the four subgraphs' \`_service { sdl }\` itself (it takes no
  supergraph file); \`[traffic_shaping] inflight_deduplication = false\`, \`authorization\`
  forwarded to the subgraphs. CPU of the \`grafbase\` process." ;;
    hive-gateway)
      cat >"$work/hive-gateway.config.mjs" <<'JS'
// bench/gateway.sh: every kind of in-flight deduplication off; Authorization forwarded.
export const gatewayConfig = {
  inboundInflightRequestDeduplication: false,
  // Subgraph-request deduplication is on by default in @graphql-tools/executor-http.
  transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const auth = request.headers.get('authorization');
      return auth ? { authorization: auth } : {};
    },
  },
};
JS
      # node runs the CLI itself (no npx or shell wrapper), so $! is the Node process.
      NODE_ENV=production node "$hive_dir/node_modules/@graphql-hive/gateway/dist/bin.js" \
        supergraph "$work/supergraph.graphql" --config-path "$work/hive-gateway.config.mjs" \
        --host 127.0.0.1 --port "$peer_port" --fork 1 --jit >"$work/hive-gateway.log" 2>&1 &
      peer_pid=$!
      peer_label="hive-gateway $HIVE_GATEWAY_VERSION"
      peer_note="- hive-gateway $HIVE_GATEWAY_VERSION: npm \`@graphql-hive/gateway\` (graphql-js $HIVE_GRAPHQL_JS_VERSION) on
  Node $(node --version), \`hive-gateway supergraph\` on the fixture supergraph, \`--fork 1 --jit\`,
  \`NODE_ENV=production\` (as the public benchmark runs it, minus dedup);
  \`inboundInflightRequestDeduplication: false\` and subgraph \`deduplicateInflightRequests: false\`,
  \`authorization\` forwarded (\`propagateHeaders\`). CPU of the node process and any children." ;;
  esac
  pids+=("$peer_pid")
}

peer_notes=()
for peer in "${peers[@]}"; do
  echo "== starting peer $peer"
  start_peer "$peer"
  url="http://127.0.0.1:$peer_port/graphql"
  if ! wait_post "$url" "$work/gateway.json" "$peer_pid" "$peer"; then
    echo "-- last lines of $peer's log:" >&2; tail -n 20 "$work/$peer.log" >&2
    peer_notes+=("- $peer_label: did not start, not measured (log: $(tail -n 3 "$work/$peer.log" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | tr -s '\n' ' '))")
    kill_tree "$peer_pid"; wait "$peer_pid" 2>/dev/null || true
    continue
  fi
  peer_notes+=("$peer_note")
  curl -s -H 'content-type: application/json' --data-binary "@$work/gateway.json" "$url" \
    >"$work/$peer-answer.json" || true
  name="$peer_label"
  if ! answer_equals "$work/$peer-answer.json" "$peer"; then
    name="$peer_label (answer differs!)"
    peer_notes+=("  Its answer DIFFERS from \`expected-response.json\`: $(head -c 200 "$work/$peer-answer.json")")
  fi
  measure "$name" "$peer_pid" "$url" "$work/gateway.json"
  kill_tree "$peer_pid"; wait "$peer_pid" 2>/dev/null || true
done

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
  echo "  \`expected-response.json\` before the run) through the gateway on the fixture supergraph,"
  echo "  passing the client's \`Authorization\` on to the subgraphs (\`propagate_headers\`)."
  echo "- pass-through baseline: \`passthrough\` (crates/bench-subgraphs) forwards each POST to the"
  echo "  reviews subgraph and parses and re-serialises the JSON answer; the request is one"
  echo "  \`_entities\` call of 101 users whose answer is about the size of the gateway's."
  if [ ${#peer_notes[@]} -gt 0 ]; then
    echo "- Peers, each started only for its own run (same fixture, query and subgraphs):"
    printf '%s\n' "${peer_notes[@]}" | sed 's/^/  /'
  fi
  echo "- CPU ms/request = (utime + stime of the process, and of any children, over the measured"
  echo "  run) / requests; peak RSS likewise summed over the process and its children."
  echo "- Every request carries a unique \`Authorization\` header (bench/post.lua), so no in-flight"
  echo "  deduplication can merge identical requests."
  echo "- Socket errors include wrk's timeouts: answers slower than 2 s still count in RPS and"
  echo "  CPU ms/request but are left out of p50/p99, which then read low."
} >"$OUT"
echo
cat "$OUT"
