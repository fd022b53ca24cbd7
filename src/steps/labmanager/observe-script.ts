import { bash } from "../bash.js";

/**
 * `bridgeOf HEADER FILE...` prints a JSON object: for each file that starts with HEADER, the
 * bridge it is for. A member file names its bridge (Bridge= / master=); the bridge's own
 * files name it (Name= / interface-name=). Needs the caller's `js` (JSON string) function.
 */
export const BRIDGE_OF = bash`bridgeOf() {
  local header=$1 first=1 f b
  shift
  printf '{'
  for f in "$@"; do
    [ -f "$f" ] && [ -n "$header" ] || continue
    b=$(awk -v h="$header" 'NR == 1 && $0 != h {exit} /^(Bridge|master)=/ {m = substr($0, index($0, "=") + 1)}
      /^(Name|interface-name)=/ && n == "" {n = substr($0, index($0, "=") + 1)} END {print (m != "" ? m : n)}' "$f" 2>/dev/null)
    [ -n "$b" ] || continue
    [ $first = 1 ] || printf ','; first=0
    js "$f"; printf ':'; js "$b"
  done
  printf '}'
}
`;

/**
 * The Manager's facts in one round trip: a constant bash script printing one JSON object.
 * Positional arguments: $1 user name, $2 venv path, $3 Debian package set, $4 EL package
 * set (newline-separated), $5 files to hash (newline-separated), $6 and $7 the shell-rc
 * block markers, $8 the first line of our bridge files, $9 the OpenStack clients' venv (relative
 * to the user's home), $10 "1" when stdin carries the user's desired password (its first
 * line), compared with the shadow hash by crypt(3) through perl or python3; neither the
 * password nor the hash is ever in an argv or in the output. Our own bridge and connection files
 * are found by glob, so cleanup sees them even after the spec changed; for each that starts
 * with that line, bridgeOf names the bridge it is for (read from the file, never from its
 * name: 50-lab-public-x-eth1.network may be bridge public-x's or public's).
 * Needs only bash, coreutils, iproute2 and sha256sum: nothing we install ourselves.
 */
