#!/usr/bin/env bash
# Prints, as JSON, each recorded container: running (its nspawn is alive) and reachable
# (ssh with the pinned host key answers), with systemd's state inside.
#
#   status.sh --state-dir DIR
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

STATE_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --state-dir) STATE_DIR=${2:?}; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[ -n "$STATE_DIR" ] || die "--state-dir is required"
require_root_and_tools
if [ ! -f "$(record_path)" ]; then echo '{"containers": []}'; exit 0; fi

container_status() {
  local name=$1 address pid running=false reachable=false state=""
  address=$(container_field "$name" address)
  pid=$(container_field "$name" pid)
  if is_nspawn_of "$pid" "$name"; then
    running=true
    # ConnectTimeout also bounds sshd's banner: generous, for a loaded host.
    state=$(SSH_CONNECT_TIMEOUT=10 sandbox_ssh "$address" systemctl is-system-running 2>/dev/null) || true
    [ -n "$state" ] && reachable=true
  fi
  jq -n --arg n "$name" --arg a "$address" --argjson r "$running" --argjson s "$reachable" \
    --arg st "$state" '{name: $n, address: $a, running: $r, reachable: $s, systemState: (if $st == "" then null else $st end)}'
}

for name in $(container_names); do container_status "$name"; done |
  jq -s --argjson rec "$(read_record)" '{bridge: $rec.bridge, containers: .}'
