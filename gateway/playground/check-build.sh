#!/usr/bin/env bash
# CI check: the committed bundle is what the build script makes from the lockfile.
# Installs the locked npm deps, rebuilds into a temp dir, and fails when the build breaks
# or its output differs from the committed dist/ (a source change without a rebuild).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
./build.sh "$out"
for f in index.html playground.js playground.css; do
  if ! cmp -s "$out/$f" "dist/$f"; then
    echo "FAIL: dist/$f differs from a fresh build; run gateway/playground/build.sh and commit dist/" >&2
    exit 1
  fi
done
echo "playground bundle: fresh build matches the committed dist/"
