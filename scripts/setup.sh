#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) for labctl and its tests. Idempotent: a rerun
# only checks. Slow artefacts (sandbox rootfs tarballs, kube-apiserver/etcd binaries) are
# cached under ${LAB_CACHE_DIR:-$HOME/.cache/lab-operator} and rebuilt only when missing.
#
# usage: scripts/setup.sh [--runtime]   (--runtime: only what `labctl` itself needs)
set -euo pipefail
cd "$(dirname "$0")/.."
runtime_only=false
[ "${1:-}" = "--runtime" ] && runtime_only=true

step() { printf '\n== setup: %s (%s)\n' "$*" "$(date -u +%H:%M:%S)" >&2; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

step "host packages"
apt_install openssh-client ca-certificates
if [ "$runtime_only" = false ]; then
  # openssh-server: the loopback sshd of the remote-layer tests; sudo: their non-root login.
  apt_install openssh-server sudo procps iproute2
  # chromium: the headless browser of the status page test (driven by playwright-core).
  apt_install chromium
  bash test/sandbox/install-host-deps.sh
fi

step "npm packages"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

[ "$runtime_only" = true ] && exit 0

# The Go build is CPU-bound and the rootfs builds mostly wait on downloads: run them side by side.
step "kube-apiserver, etcd and kubectl in the background (built from the Go module proxy once, then cached)"
apiserver_log=$(mktemp /tmp/lab-operator-apiserver-build.XXXXXX)
bash test/apiserver/install.sh >"$apiserver_log" 2>&1 &
apiserver_pid=$!

step "sandbox rootfs (bare and prebaked)"
bash test/sandbox/build-rootfs.sh --variant bare
bash test/sandbox/build-rootfs.sh --variant prebaked

step "test guest image (imitation cloud-init, built from Debian packages)"
bash test/guest/build-image.sh >/dev/null

step "waiting for the kube-apiserver build"
if ! wait "$apiserver_pid"; then
  tail -n 40 "$apiserver_log" >&2
  echo "setup: building kube-apiserver/etcd/kubectl failed (log: $apiserver_log)" >&2
  exit 1
fi
rm -f "$apiserver_log"

step "done"
