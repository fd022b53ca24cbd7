#!/usr/bin/env bash
# Stop the etcd + kube-apiserver that up.sh started in DIR, then remove DIR.
#
# usage: test/apiserver/down.sh [--dir DIR] [--keep]
#   --keep   stop the processes but leave DIR (logs, certs, data) for a look
# Only the pids recorded in DIR are signalled, and DIR is removed only if up.sh made it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"

parse_dir_arg "$@"
KEEP=0
for a in "${EXTRA_ARGS[@]}"; do
  case "$a" in
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $a" ;;
  esac
done

if [[ ! -e "$DIR" ]]; then log "nothing to stop: $DIR does not exist"; exit 0; fi
[[ -f "$DIR/.lab-apiserver" ]] || die "$DIR was not made by up.sh (no .lab-apiserver marker); not touching it"

stop_process kube-apiserver # first, so it does not log etcd errors while shutting down
stop_process etcd
if [[ "$KEEP" == 1 ]]; then
  log "stopped; kept $DIR"
else
  rm -rf --one-file-system "${DIR:?}"
  log "stopped and removed $DIR"
fi
