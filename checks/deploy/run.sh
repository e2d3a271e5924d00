#!/usr/bin/env bash
# Deployment checks, no cluster needed: render the chart for every values file with Helm's own
# engine (helm-python-sdk) and lint it strictly; validate every rendered object and istio/ manifest
# against Kubernetes 1.33 and Istio 1.30.3 schemas; policy tests; Dockerfile checks.
#   checks/deploy/run.sh              the static suite
#   checks/deploy/run.sh --simulate   also the simulated deploy (needs the crowdcrunch binary,
#                                     CROWDCRUNCH_BIN, and PostgreSQL on 127.0.0.1:5432)
# Installs its Python packages (pinned in requirements.txt) into $HOME/.cache/crowdcrunch/venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/../../scripts/install-test-tools" python3 psql
venv="${CROWDCRUNCH_VENV:-$HOME/.cache/crowdcrunch/venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# pip is quick when everything is already installed at the pinned versions.
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
cd "$here"
"$venv/bin/python" -m pytest -q -p no:cacheprovider
if [ "${1:-}" = "--simulate" ]; then
  "$venv/bin/python" simulate.py
fi
