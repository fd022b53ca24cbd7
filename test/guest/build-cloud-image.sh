#!/usr/bin/env bash
# Builds the REAL cloud-init test guest: a small bootable qcow2 made from Debian packages
# only (no cloud image download). Prints the path of the cached image.
#
#   test/guest/build-cloud-image.sh [--force]
#
# Debian 12 from the host's mirror: the sandbox's cached bare rootfs (build-rootfs.sh:
# debootstrap minbase + systemd, openssh-server, sudo) plus the cloud kernel, cloud-init,
# ifupdown and growpart, installed by apt. Unlike the imitation guest (build-image.sh) nothing is
# faked: cloud-init reads the operator's NoCloud seed, creates the user (uid 1000, real sudo),
# writes the host keys, hostname, timezone and network, and sshd is OpenSSH.
#
# The disk is an MBR with two partitions, made without loop devices or mounts: 1 a FAT
# partition with syslinux, the kernel and a small initramfs (virtio + ext4 only), 2 the ext4
# root (mkfs.ext4 -d), last so cloud-init's growpart can grow it to the VM's disk size. The
# kernel command line (console=ttyS0 net.ifnames=0) keeps the eth0/eth1 names the operator's
# network-config uses, as the CentOS cloud images do. What slows a boot under QEMU's software
# emulation is left out or masked (apt timers, e2scrub, fstrim; the NoCloud data source only).
#
# Cached as $LAB_CACHE_DIR/guest/cloud-init-guest-<recipe hash>.qcow2; the hash covers this
# script and the bare rootfs (whose name is its own recipe hash), so a changed recipe builds a new file (--force rebuilds
# with the current Debian packages; the installed versions are in the .versions file beside it).
set -euo pipefail

GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${LAB_CACHE_DIR:-$HOME/.cache/lab-operator}/guest
HOST_TOOLS=(systemd-container:systemd-nspawn zstd:zstd qemu-utils:qemu-img dosfstools:mkfs.fat syslinux:syslinux
  syslinux-common:/usr/lib/syslinux/mbr/mbr.bin mtools:mcopy fdisk:sfdisk e2fsprogs:mkfs.ext4)
# resolvconf: ifupdown's dns-nameservers (cloud-init's ENI rendering of the seed's nameserver)
# reach /etc/resolv.conf only through it. podman (rootful, crun, conmon, the kernel's overlay
# on the ext4 root; netavark only because podman's package needs a network stack: the test
# container runs with --network none) and patch: what spec.tripleo.postInstall runs in the
# guest (src/steps/undercloud/postinstall.ts). No registry: see make_container_image.
GUEST_PACKAGES=(linux-image-cloud-amd64 cloud-init openssh-server sudo ifupdown
  isc-dhcp-client resolvconf e2fsprogs cloud-guest-utils podman crun conmon netavark patch)
# The offline container image (a rootfs tarball, `podman import`ed by the debian-test
# profile's install imitation at first use) and what it holds: dash as /bin/sh, the real
# coreutils CONTAINER_FILE runs inside the container, and a file like TripleO's.
CONTAINER_TAR=/opt/lab-test/ironic-conductor.tar
CONTAINER_TOOLS=(cat chown chmod mv sleep mkdir ls) # ls: for the tests
CONTAINER_FILE=/usr/lib/python3/site-packages/ironic/conductor/manager.py
CONTAINER_UID=42422 # TripleO's (kolla's) ironic user: the file is not root's, as in the real container
# What the initramfs needs to mount the root: the rest loads from the root filesystem.
INITRAMFS_MODULES=(virtio_pci virtio_blk virtio_scsi sd_mod ext4)
ROOT_MIB=1400 # the image's root partition; the operator grows the disk, growpart the partition
BOOT_MIB=48
LABEL=labroot

die() { echo "build-cloud-image: $*" >&2; exit 1; }
log() { echo "build-cloud-image: $*" >&2; }

force=0
[ "${1:-}" = --force ] && force=1

