# shellcheck shell=bash
# The sandbox's host network: a bridge with the gateway address, NAT out of the uplink
# (an nftables table of our own) and IPv4 forwarding. Sourced after lib.sh; each piece is
# recorded only when we created it, and torn down only when the record says so.

NFT_FAMILY=inet

ensure_bridge() {
  local recorded
  recorded=$(read_record | jq -r '.bridge.name // empty')
  if [ -n "$recorded" ]; then BRIDGE=$recorded; SUBNET=$(read_record | jq -r '.bridge.subnet'); fi
  if ip link show dev "$BRIDGE" >/dev/null 2>&1; then
    [ -n "$recorded" ] || die "bridge $BRIDGE exists but is not ours: pick another with --bridge"
  else
    local taken
    taken=$(ip -o route show to "$SUBNET.0/24" | awk '{ print $3 }' | paste -sd, -)
    [ -z "$taken" ] || die "subnet $SUBNET.0/24 is already routed to $taken on this host: pick another with --subnet"
    log "creating bridge $BRIDGE ($SUBNET.1/24)"
    ip link add "$BRIDGE" type bridge
    ip addr add "$SUBNET.1/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi
  update_record '.bridge = {name: $b, subnet: $s, address: ($s + ".1/24"), created: true}' \
    --arg b "$BRIDGE" --arg s "$SUBNET"
}

uplink_device() { ip -o route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }'; }

# Masquerade the sandbox subnet out of the uplink; accept its forwarded traffic even if
# another table's forward chain would drop it by policy.
ensure_nat() {
  local uplink recorded NFT_TABLE="labsandbox_$BRIDGE"
  uplink=$(uplink_device)
  [ -n "$uplink" ] || die "no default route on the host: containers could not reach the registry"
  recorded=$(read_record | jq -r '.nftTable.name // empty')
  if nft list table "$NFT_FAMILY" "$NFT_TABLE" >/dev/null 2>&1; then
    [ -n "$recorded" ] || die "nftables table $NFT_FAMILY $NFT_TABLE exists but is not ours"
  else
    log "creating nftables table $NFT_FAMILY $NFT_TABLE (masquerade $SUBNET.0/24 out of $uplink)"
    nft -f - <<EOF
table $NFT_FAMILY $NFT_TABLE {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr $SUBNET.0/24 oifname "$uplink" masquerade
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "$BRIDGE" accept
    oifname "$BRIDGE" ct state established,related accept
  }
}
EOF
  fi
  update_record '.nftTable = {family: $f, name: $t, uplink: $u, created: true}' \
    --arg f "$NFT_FAMILY" --arg t "$NFT_TABLE" --arg u "$uplink"
  ensure_ip_forward
  ensure_inotify_instances
}

# Each system container runs systemd, journald, dnsmasq...: all root, all holding inotify
# instances, so the kernel's default of 128 per user runs out with a few containers
# (dnsmasq then fails with "failed to create inotify: Too many open files").
INOTIFY_INSTANCES=1024
ensure_inotify_instances() {
  local current
  [ "$(read_record | jq -r '.inotifyInstances // empty')" != "" ] && return
  current=$(sysctl -n fs.inotify.max_user_instances)
  if [ "$current" -lt "$INOTIFY_INSTANCES" ]; then
    sysctl -q -w "fs.inotify.max_user_instances=$INOTIFY_INSTANCES"
    update_record '.inotifyInstances = {previous: $p, changed: true}' --arg p "$current"
  else
    update_record '.inotifyInstances = {previous: $p, changed: false}' --arg p "$current"
  fi
}

ensure_ip_forward() {
  local current
  current=$(sysctl -n net.ipv4.ip_forward)
  [ "$(read_record | jq -r '.ipForward // empty')" != "" ] && return
  if [ "$current" != 1 ]; then
    sysctl -q -w net.ipv4.ip_forward=1
    update_record '.ipForward = {previous: $p, changed: true}' --arg p "$current"
  else
    update_record '.ipForward = {previous: "1", changed: false}'
  fi
}

teardown_network() {
  local bridge table family previous
  bridge=$(read_record | jq -r 'select(.bridge.created == true) | .bridge.name')
  if [ -n "$bridge" ] && ip link show dev "$bridge" >/dev/null 2>&1; then
    log "removing bridge $bridge"
    ip link del "$bridge"
  fi
  update_record '.bridge = null'
  family=$(read_record | jq -r 'select(.nftTable.created == true) | .nftTable.family')
  table=$(read_record | jq -r 'select(.nftTable.created == true) | .nftTable.name')
  if [ -n "$table" ] && nft list table "$family" "$table" >/dev/null 2>&1; then
    log "removing nftables table $family $table"
    nft delete table "$family" "$table"
  fi
  update_record '.nftTable = null'
  previous=$(read_record | jq -r 'select(.ipForward.changed == true) | .ipForward.previous')
  if [ -n "$previous" ] && [[ "$(nft list tables)" == *" labsandbox_"* ]]; then
    log "leaving net.ipv4.ip_forward=1: another sandbox on this host still forwards"
  elif [ -n "$previous" ]; then
    log "restoring net.ipv4.ip_forward=$previous"
    sysctl -q -w "net.ipv4.ip_forward=$previous"
  fi
  update_record '.ipForward = null'
  previous=$(read_record | jq -r 'select(.inotifyInstances.changed == true) | .inotifyInstances.previous')
  if [ -n "$previous" ] && [[ "$(nft list tables)" == *" labsandbox_"* ]]; then
    log "leaving fs.inotify.max_user_instances raised: another sandbox on this host still runs"
  elif [ -n "$previous" ]; then
    log "restoring fs.inotify.max_user_instances=$previous"
    sysctl -q -w "fs.inotify.max_user_instances=$previous"
  fi
  update_record '.inotifyInstances = null'
}

