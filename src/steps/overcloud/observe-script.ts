import { bash } from "../bash.js";
import { KVM_PROBE } from "../undercloud/observe-script.js";

/**
 * Every node of one OvercloudNodeSet in one round trip, as one JSON object: each domain's
 * ownership metadata (and for ours its state and inactive XML; for the others their MACs,
 * which new NICs must not take), our owner markers, which disks exist, the VirtualBMC
 * entries with the user of ours and whether their stored password is the one expected,
 * every sushy-tools emulator config (with unit state and, for ours, credentials), the ports
 * listening.
 * Args: $1 libvirt URI, $2 ownership namespace, $3 images dir, $4 domain prefix, $5 vbmc,
 * $6 vbmc config dir, $7 BMC type, $8 sushy venv, $9 sushy config dir, $10 sushy unit
 * template, $11 disk paths (newline-separated). Stdin: "<domain> <base64 password>" lines,
 * checked on the Manager: no password ever comes back. Exits 3 when libvirt (or, for IPMI,
 * vbmcd) does not answer, so a stopped daemon is never mistaken for "nothing there".
 */
export const OBSERVE_NODE_SET =
  KVM_PROBE +
  bash`set -u
uri=$1 ns=$2 images=$3 prefix=$4 vbmc=$5 vbmcConf=$6 bmcType=$7 venv=$8 sushyDir=$9 template=\${10} disks=\${11}
js() { local s=$1; s=\${s//\\/\\\\}; s=\${s//\"/\\\"}; s=\${s//$'\n'/\\n}; s=\${s//$'\t'/\\t}; s=\${s//$'\r'/}; printf '"%s"' "$s"; }
jarr() { local first=1 x; printf '['; for x in "$@"; do [ $first = 1 ] || printf ','; first=0; js "$x"; done; printf ']'; }
v() { virsh -q -c "$uri" "$@"; }
err=$(v uri 2>&1 >/dev/null) || { echo "libvirt at $uri does not answer: $err" >&2; exit 3; }
declare -A pw=()
while read -r dom b64; do [ -n "$dom" ] && pw[$dom]=$(base64 -d <<<"$b64" 2>/dev/null); done

ours=false domains= sep=
while read -r dom; do
  [ -n "$dom" ] || continue
  md=$(v metadata --domain "$dom" --uri "$ns" 2>/dev/null) || md=
  state= xml= macs=()
  if [ -n "$md" ]; then
    ours=true
    state=$(v domstate --domain "$dom" 2>/dev/null | head -n1)
    xml=$(v dumpxml --domain "$dom" --inactive 2>/dev/null)
  else
    mapfile -t macs < <(v domiflist --domain "$dom" --inactive 2>/dev/null | awk 'NF >= 5 {print tolower($5)}')
  fi
  domains+="$sep{\"name\":$(js "$dom"),\"metadata\":$(js "$md"),\"state\":$(js "$state"),\"xml\":$(js "$xml"),\"macs\":$(jarr "\${macs[@]}")}"
  sep=,
done < <(v list --all --name 2>/dev/null)
probe_kvm "$uri" "$ours"

markers= sep=
shopt -s nullglob
for m in "$images/.$prefix-"*.lab-operator; do
  markers+="$sep{\"path\":$(js "$m"),\"content\":$(js "$(head -c 512 "$m")")}"; sep=,
done
shopt -u nullglob
existing=()
while read -r f; do [ -n "$f" ] && [ -e "$f" ] && existing+=("$f"); done <<<"$disks"

vbmcInstalled=false entries='[]' users= creds= sep=
if [ -x "$vbmc" ]; then
  vbmcInstalled=true
  if ! entries=$(VIRTUALBMC_CONFIG="$vbmcConf/virtualbmc.conf" "$vbmc" list -f json 2>&1); then
    [ "$bmcType" = ipmi ] && { echo "vbmcd does not answer: $entries" >&2; exit 3; }
    entries='[]'
  fi
  for dom in "\${!pw[@]}"; do
    cfg="$vbmcConf/$dom/config"
    [ -r "$cfg" ] || continue
    user=$(awk -F' *= *' '$1=="username" {print $2}' "$cfg" | tr -cd 'A-Za-z0-9._-')
    stored=$(awk -F' *= *' '$1=="password" {sub(/^[^=]*= */, ""); print; exit}' "$cfg")
    same=false; [ "$stored" = "\${pw[$dom]}" ] && same=true
    users+="$sep$(js "$dom"):$(js "$user")"; creds+="$sep$(js "$dom"):$same"; sep=,
  done
elif [ "$bmcType" = ipmi ]; then
  echo "VirtualBMC is not installed on the Manager ($vbmc missing): enable spec.virtualBMC of the LabManager" >&2; exit 3
fi

sushyVersion=
for d in "$venv"/lib/python3*/site-packages/sushy_tools-*.dist-info; do
  [ -d "$d" ] && { sushyVersion=\${d##*/sushy_tools-}; sushyVersion=\${sushyVersion%.dist-info}; }
done
templateSha=$(sha256sum "$template" 2>/dev/null | cut -d' ' -f1)
sushyOk=
if [ -n "$sushyVersion" ] && [ \${#pw[@]} -gt 0 ]; then
  sushyOk=$(for dom in "\${!pw[@]}"; do [ -r "$sushyDir/$dom.htpasswd" ] && printf '%s %s\n' "$dom" "$(base64 -w0 <<<"\${pw[$dom]}")"; done |
    "$venv/bin/python3" -c '
import base64, sys, bcrypt
for line in sys.stdin:
    dom, b64 = line.split()
    password = base64.b64decode(b64).decode().rstrip("\n").encode()
    entry = open(sys.argv[1] + "/" + dom + ".htpasswd").read().strip().split(":", 1)
    print(dom, "true" if len(entry) == 2 and bcrypt.checkpw(password, entry[1].encode()) else "false")
' "$sushyDir" 2>/dev/null)
fi
instances= sep=
shopt -s nullglob
for conf in "$sushyDir"/*.conf; do
  dom=\${conf##*/}; dom=\${dom%.conf}
  active=$(systemctl is-active "lab-sushy@$dom.service" 2>/dev/null)
  ok=$(awk -v d="$dom" '$1==d {print $2}' <<<"$sushyOk")
  instances+="$sep{\"domain\":$(js "$dom"),\"conf\":$(js "$(cat "$conf")"),\"active\":$(js "$active"),\"credentials\":\${ok:-false}}"; sep=,
done
shopt -u nullglob
ports() { ss -Hl"$1"n 2>/dev/null | awk '{n=split($4, a, ":"); print a[n]}' | sort -un | paste -sd, -; }

printf '{"kvm":%s,"kvmDetail":%s,"domains":[%s],"markers":[%s],"existing":%s,' \
  "$kvm" "$(js "$kvmDetail")" "$domains" "$markers" "$(jarr "\${existing[@]}")"
printf '"vbmc":{"installed":%s,"entries":%s,"users":{%s},"credentials":{%s}},' "$vbmcInstalled" "$entries" "$users" "$creds"
printf '"sushy":{"version":%s,"templateSha":%s,"instances":[%s]},' "$(js "$sushyVersion")" "$(js "$templateSha")" "$instances"
printf '"udpPorts":[%s],"tcpPorts":[%s]}\n' "$(ports u)" "$(ports t)"
`;
