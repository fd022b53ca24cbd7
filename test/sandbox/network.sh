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
  if [ -n "$previous" ] && nft list tables | grep -q ' labsandbox_'; then
    log "leaving net.ipv4.ip_forward=1: another sandbox on this host still forwards"
  elif [ -n "$previous" ]; then
    log "restoring net.ipv4.ip_forward=$previous"
    sysctl -q -w "net.ipv4.ip_forward=$previous"
  fi
  update_record '.ipForward = null'
  previous=$(read_record | jq -r 'select(.inotifyInstances.changed == true) | .inotifyInstances.previous')
  if [ -n "$previous" ] && nft list tables | grep -q ' labsandbox_'; then
    log "leaving fs.inotify.max_user_instances raised: another sandbox on this host still runs"
  elif [ -n "$previous" ]; then
    log "restoring fs.inotify.max_user_instances=$previous"
    sysctl -q -w "fs.inotify.max_user_instances=$previous"
  fi
  update_record '.inotifyInstances = null'
}
