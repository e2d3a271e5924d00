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
# With AUTH=1 (the default), a second gateway runs with JWT authentication (a dev key's JWKS
# file) on a copy of the fixture supergraph with authorization directives on three fields the
# query reads many times; it is measured with a valid token granting them (every check passes:
# the cost of verifying the token and judging the directives) and anonymously (the three fields
# removed before planning and answered null with errors: the filtered-plan path).
#
# Usage: bench/gateway.sh
# env: DURATION=60 WARMUP=10 CONNECTIONS=50 THREADS=2 OUT=... NO_BUILD=1 (use existing binaries)
#      AUTH=1 (0: no authentication rows)
#      BASELINE_GATEWAY=path/to/another/crowdcrunch-gateway BASELINE_LABEL=125fed5: an A/B run:
#        that binary (e.g. built from an earlier commit) runs beside ours on the same fixture,
#        measured between two runs of ours (A, B, A again), so the table shows the noise too
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
AUTH="${AUTH:-1}"
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
  if [ "$AUTH" = 1 ]; then
    (cd "$root" && cargo build --release -q -p crowdcrunch-auth --example dev_token)
  fi
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

if [ -n "${BASELINE_GATEWAY:-}" ]; then
  base_port="$(free_port)"
  CROWDCRUNCH_GATEWAY__PROPAGATE_HEADERS=authorization \
    "$BASELINE_GATEWAY" --supergraph "$work/supergraph.graphql" --listen "127.0.0.1:$base_port" \
    >"$work/gateway-baseline.log" 2>&1 &
  base_pid=$!; pids+=("$base_pid")
  wait_http "http://127.0.0.1:$base_port/health" "baseline gateway"
fi

pt_port="$(free_port)"
"$bin/passthrough" --listen "127.0.0.1:$pt_port" --upstream "http://127.0.0.1:$sub_port/reviews" \
  >"$work/passthrough.log" 2>&1 &
pt_pid=$!; pids+=("$pt_pid")
# The proxy has no health route: wait for its port (any answer, even 405, means it is up).
for _ in $(seq 120); do curl -s -o /dev/null "http://127.0.0.1:$pt_port/graphql" && break; sleep 0.5; done

# Request bodies: the benchmark's TestQuery for the gateway; for the baseline one reviews
# `_entities` call whose answer is about as large as the gateway's (87.6 kB), so both
# parse and serialise the same amount of JSON.
python3 - "$fixture/query.graphql" "$work" "$here/defer-query.graphql" <<'PY'
import json, sys
query = open(sys.argv[1]).read()
json.dump({"query": query, "operationName": "TestQuery"}, open(f"{sys.argv[2]}/gateway.json", "w"))
deferred = open(sys.argv[3]).read()
json.dump({"query": deferred, "operationName": "TestQuery"}, open(f"{sys.argv[2]}/deferred.json", "w"))
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

if [ "$AUTH" = 1 ]; then
  echo "== starting the gateway with authentication and authorization directives"
  # The fixture supergraph plus @requiresScopes / @authenticated (linked as federation
  # supergraphs link them) on User.name, Review.body and Product.inStock.
  python3 - "$work/supergraph.graphql" "$work/supergraph-auth.graphql" <<'PY'
import sys
sdl = open(sys.argv[1]).read()
def edit(old, new):
    global sdl
    assert old in sdl, old
    sdl = sdl.replace(old, new, 1)
edit('@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)',
     '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)\n'
     '    @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)\n'
     '    @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)')
edit('    name: String @join__field(graph: ACCOUNTS)',
     '    name: String @join__field(graph: ACCOUNTS) @requiresScopes(scopes: [["bench:read"]])')
edit('    body: String\n', '    body: String @authenticated\n')
edit('    inStock: Boolean @join__field(graph: INVENTORY)',
     '    inStock: Boolean @join__field(graph: INVENTORY)'
     ' @requiresScopes(scopes: [["bench:read"], ["admin"]])')
