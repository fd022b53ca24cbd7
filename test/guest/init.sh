#!/bin/sh
# /init of the imitation test guest (see build-image.sh): NOT cloud-init. It applies the
# few NoCloud settings the operator's tests rely on, then runs DHCP and dropbear.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tmpfs run /run
log() { echo "imitation-init: $*" >/dev/console; }

while read -r mod; do insmod "/lib/modules/$mod" 2>/dev/null; done </etc/modules.order
mdev -s

# The seed: the cidata ISO on first boot; the copy kept on the boot disk afterwards.
seed=/run/seed
mkdir -p "$seed" /mnt/boot /mnt/cidata
# Debian's busybox has no blkid: probe by mounting and looking for the files.
findSeed() {
  for dev in /dev/sr0 /dev/sr1 /dev/vd? /dev/sd?; do
    [ -b "$dev" ] || continue
    mount -t iso9660 -o ro "$dev" /mnt/cidata 2>/dev/null || continue
    if [ -f /mnt/cidata/user-data ]; then echo "$dev"; return 0; fi
    umount /mnt/cidata
  done
  return 1
}
boot=
for d in /dev/vda /dev/sda; do
  [ -b "$d" ] || continue
  if mount -t vfat "$d" /mnt/boot 2>/dev/null; then
    if [ -f /mnt/boot/syslinux.cfg ]; then boot=$d; break; fi
    umount /mnt/boot
  fi
done
if dev=$(findSeed); then
  cp /mnt/cidata/user-data /mnt/cidata/meta-data "$seed/"
  if [ -n "$boot" ]; then mkdir -p /mnt/boot/cidata && cp "$seed"/* /mnt/boot/cidata/ && sync; fi
  umount /mnt/cidata
  log "seed read from $dev"
elif [ -d /mnt/boot/cidata ]; then
  cp /mnt/boot/cidata/* "$seed/"
  log "seed read from the copy on the boot disk"
else
  log "no seed found"
fi
touch "$seed/user-data" "$seed/meta-data"

# key: value at the top level of a YAML document (quotes removed).
topValue() { awk -v k="$1" 'index($0, k ": ") == 1 { v = substr($0, length(k) + 3); gsub(/^["\x27]|["\x27]$/, "", v); print v; exit }' "$2"; }
# The first user's name and its ssh_authorized_keys items.
firstUser() { awk '/^users:/ {u=1; next} u && /^[^ ]/ {exit} u && /^  - name: / {print $3; exit}' "$1"; }
userKeys() {
  awk '/^users:/ {u=1; next} u && /^[^ ]/ {exit}
    u && /^  - / && n++ {exit}
    u && /ssh_authorized_keys:/ {k=1; next}
    k && /^      - / {sub(/^      - /, ""); gsub(/^["\x27]|["\x27]$/, ""); print; next}
    k {k=0}' "$1"
}
# A block scalar under ssh_keys (e.g. ed25519_private: |), de-indented.
sshKey() {
  awk -v k="$1" '/^ssh_keys:/ {s=1; next} s && /^[^ ]/ {exit}
    s && index($0, "  " k ": |") == 1 {b=1; next}
    b && /^    / {sub(/^    /, ""); print; next}
    b {exit}' "$2"
}

name=$(topValue local-hostname "$seed/meta-data")
[ -n "$name" ] || name=$(topValue hostname "$seed/user-data")
hostname "${name:-imitation}"
echo "${name:-imitation}" >/etc/hostname

user=$(firstUser "$seed/user-data")
echo "root:x:0:0:root:/root:/bin/sh" >/etc/passwd
echo "root:x:0:" >/etc/group
home=/root
if [ -n "$user" ] && [ "$user" != root ]; then
  home=/home/$user
  echo "$user:x:0:0:imitation guest user:$home:/bin/sh" >>/etc/passwd
fi
mkdir -p "$home/.ssh" && chmod 0700 "$home/.ssh"
userKeys "$seed/user-data" >"$home/.ssh/authorized_keys"
chmod 0600 "$home/.ssh/authorized_keys"

sshKey ed25519_private "$seed/user-data" >/run/host_key
if [ -s /run/host_key ] && dropbearconvert openssh dropbear /run/host_key /etc/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1; then
  log "host key from the seed"
  hostKeyOpt="-r /etc/dropbear/dropbear_ed25519_host_key"
else
  log "no usable host key in the seed: generating one"
  hostKeyOpt="-R"
fi
rm -f /run/host_key

ip link set lo up
ip link set eth0 up
udhcpc -b -i eth0 -s /etc/udhcpc.sh -x "hostname:${name:-imitation}" >/dev/console 2>&1
# shellcheck disable=SC2086 # one or two options
dropbear -s $hostKeyOpt -p 22
log "ready"
echo "imitation-init: ready" >/run/ready

# Sessions are ended first so clients see their connections close instead of timing out.
trap 'killall dropbear 2>/dev/null; sync; umount /mnt/boot 2>/dev/null; reboot -f' TERM INT
trap 'killall dropbear 2>/dev/null; sync; umount /mnt/boot 2>/dev/null; poweroff -f' USR2 USR1
# A shell on the serial console for debugging; PID 1 then idles (signals end the wait).
setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1' &
while :; do
  sleep 86400 &
  wait $!
done
