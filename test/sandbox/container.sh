# shellcheck shell=bash
# One sandbox container's life cycle; sourced after lib.sh. Functions take the machine
# name and read/write its entry in the record.

# The tarball unpacked once, next to it, as the read-only lower layer of every copy.
ensure_base() {
  local tarball=$1 base=${1%.tar.zst}.d
  (
    exec 9>"$base.lock"
    flock 9
    [ -d "$base" ] && exit 0
    rm -rf "$base.partial" && mkdir -p "$base.partial"
    zstd -q -dc "$tarball" | tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$base.partial" -xf -
    mv "$base.partial" "$base"
  )
  echo "$base"
}

# A copy is an overlay: the shared base below, the container's own changes in upper/.
# Creating one takes milliseconds and little disk; it survives until `down` removes it.
# Where overlayfs cannot be used (e.g. a state dir on overlayfs itself), the copy is a
# plain unpack of the base (slower, a full rootfs per container), marked by $dir/plain.
mount_copy() {
  local dir=$1 base=$2
  [ -e "$dir/plain" ] && return 0
  mkdir -p "$dir/upper" "$dir/work" "$dir/rootfs"
  echo "$base" >"$dir/lower"
  mountpoint -q "$dir/rootfs" && return 0
  if [ "${LAB_SANDBOX_COPY:-overlay}" = overlay ] &&
    mount -t overlay "overlay-$(basename "$dir")" -o "lowerdir=$base,upperdir=$dir/upper,workdir=$dir/work" "$dir/rootfs"; then
    return 0
  fi
  log "$(basename "$dir"): no overlay mount here; copying the rootfs instead"
  rm -rf "$dir/upper" "$dir/work"
  cp -a "$base/." "$dir/rootfs/"
  touch "$dir/plain"
}

unmount_copy() {
  local dir=$1
  if mountpoint -q "$dir/rootfs"; then umount "$dir/rootfs"; fi
}

# Make a fresh copy of the cached rootfs and give it its own identity: hostname,
# address on host0, SSH host key (generated here, before first boot) and root's key.
prepare_copy() {
  local name=$1 address=$2 tarball=$3 pubkey=$4
  local dir="$STATE_DIR/machines/$name" root="$STATE_DIR/machines/$name/rootfs"
  unmount_copy "$dir"
  rm -rf "$dir"
  mount_copy "$dir" "$(ensure_base "$tarball")"
  echo "$name" >"$root/etc/hostname"
  printf '127.0.1.1\t%s\n' "$name" >>"$root/etc/hosts"
  write_host0_config "$root" "$address"
  [ "$(read_record | jq -r '.officeLan.bridge // empty')" = "" ] || write_office0_config "$root"
  rm -f "$root"/etc/ssh/ssh_host_*
  ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$root/etc/ssh/ssh_host_ed25519_key"
  echo "HostKey /etc/ssh/ssh_host_ed25519_key" >"$root/etc/ssh/sshd_config.d/20-lab-hostkey.conf"
  install -d -m 0700 "$root/root/.ssh"
  install -m 0600 "$pubkey" "$root/root/.ssh/authorized_keys"
  trust_host_cas "$root"
  allow_guests "$root"
}

# libvirt cannot create cgroups for guests inside an nspawn container (hybrid cgroups,
# read-only), so a VM would not start: tell it not to try, before libvirtd first starts.
# Only where libvirt is installed already (prebaked, el); a real Manager needs nothing.
allow_guests() {
  local conf=$1/etc/libvirt/qemu.conf
  [ -f "$conf" ] || return 0
  grep -qxF 'cgroup_controllers = [ ]' "$conf" || echo 'cgroup_controllers = [ ]' >>"$conf"
}

# The static address on host0, written for the copy's network stack: systemd-networkd, or
# NetworkManager in the `el` variant (a keyfile not named lab-*, so the operator never
# takes it for one of its own bridge connections).
write_host0_config() {
  local root=$1 address=$2
  if [ -d "$root/etc/NetworkManager/system-connections" ]; then
    install -m 0600 /dev/stdin "$root/etc/NetworkManager/system-connections/sandbox-host0.nmconnection" <<EOF
[connection]
id=sandbox-host0
type=ethernet
interface-name=host0
autoconnect=true

[ipv4]
method=manual
address1=$address/24,$SUBNET.1

[ipv6]
method=disabled
EOF
    return
  fi
  cat >"$root/etc/systemd/network/10-lab-host0.network" <<EOF
[Match]
Virtualization=container
Name=host0

[Network]
Address=$address/24
Gateway=$SUBNET.1
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
}

