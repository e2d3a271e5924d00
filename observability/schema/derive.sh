#!/usr/bin/env bash
# Regenerates grafana-dashboard.schema.json: the JSON Schema of Grafana's classic dashboard JSON
# model (the one the Grafana sidecar provisions), derived from the TypeScript types npm
# @grafana/schema publishes (raw/dashboard/x/types.gen.d.ts, type Dashboard), with
# ts-json-schema-generator. Versions are pinned by package-lock.json. Objects reject unknown keys
# (the generator's default), so a misspelt dashboard field fails validation.
#   observability/schema/derive.sh          rewrite the committed schema
#   observability/schema/derive.sh --check  fail if the committed schema is stale
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --silent
out=grafana-dashboard.schema.json
if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp)
  npx --no-install ts-json-schema-generator \
    --path node_modules/@grafana/schema/dist/types/raw/dashboard/x/types.gen.d.ts \
    --type Dashboard --no-type-check -o "$tmp"
  diff -q "$tmp" "$out" >/dev/null || { echo "$out is stale: run $0" >&2; rm -f "$tmp"; exit 1; }
  rm -f "$tmp"
  echo "$out is up to date"
else
  npm run --silent derive
  echo "wrote $out"
fi
