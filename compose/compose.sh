#!/usr/bin/env bash
# Composes subgraphs/*/schema.graphql into supergraph.graphql at the repo root.
# Usage: compose/compose.sh [--check | --out FILE]
# Installs the pinned composition library (package-lock.json) on first use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v node >/dev/null || { echo "compose: node is required (Debian: apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -d "$here/node_modules/@theguild/federation-composition" ]; then
  npm ci --prefix "$here" --no-audit --no-fund >&2
fi
exec node "$here/compose.mjs" "$@"
