#!/usr/bin/env bash
# Build (once) and cache a real kube-apiserver, kubectl and etcd for tests: the envtest approach.
#
# Everything comes from the Go module proxy: k8s.io/kubernetes (cmd/kube-apiserver, cmd/kubectl)
# with every staging module (k8s.io/api, k8s.io/apiserver, ...) replaced by its published v0.Y.Z,
# and go.etcd.io/etcd/server/v3 (the etcd binary). Binaries land in a versioned folder under
# ${LAB_CACHE_DIR:-$HOME/.cache/lab-operator}; a rerun with them present takes milliseconds.
#
# usage: test/apiserver/install.sh [--print-env | --check]
#   prints the bin folder on stdout (or, with --print-env, shell lines to eval); progress on stderr.
#   --check builds nothing: exit 0 if the binaries are cached, 3 if not.
# env:   LAB_K8S_VERSION (1.34.4)  LAB_ETCD_VERSION (3.6.4)  LAB_CACHE_DIR  LAB_APISERVER_REBUILD=1
set -euo pipefail

K8S_VERSION="${LAB_K8S_VERSION:-1.34.4}"
ETCD_VERSION="${LAB_ETCD_VERSION:-3.6.4}"
CACHE_DIR="${LAB_CACHE_DIR:-$HOME/.cache/lab-operator}"
OWN_DIR="$CACHE_DIR/apiserver" # everything this script writes lives under here
BIN_DIR="$OWN_DIR/bin/k8s-v$K8S_VERSION-etcd-v$ETCD_VERSION"
BUILD_DIR="$OWN_DIR/build"
PARTIAL_DIR="$BIN_DIR.partial" # binaries are moved into BIN_DIR only once fully written
STAGING_VERSION="v0.${K8S_VERSION#1.}"

log() { printf '[apiserver/install] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

print_result() {
  if [[ "${1:-}" == "--print-env" ]]; then
    printf 'LAB_APISERVER_BIN_DIR=%q\n' "$BIN_DIR"
    printf 'KUBE_APISERVER=%q\nKUBECTL=%q\nETCD=%q\n' \
      "$BIN_DIR/kube-apiserver" "$BIN_DIR/kubectl" "$BIN_DIR/etcd"
  else
    printf '%s\n' "$BIN_DIR"
  fi
}

have_all() {
  local b
  for b in kube-apiserver kubectl etcd; do [[ -x "$BIN_DIR/$b" ]] || return 1; done
}

if have_all && [[ -z "${LAB_APISERVER_REBUILD:-}" ]]; then
  print_result "${1:-}"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  log "not cached: $BIN_DIR/{kube-apiserver,kubectl,etcd} (run test/apiserver/install.sh to build them)"
  exit 3
fi

command -v go >/dev/null || die "go is not on PATH (Go >= 1.24 is needed to build kube-apiserver)"

# Keep Go's caches with ours so a rerun is fast and `rm -rf $OWN_DIR` really starts from nothing.
export GOMODCACHE="$OWN_DIR/go/mod"
export GOCACHE="$OWN_DIR/go/build"
export GOFLAGS="-trimpath -buildvcs=false -mod=mod"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
mkdir -p "$BIN_DIR" "$BUILD_DIR" "$PARTIAL_DIR"

# One build at a time (parallel test files may all ask); a waiter finds the binaries built.
exec 9>"$OWN_DIR/.install.lock"
if ! flock -n 9; then
  log "another install.sh is building; waiting for it"
  flock 9
  if have_all && [[ -z "${LAB_APISERVER_REBUILD:-}" ]]; then print_result "${1:-}"; exit 0; fi
fi

# The staging modules are whatever k8s.io/kubernetes's own go.mod replaces with ./staging/src/...
staging_modules() {
  local gomod
  gomod="$(cd "$BUILD_DIR" && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$gomod" ]] || die "could not download k8s.io/kubernetes@v$K8S_VERSION's go.mod"
  awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' "$gomod"
}

write_module() { # dir module-path requires... ; then replaces on stdin
  local dir="$1" mod="$2"; shift 2
  mkdir -p "$dir"
  {
    printf 'module %s\n\ngo 1.24.0\n\nrequire (\n' "$mod"
    printf '\t%s\n' "$@"
    printf ')\n'
    local replaces; replaces="$(cat)"
    if [[ -n "$replaces" ]]; then printf '\nreplace (\n%s\n)\n' "$replaces"; fi
  } >"$dir/go.mod"
}

write_tools() { # dir import-paths...
  local dir="$1"; shift
  { printf '//go:build tools\n\npackage tools\n\nimport (\n'
    printf '\t_ "%s"\n' "$@"
    printf ')\n'; } >"$dir/tools.go"
}

ldflags_k8s() {
  local minor="${K8S_VERSION#1.}"; minor="${minor%%.*}"
  local date; date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  local flags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  printf '%s' "$flags"
}

build_kubernetes() {
  local dir="$BUILD_DIR/kubernetes-v$K8S_VERSION" m
  log "building kube-apiserver and kubectl v$K8S_VERSION (staging modules at $STAGING_VERSION) in $dir"
  mkdir -p "$dir"
  local modules
  modules="$(staging_modules)" || die "could not read the staging modules of k8s.io/kubernetes@v$K8S_VERSION"
  for m in $modules; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done |
    write_module "$dir" lab-operator.test/kubebuild "k8s.io/kubernetes v$K8S_VERSION"
  write_tools "$dir" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
  (cd "$dir" && go mod tidy >&2 &&
    go build -ldflags="$(ldflags_k8s)" -o "$PARTIAL_DIR/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl)
  mv -f "$PARTIAL_DIR/kube-apiserver" "$PARTIAL_DIR/kubectl" "$BIN_DIR/"
}

build_etcd() {
  local dir="$BUILD_DIR/etcd-v$ETCD_VERSION"
  log "building etcd v$ETCD_VERSION in $dir"
  write_module "$dir" lab-operator.test/etcdbuild "go.etcd.io/etcd/server/v3 v$ETCD_VERSION" </dev/null
  write_tools "$dir" go.etcd.io/etcd/server/v3
  (cd "$dir" && go mod tidy >&2 &&
    go build -ldflags="-s -w" -o "$PARTIAL_DIR/etcd" go.etcd.io/etcd/server/v3)
  mv -f "$PARTIAL_DIR/etcd" "$BIN_DIR/"
}

start=$SECONDS
# Plain `if`s, not `||`: set -e stays in force inside the build functions.
if [[ ! -x "$BIN_DIR/etcd" || -n "${LAB_APISERVER_REBUILD:-}" ]]; then build_etcd; fi
if [[ ! -x "$BIN_DIR/kube-apiserver" || ! -x "$BIN_DIR/kubectl" || -n "${LAB_APISERVER_REBUILD:-}" ]]; then
  build_kubernetes
fi
rmdir "$PARTIAL_DIR" 2>/dev/null || true
have_all || die "build finished but binaries are missing from $BIN_DIR"
log "built in $((SECONDS - start))s: $(cd "$BIN_DIR" && du -sh kube-apiserver kubectl etcd | tr '\n\t' '  ')"
print_result "${1:-}"