export const OBSERVE_MANAGER =
  BRIDGE_OF +
  bash`set -u
user=$1 venv=$2 debPkgs=$3 elPkgs=$4 watched=$5 rcStart=$6 rcEnd=$7 header=\${8:-} osClientsVenv=\${9:-.venvs/openstack-clients} checkPassword=\${10:-}
js() { local s=$1; s=\${s//\\/\\\\}; s=\${s//\"/\\\"}; s=\${s//$'\n'/\\n}; s=\${s//$'\t'/\\t}; s=\${s//$'\r'/}; printf '"%s"' "$s"; }
jarr() { local first=1 x; printf '['; for x in "$@"; do [ $first = 1 ] || printf ','; first=0; js "$x"; done; printf ']'; }
jraw() { case $1 in \[*) printf '%s' "$1" ;; *) printf '[]' ;; esac; }
has() { command -v "$1" >/dev/null 2>&1; }

osId= osLike= osVersion=
if [ -r /etc/os-release ]; then . /etc/os-release; osId=$ID; osLike=\${ID_LIKE:-}; osVersion=\${VERSION_ID:-}; fi
# os-release decides first (a Debian box with dnf for building RPMs stays Debian; an EL box
# stays EL), then whichever package manager is present. CentOS 7 has yum and no dnf.
family=
case " $osId $osLike " in
  *" rhel "*|*" centos "*|*" fedora "*) { has dnf || has yum; } && family=el ;;
  *" debian "*|*" ubuntu "*) has apt-get && has dpkg-query && family=debian ;;
esac
if [ -z "$family" ]; then
  if has apt-get && has dpkg-query; then family=debian; elif has dnf || has yum; then family=el; fi
fi
elPm=
if has dnf; then elPm=dnf; elif has yum; then elPm=yum; fi

installed=()
if [ "$family" = debian ]; then
  mapfile -t installed < <(dpkg-query -W -f '\${Package}\t\${db:Status-Abbrev}\n' $debPkgs 2>/dev/null | awk -F'\t' '$2 ~ /^ii/ {print $1}')
elif [ "$family" = el ]; then
  mapfile -t installed < <(rpm -q --qf '%{NAME}\n' $elPkgs 2>/dev/null | grep -v ' ')
fi
listsAge=-1 newest=
while read -r t; do t=\${t%.*}; [ -n "$newest" ] && [ "$t" -le "$newest" ] || newest=$t; done \
  < <(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -printf '%T@\n' 2>/dev/null)
[ -n "$newest" ] && { printf -v now '%(%s)T' -1; listsAge=$((now - newest)); }

systemd=false; [ -d /run/systemd/system ] && systemd=true
# Every unit's ActiveState and UnitFileState in one systemctl call (12 forks before): the
# values is-active and is-enabled print; a unit that does not exist has no UnitFileState.
units=(libvirtd libvirtd.socket virtlogd.socket vbmcd systemd-networkd NetworkManager)
declare -A active=() enabled=()
if $systemd; then
  i=0
  while IFS= read -r line; do
    case $line in
      '') i=$((i + 1)) ;;
      ActiveState=*) active[\${units[i]}]=\${line#*=} ;;
      UnitFileState=*) enabled[\${units[i]}]=\${line#*=} ;;
    esac
  done < <(systemctl show -p ActiveState,UnitFileState "\${units[@]}" 2>/dev/null)
fi
svc() {
  local a=\${active[$1]:-} e=\${enabled[$1]:-}
  printf '{"active":'; js "\${a:-unknown}"; printf ',"enabled":'; js "\${e:-unknown}"; printf '}'
}

# The zone is where /etc/localtime points (what timedated itself reads); asking timedatectl
# would start systemd-timedated on every observe. timedatectl only when it is not a link.
tz=
localtime=$(readlink /etc/localtime 2>/dev/null)
case $localtime in */zoneinfo/*) tz=\${localtime##*/zoneinfo/} ;; esac
[ -z "$tz" ] && has timedatectl && tz=$(timedatectl show -p Timezone --value 2>/dev/null)

exists=false home= homeMode= shell= hasPassword=false passwordCheck=unchecked keys=() rcBlock= oscVersion= heatVersion=
if ent=$(getent passwd "$user"); then
  exists=true
  IFS=: read -r _ _ _ _ _ home shell <<<"$ent"
  homeMode=$(stat -c %a "$home" 2>/dev/null)
  pw=$(getent shadow "$user" 2>/dev/null) && { pw=\${pw#*:}; pw=\${pw%%:*}; }
  case $pw in ''|'!'*|'*'*) ;; *) hasPassword=true ;; esac
  if [ "$hasPassword" = true ] && [ "$checkPassword" = 1 ] && IFS= read -r want; then
    passwordCheck=$(printf '%s\n%s\n' "$want" "$pw" | { perl -e 'chomp(my $w = <STDIN>); chomp(my $h = <STDIN>);
      print crypt($w, $h) eq $h ? "same" : "differs"' 2>/dev/null || python3 -W ignore -c 'import sys, crypt
w, h = sys.stdin.read().split("\n")[:2]
print("same" if crypt.crypt(w, h) == h else "differs", end="")' 2>/dev/null; })
    case $passwordCheck in same|differs) ;; *) passwordCheck=uncheckable ;; esac
  fi
  if [ -r "$home/.ssh/authorized_keys" ]; then
    while read -r k; do [ -n "$k" ] && { sum=$(printf '%s' "$k" | sha256sum); keys+=("\${sum%% *}"); }
    done < <(awk '{for(i=1;i<NF;i++) if ($i ~ /^(ssh-|ecdsa-|sk-)/) {print $i" "$(i+1); break}}' "$home/.ssh/authorized_keys")
  fi
  if [ -r "$home/.bashrc" ] && grep -qxF -- "$rcStart" "$home/.bashrc"; then
    rcBlock=$(awk -v s="$rcStart" -v e="$rcEnd" '$0==s{p=1} p{print} p && $0==e{p=0}' "$home/.bashrc" | sha256sum)
    rcBlock=\${rcBlock%% *}
  fi
  # The OpenStack clients' venv: the installed versions, from pip's own metadata (no python run).
  for d in "$home/$osClientsVenv"/lib/python3*/site-packages/python_openstackclient-*.dist-info; do
    [ -d "$d" ] && { oscVersion=\${d##*/python_openstackclient-}; oscVersion=\${oscVersion%.dist-info}; }
  done
  for d in "$home/$osClientsVenv"/lib/python3*/site-packages/python_heatclient-*.dist-info; do
    [ -d "$d" ] && { heatVersion=\${d##*/python_heatclient-}; heatVersion=\${heatVersion%.dist-info}; }
  done
fi

# One sha256sum and one stat for all files (four forks per file before), line i for file i;
# a file gone between the test and the read shifts the lines: then file by file.
files() {
  local first=1 f i=0 existing=() sums=() stats=()
  for f in "$@"; do [ -f "$f" ] && existing+=("$f"); done
  if [ \${#existing[@]} -gt 0 ]; then
    mapfile -t sums < <(sha256sum -- "\${existing[@]}" 2>/dev/null)
    mapfile -t stats < <(stat -c '%a %U:%G' -- "\${existing[@]}" 2>/dev/null)
  fi
  if [ \${#sums[@]} -ne \${#existing[@]} ] || [ \${#stats[@]} -ne \${#existing[@]} ]; then
    sums=() stats=()
    for f in "\${existing[@]}"; do
      sums+=("$(sha256sum -- "$f" 2>/dev/null)")
      stats+=("$(stat -c '%a %U:%G' -- "$f" 2>/dev/null)")
    done
  fi
  printf '{'
  for f in "\${existing[@]}"; do
    [ $first = 1 ] || printf ','; first=0
    # sha256sum marks a name with a backslash or newline by a leading backslash.
    local sum=\${sums[i]#\\} st=\${stats[i]:-}
    js "$f"; printf ':{"sha256":'; js "\${sum%% *}"; printf ',"mode":'; js "\${st%% *}"
    printf ',"owner":'; js "\${st#* }"; printf '}'
    i=$((i + 1))
  done
  printf '}'
}
mapfile -t watchedFiles <<<"$watched"
shopt -s nullglob
ownFiles=(/etc/systemd/network/00-lab-* /etc/systemd/network/50-lab-* /etc/NetworkManager/system-connections/lab-*.nmconnection)
shopt -u nullglob

# Under sudo the login's SSH_CONNECTION is in an ancestor's environment: walked with builtins
# (three forks per level before, about 40 ms a pass).
conn=\${SSH_CONNECTION:-} pid=$$ key= value= ancestor=
while [ -z "$conn" ]; do
  ancestor=
  { while read -r key value; do [ "$key" = PPid: ] && { ancestor=$value; break; }; done <"/proc/$pid/status"; } 2>/dev/null
  pid=$ancestor
  [ -n "$pid" ] && [ "$pid" -gt 1 ] || break
  { while IFS= read -r -d '' value; do
    case $value in SSH_CONNECTION=*) conn=\${value#SSH_CONNECTION=}; break ;; esac
  done <"/proc/$pid/environ"; } 2>/dev/null
done
sshIface=
if [ -n "$conn" ]; then
  route=$(ip -j route get "\${conn%% *}" 2>/dev/null) devField='"dev":"([^"]*)"'
  [[ $route =~ $devField ]] && sshIface=\${BASH_REMATCH[1]}
fi

allows=()
for f in /etc/qemu/bridge.conf /etc/qemu-kvm/bridge.conf; do
  [ -r "$f" ] && mapfile -t -O \${#allows[@]} allows < <(awk '$1=="allow" {print $2}' "$f")
done
vbmcVersion=
for d in "$venv"/lib/python3*/site-packages/virtualbmc-*.dist-info; do
  [ -d "$d" ] && { vbmcVersion=\${d##*/virtualbmc-}; vbmcVersion=\${vbmcVersion%.dist-info}; }
done

# libvirt's default network from its files: the persistent definition, the autostart link,
# and the status file libvirt keeps for a running network (no virsh, no libvirtd started).
dnDefined=false dnAutostart=false dnActive=false dnIp= dnMask=
if [ -f /etc/libvirt/qemu/networks/default.xml ]; then
  dnDefined=true
  [ -e /etc/libvirt/qemu/networks/autostart/default.xml ] && dnAutostart=true
  [ -f /run/libvirt/network/default.xml ] && dnActive=true
  read -r dnIp dnMask < <(sed -n "s/.*<ip address=['\"]\([0-9.]*\)['\"] netmask=['\"]\([0-9.]*\)['\"].*/\1 \2/p" /etc/libvirt/qemu/networks/default.xml)
fi

# The JSON, printed piece by piece: a value in "$(js ...)" would fork a subshell each (about
# a hundred per observe), so every helper prints to stdout itself.
printf '{"os":{"id":'; js "$osId"; printf ',"idLike":'; js "$osLike"; printf ',"versionId":'; js "$osVersion"
printf '},"osFamily":'; js "$family"; printf ',"elPackageManager":'; js "$elPm"
printf ',"systemd":%s,"installed":' $systemd; jarr "\${installed[@]}"; printf ',"aptListsAgeSeconds":%s,' "$listsAge"
printf '"services":{"libvirtd":'; svc libvirtd; printf ',"libvirtdSocket":'; svc libvirtd.socket
printf ',"virtlogd":'; svc virtlogd.socket; printf ',"vbmcd":'; svc vbmcd
printf ',"systemd-networkd":'; svc systemd-networkd; printf ',"NetworkManager":'; svc NetworkManager
printf '},"timezone":'; js "$tz"
printf ',"user":{"name":'; js "$user"; printf ',"exists":%s,"home":' $exists; js "$home"
printf ',"homeMode":'; js "$homeMode"; printf ',"shell":'; js "$shell"
printf ',"hasPassword":%s,"passwordCheck":' $hasPassword; js "$passwordCheck"
printf ',"authorizedKeys":'; jarr "\${keys[@]}"; printf ',"rcBlock":'; js "$rcBlock"
printf ',"openstackClients":{"openstack":'; js "$oscVersion"; printf ',"heat":'; js "$heatVersion"
printf '}},"files":'; files "\${watchedFiles[@]}" "\${ownFiles[@]}"
printf ',"bridgeOf":'; bridgeOf "$header" "\${ownFiles[@]}"
links=$(ip -d -j addr show 2>/dev/null) routes=$(ip -j route show default 2>/dev/null)
printf ',"links":'; jraw "$links"; printf ',"defaultRoutes":'; jraw "$routes"; printf ',"sshIface":'; js "$sshIface"
printf ',"qemuBridgeAllows":'; jarr "\${allows[@]}"; printf ',"vbmcVersion":'; js "$vbmcVersion"
printf ',"libvirtDefaultNetwork":{"defined":%s,"autostart":%s,"active":%s,"address":' $dnDefined $dnAutostart $dnActive
js "$dnIp"; printf ',"netmask":'; js "$dnMask"; printf '}}\n'
`;
