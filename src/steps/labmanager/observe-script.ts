import { bash } from "../bash.js";

/**
 * The Manager's facts in one round trip: a constant bash script printing one JSON object.
 * Positional arguments: $1 user name, $2 venv path, $3 Debian package set, $4 EL package
 * set (newline-separated), $5 files to hash (newline-separated), $6 and $7 the shell-rc
 * block markers. Our own bridge and connection files are found by glob, so cleanup sees
 * them even after the spec changed.
 * Needs only bash, coreutils, iproute2 and sha256sum: nothing we install ourselves.
 */
export const OBSERVE_MANAGER = bash`set -u
user=$1 venv=$2 debPkgs=$3 elPkgs=$4 watched=$5 rcStart=$6 rcEnd=$7
js() { local s=$1; s=\${s//\\/\\\\}; s=\${s//\"/\\\"}; s=\${s//$'\n'/\\n}; s=\${s//$'\t'/\\t}; s=\${s//$'\r'/}; printf '"%s"' "$s"; }
jarr() { local first=1 x; printf '['; for x in "$@"; do [ $first = 1 ] || printf ','; first=0; js "$x"; done; printf ']'; }
jraw() { case $1 in \[*) printf '%s' "$1" ;; *) printf '[]' ;; esac; }
has() { command -v "$1" >/dev/null 2>&1; }
sha() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }

osId= osLike= osVersion=
if [ -r /etc/os-release ]; then . /etc/os-release; osId=$ID; osLike=\${ID_LIKE:-}; osVersion=\${VERSION_ID:-}; fi
family=
if has apt-get && has dpkg-query; then family=debian; elif has dnf || has yum; then family=el; fi

installed=()
if [ "$family" = debian ]; then
  mapfile -t installed < <(dpkg-query -W -f '\${Package}\t\${db:Status-Abbrev}\n' $debPkgs 2>/dev/null | awk -F'\t' '$2 ~ /^ii/ {print $1}')
elif [ "$family" = el ]; then
  mapfile -t installed < <(rpm -q --qf '%{NAME}\n' $elPkgs 2>/dev/null | grep -v ' ')
fi
listsAge=-1
newest=$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -printf '%T@\n' 2>/dev/null | sort -n | tail -1)
[ -n "$newest" ] && listsAge=$(( $(date +%s) - \${newest%.*} ))

systemd=false; [ -d /run/systemd/system ] && systemd=true
svc() {
  local a=unknown e=unknown
  if $systemd; then a=$(systemctl is-active "$1" 2>/dev/null); e=$(systemctl is-enabled "$1" 2>/dev/null); fi
  printf '{"active":%s,"enabled":%s}' "$(js "\${a:-unknown}")" "$(js "\${e:-unknown}")"
}

tz=
has timedatectl && tz=$(timedatectl show -p Timezone --value 2>/dev/null)
[ -z "$tz" ] && tz=$(readlink /etc/localtime 2>/dev/null | sed 's|.*/zoneinfo/||')

exists=false home= homeMode= shell= hasPassword=false keys=() rcBlock=
if ent=$(getent passwd "$user"); then
  exists=true
  IFS=: read -r _ _ _ _ _ home shell <<<"$ent"
  homeMode=$(stat -c %a "$home" 2>/dev/null)
  pw=$(getent shadow "$user" 2>/dev/null | cut -d: -f2)
  case $pw in ''|'!'*|'*'*) ;; *) hasPassword=true ;; esac
  if [ -r "$home/.ssh/authorized_keys" ]; then
    while read -r k; do [ -n "$k" ] && keys+=("$(printf '%s' "$k" | sha256sum | cut -d' ' -f1)")
    done < <(awk '{for(i=1;i<NF;i++) if ($i ~ /^(ssh-|ecdsa-|sk-)/) {print $i" "$(i+1); break}}' "$home/.ssh/authorized_keys")
  fi
  if [ -r "$home/.bashrc" ] && grep -qxF -- "$rcStart" "$home/.bashrc"; then
    rcBlock=$(awk -v s="$rcStart" -v e="$rcEnd" '$0==s{p=1} p{print} p && $0==e{p=0}' "$home/.bashrc" | sha256sum | cut -d' ' -f1)
  fi
fi

files() {
  local first=1 f
  printf '{'
  for f in "$@"; do
    [ -f "$f" ] || continue
    [ $first = 1 ] || printf ','; first=0
    printf '%s:{"sha256":%s,"mode":%s,"owner":%s}' "$(js "$f")" "$(js "$(sha "$f")")" \
      "$(js "$(stat -c %a "$f")")" "$(js "$(stat -c %U:%G "$f")")"
  done
  printf '}'
}
mapfile -t watchedFiles <<<"$watched"
shopt -s nullglob
ownFiles=(/etc/systemd/network/50-lab-* /etc/NetworkManager/system-connections/lab-*.nmconnection)
shopt -u nullglob

conn=\${SSH_CONNECTION:-} pid=$$
while [ -z "$conn" ]; do
  pid=$(awk '/^PPid:/{print $2}' "/proc/$pid/status" 2>/dev/null)
  [ -n "$pid" ] && [ "$pid" -gt 1 ] || break
  conn=$({ tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p')
done
sshIface=
if [ -n "$conn" ]; then
  sshIface=$(ip -j route get "\${conn%% *}" 2>/dev/null | grep -o '"dev":"[^"]*"' | head -1 | cut -d'"' -f4)
fi

allows=()
for f in /etc/qemu/bridge.conf /etc/qemu-kvm/bridge.conf; do
  [ -r "$f" ] && mapfile -t -O \${#allows[@]} allows < <(awk '$1=="allow" {print $2}' "$f")
done
vbmcVersion=
for d in "$venv"/lib/python3*/site-packages/virtualbmc-*.dist-info; do
  [ -d "$d" ] && { vbmcVersion=\${d##*/virtualbmc-}; vbmcVersion=\${vbmcVersion%.dist-info}; }
done

printf '{"os":{"id":%s,"idLike":%s,"versionId":%s},"osFamily":%s,' "$(js "$osId")" "$(js "$osLike")" "$(js "$osVersion")" "$(js "$family")"
printf '"systemd":%s,"installed":%s,"aptListsAgeSeconds":%s,' $systemd "$(jarr "\${installed[@]}")" "$listsAge"
printf '"services":{"libvirtd":%s,"libvirtdSocket":%s,"virtlogd":%s,"vbmcd":%s,"systemd-networkd":%s,"NetworkManager":%s},' \
  "$(svc libvirtd)" "$(svc libvirtd.socket)" "$(svc virtlogd.socket)" "$(svc vbmcd)" "$(svc systemd-networkd)" "$(svc NetworkManager)"
printf '"timezone":%s,' "$(js "$tz")"
printf '"user":{"name":%s,"exists":%s,"home":%s,"homeMode":%s,"shell":%s,"hasPassword":%s,"authorizedKeys":%s,"rcBlock":%s},' \
  "$(js "$user")" $exists "$(js "$home")" "$(js "$homeMode")" "$(js "$shell")" $hasPassword "$(jarr "\${keys[@]}")" "$(js "$rcBlock")"
printf '"files":%s,' "$(files "\${watchedFiles[@]}" "\${ownFiles[@]}")"
printf '"links":%s,"defaultRoutes":%s,"sshIface":%s,' "$(jraw "$(ip -d -j addr show 2>/dev/null)")" \
  "$(jraw "$(ip -j route show default 2>/dev/null)")" "$(js "$sshIface")"
printf '"qemuBridgeAllows":%s,"vbmcVersion":%s}\n' "$(jarr "\${allows[@]}")" "$(js "$vbmcVersion")"
`;
