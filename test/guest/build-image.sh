#!/usr/bin/env bash
# Builds the "imitation cloud-init" test guest: a tiny bootable qcow2 made from Debian
# packages only (no cloud image download). Prints the path of the cached image.
#
#   test/guest/build-image.sh [--force]
#
# The disk is a FAT filesystem with syslinux, a Debian cloud kernel and an initramfs of
# busybox-static + dropbear. Its /init only IMITATES cloud-init: it reads the NoCloud seed
# (volume label cidata) for the hostname, the first user and its authorized keys, and the
# pre-generated ed25519 host key (ssh_keys.ed25519_private, converted for dropbear), keeps a
# copy of the seed on the disk for later boots without the ISO, runs udhcpc on eth0 and
# dropbear. The user is mapped to uid 0 and `sudo` is a shim: this guest proves transport,
# host-key pinning and sequencing, not privilege separation.
#
# Cached as $LAB_CACHE_DIR/guest/imitation-guest-<recipe hash>.qcow2; the hash covers this
# script and the init files, so a changed recipe builds a new file (--force rebuilds with
# the current Debian packages; their versions are listed in the .versions file beside it).
set -euo pipefail

GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${LAB_CACHE_DIR:-$HOME/.cache/lab-operator}/guest
HOST_TOOLS=(qemu-utils:qemu-img dosfstools:mkfs.fat syslinux:syslinux mtools:mcopy cpio:cpio xz-utils:xz)
GUEST_PACKAGES=(busybox-static dropbear-bin openssh-sftp-server)
# Modules the guest may need, with their dependencies resolved at build time.
MODULES=(virtio_pci virtio_blk virtio_net virtio_scsi ata_piix ahci sr_mod sd_mod isofs vfat nls_cp437 nls_ascii)

die() { echo "build-image: $*" >&2; exit 1; }
log() { echo "build-image: $*" >&2; }

force=0
[ "${1:-}" = --force ] && force=1

install_host_tools() {
  local entry missing=()
  for entry in "${HOST_TOOLS[@]}"; do
    command -v "${entry#*:}" >/dev/null || missing+=("${entry%%:*}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing tools (${missing[*]}): install them or run as root"
  log "installing host tools: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# The kernel image package behind the linux-image-cloud-amd64 metapackage.
kernel_package() {
  apt-cache depends linux-image-cloud-amd64 | awk '$1=="Depends:" && $2 ~ /^linux-image-/ {print $2; exit}'
}

# Shared libraries the dropbear binaries need, found from package Depends (recursively).
library_packages() {
  local queue=(dropbear-bin) seen=" " pkg dep
  while [ ${#queue[@]} -gt 0 ]; do
    pkg=${queue[0]}; queue=("${queue[@]:1}")
    for dep in $(apt-cache depends --no-recommends --no-suggests "$pkg" |
      awk '($1=="Depends:" || $1=="PreDepends:") && $2 !~ /^</ {sub(/:any$/, "", $2); print $2}'); do
      case $seen in *" $dep "*) continue ;; esac
      seen="$seen$dep "; queue+=("$dep")
    done
  done
  echo "$seen"
}

# "package candidate-version" lines, one apt-cache call for all.
versions_of() { apt-cache policy "$@" | awk '/^[^ ]/ {sub(/:$/, "", $1); p=$1} $1=="Candidate:" {print p, $2}'; }

# The recipe is this script and the guest's init files: checking the cache needs no apt
# call (slow on a busy machine). Package versions are recorded next to the image.
recipe_hash() {
  cat "${BASH_SOURCE[0]}" "$GUEST_DIR/init.sh" "$GUEST_DIR/udhcpc.sh" | sha256sum | cut -c1-16
}

fetch_packages() {
  local debs=$1; shift
  mkdir -p "$debs"
  (cd "$debs" && apt-get download -q "$@" >&2)
}

extract_all() {
  local debs=$1 root=$2 deb
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$root"; done
}

# "name" -> path relative to the modules dir, from the .ko files present.
module_path() { (cd "$1" && find kernel -name "$2.ko" -o -name "$2.ko.xz" | head -n1); }

module_deps() {
  local file=$1/$2
  case $file in
    *.xz) xz -dc "$file" ;;
    *) cat "$file" ;;
  esac | tr '\0' '\n' | awk -F= '$1=="depends" {gsub(/,/, " ", $2); print $2}'
}

# Appends modules in load order (dependencies first) to the list file, each once.
resolve_module() {
  local moddir=$1 name=${2//-/_} list=$3 path dep
  path=$(module_path "$moddir" "$name")
  [ -n "$path" ] || path=$(module_path "$moddir" "${2//_/-}")
  [ -n "$path" ] || return 0   # built into the kernel
  grep -qxF "$path" "$list" && return 0
  for dep in $(module_deps "$moddir" "$path"); do resolve_module "$moddir" "$dep" "$list"; done
  echo "$path" >>"$list"
}

copy_modules() {
  local moddir=$1 initrd=$2 kver=$3 list=$4 mod path
  : >"$list"
  for mod in "${MODULES[@]}"; do resolve_module "$moddir" "$mod" "$list"; done
  while read -r path; do
    mkdir -p "$initrd/lib/modules/$(dirname "$path")"
    case $path in
      *.xz) xz -dc "$moddir/$path" >"$initrd/lib/modules/${path%.xz}" ;;
      *) cp "$moddir/$path" "$initrd/lib/modules/$path" ;;
    esac
  done <"$list"
  sed 's/\.xz$//' "$list" >"$initrd/etc/modules.order"
  echo "$kver" >"$initrd/etc/kernel-version"
}

