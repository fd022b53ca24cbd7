#!/usr/bin/env bash
# Installs what the sandbox Manager needs on a fresh Debian 12 host. Idempotent: only
# missing packages are installed, and `apt-get update` runs at most once per call.
set -euo pipefail

packages=(debootstrap systemd-container nftables iproute2 zstd openssh-client procps jq
  tar acl util-linux ca-certificates)
# The EL variant's local RPM repository double is built on the host (rpmbuild, createrepo_c).
packages+=(rpm createrepo-c)
# The opt-in office LAN (up.sh --office-lan) runs a DHCP server on its own bridge.
packages+=(dnsmasq-base)

missing=()
for pkg in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != *"install ok installed"* ]]; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "sandbox host dependencies: all present" >&2
  exit 0
fi

echo "sandbox host dependencies: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
