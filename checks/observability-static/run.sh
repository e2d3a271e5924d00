#!/usr/bin/env bash
# Static checks of the dashboards and alert rules: dashboards validate against the Grafana
# dashboard JSON Schema derived from npm @grafana/schema (observability/schema/) and are exactly
# what observability/dashboards/generate.py writes; every query uses contract metric names;
# `promtool check rules` and `promtool test rules` (each alert fires in a unit test).
# Installs promtool (Debian `prometheus`) if missing and Python packages into
# $HOME/.cache/crowdcrunch/venv. With --schema it also re-derives the dashboard schema with npm
# and fails if the committed one is stale.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
"$repo/scripts/install-test-tools" promtool python3
venv="${CROWDCRUNCH_VENV:-$HOME/.cache/crowdcrunch/venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
echo "== promtool check rules"
promtool check rules "$repo/observability/prometheus/alerts.yaml"
echo "== promtool test rules"
(cd "$repo/observability/prometheus" && promtool test rules alerts.test.yaml)
if [ "${1:-}" = "--schema" ]; then
  echo "== dashboard schema derivation"
  "$repo/observability/schema/derive.sh" --check
fi
echo "== pytest"
cd "$here"
"$venv/bin/python" -m pytest -q -p no:cacheprovider
