#!/usr/bin/env bash
# The main job, end to end on one machine: set up, validate the example lab (manifests/,
# the tutorial's lab), boot a sandbox Manager (a real Debian system container) and converge
# the sandbox lab (test/e2e/manifests/) onto it, then show the result.
#
# usage: scripts/demo.sh [--down]   (--down: tear the sandbox down at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
labctl() { node bin/labctl.js "$@"; }

bash scripts/setup.sh --runtime
bash test/sandbox/install-host-deps.sh

echo "== validate the example lab (manifests/)"
labctl validate -f manifests/

echo "== boot a sandbox Manager"
labctl sandbox up --variant prebaked

echo "== plan, then apply the sandbox lab (test/e2e/manifests/)"
labctl plan -f test/e2e/manifests/
labctl apply -f test/e2e/manifests/
labctl get
labctl virsh net-list --all

if [ "${1:-}" = "--down" ]; then labctl sandbox down; fi
