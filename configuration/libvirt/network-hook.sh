#!/bin/bash
# Installed by lab-operator as /etc/libvirt/hooks/network. Do not edit: it is rewritten.
#
# libvirt calls it as: network NETWORK_NAME OPERATION SUB_OPERATION (network XML on stdin).
# It NATs the subnets listed for NETWORK_NAME in the operator's config file (one
# "NETWORK_NAME SUBNET" pair per line) while the network runs, and only those: networks not
# listed are left alone, and rules carry a comment naming their network.
set -u
CONFIG={{configFile}}
network=${1:-}
operation=${2:-}

[ -r "$CONFIG" ] || exit 0

masquerade() { # ACTION SUBNET: iptables -t nat ACTION with this network's rule for SUBNET
	iptables -t nat "$1" POSTROUTING --source "$2" '!' --destination "$2" \
		-m comment --comment "lab-operator:$network" -j MASQUERADE
}

while read -r name subnet _; do
	case "$name" in '' | '#'*) continue ;; esac
	[ "$name" = "$network" ] || continue
	case "$operation" in
	started)
		masquerade -C "$subnet" 2>/dev/null || masquerade -A "$subnet"
		;;
	stopped)
		# Remove every copy; stop if a delete fails, so libvirt is never left waiting.
		while masquerade -C "$subnet" 2>/dev/null && masquerade -D "$subnet"; do :; done
		;;
	esac
done <"$CONFIG"
exit 0
