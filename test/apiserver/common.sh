# shellcheck shell=bash
# Shared by up.sh, down.sh and restart-apiserver.sh; sourced, never run.
#
# A test control plane lives in one folder (DIR) that holds everything it needs:
#   DIR/.lab-apiserver        marker: down.sh removes only folders that carry it
#   DIR/state.env             ports, token and binaries, written by up.sh (sourced by the others)
#   DIR/kubeconfig            admin kubeconfig (static token in system:masters, CA embedded)
#   DIR/pki/                  CA, serving cert for 127.0.0.1/localhost, service-account key pair
#   DIR/etcd/                 etcd data
#   DIR/{etcd,kube-apiserver}.{pid,log}

# shellcheck disable=SC2034 # HERE is for the scripts that source this file
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEFAULT_DIR="${LAB_APISERVER_DIR:-${TMPDIR:-/tmp}/lab-apiserver}"
READY_TIMEOUT="${LAB_APISERVER_READY_TIMEOUT:-90}"

log() { printf '[apiserver] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

parse_dir_arg() { # sets DIR and EXTRA_ARGS from "$@"
  DIR="$DEFAULT_DIR"
  EXTRA_ARGS=()
  while (($#)); do
    case "$1" in
      --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; DIR="$2"; shift 2 ;;
      --dir=*) DIR="${1#--dir=}"; shift ;;
      *) EXTRA_ARGS+=("$1"); shift ;;
    esac
  done
  [[ "$DIR" == /* ]] || DIR="$PWD/$DIR"
}

# Alive means running: a zombie (exited, not yet reaped by whoever adopted it) counts as gone.
pid_alive() {
  local state
  [[ -n "${1:-}" ]] && state="$(ps -o stat= -p "$1" 2>/dev/null)" && [[ -n "$state" && "$state" != Z* ]]
}

read_pid() { if [[ -f "$DIR/$1.pid" ]]; then cat "$DIR/$1.pid"; fi; }

# Stop one recorded process: SIGTERM, wait up to 15s, then SIGKILL. Only the recorded pid.
stop_process() {
  local name="$1" pid i
  pid="$(read_pid "$name")"
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then
      log "$name (pid $pid) ignored SIGTERM for 15s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    fi
  fi
  rm -f "$DIR/$name.pid"
}

# Start a binary detached (own session, output to DIR/NAME.log) and record its pid.
start_process() { # name binary args...
  local name="$1"; shift
  setsid "$@" >>"$DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pid"
}

# Poll a URL until it answers 200 with "ok" or the deadline passes; no fixed sleeps.
wait_ready() { # name url curl-args...
  local name="$1" url="$2"; shift 2
  local pid deadline=$((SECONDS + READY_TIMEOUT))
  pid="$(read_pid "$name")"
  while ((SECONDS < deadline)); do
    if ! pid_alive "$pid"; then
      log "$name exited before it was ready"
      show_log "$name"
      return 1
    fi
    if [[ "$(curl -fsS --max-time 2 "$@" "$url" 2>/dev/null)" == "ok" ]]; then return 0; fi
    sleep 0.1
  done
  log "$name was not ready at $url within ${READY_TIMEOUT}s"
  show_log "$name"
  return 1
}

show_log() { # the errors first (klog E/F lines, etcd error/fatal), then the tail
  local file="$DIR/$1.log"
  log "last errors in $file:"
  grep -E '^[EF][0-9]{4} |"level":"(error|fatal|panic)"' "$file" | tail -n 10 >&2 || true
  log "last lines of $file:"
  tail -n 20 "$file" >&2 || true
}

# A free TCP port on 127.0.0.1 (nothing accepts a connection on it). Racy by nature; callers retry.
free_port() {
  local port i
  for ((i = 0; i < 100; i++)); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  die "found no free port on 127.0.0.1"
}

load_state() {
  [[ -f "$DIR/state.env" ]] || die "no control plane in $DIR (no state.env); run up.sh --dir $DIR first"
  # shellcheck disable=SC1091
  source "$DIR/state.env"
}

print_state() { # KEY=VALUE lines on stdout, for people and for test/e2e/support/apiserver.ts
  printf 'LAB_APISERVER_DIR=%s\n' "$DIR"
  printf 'KUBECONFIG=%s\n' "$DIR/kubeconfig"
  printf 'LAB_APISERVER_URL=https://127.0.0.1:%s\n' "$APISERVER_PORT"
  printf 'LAB_APISERVER_TOKEN=%s\n' "$TOKEN"
  printf 'LAB_APISERVER_BIN_DIR=%s\n' "$LAB_APISERVER_BIN_DIR"
  printf 'KUBECTL=%s\n' "$KUBECTL"
  printf 'ETCD_URL=http://127.0.0.1:%s\n' "$ETCD_PORT"
}
