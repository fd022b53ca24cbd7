#!/usr/bin/env bash
# Stops, starts or reboots one recorded sandbox container; its copy (and so its host key
# and everything installed in it) is kept.
#
#   ctl.sh --state-dir DIR stop|start|reboot NAME
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=container.sh
source "$(dirname "$0")/container.sh"

STATE_DIR="" args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --state-dir) STATE_DIR=${2:?}; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ -n "$STATE_DIR" ] || die "--state-dir is required"
[ ${#args[@]} -eq 2 ] || die "usage: ctl.sh --state-dir DIR stop|start|reboot NAME"
verb=${args[0]} name=${args[1]}
require_root_and_tools
[ -f "$(record_path)" ] || die "no sandbox recorded in $STATE_DIR"
lock_state
[ -n "$(container_field "$name" name)" ] || die "no container $name in $(record_path)"

start() {
  local pid
  pid=$(container_field "$name" pid)
  if is_nspawn_of "$pid" "$name"; then log "$name is already running"; return; fi
  boot_container "$name"
  wait_ready "$name"
  log "$name is $(container_field "$name" systemState)"
}

case "$verb" in
  stop) poweroff_container "$name" ;;
  start) start ;;
  # SIGINT asks systemd for a reboot; nspawn then exits (status 133) and we boot the copy again.
  reboot) poweroff_container "$name" INT; start ;;
  *) die "unknown verb $verb: stop, start or reboot" ;;
esac
read_record | jq --arg n "$name" '.containers[] | select(.name == $n)'
