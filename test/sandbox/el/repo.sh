#!/usr/bin/env bash
# Builds the EL sandbox's local RPM repositories (the double of the CentOS/Rocky mirrors,
# none of which is reachable here): one noarch marker RPM per line of packages.txt, built
# with rpmbuild, then createrepo_c per repository.
#
#   repo.sh OUTDIR      (OUTDIR/<repository>/ gets the RPMs and repodata/)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: repo.sh OUTDIR}
for tool in rpmbuild createrepo_c; do
  command -v "$tool" >/dev/null || { echo "el/repo.sh: $tool is missing: run test/sandbox/install-host-deps.sh" >&2; exit 1; }
done
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
mkdir -p "$out"
while read -r repo name version enables provides; do
  case $repo in ''|'#'*) continue ;; esac
  args=(--define "_topdir $top" --define "marker_name $name" --define "marker_version $version")
  [ "${enables:--}" = - ] || args+=(--define "marker_repo $enables")
  provides=${provides:-}
  provides=${provides//=/ = }
  [ -z "$provides" ] || args+=(--define "marker_provides ${provides//,/, }")
  rpmbuild --quiet "${args[@]}" -bb "$here/marker.spec" >/dev/null
  mkdir -p "$out/$repo"
  mv "$top"/RPMS/noarch/*.rpm "$out/$repo/"
done <"$here/packages.txt"
for dir in "$out"/*/; do createrepo_c --quiet "$dir"; done
