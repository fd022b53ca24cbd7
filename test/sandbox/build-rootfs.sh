#!/usr/bin/env bash
# Builds (once) the root filesystem tarball of the sandbox Manager: a Debian 12 system
# container that boots systemd under systemd-nspawn.
#
#   build-rootfs.sh [--variant bare|prebaked|el] [--force]
#
# Prints the tarball's path on stdout. The tarball lives in
#   ${LAB_CACHE_DIR:-$HOME/.cache/lab-operator}/sandbox/rootfs-<variant>-<recipe-hash>.tar.zst
# where the recipe hash covers this script and the apt sources it copies, so editing the
# recipe builds a new tarball and an unchanged recipe reuses the cached one.
# `prebaked` is built from `bare` plus the virtualisation packages a Manager needs.
# `el` is built from `prebaked`: an EL 9 family Manager made of Debian packages
# (NetworkManager instead of systemd-networkd, firewalld, dnf + rpm) with a local RPM
# repository double (el/repo.sh); its recipe hash also covers test/sandbox/el/.
set -euo pipefail

BARE_PACKAGES=(systemd systemd-sysv dbus openssh-server iproute2 sudo python3)
PREBAKED_PACKAGES=(libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils
  dnsmasq-base iptables python3-pip python3-venv python3-libvirt ipmitool
  cloud-image-utils genisoimage ca-certificates)
# What the EL family brings instead of Debian's tools; netbase gives firewalld /etc/protocols.
EL_PACKAGES=(dnf rpm network-manager firewalld netbase)
SUITE=bookworm
HOST_SOURCES=/etc/apt/sources.list.d/debian.sources

variant=bare
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --variant) variant=${2:?--variant needs a value}; shift 2 ;;
    --force) force=1; shift ;;
    *) echo "build-rootfs: unknown argument: $1" >&2; exit 2 ;;
  esac
done
case "$variant" in bare|prebaked|el) ;; *) echo "build-rootfs: variant must be bare, prebaked or el" >&2; exit 2 ;; esac

cache_dir="${LAB_CACHE_DIR:-$HOME/.cache/lab-operator}/sandbox"
mkdir -p "$cache_dir"

log() { echo "build-rootfs: $*" >&2; }

SELF=$(realpath "${BASH_SOURCE[0]}")
EL_DIR=$(dirname "$SELF")/el

recipe_hash() {
  {
    cat "${BASH_SOURCE[0]}"
    [ -f "$HOST_SOURCES" ] && cat "$HOST_SOURCES"
    [ "${1:-}" != el ] || cat "$EL_DIR"/*
  } | sha256sum | cut -c1-16
}

# The first http(s) URI of the host's Debian sources: the mirror this machine can reach.
host_mirror() {
  local uri=""
  if [ -f "$HOST_SOURCES" ]; then
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$HOST_SOURCES")
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

tarball_path() { echo "$cache_dir/rootfs-$1-$(recipe_hash "$1").tar.zst"; }

nspawn_run() {
  local root=$1; shift
  systemd-nspawn --quiet --register=no --keep-unit --timezone=off --pipe -D "$root" -- "$@"
}

pack() {
  local root=$1 out=$2
  tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$root" -cf - . | zstd -q -3 -T0 -o "$out.partial" -f
  mv -f "$out.partial" "$out"
}

unpack() {
  local tarball=$1 root=$2
  zstd -q -dc "$tarball" | tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$root" -xf -
}

# Settings every copy shares; per-copy settings (address, host keys) are written by up.sh.
configure_bare() {
  local root=$1
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  if [ -f "$HOST_SOURCES" ]; then
    mkdir -p "$root/etc/apt/sources.list.d"
    cp "$HOST_SOURCES" "$root/etc/apt/sources.list.d/debian.sources"
    rm -f "$root/etc/apt/sources.list"
  fi
  mkdir -p "$root/etc/ssh/sshd_config.d"
  cat >"$root/etc/ssh/sshd_config.d/10-lab-sandbox.conf" <<'CONF'
# lab sandbox: root logs in with a key only; no password logins at all.
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
CONF
  systemctl --root="$root" enable systemd-networkd.service ssh.service >/dev/null 2>&1
  # Timers that would take the dpkg lock in the middle of a test run.
  systemctl --root="$root" mask apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1
  # Host keys are per copy (up.sh generates them); the tarball must not carry any.
  rm -f "$root"/etc/ssh/ssh_host_*
  echo "sandbox" >"$root/etc/hostname"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_* 2>/dev/null || true
  : >"$root/etc/machine-id"
}

build_bare() {
  local out=$1 work=$2
  local packages
  packages=$(IFS=,; echo "${BARE_PACKAGES[*]}")
  log "debootstrap $SUITE minbase from $(host_mirror) (about 80 s)"
  debootstrap --variant=minbase --include="$packages" "$SUITE" "$work/root" "$(host_mirror)" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; return 1; }
  configure_bare "$work/root"
  log "packing $out"
  pack "$work/root" "$out"
}

build_prebaked() {
  local out=$1 work=$2 bare
  bare=$(tarball_path bare)
  [ -f "$bare" ] || "${BASH_SOURCE[0]}" --variant bare >/dev/null
  mkdir -p "$work/root"
  unpack "$bare" "$work/root"
  log "installing ${PREBAKED_PACKAGES[*]}"
  nspawn_run "$work/root" env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get update -q && apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
    sh "${PREBAKED_PACKAGES[@]}" >"$work/apt.log" 2>&1 || { tail -n 30 "$work/apt.log" >&2; return 1; }
  rm -rf "$work/root"/var/lib/apt/lists/*_* "$work/root"/etc/ssh/ssh_host_*
  : >"$work/root/etc/machine-id"
  log "packing $out"
  pack "$work/root" "$out"
}

# shellcheck source=el/rootfs.sh
source "$EL_DIR/rootfs.sh"

work=""
main() {
  local out
  out=$(tarball_path "$variant")
  exec 9>"$cache_dir/.build-$variant.lock"
  flock 9 # a parallel build of the same variant waits, then finds the tarball
  if [ "$force" = 0 ] && [ -f "$out" ]; then
    echo "$out"
    return
  fi
  work=$(mktemp -d "$cache_dir/.build-$variant.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  local started=$SECONDS
  "build_$variant" "$out" "$work"
  log "built $variant in $((SECONDS - started)) s: $(du -h "$out" | cut -f1)"
  echo "$out"
}

main
