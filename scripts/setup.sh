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
    [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" == *"install ok installed"* ]] || missing+=("$pkg")
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
  # rsync: `labctl rsync` runs it, and its e2e test copies through a loopback sshd with it.
  apt_install rsync
  # curl: the OvercloudNodeSet e2e asks a node's Redfish BMC from here, as Ironic would.
  apt_install curl
  # chromium: the headless browser of the status page test (driven by playwright-core).
  apt_install chromium
  # lua5.1: runs the Argo CD health check (manifests/deploy/argocd-health.lua) in its tests.
  apt_install lua5.1
  # zsh, fish: `labctl completion zsh|fish` is loaded in the real shells by its tests.
  apt_install zsh fish
  bash test/sandbox/install-host-deps.sh
fi

step "npm packages"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# labctl runs the compiled dist/ when it is newer than src/ (bin/labctl.js), else the sources
# through tsx, which compiles every module it loads on every call (seconds per command).
step "build dist/ (labctl starts from the compiled JavaScript)"
if [ ! -f dist/labctl/main.js ] || [ -n "$(find src tsconfig.json tsconfig.build.json scripts/bundle-cli.mjs -newer dist/labctl/main.js -print -quit)" ]; then
  npm run --silent build
fi

[ "$runtime_only" = true ] && exit 0

# The Go build is CPU-bound and the rootfs builds mostly wait on downloads: run them side by side.
step "kube-apiserver, etcd and kubectl in the background (built from the Go module proxy once, then cached)"
apiserver_log=$(mktemp /tmp/lab-operator-apiserver-build.XXXXXX)
bash test/apiserver/install.sh >"$apiserver_log" 2>&1 &
apiserver_pid=$!

# helm and promtool (the chart and alert tests), built from the Go module proxy the same way:
# about 7 CPU-minutes cold, so beside the apiserver build rather than after it.
step "helm and promtool in the background (built from the Go module proxy once, then cached)"
tools_log=$(mktemp /tmp/lab-operator-tools-build.XXXXXX)
bash test/tools/install.sh >"$tools_log" 2>&1 &
tools_pid=$!

step "sandbox rootfs (bare and prebaked)"
bash test/sandbox/build-rootfs.sh --variant bare

# The guest with the real cloud-init starts from the bare rootfs (about 2 min, mostly apt
# downloads and packing): beside the prebaked and el builds.
step "cloud-init test guest image (Debian 12 + real cloud-init, from Debian packages) in the background"
cloud_log=$(mktemp /tmp/lab-operator-cloud-guest-build.XXXXXX)
bash test/guest/build-cloud-image.sh >"$cloud_log" 2>&1 &
cloud_pid=$!

bash test/sandbox/build-rootfs.sh --variant prebaked

# el = prebaked + NetworkManager, firewalld, dnf and the local RPM repository double
# (about 1-2 min): beside the guest image build, which needs neither.
step "sandbox rootfs el (EL Manager: Debian packages + local RPM repo double) in the background"
el_log=$(mktemp /tmp/lab-operator-el-build.XXXXXX)
bash test/sandbox/build-rootfs.sh --variant el >"$el_log" 2>&1 &
el_pid=$!

step "test guest image (imitation cloud-init, built from Debian packages)"
bash test/guest/build-image.sh >/dev/null

step "waiting for the el rootfs build"
if ! wait "$el_pid"; then
  tail -n 40 "$el_log" >&2
  echo "setup: building the el sandbox rootfs failed (log: $el_log)" >&2
  exit 1
fi
rm -f "$el_log"

step "waiting for the cloud-init test guest image build"
if ! wait "$cloud_pid"; then
  tail -n 40 "$cloud_log" >&2
  echo "setup: building the cloud-init test guest image failed (log: $cloud_log)" >&2
  exit 1
fi
rm -f "$cloud_log"

step "waiting for the kube-apiserver build"
if ! wait "$apiserver_pid"; then
  tail -n 40 "$apiserver_log" >&2
  echo "setup: building kube-apiserver/etcd/kubectl failed (log: $apiserver_log)" >&2
  exit 1
fi
rm -f "$apiserver_log"

step "waiting for the helm and promtool build"
if ! wait "$tools_pid"; then
  tail -n 40 "$tools_log" >&2
  echo "setup: building helm/promtool failed (log: $tools_log)" >&2
  exit 1
fi
rm -f "$tools_log"

step "done"
