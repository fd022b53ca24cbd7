#!/usr/bin/env bash
# Tears down what up.sh recorded, and nothing else: powers the containers off cleanly
# (killing them after a deadline), removes their copies and veths, then the bridge, the
# nftables table, and restores net.ipv4.ip_forward if up changed it.
#
#   down.sh --state-dir DIR [--name NAME]
#
# With --name only that container goes; the shared network stays for the others.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=container.sh
source "$(dirname "$0")/container.sh"
# shellcheck source=network.sh
source "$(dirname "$0")/network.sh"

STATE_DIR="" only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --state-dir) STATE_DIR=${2:?}; shift 2 ;;
    --name) only=${2:?}; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[ -n "$STATE_DIR" ] || die "--state-dir is required"
require_root_and_tools

# Delete a link; one that vanished meanwhile (nspawn's own cleanup) is not an error.
delete_link() {
  ip link del "$1" 2>/dev/null || ! ip link show dev "$1" >/dev/null 2>&1
}

remove_container() {
  local name=$1 veth root
  log "powering off $name"
  poweroff_container "$name"
  veth=$(container_field "$name" veth)
  # nspawn removes its veth on exit; a killed nspawn may leave it behind. A veth of that
  # name on another bridge belongs to another sandbox's container of the same name: keep it.
  # nspawn may still be removing it as we look: gone by the time we delete it is fine too.
  if [ -n "$veth" ] && [[ "$(ip -o link show dev "$veth" 2>/dev/null)" == *" master $(read_record | jq -r '.bridge.name') "* ]]; then
    delete_link "$veth"
  fi
  veth=$(container_field "$name" officeVeth)
  if [ -n "$veth" ] && [[ "$(ip -o link show dev "$veth" 2>/dev/null)" == *" master $(read_record | jq -r '.officeLan.bridge') "* ]]; then
    delete_link "$veth"
  fi
  root=$(container_field "$name" rootfs)
  # Only ever delete a copy inside our own state dir, and never through its mount.
  case "$root" in "$STATE_DIR"/machines/"$name"/rootfs)
    unmount_copy "$STATE_DIR/machines/$name"
    rm -rf "$STATE_DIR/machines/$name" ;;
  esac
  log "removed $name"
  update_record 'del(.containers[] | select(.name == $n))' --arg n "$name"
  write_known_hosts
}

main() {
  [ -f "$(record_path)" ] || { log "nothing recorded in $STATE_DIR: nothing to do"; echo '{}'; return; }
  STATE_DIR=$(cd "$STATE_DIR" && pwd)
  lock_state
  local name
  if [ -n "$only" ]; then
    [ -n "$(container_field "$only" name)" ] || die "no container $only in $(record_path)"
    remove_container "$only"
    read_record
    return
  fi
  for name in $(container_names); do request_poweroff "$name"; done
  for name in $(container_names); do remove_container "$name"; done
  teardown_office_lan
  teardown_network
  rm -f "$(record_path)" "$STATE_DIR/known_hosts"
  rmdir "$STATE_DIR/machines" 2>/dev/null || true
  log "sandbox in $STATE_DIR is down"
  echo '{}'
}

main
