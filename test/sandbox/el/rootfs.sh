# shellcheck shell=bash
# The `el` variant of build-rootfs.sh (sourced by it): `prebaked` (the real libvirt, qemu,
# ipmitool, python3-libvirt and venv from Debian) plus what makes it an EL 9 family host
# for the operator: NetworkManager as the only network stack, firewalld, dnf and rpm, an
# EL os-release, and the local repository double of marker RPMs (repo.sh) that dnf
# installs from. dnf, NetworkManager and firewalld run for real; the repository is the double.

EL_REPO_DIR=/srv/lab-el-repo

el_os_release() {
  cat <<'OS'
NAME="Rocky Linux"
VERSION="9.4 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.4 (lab-operator EL sandbox: Debian packages + local RPM repo double)"
ANSI_COLOR="0;32"
HOME_URL="https://rockylinux.org/"
OS
}

el_configure() {
  local root=$1
  # Debian's rpm keeps its database under $HOME unless told otherwise.
  mkdir -p "$root/etc/rpm" "$root/etc/yum.repos.d"
  printf '%%_dbpath /var/lib/rpm\n' >"$root/etc/rpm/macros.dbpath"
  rm -f "$root/etc/os-release"
  el_os_release >"$root/etc/os-release"
  cat >"$root/etc/yum.repos.d/lab-double-base.repo" <<REPO
[lab-double-base]
name=lab-operator EL sandbox double of BaseOS, AppStream and extras
baseurl=file://$EL_REPO_DIR/base
enabled=1
gpgcheck=0
REPO
  # The container's DNS is the host's (nspawn copies resolv.conf): NetworkManager must not
  # rewrite it with the none host0 has.
  mkdir -p "$root/etc/NetworkManager/conf.d"
  printf '[main]\ndns=none\n' >"$root/etc/NetworkManager/conf.d/90-lab-sandbox.conf"
  # NetworkManager is the network stack, as on EL: networkd (enabled in bare) is off.
  systemctl --root="$root" disable systemd-networkd.service systemd-networkd.socket \
    systemd-networkd-wait-online.service >/dev/null 2>&1 || true
  systemctl --root="$root" mask systemd-networkd.service >/dev/null 2>&1
  systemctl --root="$root" enable NetworkManager.service firewalld.service >/dev/null 2>&1
  # libvirt's `default` NAT network (192.168.122.0/24) is not autostarted: the lab's
  # hypervisor-control-plane network uses that subnet, as in the seed.
  rm -f "$root"/etc/libvirt/qemu/networks/autostart/default.xml
}

build_el() {
  local out=$1 work=$2 prebaked
  prebaked=$(tarball_path prebaked)
  [ -f "$prebaked" ] || "$SELF" --variant prebaked >/dev/null
  mkdir -p "$work/root"
  unpack "$prebaked" "$work/root"
  log "installing ${EL_PACKAGES[*]}"
  nspawn_run "$work/root" env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get update -q && apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
    sh "${EL_PACKAGES[@]}" >"$work/apt.log" 2>&1 || { tail -n 30 "$work/apt.log" >&2; return 1; }
  log "building the local RPM repository double"
  "$EL_DIR/repo.sh" "$work/root$EL_REPO_DIR"
  el_configure "$work/root"
  # The release package first, as on a real host: dnf then knows releasever = 9.
  nspawn_run "$work/root" dnf -y -q install rocky-release >"$work/dnf.log" 2>&1 ||
    { tail -n 30 "$work/dnf.log" >&2; return 1; }
  rm -rf "$work/root"/var/lib/apt/lists/*_* "$work/root"/var/cache/dnf/* "$work/root"/etc/ssh/ssh_host_*
  : >"$work/root/etc/machine-id"
  log "packing $out"
  pack "$work/root" "$out"
}
