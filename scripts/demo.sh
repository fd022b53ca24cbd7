#!/usr/bin/env bash
# The main job, end to end on one machine: set up, validate the example lab (manifests/, the
# tutorial's lab), boot a sandbox Manager (a real Debian system container) and converge the
# seed lab's whole shape onto it (test/e2e/manifests/lab/: the public and openstack bridges,
# the three libvirt networks, the undercloud VM with its VirtualBMC), then serve the status
# page with `labctl run --web`, repairing drift, until Ctrl-C.
#
# usage: scripts/demo.sh [--down]   (--down: stop after converging and remove the sandbox)
set -euo pipefail
cd "$(dirname "$0")/.."
labctl() { node bin/labctl.js "$@"; }
LAB=test/e2e/manifests/lab/
started=$SECONDS

bash scripts/setup.sh --runtime
bash test/sandbox/install-host-deps.sh

echo "== validate the example lab (manifests/)"
labctl validate -f manifests/

echo "== boot a sandbox Manager"
up=$(labctl sandbox up --variant prebaked)
echo "$up"
alias=$(jq -r '.managers[0].ssh' <<<"$up")
on() { ssh -F workspace/ssh.config "$alias" "$@"; }

echo "== the undercloud's image: the small test guest (built from Debian packages once, cached)"
image=$(bash test/guest/build-image.sh | tail -n 1)
sum=$(sha256sum "$image" | cut -d' ' -f1)
if [ "$(on "sha256sum /srv/lab-images/guest.qcow2 2>/dev/null | cut -d' ' -f1")" != "$sum" ]; then
  on 'mkdir -p /srv/lab-images && cat >/srv/lab-images/.guest.part && mv /srv/lab-images/.guest.part /srv/lab-images/guest.qcow2' <"$image"
fi

echo "== plan, then apply the seed lab's shape ($LAB)"
labctl plan -f "$LAB"
labctl apply -f "$LAB"
labctl get
# The seed's shortcuts, with the lab's own names (aliases from the objects: lab-root, tripleo).
labctl virsh net-list --all
labctl virsh list --all
labctl vbmc list
labctl ipmitool tripleo power status
echo "== converged in $((SECONDS - started)) s"

if [ "${1:-}" = "--down" ]; then
  labctl sandbox down
  exit 0
fi
echo "== serving: status page http://127.0.0.1:8081/, metrics http://127.0.0.1:8080/metrics"
echo "   try: $(printf 'ssh -F workspace/ssh.config %s virsh destroy tripleo' "$alias")  (repaired within a resync)"
echo "   Ctrl-C stops labctl run; scripts/demo.sh --down or labctl sandbox down removes the sandbox"
exec node bin/labctl.js run -f "$LAB" --web
