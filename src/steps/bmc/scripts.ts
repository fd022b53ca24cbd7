import { bash, POLL_UNTIL } from "../bash.js";

/**
 * The VirtualBMC entries and the UDP ports in use on the Manager, as one JSON object.
 * Args: $1 the venv's vbmc, $2 our domain. Exits 3 when vbmcd does not answer, so a stopped
 * daemon is never mistaken for "no entries".
 */
export const OBSERVE_BMC = bash`set -uo pipefail
vbmc=$1 dom=$2
[ -x "$vbmc" ] || { echo "VirtualBMC is not installed on the Manager ($vbmc missing): enable spec.virtualBMC of the LabManager" >&2; exit 3; }
entries=$("$vbmc" list -f json 2>&1) || { echo "vbmcd does not answer: $entries" >&2; exit 3; }
username=
if show=$("$vbmc" show "$dom" -f value -c Property -c Value 2>/dev/null); then
  # Only name characters: the value goes into JSON unquoted by anything else.
  username=$(awk '$1=="username" {print $2}' <<<"$show" | tr -cd 'A-Za-z0-9._-')
fi
ports=$(ss -Hlun 2>/dev/null | awk '{n=split($4, a, ":"); print a[n]}' | sort -un | paste -sd, -)
printf '{"entries":%s,"username":"%s","udpPorts":[%s]}\n' "$entries" "$username" "$ports"
`;

/**
 * Add an entry; the password comes on stdin and reaches vbmc inside its own python process
 * (never in any argv), joined to its option: argparse would take a password that begins with
 * "-" for an option. Args: $1 the venv's python, $2 domain, $3 port, $4 address, $5 user.
 */
export const ADD_BMC = bash`set -euo pipefail
py=$1
exec "$py" -c '
import sys
from virtualbmc.cmd.vbmc import main
password = sys.stdin.readline().rstrip("\n")
dom, port, address, user = sys.argv[1:5]
sys.exit(main(["add", dom, "--port", port, "--address", address, "--username=" + user,
               "--password=" + password, "--libvirt-uri", "qemu:///system"]))
' "$2" "$3" "$4" "$5"`;

/** start | stop | delete one entry, checking first. Args: $1 vbmc, $2 verb, $3 domain. */
export const BMC_CTL = bash`set -euo pipefail
vbmc=$1 op=$2 dom=$3
status=$("$vbmc" show "$dom" -f value -c Property -c Value 2>/dev/null | awk '$1=="status" {print $2}') || status=
case $op in
  start) [ "$status" = running ] || "$vbmc" start "$dom" ;;
  delete) [ -z "$status" ] || "$vbmc" delete "$dom" ;;
  *) echo "unknown operation: $op" >&2; exit 2 ;;
esac`;

/**
 * Ask the BMC for the power status over IPMI (lanplus) until it answers, within $4 seconds;
 * the password comes on stdin and reaches ipmitool through its environment (-E).
 * Args: $1 address, $2 port, $3 user, $4 seconds. Prints ipmitool's answer.
 */
export const VERIFY_BMC =
  POLL_UNTIL +
  bash`set -uo pipefail
IPMI_PASSWORD=$(head -n1)
export IPMI_PASSWORD
out=
answers() { out=$(ipmitool -I lanplus -H "$1" -p "$2" -U "$3" -E -N 1 -R 1 power status 2>&1); }
poll_until "$4" answers "$1" "$2" "$3" || { echo "no IPMI answer from $1:$2 within $4 s: $out" >&2; exit 4; }
echo "$out"`;