install_host_tools() {
  local entry missing=()
  for entry in "${HOST_TOOLS[@]}"; do
    case ${entry#*:} in
      /*) [ -e "${entry#*:}" ] || missing+=("${entry%%:*}") ;;
      *) command -v "${entry#*:}" >/dev/null || missing+=("${entry%%:*}") ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing tools (${missing[*]}): install them or run as root"
  log "installing host tools: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# The bare sandbox rootfs tarball (built once by build-rootfs.sh; its name carries its recipe).
bare_rootfs() { bash "$GUEST_DIR/../sandbox/build-rootfs.sh" --variant bare; }

# The recipe is this script and the bare rootfs it starts from (its file name is its hash).
recipe_hash() {
  { cat "${BASH_SOURCE[0]}"; basename "$(bare_rootfs)"; } | sha256sum | cut -c1-16
}

in_root() {
  local root=$1; shift
  systemd-nspawn --quiet --register=no --keep-unit --timezone=off --pipe -D "$root" -- "$@"
}

# The sandbox's bare rootfs (Debian 12 minbase + systemd, openssh-server, sudo, python3 from
# the host's mirror, cached by build-rootfs.sh) plus the guest packages, installed by apt in
# a systemd-nspawn of it (apt resolves the dependencies; debootstrap --include does not).
install_root() {
  local root=$1 log=$2 bare
  bare=$(bare_rootfs)
  mkdir -p "$root"
  zstd -q -dc "$bare" | tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$root" -xf -
  log "installing ${GUEST_PACKAGES[*]} (apt in the sandbox's bare rootfs)"
  in_root "$root" env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get update -q && apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
    sh "${GUEST_PACKAGES[@]}" >"$log" 2>&1 || { tail -n 30 "$log" >&2; return 1; }
}

configure_cloud_init() {
  local root=$1
  cat >"$root/etc/cloud/cloud.cfg.d/05_lab_test_guest.cfg" <<'CFG'
# lab-operator test guest: the operator's NoCloud seed ISO is the only data source.
datasource_list: [NoCloud, None]
CFG
}

configure_boot_speed() {
  local root=$1 unit
  # Timers and jobs that would take the dpkg lock or the CPU in the middle of a test run.
  for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
    systemd-pstore.service; do
    ln -sfn /dev/null "$root/etc/systemd/system/$unit"
  done
  mkdir -p "$root/etc/systemd/system.conf.d"
  printf '[Manager]\nDefaultTimeoutStartSec=300s\n' >"$root/etc/systemd/system.conf.d/10-lab-test-guest.conf"
}

configure_system() {
  local root=$1
  printf 'LABEL=%s / ext4 defaults,errors=remount-ro 0 1\n' "$LABEL" >"$root/etc/fstab"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  printf 'auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n' >"$root/etc/network/interfaces"
  # Not the sandbox Manager's: no root login over SSH, systemd-networkd off (ifupdown and
  # cloud-init's ENI configuration bring the network up).
  rm -f "$root/etc/ssh/sshd_config.d/10-lab-sandbox.conf"
  rm -f "$root"/etc/systemd/system/*.wants/systemd-networkd* "$root"/etc/systemd/system/sockets.target.wants/systemd-networkd*
  configure_cloud_init "$root"
  configure_boot_speed "$root"
  # Per VM, like a cloud image: host keys (cloud-init writes the operator's and generates the
  # others), machine id (systemd), hostname (cloud-init).
  rm -f "$root"/etc/ssh/ssh_host_*
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"
  echo localhost >"$root/etc/hostname"
}

# cloud-init's locale module sets the distribution's default (en_US.UTF-8) unless it is the
# system's already, and fails on a system where it was never generated: generate it here.
make_locale() {
  local root=$1
  sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' "$root/etc/locale.gen"
  echo LANG=en_US.UTF-8 >"$root/etc/default/locale"
  in_root "$root" locale-gen >/dev/null
}

# A small initramfs: only what mounts the root (MODULES=list), made again after the kernel's.
make_initramfs() {
  local root=$1 kver=$2
  printf 'MODULES=list\nCOMPRESS=gzip\n' >"$root/etc/initramfs-tools/conf.d/lab-test-guest.conf"
  printf '%s\n' "${INITRAMFS_MODULES[@]}" >>"$root/etc/initramfs-tools/modules"
  in_root "$root" update-initramfs -u -k "$kver" >&2
}

# A tiny rootfs from the guest root's own binaries and the shared libraries ldd lists, kept
# as a tarball in the image: the test guest never reaches a registry.
make_container_image() {
  local root=$1 dest=$1/tmp/container bin libs
  rm -rf "$dest"
  mkdir -p "$dest"/{bin,usr/bin,etc,tmp,proc,sys,dev,run,var/tmp,root,"$(dirname "$CONTAINER_FILE")"}
  chmod 1777 "$dest/tmp" "$dest/var/tmp"
  cp -L "$root/usr/bin/dash" "$dest/bin/sh"
  for bin in "${CONTAINER_TOOLS[@]}"; do cp -L "$root/usr/bin/$bin" "$dest/usr/bin/$bin"; done
  # ldd in the root (its loader and libraries), every library at the path the loader asks for.
  libs=$(in_root "$root" sh -c 'for f in "$@"; do ldd "$f"; done' ldd /usr/bin/dash \
    "${CONTAINER_TOOLS[@]/#//usr/bin/}" | grep -o '/[^ ]*' | sort -u)
  for bin in $libs; do
    mkdir -p "$dest$(dirname "$bin")"
    cp -L "$root$bin" "$dest$bin"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nironic:x:%s:%s:ironic:/var/lib/ironic:/bin/sh\n' \
    "$CONTAINER_UID" "$CONTAINER_UID" >"$dest/etc/passwd"
  printf 'root:x:0:\nironic:x:%s:\n' "$CONTAINER_UID" >"$dest/etc/group"
  printf '# lab-operator test container: ironic conductor manager (stand-in)\nclass ConductorManager(object):\n    RPC_API_VERSION = "1.55"\n    def __init__(self, host, topic):\n        self.host = host\n        self.topic = topic\n' \
    >"$dest$CONTAINER_FILE"
  chown "$CONTAINER_UID:$CONTAINER_UID" "$dest$CONTAINER_FILE"
  chmod 0640 "$dest$CONTAINER_FILE"
  mkdir -p "$root$(dirname "$CONTAINER_TAR")"
  tar --numeric-owner -C "$dest" -cf "$root$CONTAINER_TAR" .
  rm -rf "$dest"
}

slim_root() {
  local root=$1
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*_* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log \
    "$root"/tmp/* "$root"/root/.bash_history 2>/dev/null || true
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'en*' ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
}

# Partition 1 (FAT, syslinux, kernel + initramfs) and 2 (ext4 root) as files, then one disk.
pack_disk() {
  local work=$1 root=$2 kver=$3 out=$4
  local boot=$work/boot.img rootimg=$work/root.img raw=$work/disk.img
  local boot_start=2048 boot_sectors=$((BOOT_MIB * 2048)) root_start root_sectors=$((ROOT_MIB * 2048))
  root_start=$((boot_start + boot_sectors))
  printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  APPEND initrd=initrd.img root=LABEL=%s ro console=ttyS0 net.ifnames=0 biosdevname=0\n' \
    "$LABEL" >"$work/syslinux.cfg"
  mkfs.fat -C -n LABBOOT -h "$boot_start" "$boot" $((BOOT_MIB * 1024)) >/dev/null
  syslinux --install "$boot"
  mcopy -i "$boot" "$root/boot/vmlinuz-$kver" ::vmlinuz
  mcopy -i "$boot" "$root/boot/initrd.img-$kver" ::initrd.img
  mcopy -i "$boot" "$work/syslinux.cfg" ::syslinux.cfg
  mkfs.ext4 -q -L "$LABEL" -d "$root" -E root_owner=0:0 "$rootimg" "${ROOT_MIB}M" >/dev/null
  rm -f "$raw"
  truncate -s $(((root_start + root_sectors) * 512)) "$raw"
  printf 'label: dos\n%s,%s,c,*\n%s,%s,83\n' "$boot_start" "$boot_sectors" "$root_start" "$root_sectors" |
    sfdisk -q "$raw" >/dev/null
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$raw" bs=440 count=1 conv=notrunc status=none
  dd if="$boot" of="$raw" bs=512 seek="$boot_start" conv=notrunc status=none
  dd if="$rootimg" of="$raw" bs=512 seek="$root_start" conv=notrunc status=none
  qemu-img convert -q -c -f raw -O qcow2 "$raw" "$out.tmp"
  mv -f "$out.tmp" "$out"
}

work=""
build() {
  local out=$1 root kver
  work=$(mktemp -d "$CACHE/.build-cloud.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  root=$work/root
  install_root "$root" "$work/apt.log"
  kver=$(basename "$(ls -d "$root"/lib/modules/*/ | head -n1)")
  [ -f "$root/boot/vmlinuz-$kver" ] || die "no kernel in the root ($kver)"
  configure_system "$root"
  make_locale "$root"
  make_initramfs "$root" "$kver"
  make_container_image "$root"
  in_root "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$work/versions"
  slim_root "$root"
  pack_disk "$work" "$root" "$kver" "$out"
  mv -f "$work/versions" "${out%.qcow2}.versions"
  rm -rf "$work"
  trap - EXIT
}

main() {
  mkdir -p "$CACHE"
  local out started
  out=$CACHE/cloud-init-guest-$(recipe_hash).qcow2
  exec 9>"$CACHE/.build-cloud.lock"
  flock 9 # a parallel build waits, then finds the image
  if [ -f "$out" ] && [ $force = 0 ]; then echo "$out"; return 0; fi
  install_host_tools
  started=$(date +%s)
  log "building $out"
  build "$out"
  log "built in $(($(date +%s) - started)) s ($(du -h "$out" | cut -f1))"
  echo "$out"
}

main
