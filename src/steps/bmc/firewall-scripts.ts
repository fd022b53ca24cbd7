import { bash } from "../bash.js";

/**
 * What stands between a VM and a BMC's UDP port on the Manager, as one JSON object.
 * Args: $1 the BMC's listen address, $2 its port.
 *
 * firewalld, when it runs: the zones that receive traffic for the address (the zone of the
 * interface holding it, libvirt's own zone for a libvirt bridge; every active zone for a
 * wildcard address) and whether port/udp is open in each, now and permanently.
 * Otherwise nftables: each input base chain of an ip/ip6/inet table that filters (a drop
 * policy, or a rule that is only a drop/reject verdict), and whether it holds our rule.
 * Needs bash, awk, iproute2 and the firewall's own tool.
 */
export const OBSERVE_FIREWALL = bash`set -uo pipefail
addr=$1 port=$2
js() { local s=$1; s=\${s//\\/\\\\}; s=\${s//\"/\\\"}; printf '"%s"' "$s"; }
q() { firewall-cmd --quiet "$@" >/dev/null 2>&1 && echo true || echo false; }
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  def=$(firewall-cmd --get-default-zone)
  iface= zones=()
  case $addr in
    0.0.0.0|::|'')
      mapfile -t zones < <({ firewall-cmd --get-active-zones | awk '!/^[[:space:]]/ {print $1}'; echo "$def"; } | sort -u) ;;
    *)
      iface=$(ip -o addr show to "$addr" 2>/dev/null | awk '{print $2; exit}')
      z=
      [ -n "$iface" ] && z=$(firewall-cmd --get-zone-of-interface="$iface" 2>/dev/null)
      zones=("\${z:-$def}") ;;
  esac
  printf '{"backend":"firewalld","iface":%s,"zones":[' "$(js "$iface")"
  first=1
  for z in "\${zones[@]}"; do
    [ $first = 1 ] || printf ','; first=0
    printf '{"zone":%s,"runtime":%s,"permanent":%s}' "$(js "$z")" \
      "$(q --zone="$z" --query-port="$port/udp")" "$(q --permanent --zone="$z" --query-port="$port/udp")"
  done
  printf '],"chains":[]}\n'
  exit 0
fi
chains=
if command -v nft >/dev/null 2>&1; then
  chains=$(nft list ruleset 2>/dev/null | awk -v tag="comment \"lab-operator bmc $port\"" '
    function flush() { if (base && (fam == "inet" || fam == "ip" || fam == "ip6"))
      printf "%s{\"family\":\"%s\",\"table\":\"%s\",\"chain\":\"%s\",\"filters\":%s,\"ours\":%s}", (n++ ? "," : ""), fam, tbl, ch, filt ? "true" : "false", ours ? "true" : "false" }
    /^table / { fam = $2; tbl = $3 }
    /^\tchain / { ch = $2; base = 0; filt = 0; ours = 0 }
    /^\t\ttype filter hook input / { base = 1; if ($0 ~ /policy drop;/) filt = 1 }
    /^\t\t(counter packets [0-9]+ bytes [0-9]+ )?(drop|reject)( |$)/ { filt = 1 }
    index($0, tag) { ours = 1 }
    /^\t}/ { flush(); base = 0 }')
fi
backend=none
command -v nft >/dev/null 2>&1 && backend=nftables
printf '{"backend":"%s","iface":"","zones":[],"chains":[%s]}\n' "$backend" "$chains"
`;

/** Open port/udp in one firewalld zone, now and permanently (no reload: it would drop
 * other runtime state). Args: $1 zone, $2 port. */
export const FIREWALLD_OPEN = bash`set -euo pipefail
zone=$1 port=$2/udp
firewall-cmd --quiet --zone="$zone" --query-port="$port" || firewall-cmd --quiet --zone="$zone" --add-port="$port"
firewall-cmd --quiet --permanent --zone="$zone" --query-port="$port" ||
  firewall-cmd --quiet --permanent --zone="$zone" --add-port="$port"`;

/** Close what FIREWALLD_OPEN opened; offline when firewalld is stopped. Args: $1 zone, $2 port. */
export const FIREWALLD_CLOSE = bash`set -uo pipefail
zone=$1 port=$2/udp
if firewall-cmd --state >/dev/null 2>&1; then
  ! firewall-cmd --quiet --zone="$zone" --query-port="$port" || firewall-cmd --quiet --zone="$zone" --remove-port="$port" || exit 1
  ! firewall-cmd --quiet --permanent --zone="$zone" --query-port="$port" ||
    firewall-cmd --quiet --permanent --zone="$zone" --remove-port="$port" || exit 1
elif command -v firewall-offline-cmd >/dev/null 2>&1; then
  ! firewall-offline-cmd --quiet --zone="$zone" --query-port="$port" ||
    firewall-offline-cmd --quiet --zone="$zone" --remove-port="$port" || exit 1
fi
exit 0`;

/**
 * Accept port/udp at the top of an nftables input chain that filters, tagged with our
 * comment. An accept in a table of our own would not help: every base chain on the input
 * hook must accept, so a drop elsewhere still wins. Args: $1 family, $2 table, $3 chain, $4 port.
 */
export const NFT_OPEN = bash`set -euo pipefail
f=$1 t=$2 c=$3 port=$4
tag="lab-operator bmc $port"
# Captured, not piped into an early-exiting grep: under pipefail nft would die of SIGPIPE.
rules=$(nft list chain "$f" "$t" "$c")
[[ "$rules" == *"comment \"$tag\""* ]] && exit 0
nft insert rule "$f" "$t" "$c" udp dport "$port" accept comment "\"$tag\""`;

/** Delete our tagged rules (by handle) from one chain; a chain or table gone is fine. */
export const NFT_CLOSE = bash`set -uo pipefail
f=$1 t=$2 c=$3 port=$4
tag="comment \"lab-operator bmc $port\""
nft -a list chain "$f" "$t" "$c" 2>/dev/null | awk -v tag="$tag" 'index($0, tag) {print $NF}' |
  while read -r handle; do nft delete rule "$f" "$t" "$c" handle "$handle" || exit 1; done`;