# office0 (the office LAN NIC, when the sandbox has one) takes its address from the office
# LAN's DHCP server, configured as an installer would: a networkd file sorting before the
# operator's (like a hand-written 20-wired.network), with a client id from the MAC
# (ClientIdentifier=mac; networkd's own default is one from the machine's DUID and the
# interface name); or a NetworkManager profile in the `el` variant.
write_office0_config() {
  local root=$1
  if [ -d "$root/etc/NetworkManager/system-connections" ]; then
    install -m 0600 /dev/stdin "$root/etc/NetworkManager/system-connections/sandbox-office0.nmconnection" <<EOF
[connection]
id=sandbox-office0
type=ethernet
interface-name=office0
autoconnect=true

[ipv4]
method=auto

[ipv6]
method=disabled
EOF
    return
  fi
  cat >"$root/etc/systemd/network/20-office0.network" <<EOF
[Match]
Name=office0

[Network]
DHCP=ipv4
LinkLocalAddressing=no
IPv6AcceptRA=no

[DHCPv4]
ClientIdentifier=mac
EOF
}

# Put the host side of the container's office0 veth on the office LAN bridge: nspawn
# creates it down and on no bridge. Polls until nspawn has created it (milliseconds).
attach_office_veth() {
  local name=$1 pid=$2 bridge veth="vo-$1" deadline=$((SECONDS + 20))
  bridge=$(read_record | jq -r '.officeLan.bridge // empty')
  [ -n "$bridge" ] || return 0
  until ip link show dev "$veth" >/dev/null 2>&1; do
    is_nspawn_of "$pid" "$name" || return 0 # wait_ready reports the failed boot
    [ "$SECONDS" -lt "$deadline" ] || die "container $name: no veth $veth after 20s"
    sleep 0.05 # poll interval; the deadline bounds the wait
  done
  ip link set dev "$veth" master "$bridge"
  ip link set dev "$veth" up
  update_record '(.containers[] | select(.name == $n)).officeVeth = $v' --arg n "$name" --arg v "$veth"
}

# The host may reach the registries through a TLS-inspecting egress proxy whose CA only
# the host trusts: give the container the host's bundle, and its local CAs so that a later
# update-ca-certificates inside (the ca-certificates package) keeps them.
trust_host_cas() {
  local root=$1
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  fi
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    install -d -m 0755 "$root/usr/local/share/ca-certificates"
    install -m 0644 /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  fi
}

# Add the container to the record (not yet booted).
record_container() {
  local name=$1 index=$2 address=$3 variant=$4
  local dir="$STATE_DIR/machines/$name"
  local pub="$dir/rootfs/etc/ssh/ssh_host_ed25519_key.pub"
  local line fingerprint
  line=$(awk '{ print $1 " " $2 }' "$pub")
  fingerprint=$(ssh-keygen -l -E sha256 -f "$pub" | awk '{ print $2 }')
  update_record '.containers += [{name: $n, index: ($i | tonumber), address: $a, variant: $v,
      rootfs: $r, log: $l, veth: ("vb-" + $n), hostKeyLine: $k, fingerprint: $f,
      pid: null, systemState: null}]' \
    --arg n "$name" --arg i "$index" --arg a "$address" --arg v "$variant" \
    --arg r "$dir/rootfs" --arg l "$dir/console.log" --arg k "$line" --arg f "$fingerprint"
  write_known_hosts
}

# known_hosts holding exactly the pinned key of every recorded container.
write_known_hosts() {
  local known
  known=$(read_record | jq -r '.knownHostsFile')
  read_record | jq -r '(.containers // [])[] | .address + " " + .hostKeyLine' >"$known.tmp"
  mv -f "$known.tmp" "$known"
}

