#!/usr/bin/env bash
# Live Prometheus check: the real gateway and five subgraphs on a fresh database, a real
# Prometheus on 127.0.0.1 scraping them, a short load through the gateway (queries, mutations
# and failing requests), then EVERY PromQL expression of every dashboard panel and every
# recording/alert rule is evaluated through Prometheus' HTTP API; any empty result fails.
#
# Needs: the workspace's binaries built (`cargo build --workspace --bins`; found in
# $CROWDCRUNCH_BIN_DIR, else $CARGO_TARGET_DIR/debug, else target/debug), PostgreSQL at
# $DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), python3 + PyYAML.
# Options (env): SUPERGRAPH (default supergraph.graphql at the repo root), LOAD_SECONDS (30).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin_dir="${CROWDCRUNCH_BIN_DIR:-${CARGO_TARGET_DIR:-$root/target}/debug}"
supergraph="${SUPERGRAPH:-$root/supergraph.graphql}"
admin_url="${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
load_seconds="${LOAD_SECONDS:-30}"
services=(customers orders payments fulfillment returns)

if ! command -v prometheus >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi
python3 -c 'import yaml' 2>/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null
}
for b in crowdcrunch-gateway "${services[@]}"; do
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

declare -A port
gateway_env=()
for s in "${services[@]}"; do
  port[$s]="$(free_port)"
  upper="${s^^}"
  env DATABASE_URL="$db_url" SEED=true "${upper}_LISTEN=127.0.0.1:${port[$s]}" \
    "$bin_dir/$s" >"$work/$s.log" 2>&1 &
  pids+=($!)
  gateway_env+=("CROWDCRUNCH_GATEWAY__SUBGRAPHS__${upper}__URL=http://127.0.0.1:${port[$s]}/graphql")
done
for s in "${services[@]}"; do wait_http "http://127.0.0.1:${port[$s]}/health" 90; done
port[gateway]="$(free_port)"
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
    echo "  - {job_name: $job, static_configs: [{targets: ['127.0.0.1:${port[$job]}']}]}"
  done
} >"$work/prometheus.yml"
prom_port="$(free_port)"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" 60

python3 "$here/load.py" "http://127.0.0.1:${port[gateway]}/graphql" "$load_seconds"
# Recording rules run every 30 s in their group: let each evaluate after the load.
sleep "${SETTLE_SECONDS:-35}"
python3 "$here/evaluate.py" "http://127.0.0.1:$prom_port" "$root" $rule_files
