#!/usr/bin/env bash
# CI entry for the load tests: starts the platform (debug build) on a fresh database of the
# PostgreSQL server, runs smoke.sh through its gateway, then stops it with Ctrl-C (SIGINT) and
# drops the database. Fails if the platform does not start, the smoke fails, or it does not
# stop cleanly. Installs siege (and psql) when missing.
#   TEST_DATABASE_URL  admin URL of the server (default postgres://postgres@127.0.0.1:5432/postgres)
#   LOADTEST_PORT      gateway port; the subgraphs take the next five (default 14100)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
admin="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
base="${LOADTEST_PORT:-14100}"
"$root/scripts/install-test-tools" siege psql curl python3

cargo build --quiet -p crowdcrunch --manifest-path "$root/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$root/target}/debug/crowdcrunch"
db="cc_loadtest_$(date +%s)_$$"
psql "$admin" -qc "CREATE DATABASE $db"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" --database-url "${admin%/*}/$db" --data-dir "$work" \
  --gateway-listen "127.0.0.1:$base" \
  --customers-listen "127.0.0.1:$((base + 1))" --orders-listen "127.0.0.1:$((base + 2))" \
  --payments-listen "127.0.0.1:$((base + 3))" --fulfillment-listen "127.0.0.1:$((base + 4))" \
  --returns-listen "127.0.0.1:$((base + 5))" > "$work/platform.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  grep -q "crowdcrunch: press Ctrl-C" "$work/platform.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/platform.log" >&2; echo "ci-smoke: the platform exited" >&2; exit 1; }
  sleep 0.5
done
grep -q "crowdcrunch: press Ctrl-C" "$work/platform.log" || { cat "$work/platform.log" >&2; exit 1; }

status=0
# A staff token with every scope from the platform's dev key: the mixes write and read everything.
LOADTEST_TOKEN="$("$bin" token --staff all --data-dir "$work")"
export LOADTEST_TOKEN
GATEWAY_URL="http://127.0.0.1:$base/graphql" "$here/smoke.sh" "${1:-3S}" || status=1
kill -INT "$pid"
wait "$pid" || { echo "ci-smoke: the platform did not stop cleanly" >&2; status=1; }
pid=""
grep "^crowdcrunch:" "$work/platform.log" | tail -3
exit "$status"
