import { bash } from "../bash.js";

/**
 * A blank qcow2 disk (allocated as the guest writes), renamed into place only when
 * complete; an existing file is never touched. Args: $1 disk path, $2 size in GiB.
 */
export const CREATE_BLANK_DISK = bash`set -euo pipefail
disk=$1 size=$2
[ -e "$disk" ] && exit 0
mkdir -p "$(dirname "$disk")"
tmp="$disk.lab-operator.tmp"
rm -f "$tmp"
qemu-img create -q -f qcow2 "$tmp" "\${size}G"
chmod 0600 "$tmp"
mv -f "$tmp" "$disk"`;

/**
 * Rewrite the saved definition of a node of ours (a spec change: sizes, NICs, disks): only
 * when the domain carries our stamp and has the expected UUID. A running node keeps
 * running; the new definition applies at its next power-on, as a BIOS change would.
 * Args: $1 URI, $2 XML file, $3 domain, $4 ownership namespace, $5 UUID.
 */
export const REDEFINE_NODE = bash`set -euo pipefail
uri=$1 xml=$2 dom=$3 ns=$4 uuid=$5
trap 'rm -f "$xml"' EXIT
v() { virsh -q -c "$uri" "$@"; }
v metadata --domain "$dom" --uri "$ns" >/dev/null 2>&1 || { echo "domain $dom carries no ownership stamp: not redefined" >&2; exit 6; }
[ "$(v domuuid --domain "$dom")" = "$uuid" ] || { echo "domain $dom has another UUID than $uuid: not redefined" >&2; exit 6; }
v define --file "$xml" >/dev/null`;
