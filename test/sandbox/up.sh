#!/usr/bin/env bash
# Boots sandbox Managers: Debian system containers under systemd-nspawn on a host bridge,
# each with its own address, its own SSH host key and root's authorized key.
#
#   up.sh --count N [--variant bare|prebaked|el] [--prefix NAME] --authorized-key PUBFILE
#         [--identity KEYFILE] --state-dir DIR [--bridge NAME] [--subnet 10.77.0]
#         [--office-lan [--office-bridge NAME] [--office-subnet 10.78.0]]
#
# --office-lan (opt-in; recorded, so a later call keeps it): a second host bridge with a
# DHCP server (dnsmasq bound to it only, nothing leaves the machine), and a second NIC
# `office0` in every container on it, configured for DHCP by the container's own network
# stack, like a Manager's NIC on the office LAN.
#
# Level-triggered: afterwards at least N containers exist and all recorded ones run
# (calling it again adds containers or restarts stopped ones; it never removes any).
# Writes the record of everything it created to DIR/sandbox.json and prints it.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=container.sh
source "$(dirname "$0")/container.sh"
# shellcheck source=network.sh
source "$(dirname "$0")/network.sh"

count=1 variant=bare prefix=labmgr pubkey="" identity="" STATE_DIR=""
BRIDGE=labsbx0 SUBNET=10.77.0
OFFICE_LAN=false OFFICE_BRIDGE="" OFFICE_SUBNET=""
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=${2:?}; shift 2 ;;
    --variant) variant=${2:?}; shift 2 ;;
    --prefix) prefix=${2:?}; shift 2 ;;
    --authorized-key) pubkey=${2:?}; shift 2 ;;
    --identity) identity=${2:?}; shift 2 ;;
    --state-dir) STATE_DIR=${2:?}; shift 2 ;;
    --bridge) BRIDGE=${2:?}; shift 2 ;;
    --subnet) SUBNET=${2:?}; shift 2 ;;
    --office-lan) OFFICE_LAN=true; shift ;;
    --office-bridge) OFFICE_BRIDGE=${2:?}; shift 2 ;;
    --office-subnet) OFFICE_SUBNET=${2:?}; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[ -n "$STATE_DIR" ] || die "--state-dir is required"
[ -f "$pubkey" ] || die "--authorized-key must name a public key file"
identity=${identity:-${pubkey%.pub}}
[ -f "$identity" ] || die "no private key at $identity (pass --identity)"
{ [[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -le 50 ]; } || die "--count must be a number up to 50"
[[ "$prefix" =~ ^[a-z][a-z0-9-]{0,8}$ ]] || die "--prefix: lowercase, at most 9 characters (veth names are 15 bytes)"
[[ "$BRIDGE" =~ ^[a-z][a-z0-9]{0,14}$ ]] || die "--bridge: lowercase letters and digits, at most 15"
[[ "$SUBNET" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "--subnet takes three octets, e.g. 10.77.0"
[ -z "$OFFICE_BRIDGE" ] || [[ "$OFFICE_BRIDGE" =~ ^[a-z][a-z0-9-]{0,14}$ ]] || die "--office-bridge: lowercase letters, digits and -, at most 15"
[ -z "$OFFICE_SUBNET" ] || [[ "$OFFICE_SUBNET" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "--office-subnet takes three octets, e.g. 10.78.0"
case "$variant" in bare|prebaked|el) ;; *) die "--variant must be bare, prebaked or el" ;; esac
require_root_and_tools
STATE_DIR=$(mkdir -p "$STATE_DIR" && cd "$STATE_DIR" && pwd)

init_record() {
  [ "$(read_record)" != null ] && return
  jq -n --arg s "$STATE_DIR" --arg i "$(realpath "$identity")" --arg p "$(realpath "$pubkey")" \
    '{version: 1, stateDir: $s, identityFile: $i, authorizedKeyFile: $p,
      knownHostsFile: ($s + "/known_hosts"), bridge: null, officeLan: null, nftTable: null, ipForward: null, inotifyInstances: null,
      containers: []}' >"$(record_path)"
}

# Prepare the copies in parallel (the first unpacks the base layer), then record them.
add_containers() {
  local tarball=$1 wanted=$2 have next i name address pids=() names=() addresses=()
  have=$(read_record | jq '.containers | length')
  next=$(read_record | jq '[.containers[].index] | max // 0')
  [ "$wanted" -gt "$have" ] && log "creating $((wanted - have)) copies of $(basename "$tarball")"
  for ((i = 1; i <= wanted - have; i++)); do
    name="$prefix-$((next + i))"
    address="$SUBNET.$((10 + next + i))"
    [ "$((10 + next + i))" -lt 255 ] || die "no address left in $SUBNET.0/24"
    prepare_copy "$name" "$address" "$tarball" "$pubkey" &
    pids+=($!) names+=("$name") addresses+=("$address")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || die "preparing ${names[$i]} failed"
    record_container "${names[$i]}" "$((next + i + 1))" "${addresses[$i]}" "$variant"
  done
}

boot_stopped_containers() {
  local name pid started=()
  for name in $(container_names); do
    pid=$(container_field "$name" pid)
    is_nspawn_of "$pid" "$name" && continue
    log "booting $name"
    boot_container "$name"
    started+=("$name")
  done
  for name in "${started[@]}"; do
    wait_ready "$name"
    log "$name is $(container_field "$name" systemState)"
  done
}

main() {
  lock_state
  init_record
  local tarball began=$SECONDS
  tarball=$("$SANDBOX_DIR/build-rootfs.sh" --variant "$variant")
  ensure_bridge
  ensure_nat
  if [ "$OFFICE_LAN" = true ] || [ "$(read_record | jq -r '.officeLan.bridge // empty')" != "" ]; then
    ensure_office_lan
  fi
  add_containers "$tarball" "$count"
  boot_stopped_containers
  log "up in $((SECONDS - began)) s"
  read_record
}

main
