#!/usr/bin/env bash
# Live Prometheus check: the real gateway and five subgraphs on a fresh database, a real
# Prometheus on 127.0.0.1 scraping them, a short load through the gateway (queries, mutations
# and failing requests), then EVERY PromQL expression of every dashboard panel and every
# recording/alert rule is evaluated through Prometheus' HTTP API; any empty result fails.
#
# Needs: the workspace's binaries built (`cargo build --workspace --bins`; found in
# $CROWDCRUNCH_BIN_DIR, else $CARGO_TARGET_DIR/debug, else target/debug), PostgreSQL at
# $DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres). Starts its own
# nats-server. Installs Prometheus and nats-server (Debian) and PyYAML (into the checks' virtualenv) when missing.
# Options (env): SUPERGRAPH (default supergraph.graphql at the repo root), LOAD_SECONDS (30).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin_dir="${CROWDCRUNCH_BIN_DIR:-${CARGO_TARGET_DIR:-$root/target}/debug}"
supergraph="${SUPERGRAPH:-$root/supergraph.graphql}"
admin_url="${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
load_seconds="${LOAD_SECONDS:-30}"
services=(customers orders payments fulfillment returns)

"$root/scripts/install-test-tools" prometheus psql curl python3
# PyYAML for evaluate.py: the virtualenv the other checks use (checks/observability-static).
venv="${CROWDCRUNCH_VENV:-$HOME/.cache/crowdcrunch/venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/checks/observability-static/requirements.txt"
for b in crowdcrunch crowdcrunch-gateway "${services[@]}"; do
  [[ -x "$bin_dir/$b" ]] || { echo "missing $bin_dir/$b: run cargo build --workspace --bins" >&2; exit 1; }
done
[[ -f "$supergraph" ]] || { echo "missing supergraph $supergraph" >&2; exit 1; }

work="$(mktemp -d /tmp/cc-promcheck.XXXXXX)"
db="cc_promcheck_$$"
pids=()
cleanup() {
  # Stop only what this script started, by pid; SIGTERM first so services shut down cleanly.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # url seconds
  for _ in $(seq $(( $2 * 10 ))); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "not answering: $1 (logs in $work)" >&2; return 1
}

psql "$admin_url" -qc "CREATE DATABASE $db" >/dev/null
db_url="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$admin_url" "$db")"

# Authentication as the launcher sets it up: a dev key whose tokens the gateway and the
# subgraphs verify (the gateway passes each client's token on); the load runs as staff with
# every scope.
LOAD_TOKEN="$("$bin_dir/crowdcrunch" token --staff all --data-dir "$work")"
export LOAD_TOKEN
auth_env=(AUTH_JWKS_FILE="$work/auth/jwks.json" AUTH_ISSUER=crowdcrunch-dev AUTH_AUDIENCE=crowdcrunch)

# The domain events run on a private NATS (JetStream, its store in $work), as the launcher's own:
# the lifecycle moves orders and payments by itself, and the events' lag and dead-letter series
# (dashboard panels and alerts) exist only with a broker.
"$root/scripts/install-test-tools" nats-server
nats_port="$(free_port)"
nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/nats" >"$work/nats.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$nats_port") 2>/dev/null && break; sleep 0.1; done
auth_env+=(NATS_URL="nats://127.0.0.1:$nats_port")

declare -A port metrics_port
gateway_env=(CROWDCRUNCH_GATEWAY__AUTHENTICATION__JWKS_FILE="$work/auth/jwks.json"
  CROWDCRUNCH_GATEWAY__AUTHENTICATION__ISSUER=crowdcrunch-dev
  CROWDCRUNCH_GATEWAY__AUTHENTICATION__AUDIENCES=crowdcrunch)
for s in "${services[@]}"; do
  port[$s]="$(free_port)"
  upper="${s^^}"
  # The simulated provider declines a fifth of the authorizations, so the failure series exist.
  env DATABASE_URL="$db_url" SEED=true "${upper}_LISTEN=127.0.0.1:${port[$s]}" "${auth_env[@]}" \
    PAYMENTS_PROVIDER_FAILURE_RATE=0.2 \
    "$bin_dir/$s" >"$work/$s.log" 2>&1 &
  pids+=($!)
  gateway_env+=("CROWDCRUNCH_GATEWAY__SUBGRAPHS__${upper}__URL=http://127.0.0.1:${port[$s]}/graphql")
done
for s in "${services[@]}"; do wait_http "http://127.0.0.1:${port[$s]}/health" 90; done
port[gateway]="$(free_port)"
# The gateway serves /metrics on its own internal listener, not on the public port.
metrics_port[gateway]="$(free_port)"
gateway_env+=("CROWDCRUNCH_GATEWAY__METRICS_LISTEN=127.0.0.1:${metrics_port[gateway]}")
env "${gateway_env[@]}" "$bin_dir/crowdcrunch-gateway" --supergraph "$supergraph" \
  --listen "127.0.0.1:${port[gateway]}" >"$work/gateway.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:${port[gateway]}/health" 60

# Prometheus: 1 s scrapes so a short load fills rate() windows; the repo's rule files loaded.
rule_files="$(ls "$root"/observability/prometheus/*.y*ml "$root"/observability/alerts/*.y*ml 2>/dev/null \
  | grep -v '\.test\.y' || true)"
{
  echo "global: {scrape_interval: 1s, evaluation_interval: 1s}"
  echo "rule_files:"
  for f in $rule_files; do echo "  - $f"; done
  echo "scrape_configs:"
  for job in gateway "${services[@]}"; do
    echo "  - {job_name: $job, static_configs: [{targets: ['127.0.0.1:${metrics_port[$job]:-${port[$job]}}']}]}"
  done
} >"$work/prometheus.yml"
prom_port="$(free_port)"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" 60

"$venv/bin/python" "$here/load.py" "http://127.0.0.1:${port[gateway]}/graphql" "$load_seconds"
# Recording rules run every 30 s in their group: let each evaluate after the load.
sleep "${SETTLE_SECONDS:-35}"
"$venv/bin/python" "$here/evaluate.py" "http://127.0.0.1:$prom_port" "$root" $rule_files
