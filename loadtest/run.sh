#!/usr/bin/env bash
# Runs one load mix against the running platform (`cargo run --release`) and prints siege's
# summary. Usage: loadtest/run.sh catalog|history|checkout [DURATION] [CONCURRENCY]
#   DURATION     siege time, e.g. 30S or 2M (default 30S)
#   CONCURRENCY  simulated users (default 25)
#   GATEWAY_URL  default http://127.0.0.1:4000/graphql; COUNT: requests/flows generated (300)
#   LOADTEST_TOKEN  bearer token sent with every request (default: a staff token with every
#                scope from `crowdcrunch token --staff all`, the platform's dev key in .data)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mix="${1:?usage: loadtest/run.sh catalog|history|checkout [DURATION] [CONCURRENCY]}"
duration="${2:-30S}"
concurrency="${3:-25}"
gateway="${GATEWAY_URL:-http://127.0.0.1:4000/graphql}"
command -v siege >/dev/null || { echo "run.sh: siege is required (apt-get install siege)" >&2; exit 1; }
curl -fsS -o /dev/null "${gateway%/graphql}/health" \
  || { echo "run.sh: no gateway at $gateway: start the platform with 'cargo run --release'" >&2; exit 1; }

root="$(cd "$here/.." && pwd)"
if [ -z "${LOADTEST_TOKEN:-}" ]; then
  LOADTEST_TOKEN="$(cd "$root" && "${CARGO_TARGET_DIR:-$root/target}/release/crowdcrunch" token --staff all)" \
    || { echo "run.sh: no token: set LOADTEST_TOKEN or build with 'cargo build --release'" >&2; exit 1; }
fi
export LOADTEST_TOKEN
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$here/generate.py" "$mix" --gateway "$gateway" --count "${COUNT:-300}" --out "$work/urls.txt"
echo "== $mix: $(wc -l < "$work/urls.txt") requests in the URL file, $concurrency users, $duration"
siege -R "$here/siegerc" -f "$work/urls.txt" -i -b -c "$concurrency" -t "$duration" \
  --content-type "application/json" ${LOADTEST_TOKEN:+-H "Authorization: Bearer $LOADTEST_TOKEN"}
