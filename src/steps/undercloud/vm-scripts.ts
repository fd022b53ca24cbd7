import { bash, POLL_UNTIL } from "../bash.js";

/**
 * Fetch the base image once: a Manager path is copied, an http(s) URL downloaded with
 * `curl -C -` (a crash resumes the .part file). The sha256 is checked against $5 (when
 * given) before the file takes its name, then recorded next to it.
 * Args: $1 copy|download, $2 source, $3 base path, $4 checksum file, $5 expected hex or "".
 */
export const FETCH_BASE_IMAGE = bash`set -euo pipefail
mode=$1 src=$2 base=$3 sumFile=$4 want=$5
mkdir -p "$(dirname "$base")"
part="$base.part"
if [ "$mode" = copy ]; then
  [ -f "$src" ] || { echo "base image $src does not exist on the Manager" >&2; exit 4; }
  cp --sparse=always -- "$src" "$part"
else
  rc=0; curl -fsSL --retry 5 --retry-delay 2 -C - -o "$part" "$src" || rc=$?
  if [ $rc = 33 ]; then rm -f "$part"; curl -fsSL --retry 5 --retry-delay 2 -o "$part" "$src"; elif [ $rc != 0 ]; then exit $rc; fi
fi
got=$(sha256sum "$part" | awk '{print $1}')
if [ -n "$want" ] && [ "$got" != "$want" ]; then
  rm -f "$part"
  echo "base image checksum mismatch: expected sha256:$want, got sha256:$got" >&2
  exit 5
fi
mv -f "$part" "$base"
printf '%s  %s\n' "$got" "\${base##*/}" >"$sumFile.tmp"
mv -f "$sumFile.tmp" "$sumFile"`;

/**
 * The VM disk: a qcow2 copy of the base image grown to the spec's size, renamed into place
 * only when complete. Never touches an existing disk: one that appeared since the plan saw
 * none is someone else's, and refused. Args: $1 base, $2 disk, $3 size.
 */
export const CREATE_DISK = bash`set -euo pipefail
base=$1 disk=$2 size=$3
[ ! -e "$disk" ] || { echo "$disk exists and is not ours: left alone" >&2; exit 7; }
tmp="$disk.lab-operator.tmp"
rm -f "$tmp"
qemu-img convert -q -O qcow2 "$base" "$tmp"
qemu-img resize -q "$tmp" "$size"
chmod 0600 "$tmp"
mv -f "$tmp" "$disk"`;

/**
 * The NoCloud seed ISO from the uploaded inputs in $1 (user-data, meta-data and optional
 * network-config, all mode 0600); the inputs are removed once the ISO is in place because
 * they carry the password hash and the host private key. Args: $1 inputs dir, $2 seed path.
 */
export const CREATE_SEED = bash`set -euo pipefail
dir=$1 seed=$2
[ ! -e "$seed" ] || { rm -rf -- "$dir"; echo "$seed exists and is not ours: left alone" >&2; exit 7; }
tmp="$seed.lab-operator.tmp"
rm -f "$tmp"
umask 077
net=()
[ -f "$dir/network-config" ] && net=(--network-config "$dir/network-config")
if command -v cloud-localds >/dev/null; then
  cloud-localds "\${net[@]}" "$tmp" "$dir/user-data" "$dir/meta-data"
else
  files=("$dir/user-data" "$dir/meta-data")
  [ -f "$dir/network-config" ] && files+=("$dir/network-config")
  genisoimage -quiet -output "$tmp" -volid cidata -joliet -rock "\${files[@]}"
fi
chmod 0600 "$tmp"
mv -f "$tmp" "$seed"
rm -rf -- "$dir"`;

/** Define a domain from the XML in $2 unless one of that name exists. Args: $1 URI, $2 XML file, $3 name. */
export const DEFINE_DOMAIN = bash`set -euo pipefail
uri=$1 xml=$2 dom=$3
trap 'rm -f "$xml"' EXIT
if virsh -q -c "$uri" dominfo --domain "$dom" >/dev/null 2>&1; then
  echo "domain $dom exists: left as it is" >&2
  exit 0
fi
virsh -q -c "$uri" define --file "$xml"`;

/**
 * Lifecycle verbs that check before acting. Args: $1 URI, $2 verb, $3 domain; for
 * "journal" $4 is the stamp XML, $5 its namespace URI, $6 its prefix; for "eject" $4 is
 * the seed path (ejected from the saved definition only: the running guest keeps it).
 */
