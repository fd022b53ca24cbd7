#!/bin/sh
# udhcpc event script of the imitation test guest: address, default route, resolv.conf.
# shellcheck disable=SC2154 # interface, ip, mask, router and dns are set by udhcpc
case $1 in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    : >/etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
    ;;
esac
exit 0
