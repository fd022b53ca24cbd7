import { bash, POLL_UNTIL } from "../bash.js";
import { VIRSH_BATCH } from "../network/observe-script.js";

/**
 * A bash function for observe scripts: `probe_kvm URI EXISTS [IMAGE]` sets $kvm (true|false),
 * $kvmDetail (why) and $kvmProbedImage (true when IMAGE itself was booted). /dev/kvm and
 * libvirt's kvm domain type are not enough: nested guests may fail at the first MSR write,
 * or boot the BIOS and then stop on the bootloader's code ("KVM internal error ...
 * emulation failure", seen here). So before creating a domain the guest's own image is
 * booted under KVM for up to 30 s (a throw-away snapshot, no network): still running
 * without a KVM error means usable. Without the image yet, a guest with the host CPU and no disk is
 * booted instead (the caller then probes again once the image is there). EXISTS=true (a
 * domain of ours exists and keeps its type) skips the probe.
 */
export const KVM_PROBE =
  POLL_UNTIL +
  bash`probe_kvm() {
  local uri=$1 exists=$2 image=\${3:-} caps emulator out drive=() what="a KVM guest with the host CPU and no disk"
  kvm=false kvmDetail="no /dev/kvm on the Manager" kvmProbedImage=false
  [ -c /dev/kvm ] || return 0
  # A domain of ours keeps its type: nothing to decide, and domcapabilities alone costs about
  # a second of wall time (bench observe-cost), on every observe of a VM that exists.
  if [ "$exists" = true ]; then
    kvm=true kvmDetail="not probed: the domain exists"
  elif ! caps=$(virsh -q -c "$uri" domcapabilities --virttype kvm 2>/dev/null); then
    kvmDetail="libvirt offers no kvm domain type"
  else
    emulator=$(sed -n 's:.*<path>\(.*\)</path>.*:\1:p' <<<"$caps" | head -n1)
    if [ -n "$image" ] && [ -r "$image" ]; then
      drive=(-drive "file=$image,if=virtio,snapshot=on") what="the base image under KVM" kvmProbedImage=true
    fi
    local seconds=5 log pid stopped=true
    [ "$kvmProbedImage" = true ] && seconds=30
    log=$(mktemp)
    "$emulator" -machine pc,accel=kvm -cpu host -m 256 -display none -nodefaults -no-user-config "\${drive[@]}" >"$log" 2>&1 &
    pid=$!
    # Up to $seconds (the bootloader may take that long on a loaded host): an exit or a KVM
    # error ends the wait early; still running at the deadline means usable.
    kvm_stopped() { ! kill -0 "$pid" 2>/dev/null || grep -qE 'KVM internal error|emulation failure' "$log"; }
    poll_until "$seconds" kvm_stopped || stopped=false
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    out=$(cat "$log"); rm -f "$log"
    if [[ "$out" == *"KVM internal error"* || "$out" == *"emulation failure"* ]]; then
      kvmDetail="$what stops with a KVM internal error (emulation failure)"
    elif [ "$stopped" = false ]; then kvm=true kvmDetail="$what runs for $seconds s"
    else kvmDetail="$what fails to start: $(tail -n1 <<<"$out")"; fi
  fi
}
`;

/**
 * One VM's facts in one round trip: a constant bash script printing one JSON object.
 * Positional arguments: $1 libvirt URI, $2 domain, $3 ownership namespace URI, $4 disk,
 * $5 seed ISO, $6 base image, $7 its checksum file, $8 owner marker, $9 spec.osVariant
 * (looked up by its short id in the Manager's osinfo-db). Exits non-zero when
 * libvirt does not answer, so an unreachable libvirtd is never mistaken for a missing VM.
 * The address is the DHCP lease of the first NIC's MAC (from the saved definition). The
 * saved and (when running) live definitions are printed whole: the plan reads the vCPUs,
 * memory, NICs and libosinfo id from them, and a restart pending is where they differ.
 * Every virsh question in one virsh process (VIRSH_BATCH), the answers read with builtins
 * and the JSON printed piece by piece: each "$(...)" forks a subshell.
 */