# The opt-in office LAN: a bridge of its own with a DHCP server on it (dnsmasq, bound to that
# bridge only, no DNS, its pid and lease files in the state dir), nothing routed or NATed:
# like a Manager's office network, where a router hands out the address.
# No router option: the office LAN reaches nothing beyond the host, and office0 never
# competes with host0 (the operator's SSH NIC) for the default route.
# Containers get a second NIC office0 on it (see boot_container). Sourced after lib.sh.
OFFICE_RANGE_FIRST=100 OFFICE_RANGE_LAST=199

# A /24 of 10.78.0.0/16 no route on this host uses yet.
free_office_subnet() {
  local x routes
  routes=$(ip -o route)
  for ((x = OFFICE_RANGE_FIRST; x <= OFFICE_RANGE_LAST; x++)); do
    [[ "$routes" == *"10.78.$x."* ]] || { echo "10.78.$x"; return; }
  done
  die "no free 10.78.$OFFICE_RANGE_FIRST-$OFFICE_RANGE_LAST.0/24 for the office LAN"
}

ensure_office_lan() {
  local recorded bridge subnet
  recorded=$(read_record | jq -c '.officeLan // empty')
  if [ -n "$recorded" ]; then
    bridge=$(jq -r '.bridge' <<<"$recorded") subnet=$(jq -r '.subnet' <<<"$recorded")
  else
    bridge=${OFFICE_BRIDGE:-$prefix-ofc} subnet=${OFFICE_SUBNET:-$(free_office_subnet)}
  fi
  if ip link show dev "$bridge" >/dev/null 2>&1; then
    [ -n "$recorded" ] || die "bridge $bridge exists but is not ours: pick another with --office-bridge"
  else
    local taken
    taken=$(ip -o route show to "$subnet.0/24" | awk '{ print $3 }' | paste -sd, -)
    [ -z "$taken" ] || die "subnet $subnet.0/24 is already routed to $taken on this host: pick another with --office-subnet"
    log "creating office LAN bridge $bridge ($subnet.1/24, DHCP $subnet.100-199)"
    ip link add "$bridge" type bridge
    # No STP and no forward delay on the host side: a port forwards as soon as it is attached.
    ip link set dev "$bridge" type bridge stp_state 0 forward_delay 0
    ip addr add "$subnet.1/24" dev "$bridge"
    ip link set "$bridge" up
  fi
  update_record '.officeLan = {bridge: $b, subnet: $s, address: ($s + ".1/24"), created: true,
      dnsmasq: {pidFile: ($d + "/office-dnsmasq.pid"), leaseFile: ($d + "/office-dnsmasq.leases"),
        logFile: ($d + "/office-dnsmasq.log")}}' \
    --arg b "$bridge" --arg s "$subnet" --arg d "$STATE_DIR"
  ensure_office_dhcp
}

office_dnsmasq_pid() {
  local pidfile pid
  pidfile=$(read_record | jq -r '.officeLan.dnsmasq.pidFile // empty')
  [ -n "$pidfile" ] && [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  # Only our dnsmasq (guards against PID reuse): its command line names our lease file.
  [ -r "/proc/$pid/cmdline" ] || return 0
  [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" == *"--dhcp-leasefile=$STATE_DIR/office-dnsmasq.leases "* ]] && echo "$pid"
  return 0
}

ensure_office_dhcp() {
  local bridge subnet
  [ -n "$(office_dnsmasq_pid)" ] && return 0
  command -v dnsmasq >/dev/null || die "dnsmasq is missing: run test/sandbox/install-host-deps.sh"
  bridge=$(read_record | jq -r '.officeLan.bridge') subnet=$(read_record | jq -r '.officeLan.subnet')
  log "starting dnsmasq (DHCP only) on $bridge"
  touch "$STATE_DIR/office-dnsmasq.leases"
  # 8>&- 9>&-: the daemon must not hold our lock files.
  dnsmasq --conf-file=/dev/null --port=0 --bind-interfaces --interface="$bridge" --except-interface=lo \
    --dhcp-range="$subnet.100,$subnet.199,255.255.255.0,12h" --dhcp-authoritative --dhcp-option=option:router \
    --dhcp-leasefile="$STATE_DIR/office-dnsmasq.leases" --pid-file="$STATE_DIR/office-dnsmasq.pid" \
    --log-dhcp --log-facility="$STATE_DIR/office-dnsmasq.log" 8>&- 9>&-
}

teardown_office_lan() {
  local pid bridge
  pid=$(office_dnsmasq_pid)
  if [ -n "$pid" ]; then
    log "stopping the office LAN's dnsmasq ($pid)"
    kill "$pid" 2>/dev/null || true
  fi
  bridge=$(read_record | jq -r 'select(.officeLan.created == true) | .officeLan.bridge')
  if [ -n "$bridge" ] && ip link show dev "$bridge" >/dev/null 2>&1; then
    log "removing office LAN bridge $bridge"
    ip link del "$bridge"
  fi
  update_record '.officeLan = null'
}
