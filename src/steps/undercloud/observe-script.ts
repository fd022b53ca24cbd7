import { bash } from "../bash.js";

/**
 * One VM's facts in one round trip: a constant bash script printing one JSON object.
 * Positional arguments: $1 libvirt URI, $2 domain, $3 ownership namespace URI, $4 disk,
 * $5 seed ISO, $6 base image, $7 its checksum file, $8 owner marker. Exits non-zero when
 * libvirt does not answer, so an unreachable libvirtd is never mistaken for a missing VM.
 * The address is the DHCP lease of the first NIC's MAC (from the saved definition).
 */
export const OBSERVE_UNDERCLOUD = bash`set -u
uri=$1 dom=$2 ns=$3 disk=$4 seed=$5 base=$6 baseSum=$7 marker=$8
js() { local s=$1; s=\${s//\\/\\\\}; s=\${s//\"/\\\"}; s=\${s//$'\n'/\\n}; s=\${s//$'\t'/\\t}; s=\${s//$'\r'/}; printf '"%s"' "$s"; }
jarr() { local first=1 x; printf '['; for x in "$@"; do [ $first = 1 ] || printf ','; first=0; js "$x"; done; printf ']'; }
jbool() { if "$@" >/dev/null 2>&1; then printf true; else printf false; fi; }
v() { virsh -q -c "$uri" "$@"; }
err=$(v uri 2>&1 >/dev/null) || { echo "libvirt at $uri does not answer: $err" >&2; exit 3; }

exists=false state= autostart=false persistent=false metadata= address=
macs=() cdroms=()
if info=$(v dominfo --domain "$dom" 2>/dev/null); then
  exists=true
  field() { awk -F': *' -v k="$1" '$1==k {print $2}' <<<"$info"; }
  state=$(field State)
  [ "$(field Autostart)" = enable ] && autostart=true
  [ "$(field Persistent)" = yes ] && persistent=true
  metadata=$(v metadata --domain "$dom" --uri "$ns" 2>/dev/null) || metadata=
  mapfile -t macs < <(v domiflist --domain "$dom" --inactive 2>/dev/null | awk 'NF >= 5 {print $5}')
  mapfile -t cdroms < <(v domblklist --domain "$dom" --inactive --details 2>/dev/null | awk '$2=="cdrom" {print ($4 == "" ? "-" : $4)}')
  if [ \${#macs[@]} -gt 0 ]; then
    address=$(v domifaddr --domain "$dom" --source lease 2>/dev/null |
      awk -v m="\${macs[0],,}" 'tolower($2)==m && $3=="ipv4" {sub(/\/.*/, "", $4); print $4; exit}')
  fi
fi

# KVM: /dev/kvm and libvirt's kvm domain type are not enough (nested guests may fail at the
# first MSR write), so before creating a domain a paused guest with the host CPU is started
# for 3 s: still alive means usable. An existing domain keeps its type: no probe then.
kvm=false kvmDetail="no /dev/kvm on the Manager"
if [ -c /dev/kvm ]; then
  if ! caps=$(v domcapabilities --virttype kvm 2>/dev/null); then
    kvmDetail="libvirt offers no kvm domain type"
  elif [ "$exists" = true ]; then
    kvm=true kvmDetail="not probed: the domain exists"
  else
    emulator=$(sed -n 's:.*<path>\(.*\)</path>.*:\1:p' <<<"$caps" | head -n1)
    out=$(timeout 3 "$emulator" -machine pc,accel=kvm -cpu host -m 16 -display none -nodefaults -no-user-config -S 2>&1)
    rc=$?
    if [ $rc = 124 ]; then kvm=true kvmDetail="a paused KVM guest with the host CPU starts"
    else kvmDetail="a KVM guest with the host CPU fails to start: $(tail -n1 <<<"$out")"; fi
  fi
fi

baseSumValue=
[ -r "$baseSum" ] && baseSumValue=$(awk 'NR==1 {print $1}' "$baseSum")

printf '{"kvm":%s,"kvmDetail":%s,"domain":{"exists":%s,"state":%s,"autostart":%s,"persistent":%s,' \
  $kvm "$(js "$kvmDetail")" $exists "$(js "$state")" $autostart $persistent
printf '"metadata":%s,"macs":%s,"cdroms":%s,"address":%s},' \
  "$(js "$metadata")" "$(jarr "\${macs[@]}")" "$(jarr "\${cdroms[@]}")" "$(js "$address")"
printf '"files":{"disk":%s,"seed":%s,"base":%s,"baseChecksum":%s,"ownerMarker":%s}}\n' \
  "$(jbool test -f "$disk")" "$(jbool test -f "$seed")" "$(jbool test -f "$base")" "$(js "$baseSumValue")" "$(jbool test -f "$marker")"
`;