export const OBSERVE_UNDERCLOUD =
  KVM_PROBE +
  VIRSH_BATCH +
  bash`set -u
uri=$1 dom=$2 ns=$3 disk=$4 seed=$5 base=$6 baseSum=$7 marker=$8 osVariant=\${9:-}
js() { local s=$1; s=\${s//\\/\\\\}; s=\${s//\"/\\\"}; s=\${s//$'\n'/\\n}; s=\${s//$'\t'/\\t}; s=\${s//$'\r'/}; printf '"%s"' "$s"; }
jarr() { local first=1 x; printf '['; for x in "$@"; do [ $first = 1 ] || printf ','; first=0; js "$x"; done; printf ']'; }
jbool() { if "$@" >/dev/null 2>&1; then printf true; else printf false; fi; }

# The live definition and the lease are asked for whatever the state (cheap, and "" when
# the domain is not running or has no lease); only what the original questions used is kept.
vq d "$dom"; vq u "$ns"; vq k "$disk"
virsh_batch uri "dominfo --domain $d" "metadata --domain $d --uri $u" "domiflist --domain $d --inactive" \
  "domblklist --domain $d --inactive --details" "dumpxml --domain $d --inactive" "dumpxml --domain $d" \
  "domblkinfo --domain $d $k" "domifaddr --domain $d --source lease"
[ -n "\${out[0]:-}" ] || virsh_unanswered

exists=false state= autostart=false persistent=false metadata= address=
macs=() cdroms=() savedXml= liveXml= diskBytes=
if [ -n "\${out[1]:-}" ]; then
  exists=true
  virsh_fields "\${out[1]}"
  state=\${field[State]:-}
  [ "\${field[Autostart]:-}" = enable ] && autostart=true
  [ "\${field[Persistent]:-}" = yes ] && persistent=true
  metadata=\${out[2]:-}
  # domiflist: Interface Type Source Model MAC; domblklist --details: Type Device Target Source.
  while read -r _ _ _ _ mac _; do [ -z "$mac" ] || macs+=("$mac"); done <<<"\${out[3]:-}"
  while read -r _ device _ source _; do [ "$device" != cdrom ] || cdroms+=("\${source:--}"); done <<<"\${out[4]:-}"
  savedXml=\${out[5]:-}
  [ "$state" != running ] || liveXml=\${out[6]:-}
  while read -r name value _; do [ "$name" != Capacity: ] || { diskBytes=$value; break; }; done <<<"\${out[7]:-}"
  # domifaddr --source lease: Name MAC Protocol Address/prefix.
  if [ \${#macs[@]} -gt 0 ]; then
    while read -r _ mac protocol addr _; do
      [ "\${mac,,}" = "\${macs[0],,}" ] && [ "$protocol" = ipv4 ] || continue
      address=\${addr%%/*}
      break
    done <<<"\${out[8]:-}"
  fi
fi

probe_kvm "$uri" "$exists" "$base"

# The short id (validated by the schema: [a-z][a-z0-9._-]*) names one OS file of osinfo-db.
osinfoDb=false osinfoId=
if [ -d /usr/share/osinfo/os ]; then
  osinfoDb=true
  if [ -n "$osVariant" ]; then
    osFile=$(grep -rlF --include='*.xml' "<short-id>$osVariant</short-id>" /usr/share/osinfo/os 2>/dev/null | head -n1)
    # The first <os id="..."> line (the last such tag on it, as sed 's:.*<os id=...' took it).
    osIdLine='.*<os id="([^"]*)"'
    if [ -n "$osFile" ]; then
      while IFS= read -r line || [ -n "$line" ]; do
        [[ $line =~ $osIdLine ]] || continue
        osinfoId=\${BASH_REMATCH[1]}
        break
      done 2>/dev/null <"$osFile"
    fi
  fi
fi

# The checksum file's first word; the marker's first line within its first 512 bytes.
baseSumValue=
[ -r "$baseSum" ] && read -r baseSumValue _ 2>/dev/null <"$baseSum"
markerOwner=
firstLineOf512() { local LC_ALL=C; IFS= read -r -N 512 markerOwner 2>/dev/null <"$1"; markerOwner=\${markerOwner%%$'\n'*}; }
[ -f "$marker" ] && firstLineOf512 "$marker"

printf '{"kvm":%s,"kvmDetail":' $kvm; js "$kvmDetail"
printf ',"kvmProbedImage":%s,"domain":{"exists":%s,"state":' $kvmProbedImage $exists; js "$state"
printf ',"autostart":%s,"persistent":%s,"metadata":' $autostart $persistent; js "$metadata"
printf ',"macs":'; jarr "\${macs[@]}"; printf ',"cdroms":'; jarr "\${cdroms[@]}"
printf ',"address":'; js "$address"; printf ',"savedXml":'; js "$savedXml"
printf ',"liveXml":'; js "$liveXml"; printf ',"diskBytes":'; js "$diskBytes"
printf '},"osinfo":{"db":%s,"id":' $osinfoDb; js "$osinfoId"
printf '},"files":{"disk":'; jbool test -e "$disk"; printf ',"seed":'; jbool test -e "$seed"
printf ',"base":'; jbool test -f "$base"; printf ',"baseChecksum":'; js "$baseSumValue"
printf ',"ownerMarker":'; jbool test -f "$marker"; printf ',"markerOwner":'; js "$markerOwner"
printf '}}\n'
`;
