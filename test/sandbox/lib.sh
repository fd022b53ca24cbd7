# shellcheck shell=bash
# Shared by up.sh, down.sh, ctl.sh and status.sh: the sandbox record and one container's
# life cycle (prepare a copy, boot, wait until ready, power off).
#
# The record ($STATE_DIR/sandbox.json) lists everything `up` created, so `down` touches
# nothing else. Every change to it happens under $STATE_DIR/.lock.

# shellcheck disable=SC2034 # used by the scripts that source this file
SANDBOX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BOOT_TIMEOUT=${LAB_SANDBOX_BOOT_TIMEOUT:-120}
STOP_TIMEOUT=${LAB_SANDBOX_STOP_TIMEOUT:-30}

STARTED_AT=${EPOCHREALTIME/./}
# Seconds since the script started, to a tenth: shows where time goes.
elapsed() { local us=$((${EPOCHREALTIME/./} - STARTED_AT)); printf '%d.%d' $((us / 1000000)) $((us / 100000 % 10)); }
# Under set -e a failed command would end the script without a word: say which one.
set -o errtrace
trap 'echo "sandbox: [$(elapsed)s] failed (exit $?): $BASH_COMMAND (${BASH_SOURCE[0]##*/}:$LINENO)" >&2' ERR
die() { echo "sandbox: [$(elapsed)s] $*" >&2; exit 1; }
log() { echo "sandbox: [$(elapsed)s] $*" >&2; }

require_root_and_tools() {
  [ "$(id -u)" = 0 ] || die "must run as root (systemd-nspawn, bridges, nftables)"
  local tool
  for tool in systemd-nspawn ip nft jq ssh ssh-keygen zstd tar; do
    command -v "$tool" >/dev/null || die "$tool is missing: run test/sandbox/install-host-deps.sh"
  done
}

record_path() { echo "$STATE_DIR/sandbox.json"; }

lock_state() {
  mkdir -p "$STATE_DIR"
  exec 8>"$STATE_DIR/.lock"
  flock 8
}

read_record() {
  local path
  path=$(record_path)
  if [ -f "$path" ]; then cat "$path"; else echo 'null'; fi
}

# Apply a jq filter (plus jq args) to the record and save it atomically.
update_record() {
  local filter=$1; shift
  local path tmp
  path=$(record_path)
  tmp="$path.tmp"
  read_record | jq "$@" "$filter" >"$tmp"
  mv -f "$tmp" "$path"
}

container_field() { read_record | jq -r --arg n "$1" ".containers[] | select(.name == \$n) | .$2 // empty"; }

container_names() { read_record | jq -r '(.containers // [])[].name'; }

# Run a command in a container over ssh: our key only, host key pinned in known_hosts.
sandbox_ssh() {
  local address=$1; shift
  local identity known
  identity=$(read_record | jq -r '.identityFile')
  known=$(read_record | jq -r '.knownHostsFile')
  ssh -o BatchMode=yes -o ConnectTimeout="${SSH_CONNECT_TIMEOUT:-3}" -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$known" -o IdentitiesOnly=yes -o LogLevel=ERROR \
    -i "$identity" "root@$address" "$@"
}

# True when PID is a live systemd-nspawn for machine NAME (guards against PID reuse).
is_nspawn_of() {
  local pid=$1 name=$2
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  # Not piped into grep: under pipefail grep quitting early can fail the pipe (SIGPIPE).
  [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *"systemd-nspawn "*"-M $name "* ]]
}

# The container's PID 1 as seen from the host: nspawn's child.
# Empty (not a failure) when it has already exited.
container_init_pid() { { pgrep -P "$1" || true; } | head -n 1; }
