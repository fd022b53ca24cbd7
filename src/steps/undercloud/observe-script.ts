import { bash, POLL_UNTIL } from "../bash.js";

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
 */
export const OBSERVE_UNDERCLOUD =
  KVM_PROBE +
  bash`set -u
uri=$1 dom=$2 ns=$3 disk=$4 seed=$5 base=$6 baseSum=$7 marker=$8 osVariant=\${9:-}
js() { local s=$1; s=\${s//\\/\\\\}; s=\${s//\"/\\\"}; s=\${s//$'\n'/\\n}; s=\${s//$'\t'/\\t}; s=\${s//$'\r'/}; printf '"%s"' "$s"; }
jarr() { local first=1 x; printf '['; for x in "$@"; do [ $first = 1 ] || printf ','; first=0; js "$x"; done; printf ']'; }
jbool() { if "$@" >/dev/null 2>&1; then printf true; else printf false; fi; }
v() { virsh -q -c "$uri" "$@"; }
err=$(v uri 2>&1 >/dev/null) || { echo "libvirt at $uri does not answer: $err" >&2; exit 3; }

exists=false state= autostart=false persistent=false metadata= address=
macs=() cdroms=() savedXml= liveXml= diskBytes=
if info=$(v dominfo --domain "$dom" 2>/dev/null); then
  exists=true
  field() { awk -F': *' -v k="$1" '$1==k {print $2}' <<<"$info"; }
  state=$(field State)
  [ "$(field Autostart)" = enable ] && autostart=true
  [ "$(field Persistent)" = yes ] && persistent=true
  metadata=$(v metadata --domain "$dom" --uri "$ns" 2>/dev/null) || metadata=
  mapfile -t macs < <(v domiflist --domain "$dom" --inactive 2>/dev/null | awk 'NF >= 5 {print $5}')
  mapfile -t cdroms < <(v domblklist --domain "$dom" --inactive --details 2>/dev/null | awk '$2=="cdrom" {print ($4 == "" ? "-" : $4)}')
  savedXml=$(v dumpxml --domain "$dom" --inactive 2>/dev/null) || savedXml=
  if [ "$state" = running ]; then liveXml=$(v dumpxml --domain "$dom" 2>/dev/null) || liveXml=; fi
  diskBytes=$(v domblkinfo --domain "$dom" "$disk" 2>/dev/null | awk '$1=="Capacity:" {print $2; exit}')
  if [ \${#macs[@]} -gt 0 ]; then
    address=$(v domifaddr --domain "$dom" --source lease 2>/dev/null |
      awk -v m="\${macs[0],,}" 'tolower($2)==m && $3=="ipv4" {sub(/\/.*/, "", $4); print $4; exit}')
  fi
fi

probe_kvm "$uri" "$exists" "$base"

# The short id (validated by the schema: [a-z][a-z0-9._-]*) names one OS file of osinfo-db.
osinfoDb=false osinfoId=
if [ -d /usr/share/osinfo/os ]; then
  osinfoDb=true
  if [ -n "$osVariant" ]; then
    osFile=$(grep -rlF --include='*.xml' "<short-id>$osVariant</short-id>" /usr/share/osinfo/os 2>/dev/null | head -n1)
    [ -z "$osFile" ] || osinfoId=$(sed -n 's:.*<os id="\([^"]*\)".*:\1:p' "$osFile" | head -n1)
  fi
fi

baseSumValue=
[ -r "$baseSum" ] && baseSumValue=$(awk 'NR==1 {print $1}' "$baseSum")

printf '{"kvm":%s,"kvmDetail":%s,"kvmProbedImage":%s,"domain":{"exists":%s,"state":%s,"autostart":%s,"persistent":%s,' \
  $kvm "$(js "$kvmDetail")" $kvmProbedImage $exists "$(js "$state")" $autostart $persistent
printf '"metadata":%s,"macs":%s,"cdroms":%s,"address":%s,' \
  "$(js "$metadata")" "$(jarr "\${macs[@]}")" "$(jarr "\${cdroms[@]}")" "$(js "$address")"
printf '"savedXml":%s,"liveXml":%s,"diskBytes":%s},"osinfo":{"db":%s,"id":%s},' \
  "$(js "$savedXml")" "$(js "$liveXml")" "$(js "$diskBytes")" $osinfoDb "$(js "$osinfoId")"
markerOwner=
[ -f "$marker" ] && markerOwner=$(head -c 512 "$marker" | head -n1)

printf '"files":{"disk":%s,"seed":%s,"base":%s,"baseChecksum":%s,"ownerMarker":%s,"markerOwner":%s}}\n' \
  "$(jbool test -e "$disk")" "$(jbool test -e "$seed")" "$(jbool test -f "$base")" "$(js "$baseSumValue")" "$(jbool test -f "$marker")" "$(js "$markerOwner")"
`;
