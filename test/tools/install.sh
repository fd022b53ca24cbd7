#!/usr/bin/env bash
# Build (once) and cache a real `helm` and `promtool` for the chart and alert tests.
#
# Both come from the Go module proxy, the way test/apiserver/install.sh builds kube-apiserver:
# a small tools module requires helm.sh/helm/v3 (cmd/helm) or github.com/prometheus/prometheus
# (cmd/promtool) at a pinned version, `go mod tidy` resolves the rest, `go build` writes the
# binary. Each lands in a folder named after its version and the build recipe's hash under
# ${LAB_CACHE_DIR:-$HOME/.cache/lab-operator}/tools/, so a rerun with them present takes
# milliseconds and a changed recipe builds anew.
#
# usage: test/tools/install.sh [--print-env | --check] [helm|promtool ...]   (default: both)
#   prints TOOL=PATH lines on stdout; progress on stderr.
#   --check builds nothing: exit 0 if the binaries are cached, 3 if not.
# env:   LAB_HELM_VERSION (3.22.0)  LAB_PROMETHEUS_VERSION (0.316.0, the Go module's tag of
#        Prometheus 3.16)  LAB_HELM_K8S_MINOR (37)  LAB_CACHE_DIR  LAB_TOOLS_REBUILD=1
set -euo pipefail

HELM_VERSION="${LAB_HELM_VERSION:-3.22.0}"
PROMETHEUS_VERSION="${LAB_PROMETHEUS_VERSION:-0.316.0}"
HELM_K8S_MINOR="${LAB_HELM_K8S_MINOR:-37}" # helm 3.22.0 requires k8s.io/client-go v0.37
CACHE_DIR="${LAB_CACHE_DIR:-$HOME/.cache/lab-operator}"
OWN_DIR="$CACHE_DIR/tools" # everything this script writes lives under here
BUILD_DIR="$OWN_DIR/build"

log() { printf '[tools/install] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

mode=""
tools=()
for arg in "$@"; do
  case "$arg" in
    --print-env | --check) mode="$arg" ;;
    helm | promtool) tools+=("$arg") ;;
    *) die "unknown argument: $arg (usage: install.sh [--print-env|--check] [helm|promtool ...])" ;;
  esac
done
[[ ${#tools[@]} -gt 0 ]] || tools=(helm promtool)

# What decides the binary: module, version, package, build tags and ldflags (one line, fields
# separated by '|'). Its hash names the cache folder, so editing the recipe (not a comment)
# rebuilds.
recipe() { # tool
  case "$1" in
    helm)
      # As helm's Makefile: the version, and the Kubernetes version `helm template` and
      # `helm lint` assume without a cluster (that of the k8s.io modules helm 3.22 builds with).
      local v="v$HELM_VERSION"
      printf 'helm.sh/helm/v3|%s|helm.sh/helm/v3/cmd/helm||-s -w -X helm.sh/helm/v3/internal/version.version=%s' "$v" "$v"
      printf ' -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=%s' "$HELM_K8S_MINOR"
      printf ' -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=%s' "$HELM_K8S_MINOR"
      ;;
    promtool)
      # The module's v0.3MM.P tag is Prometheus 3.MM.P (what `promtool --version` says).
      # remove_all_sd leaves out the service-discovery plugins (AWS, Azure, GCE, Kubernetes...):
      # rule checks and rule unit tests need none of them, and they are most of the build.
      local v="v$PROMETHEUS_VERSION" minor patch
      minor=$((10#$(cut -d. -f2 <<<"$PROMETHEUS_VERSION") - 300))
      patch="$(cut -d. -f3 <<<"$PROMETHEUS_VERSION")"
      printf 'github.com/prometheus/prometheus|%s|github.com/prometheus/prometheus/cmd/promtool|remove_all_sd|-s -w -X github.com/prometheus/common/version.Version=3.%s.%s' \
        "$v" "$minor" "$patch"
      ;;
  esac
}
GO_FLAGS="-trimpath -buildvcs=false -mod=mod"
recipe_hash() { printf '%s|%s|%s' "$(recipe "$1")" "$GO_FLAGS" "CGO_ENABLED=0" | sha256sum | cut -c1-10; }
version_of() { if [[ "$1" == helm ]]; then echo "v$HELM_VERSION"; else echo "v$PROMETHEUS_VERSION"; fi; }
bin_path() { printf '%s/bin/%s-%s-%s/%s' "$OWN_DIR" "$1" "$(version_of "$1")" "$(recipe_hash "$1")" "$1"; }

print_result() {
  local t
  for t in "${tools[@]}"; do
    if [[ "$mode" == "--print-env" ]]; then
      printf '%s=%q\n' "$(tr '[:lower:]' '[:upper:]' <<<"$t")" "$(bin_path "$t")"
    else
      printf '%s=%s\n' "$(tr '[:lower:]' '[:upper:]' <<<"$t")" "$(bin_path "$t")"
    fi
  done
}

missing() { local t; for t in "${tools[@]}"; do [[ -x "$(bin_path "$t")" ]] || echo "$t"; done; }

if [[ -z "$(missing)" && -z "${LAB_TOOLS_REBUILD:-}" ]]; then print_result; exit 0; fi
if [[ "$mode" == "--check" ]]; then
  log "not cached: $(missing | tr '\n' ' ')(run test/tools/install.sh to build them)"
  exit 3
fi

command -v go >/dev/null || die "go is not on PATH (Go >= 1.24 is needed to build helm and promtool)"
export GOMODCACHE="$OWN_DIR/go/mod"
export GOCACHE="$OWN_DIR/go/build"
export GOFLAGS="$GO_FLAGS"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
mkdir -p "$BUILD_DIR"

# One build at a time (parallel test files may all ask); a waiter finds the binaries built.
exec 9>"$OWN_DIR/.install.lock"
if ! flock -n 9; then
  log "another install.sh is building; waiting for it"
  flock 9
  if [[ -z "$(missing)" && -z "${LAB_TOOLS_REBUILD:-}" ]]; then print_result; exit 0; fi
fi

build_tool() {
  local tool="$1" module version package tags ldflags dir out
  IFS='|' read -r module version package tags ldflags <<<"$(recipe "$tool")"
  dir="$BUILD_DIR/$tool-$version"
  out="$(bin_path "$tool")"
  log "building $tool $version ($package${tags:+, tags $tags}) in $dir"
  mkdir -p "$dir" "$(dirname "$out")"
  printf 'module lab-operator.test/%sbuild\n\ngo 1.24.0\n\nrequire %s %s\n' "$tool" "$module" "$version" >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$package" >"$dir/tools.go"
  (cd "$dir" && go mod tidy >&2 && go build -tags="$tags" -ldflags="$ldflags" -o "$out.partial" "$package")
  mv -f "$out.partial" "$out" # a binary appears at its path only once fully written
}

start=$SECONDS
for t in "${tools[@]}"; do
  if [[ ! -x "$(bin_path "$t")" || -n "${LAB_TOOLS_REBUILD:-}" ]]; then build_tool "$t"; fi
done
[[ -z "$(missing)" ]] || die "build finished but binaries are missing: $(missing | tr '\n' ' ')"
log "built in $((SECONDS - start))s"
print_result