sdl += (
    "\ndirective @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n"
    "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!)"
    " on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n"
    "scalar requiresScopes__Scope\n"
)
open(sys.argv[2], "w").write(sdl)
PY
  token="$("$bin/examples/dev_token" "$work/keys" bench-user bench:read)"
  auth_port="$(free_port)"
  CROWDCRUNCH_GATEWAY__AUTHENTICATION__JWKS_FILE="$work/keys/jwks.json" \
  CROWDCRUNCH_GATEWAY__AUTHENTICATION__ISSUER=crowdcrunch-dev \
  CROWDCRUNCH_GATEWAY__AUTHENTICATION__AUDIENCES=crowdcrunch \
    "$bin/crowdcrunch-gateway" --supergraph "$work/supergraph-auth.graphql" \
    --listen "127.0.0.1:$auth_port" >"$work/gateway-auth.log" 2>&1 &
  auth_pid=$!; pids+=("$auth_pid")
  wait_http "http://127.0.0.1:$auth_port/health" "gateway with authentication"
  curl -fs -H 'content-type: application/json' -H "authorization: Bearer $token" \
    --data-binary "@$work/gateway.json" "http://127.0.0.1:$auth_port/graphql" >"$work/auth-answer.json"
  answer_equals "$work/auth-answer.json" "gateway with a valid token" || { echo "FAIL" >&2; exit 1; }
  curl -fs -H 'content-type: application/json' --data-binary "@$work/gateway.json" \
    "http://127.0.0.1:$auth_port/graphql" >"$work/anonymous-answer.json"
  grep -q UNAUTHORIZED_FIELD_OR_TYPE "$work/anonymous-answer.json" ||
    { echo "FAIL: the anonymous answer has no UNAUTHORIZED_FIELD_OR_TYPE error" >&2; exit 1; }
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
if [ -n "${BASELINE_GATEWAY:-}" ]; then
  curl -fs -H 'content-type: application/json' --data-binary "@$work/gateway.json" \
    "http://127.0.0.1:$base_port/graphql" >"$work/baseline-gateway-answer.json"
  answer_equals "$work/baseline-gateway-answer.json" "baseline gateway" || { echo "FAIL" >&2; exit 1; }
  measure "crowdcrunch-gateway at ${BASELINE_LABEL:-baseline}" "$base_pid" \
    "http://127.0.0.1:$base_port/graphql" "$work/gateway.json"
  kill_tree "$base_pid"
  measure "crowdcrunch-gateway (again)" "$gw_pid" "http://127.0.0.1:$gw_port/graphql" "$work/gateway.json"
fi
ACCEPT='multipart/mixed;deferSpec=20220824' measure "crowdcrunch-gateway, TestQuery with 4 @defer, multipart" \
  "$gw_pid" "http://127.0.0.1:$gw_port/graphql" "$work/deferred.json"
measure "pass-through baseline" "$pt_pid" "http://127.0.0.1:$pt_port/graphql" "$work/baseline.json"
if [ "$AUTH" = 1 ]; then
  TOKEN="$token" measure "crowdcrunch-gateway + JWT + directives (all allowed)" "$auth_pid" \
    "http://127.0.0.1:$auth_port/graphql" "$work/gateway.json"
  TOKEN=none measure "crowdcrunch-gateway + directives, anonymous (3 fields removed)" "$auth_pid" \
    "http://127.0.0.1:$auth_port/graphql" "$work/gateway.json"
  kill_tree "$auth_pid"
fi

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
  echo "- TestQuery with 4 @defer: \`bench/defer-query.graphql\` (the same selections, four deferred"
  echo "  fragments; merged, its answer equals \`expected-response.json\`: crates/bench-subgraphs/tests/defer.rs)"
  echo "  asking for \`multipart/mixed\`: latency is to the last part; response bytes are the whole stream's."
  echo "  Time to the first part vs the whole answer: \`bench/defer.sh\` (bench/DEFER.md)."
  echo "- pass-through baseline: \`passthrough\` (crates/bench-subgraphs) forwards each POST to the"
  echo "  reviews subgraph and parses and re-serialises the JSON answer; the request is one"
  echo "  \`_entities\` call of 101 users whose answer is about the size of the gateway's."
  if [ "$AUTH" = 1 ]; then
    echo "- crowdcrunch-gateway + JWT + directives: a second gateway with \`[authentication]\` (an"
    echo "  Ed25519 dev key's JWKS file) on the fixture supergraph plus \`@requiresScopes\` on"
    echo "  \`User.name\` and \`Product.inStock\` and \`@authenticated\` on \`Review.body\`; every"
    echo "  request carries the same valid token granting them (verified on every request; the"
    echo "  answer equals \`expected-response.json\`). The anonymous row sends no token: the three"
    echo "  fields are removed before planning (the filtered plan is cached) and answered null with"
    echo "  \`UNAUTHORIZED_FIELD_OR_TYPE\` errors (one per occurrence)."
  fi
  if [ ${#peer_notes[@]} -gt 0 ]; then
    echo "- Peers, each started only for its own run (same fixture, query and subgraphs):"
    printf '%s\n' "${peer_notes[@]}" | sed 's/^/  /'
  fi
  echo "- CPU ms/request = (utime + stime of the process, and of any children, over the measured"
  echo "  run) / requests; peak RSS likewise summed over the process and its children."
  echo "- Every request carries a unique \`Authorization\` header (bench/post.lua; the JWT rows a"
  echo "  real token, or none), so no in-flight"
  echo "  deduplication can merge identical requests."
  echo "- Socket errors include wrk's timeouts: answers slower than 2 s still count in RPS and"
  echo "  CPU ms/request but are left out of p50/p99, which then read low."
} >"$OUT"
echo
cat "$OUT"