# Start systemd-nspawn in its own session (a Ctrl-C of the caller leaves it running).
boot_container() {
  local name=$1
  local root logf bridge pid extra=()
  root=$(container_field "$name" rootfs)
  logf=$(container_field "$name" log)
  bridge=$(read_record | jq -r '.bridge.name')
  mount_copy "$(dirname "$root")" "$(cat "$(dirname "$root")/lower")" # gone after a host reboot
  # KVM for nested guests when the host's CPU offers it; qemu falls back to TCG otherwise. A
  # /dev/kvm without vmx or svm in the CPU flags was seen here (2026-12-05): the KVM API
  # answered, but libvirtd's capability probe of qemu (accel=kvm:tcg) never settled, and every
  # defineXML behind it hung (sushy-tools' first GET of a System). LAB_SANDBOX_KVM=yes|no overrides.
  case ${LAB_SANDBOX_KVM:-auto} in
    yes) extra+=(--bind=/dev/kvm) ;;
    auto) [ -c /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && extra+=(--bind=/dev/kvm) ;;
  esac
  # The office LAN's NIC: host side vo-NAME (at most 15 bytes: names are at most 12).
  [ "$(read_record | jq -r '.officeLan.bridge // empty')" = "" ] || extra+=("--network-veth-extra=vo-$name:office0")
  # 8>&- and 9>&-: the container must not inherit (and so hold forever) our lock files.
  setsid systemd-nspawn -b -D "$root" -M "$name" "--network-bridge=$bridge" \
    --register=no --keep-unit --timezone=off --console=read-only "${extra[@]}" \
    </dev/null >>"$logf" 2>&1 8>&- 9>&- &
  pid=$!
  update_record '(.containers[] | select(.name == $n)) |= (.pid = ($p | tonumber) | .systemState = null)' \
    --arg n "$name" --arg p "$pid"
  attach_office_veth "$name" "$pid"
}

# Poll until systemd inside reports running or degraded over ssh, or fail at the deadline.
wait_ready() {
  local name=$1
  local address pid state="" attempts=0 deadline=$((SECONDS + BOOT_TIMEOUT))
  address=$(container_field "$name" address)
  pid=$(container_field "$name" pid)
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! is_nspawn_of "$pid" "$name"; then
      boot_failed "$name" "systemd-nspawn exited during boot"
    fi
    # Short connect timeouts first (a SYN lost while the veth comes up is retried sooner),
    # then longer ones: ConnectTimeout also bounds sshd's banner, slow on a loaded host.
    attempts=$((attempts + 1))
    state=$(SSH_CONNECT_TIMEOUT=$([ "$attempts" -le 5 ] && echo 1 || echo 10) \
      sandbox_ssh "$address" systemctl is-system-running 2>/dev/null) || true
    case "$state" in
      running|degraded)
        update_record '(.containers[] | select(.name == $n)).systemState = $s' --arg n "$name" --arg s "$state"
        return 0 ;;
    esac
    sleep 0.2 # poll interval; the deadline bounds the wait
  done
  boot_failed "$name" "not ready after ${BOOT_TIMEOUT}s (last state: ${state:-no ssh answer})"
}

boot_failed() {
  local name=$1 reason=$2 logf
  logf=$(container_field "$name" log)
  log "container $name: $reason; last lines of $logf:"
  tail -n 25 "$logf" >&2 || true
  exit 1
}

# Ask for a clean shutdown without waiting (so several containers power off at once).
request_poweroff() {
  local name=$1 pid init
  pid=$(container_field "$name" pid)
  is_nspawn_of "$pid" "$name" || return 0
  init=$(container_init_pid "$pid")
  [ -z "$init" ] || kill -s RTMIN+4 "$init" 2>/dev/null || true
}

# Clean shutdown: RTMIN+4 asks systemd to power off (SIGINT would reboot); SIGKILL of the
# container's PID 1 after the deadline ends its whole PID namespace.
poweroff_container() {
  local name=$1 signal=${2:-RTMIN+4}
  local pid init deadline=$((SECONDS + STOP_TIMEOUT))
  pid=$(container_field "$name" pid)
  if is_nspawn_of "$pid" "$name"; then
    init=$(container_init_pid "$pid")
    [ -n "$init" ] && kill -s "$signal" "$init" 2>/dev/null || kill -s TERM "$pid" 2>/dev/null || true
    while is_nspawn_of "$pid" "$name" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if is_nspawn_of "$pid" "$name"; then
      log "container $name did not power off within ${STOP_TIMEOUT}s: killing it"
      init=$(container_init_pid "$pid")
      [ -z "$init" ] || kill -s KILL "$init" 2>/dev/null || true
      kill -s KILL "$pid" 2>/dev/null || true
      while is_nspawn_of "$pid" "$name"; do sleep 0.1; done
    fi
  fi
  update_record '(.containers[] | select(.name == $n)) |= (.pid = null | .systemState = null)' --arg n "$name"
}