export const DOMAIN_CTL = bash`set -euo pipefail
uri=$1 op=$2 dom=$3
v() { virsh -q -c "$uri" "$@"; }
state() { v domstate --domain "$dom" 2>/dev/null | head -n1; }
case $op in
  start)
    case $(state) in
      running) ;;
      paused) v resume --domain "$dom" ;;
      *) v start --domain "$dom" ;;
    esac ;;
  autostart) v autostart --domain "$dom" ;;
  destroy) if [ "$(state)" = running ] || [ "$(state)" = paused ]; then v destroy --domain "$dom"; fi ;;
  journal)
    live=(); [ "$(state)" = running ] && live=(--live)
    v metadata --domain "$dom" --uri "$5" --key "$6" --set "$4" --config "\${live[@]}" ;;
  eject)
    target=$(v domblklist --domain "$dom" --inactive --details | awk -v s="$4" '$2=="cdrom" && $4==s {print $3; exit}')
    [ -z "$target" ] || v change-media --domain "$dom" --path "$target" --eject --config ;;
  *) echo "unknown operation: $op" >&2; exit 2 ;;
esac`;

/**
 * Wait (deadline $3 seconds) until the first NIC of the saved definition has a DHCP lease
 * and port 22 at that address answers with an SSH banner from the Manager; print the
 * address. Args: $1 URI, $2 domain, $3 seconds.
 */
export const WAIT_FOR_ADDRESS =
  POLL_UNTIL +
  bash`set -uo pipefail
uri=$1 dom=$2 limit=$3
mac=$(virsh -q -c "$uri" domiflist --domain "$dom" --inactive | awk 'NF >= 5 {print tolower($5); exit}')
[ -n "$mac" ] || { echo "domain $dom has no NIC" >&2; exit 4; }
address=
ssh_answers() {
  if [ -z "$address" ]; then
    address=$(virsh -q -c "$uri" domifaddr --domain "$dom" --source lease 2>/dev/null |
      awk -v m="$mac" 'tolower($2)==m && $3=="ipv4" {sub(/\/.*/, "", $4); print $4; exit}')
  fi
  [ -n "$address" ] && timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/22" && head -c 4 <&3 | grep -q SSH' _ "$address"
}
poll_until "$limit" ssh_answers || {
  echo "VM $dom: no DHCP lease with SSH answering for MAC $mac within $limit s (last address: \${address:-none})" >&2
  exit 4
}
echo "$address"`;

/**
 * Remove a VM we own: destroy, undefine (nvram, snapshot metadata and managed save too),
 * then our files. Storage is removed by path, not with --remove-all-storage: that refuses
 * volumes outside a libvirt pool and would delete disks someone else attached. Refuses a
 * domain whose stamp does not name this object; files only go when the owner marker names it.
 * Args: $1 URI, $2 domain, $3 owner marker, $4 ownership namespace URI, $5 the marker's
 * owner line, $6-$8 the stamp's kind, namespace and name, then our paths.
 */
export const REMOVE_VM = bash`set -uo pipefail
uri=$1 dom=$2 marker=$3 ns=$4 owner=$5 kind=$6 namespace=$7 name=$8; shift 8
v() { virsh -q -c "$uri" "$@"; }
if v dominfo --domain "$dom" >/dev/null 2>&1; then
  meta=$(v metadata --domain "$dom" --uri "$ns" 2>/dev/null) || meta=
  head=$(grep -o '<[^<>]*owner [^<>]*>' <<<"$meta" | head -n1)
  if [[ $head != *" kind=\"$kind\""* || $head != *" namespace=\"$namespace\""* || $head != *" name=\"$name\""* ]]; then
    echo "domain $dom carries no ownership stamp of $owner: not removed" >&2
    exit 6
  fi
  state=$(v domstate --domain "$dom" | head -n1)
  if [ "$state" = running ] || [ "$state" = paused ]; then v destroy --domain "$dom" || exit 1; fi
  v undefine --domain "$dom" --nvram --snapshots-metadata --managed-save ||
    v undefine --domain "$dom" || exit 1
fi
if [ -f "$marker" ] && [ "$(head -c 512 "$marker" | head -n1)" = "$owner" ]; then
  rm -rf -- "$@"
  rm -f -- "$marker"
fi
exit 0`;

/**
 * The owner marker, written before any file is made; refuses one that names someone else.
 * Args: $1 marker path, $2 owner line.
 */
export const WRITE_MARKER = bash`set -euo pipefail
marker=$1 owner=$2
if [ -e "$marker" ] && [ "$(head -c 512 "$marker" | head -n1)" != "$owner" ]; then
  echo "$marker names another owner: left alone" >&2
  exit 7
fi
mkdir -p "$(dirname "$marker")"
printf '%s\n' "$owner" >"$marker.tmp"
chmod 0644 "$marker.tmp"
mv -f "$marker.tmp" "$marker"`;