make_initrd() {
  local staging=$1 initrd=$2
  mkdir -p "$initrd"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,home,mnt,var/log,lib64,usr/lib/openssh,etc/dropbear}
  cp "$staging/bin/busybox" "$initrd/bin/busybox"
  for applet in $("$initrd/bin/busybox" --list); do
    [ -e "$initrd/bin/$applet" ] || ln -s busybox "$initrd/bin/$applet"
  done
  cp "$staging"/usr/bin/{dbclient,dropbearkey,dropbearconvert} "$staging/usr/sbin/dropbear" "$initrd/bin/"
  cp "$staging/usr/lib/openssh/sftp-server" "$initrd/usr/lib/openssh/"
  ln -s openssh/sftp-server "$initrd/usr/lib/sftp-server"   # where Debian's dropbear looks
  mkdir -p "$initrd/lib/x86_64-linux-gnu"
  local libdir
  for libdir in "$staging"/lib/x86_64-linux-gnu "$staging"/usr/lib/x86_64-linux-gnu; do
    [ -d "$libdir" ] && cp -a "$libdir/." "$initrd/lib/x86_64-linux-gnu/"
  done
  mkdir -p "$initrd/usr/lib" && ln -sfn ../lib/x86_64-linux-gnu "$initrd/usr/lib/x86_64-linux-gnu"
  rm -rf "$initrd/lib/x86_64-linux-gnu/gconv"
  ln -sfn ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$initrd/lib64/ld-linux-x86-64.so.2"
  install -m 0755 "$GUEST_DIR/init.sh" "$initrd/init"
  install -m 0755 "$GUEST_DIR/udhcpc.sh" "$initrd/etc/udhcpc.sh"
  # shellcheck disable=SC2016 # the shim's text, expanded in the guest
  printf '#!/bin/sh\n# imitation guest: the user is uid 0; sudo only drops its options\nwhile [ "${1#-}" != "$1" ]; do shift; done\nexec "$@"\n' >"$initrd/bin/sudo"
  chmod 0755 "$initrd/bin/sudo"
  printf '/bin/sh\n/bin/ash\n' >"$initrd/etc/shells"
}

pack_disk() {
  local work=$1 kernel=$2 out=$3 raw=$1/disk.img
  (cd "$work/initrd" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/initrd.gz"
  printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  APPEND initrd=initrd.gz console=ttyS0 quiet\n' >"$work/syslinux.cfg"
  rm -f "$raw"
  mkfs.fat -C -n LABGUEST "$raw" 65536 >/dev/null
  syslinux --install "$raw"
  mcopy -i "$raw" "$kernel" ::vmlinuz
  mcopy -i "$raw" "$work/initrd.gz" ::initrd.gz
  mcopy -i "$raw" "$work/syslinux.cfg" ::syslinux.cfg
  qemu-img convert -q -f raw -O qcow2 "$raw" "$out.tmp"
  mv -f "$out.tmp" "$out"
}

build() {
  local out=$1 kpkg=$2 work staging
  shift 2
  work=$(mktemp -d "$CACHE/build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  staging=$work/staging
  fetch_packages "$work/debs" "$@"
  extract_all "$work/debs" "$staging"
  make_initrd "$staging" "$work/initrd"
  local kver moddir
  kver=${kpkg#linux-image-}
  moddir=$staging/lib/modules/$kver
  [ -d "$moddir" ] || moddir=$staging/usr/lib/modules/$kver
  copy_modules "$moddir" "$work/initrd" "$kver" "$work/modules.list"
  pack_disk "$work" "$staging/boot/vmlinuz-$kver" "$out"
  rm -rf "$work"
  trap - EXIT
}

main() {
  mkdir -p "$CACHE"
  local out started kpkg libs
  out=$CACHE/imitation-guest-$(recipe_hash).qcow2
  if [ -f "$out" ] && [ $force = 0 ]; then echo "$out"; return 0; fi
  install_host_tools
  started=$(date +%s)
  kpkg=$(kernel_package)
  [ -n "$kpkg" ] || die "no linux-image-cloud-amd64 in the apt lists: run apt-get update"
  # shellcheck disable=SC2207 # package names have no spaces
  libs=($(library_packages))
  local packages=("$kpkg" "${GUEST_PACKAGES[@]}" "${libs[@]}")
  log "building $out"
  build "$out" "$kpkg" "${packages[@]}"
  versions_of "${packages[@]}" >"${out%.qcow2}.versions"
  log "built in $(($(date +%s) - started)) s ($(du -h "$out" | cut -f1))"
  echo "$out"
}

main
