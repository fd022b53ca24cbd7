import { bash } from "../bash.js";

/**
 * Bash helpers for observe scripts that ask libvirt several questions (the network's and the
 * undercloud's), with $uri set. Each virsh process costs a fork, an exec and a connection to
 * libvirtd, so a script asks all its questions in one: `virsh_batch CMD...` runs every CMD (a
 * virsh command line whose values went through `vq`) in one virsh and leaves in out[i] what
 * CMD i printed, as "$(virsh CMD)" would have held it (trailing newlines dropped); "" when
 * CMD failed (virsh reports it on stderr and goes on with the next one) or when virsh ended
 * before it. A random marker line that virsh echoes between the commands tells their
 * outputs apart; whether echo adds a newline differs between libvirt versions, so the two
 * markers at the start measure it. A syntax error (an option this virsh lacks) stops the
 * whole batch: every out[i] is then "".
 * `vq VAR VALUE` quotes VALUE for virsh's own command-line parser into VAR (no subshell).
 * `virsh_fields TEXT` reads the "Key:   value" lines net-info and dominfo print into
 * field[Key], each value as `awk -F': *' '$1==k {print $2}'` took it before (up to a further
 * colon, lines of one key joined by newlines).
 * `virsh_unanswered` ends the script as "libvirt does not answer" (exit 3).
 */
export const VIRSH_BATCH = bash`vq() { local s=\${2//\\/\\\\}; printf -v "$1" '"%s"' "\${s//\"/\\\"}"; }
virsh_batch() {
  local nl=$'\n' mark="@@lab-observe-$RANDOM$RANDOM$RANDOM@@" script c line k=-1 e=0 n=0 text=
  local echoMark="echo \"$nl$mark$nl\""
  script="$echoMark; $echoMark"
  for c in "$@"; do script+="; $c; $echoMark"; done
  out=()
  # k counts the markers seen, n the lines since the last one: the e newlines echo adds
  # begin each output (e + 1 lines between the first two markers).
  while IFS= read -r line; do
    if [ "$line" = "$mark" ]; then
      if [ $k = 0 ]; then e=$((n - 1)); fi
      if [ $k -ge 1 ]; then
        while [[ $text == *$'\n' ]]; do text=\${text%$'\n'}; done
        out[k-1]=$text
      fi
      k=$((k + 1)) n=0 text=
    else
      n=$((n + 1))
      if [ $k -ge 1 ] && [ $n -gt $e ]; then text+=$line$'\n'; fi
    fi
  done < <(virsh -q -c "$uri" "$script" 2>/dev/null)
}
declare -A field=()
virsh_fields() {
  local line k v
  field=()
  while IFS= read -r line; do
    k=\${line%%:*} v=
    [ -n "$k" ] || continue
    if [[ $line == *:* ]]; then v=\${line#*:}; v=\${v#"\${v%%[! ]*}"}; v=\${v%%:*}; fi
    field[$k]+=\${field[$k]+$'\n'}$v
  done <<<"$1"
}
virsh_unanswered() {
  local err
  err=$(virsh -q -c "$uri" uri 2>&1 >/dev/null)
  echo "libvirt at $uri does not answer: \${err:-virsh printed nothing}" >&2
  exit 3
}
`;

/**
 * One libvirt network's facts in one round trip: a constant bash script printing one JSON
 * object. Positional arguments: $1 libvirt URI, $2 network name, $3 the network hook
 * script, $4 the hook config (every network's lines). Exits non-zero when libvirt does not answer, so an
 * unreachable libvirtd is never mistaken for a missing network. Domain NICs come back as
 * "domain\ttype\tsource" lines; node decides which use this network. otherActive holds the
 * live XML of every other active network, to find bridge and subnet clashes before a start.
 * Two virsh processes (the second asks about what the first listed) and iptables, nothing
 * else: values are read with builtins and the JSON is printed piece by piece, since each
 * "$(...)" forks a subshell.
 */
