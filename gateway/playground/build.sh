#!/usr/bin/env bash
# Builds the playground bundle: dist/index.html, dist/playground.js, dist/playground.css.
# Usage: build.sh [OUT_DIR]   (default: dist/ beside this script)
# Needs `npm ci` to have run. The output is committed, so the gateway builds without Node.
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-dist}"
mkdir -p "$out"

node build.mjs "$out"

# Gzip sizes are what a browser downloads when compression is on; print them for review.
for f in index.html playground.js playground.css; do
  printf '%-16s %8d bytes (%d gzipped)\n' "$f" "$(wc -c <"$out/$f")" "$(gzip -9c "$out/$f" | wc -c)"
done
