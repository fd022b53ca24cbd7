import { bash } from "../bash.js";

/**
 * One libvirt network's facts in one round trip: a constant bash script printing one JSON
 * object. Positional arguments: $1 libvirt URI, $2 network name, $3 the network hook
 * script, $4 the hook config (every network's lines). Exits non-zero when libvirt does not answer, so an
 * unreachable libvirtd is never mistaken for a missing network. Domain NICs come back as
 * "domain\ttype\tsource" lines; node decides which use this network. otherActive holds the
 * live XML of every other active network, to find bridge and subnet clashes before a start.
 */
export const OBSERVE_NETWORK = bash`set -u
uri=$1 net=$2 hook=$3 hookConf=$4
js() { local s=$1; s=\${s//\\/\\\\}; s=\${s//\"/\\\"}; s=\${s//$'\n'/\\n}; s=\${s//$'\t'/\\t}; s=\${s//$'\r'/}; printf '"%s"' "$s"; }
jarr() { local first=1 x; printf '['; for x in "$@"; do [ $first = 1 ] || printf ','; first=0; js "$x"; done; printf ']'; }
v() { virsh -q -c "$uri" "$@"; }
err=$(v uri 2>&1 >/dev/null) || { echo "libvirt at $uri does not answer: $err" >&2; exit 3; }

exists=false active=false autostart=false persistent=false uuid= xml=
if info=$(v net-info --network "$net" 2>/dev/null); then
  exists=true
  field() { awk -F': *' -v k="$1" '$1==k {print $2}' <<<"$info"; }
  [ "$(field Active)" = yes ] && active=true
  [ "$(field Autostart)" = yes ] && autostart=true
  [ "$(field Persistent)" = yes ] && persistent=true
  uuid=$(field UUID)
  xml=$(v net-dumpxml --inactive --network "$net")
fi

others=()
while IFS= read -r other; do
  [ -n "$other" ] && [ "$other" != "$net" ] || continue
  others+=("$(v net-dumpxml --network "$other" 2>/dev/null)")
done < <(v net-list --name 2>/dev/null)

ifaces=()
while IFS= read -r dom; do
  [ -n "$dom" ] || continue
  while read -r _ type source _; do
    ifaces+=("$dom"$'\t'"$type"$'\t'"$source")
  done < <(v domiflist --domain "$dom" 2>/dev/null | awk '$1 != "Interface" && NF >= 3')
done < <(v list --all --name 2>/dev/null)

hookInstalled=false; [ -x "$hook" ] && hookInstalled=true
hookConfig=null; [ -r "$hookConf" ] && hookConfig=$(js "$(cat "$hookConf")")
natRules=null
if command -v iptables >/dev/null 2>&1 && rules=$(iptables -w 5 -t nat -S POSTROUTING 2>/dev/null); then
  mapfile -t lines < <(grep -- '-j MASQUERADE' <<<"$rules")
  natRules=$(jarr "\${lines[@]}")
fi

printf '{"exists":%s,"active":%s,"autostart":%s,"persistent":%s,"uuid":%s,"xml":%s,' \
  $exists $active $autostart $persistent "$(js "$uuid")" "$(js "$xml")"
printf '"ifaces":%s,"otherActive":%s,"hookInstalled":%s,"hookConfig":%s,"natRules":%s}\n' \
  "$(jarr "\${ifaces[@]}")" "$(jarr "\${others[@]}")" $hookInstalled "$hookConfig" "$natRules"
`;