export const OBSERVE_NETWORK =
  VIRSH_BATCH +
  bash`set -u
uri=$1 net=$2 hook=$3 hookConf=$4
js() { local s=$1; s=\${s//\\/\\\\}; s=\${s//\"/\\\"}; s=\${s//$'\n'/\\n}; s=\${s//$'\t'/\\t}; s=\${s//$'\r'/}; printf '"%s"' "$s"; }
jarr() { local first=1 x; printf '['; for x in "$@"; do [ $first = 1 ] || printf ','; first=0; js "$x"; done; printf ']'; }

vq n "$net"
virsh_batch uri "net-info --network $n" "net-dumpxml --inactive --network $n" "net-list --name" "list --all --name"
[ -n "\${out[0]:-}" ] || virsh_unanswered
info=\${out[1]:-} xml=\${out[2]:-} netNames=\${out[3]:-} domNames=\${out[4]:-}

# An empty net-info is a network that does not exist.
exists=false active=false autostart=false persistent=false uuid=
if [ -n "$info" ]; then
  exists=true
  virsh_fields "$info"
  [ "\${field[Active]:-}" = yes ] && active=true
  [ "\${field[Autostart]:-}" = yes ] && autostart=true
  [ "\${field[Persistent]:-}" = yes ] && persistent=true
  uuid=\${field[UUID]:-}
else
  xml=
fi

# The other active networks' live XML and every domain's NICs, all in a second virsh.
others=() doms=() cmds=()
while IFS= read -r name; do
  [ -n "$name" ] && [ "$name" != "$net" ] || continue
  vq q "$name"; others+=("$name") cmds+=("net-dumpxml --network $q")
done <<<"$netNames"
while IFS= read -r name; do
  [ -n "$name" ] || continue
  vq q "$name"; doms+=("$name") cmds+=("domiflist --domain $q")
done <<<"$domNames"
out=()
[ \${#cmds[@]} = 0 ] || virsh_batch "\${cmds[@]}"
otherXml=() i=0
for name in "\${others[@]}"; do otherXml+=("\${out[i]:-}"); i=$((i + 1)); done
# domiflist: Interface Type Source Model MAC; a header (if any) and lines of fewer fields skipped.
ifaces=()
for dom in "\${doms[@]}"; do
  while read -r first type source _; do
    [ "$first" != Interface ] && [ -n "$source" ] || continue
    ifaces+=("$dom"$'\t'"$type"$'\t'"$source")
  done <<<"\${out[i]:-}"
  i=$((i + 1))
done

hookInstalled=false; [ -x "$hook" ] && hookInstalled=true
# The hook config as "$(cat FILE)" held it (NUL bytes and trailing newlines dropped), read by
# the read builtin.
hasHookConfig=false hookConfig=
if [ -r "$hookConf" ]; then
  hasHookConfig=true
  while IFS= read -r line || [ -n "$line" ]; do hookConfig+=$line$'\n'; done 2>/dev/null <"$hookConf"
  while [[ $hookConfig == *$'\n' ]]; do hookConfig=\${hookConfig%$'\n'}; done
fi
natRules=() iptables=false
if command -v iptables >/dev/null 2>&1 && rules=$(iptables -w 5 -t nat -S POSTROUTING 2>/dev/null); then
  iptables=true
  while IFS= read -r line; do
    case $line in *'-j MASQUERADE'*) natRules+=("$line") ;; esac
  done <<<"$rules"
fi

printf '{"exists":%s,"active":%s,"autostart":%s,"persistent":%s,"uuid":' $exists $active $autostart $persistent
js "$uuid"; printf ',"xml":'; js "$xml"
printf ',"ifaces":'; jarr "\${ifaces[@]}"; printf ',"otherActive":'; jarr "\${otherXml[@]}"
printf ',"hookInstalled":%s,"hookConfig":' $hookInstalled
if $hasHookConfig; then js "$hookConfig"; else printf null; fi
printf ',"natRules":'
if $iptables; then jarr "\${natRules[@]}"; else printf null; fi
printf '}\n'
`;
