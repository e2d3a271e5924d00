#!/usr/bin/env bash
# A few seconds of every load mix against the running platform; fails on any non-2xx answer
# or any GraphQL error. CI runs it with the platform up.
# Usage: loadtest/smoke.sh [DURATION] (default 3S); GATEWAY_URL as for run.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
duration="${1:-3S}"
gateway="${GATEWAY_URL:-http://127.0.0.1:4000/graphql}"
command -v siege >/dev/null || { echo "smoke.sh: siege is required (apt-get install siege)" >&2; exit 1; }
curl -fsS -o /dev/null "${gateway%/graphql}/health" \
  || { echo "smoke.sh: no gateway at $gateway" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for mix in catalog history checkout; do
  python3 "$here/generate.py" "$mix" --gateway "$gateway" --count 12 --out "$work/$mix.txt"
  # -v prints one line per response on stdout, starting with its HTTP status; the summary
  # goes to stderr.
  siege -R "$here/siegerc" -f "$work/$mix.txt" -i -b -c 4 -t "$duration" -v \
    --content-type "application/json" ${LOADTEST_TOKEN:+-H "Authorization: Bearer $LOADTEST_TOKEN"} > "$work/$mix.out" 2> "$work/$mix.err" || true
  responses=$(grep -cE '^HTTP/1\.[01] [0-9]{3}' "$work/$mix.out" || true)
  bad=$(grep -E '^HTTP/1\.[01] [0-9]{3}' "$work/$mix.out" | grep -vE '^HTTP/1\.[01] 2[0-9]{2}' || true)
  failed=$(sed -nE 's/^Failed transactions:[[:space:]]+([0-9]+).*/\1/p' "$work/$mix.err")
  echo "smoke: $mix: $responses responses, failed transactions: $failed"
  if [ "$responses" -eq 0 ] || [ -n "$bad" ] || [ "$failed" != "0" ]; then
    echo "smoke: $mix FAILED" >&2
    [ -n "$bad" ] && echo "$bad" | head -5 >&2
    cat "$work/$mix.err" >&2
    status=1
  fi
done
python3 "$here/replay.py" "$work"/catalog.txt "$work"/history.txt "$work"/checkout.txt || status=1
[ "$status" -eq 0 ] && echo "smoke: OK"
exit "$status"
