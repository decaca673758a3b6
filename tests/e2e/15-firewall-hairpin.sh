#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# timeout: 1200
#
# podvs through a gateway whose FORWARD chain drops, and hairpin SNAT.
#
#   client (cl) --- gateway (gw, podvs, firewall) --- pod1, pod2
#
# Firewall: Docker's FORWARD setup (policy DROP, accept only conntrack
# ESTABLISHED,RELATED), with iptables as Debian installs it (nft-based) and
# as a plain nft table.  podvs flows are untracked and sent by podvs past
# FORWARD (kmod/send.h), so they pass; a flow that is not podvs's (the
# client straight to a Pod address) must not, or the firewall proves
# nothing.
set -e
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

NPODS=2

# svc KIND VS PORT AF [podvsadm service options...]: a service on Pods
# 1..NPODS, Pod port PORT.
svc() {
	local kind=$1 vs=$2 port=$3 af=$4 i r
	shift 4
	adm "$GW" -A "$kind" "$vs" "$@"
	for ((i = 1; i <= NPODS; i++)); do
		if [ "$af" = 6 ]; then r="[$(pod6 "$i")]:$port"; else r="$(pod4 "$i"):$port"; fi
		adm "$GW" -a "$kind" "$vs" -r "$r" -m
	done
}

# the four services: TCP and UDP, v4 and v6, on both Pods
# shellcheck disable=SC2120 # options are optional
services() {
	adm "$GW" -C
	svc -t "$VIP4:80" 8080 4 "$@"
	svc -u "$VIP4:53" 5353 4 "$@"
	svc -t "[$VIP6]:80" 8080 6 "$@"
	svc -u "[$VIP6]:53" 5353 6 "$@"
}

# expect_peer NS PROTO VIP PORT SRC PEER: a hello from SRC in NS gets an
# answer, and the Pod saw PEER as the client (and logged it).
expect_peer() {
	local ns=$1 proto=$2 vip=$3 port=$4 src=$5 peer=$6 out pod p
	out=$(traffic "$ns" hello -p "$proto" -d "$vip" -P "$port" -s "$src")
	log "$proto $vip:$port from $src: $out"
	read -r _ pod p <<<"$out"
	[ "$pod" != ERROR ] || fail "$proto $vip from $src: $p"
	[ "$p" = "$peer" ] || fail "$pod saw $p, not $peer"
	pod_saw "${pod#pod}" "$peer" "$proto" || fail "$pod did not log $proto $peer"
}

# expect_fail NS PROTO DST PORT SRC: no answer (short timeout: the
# packets are dropped, nothing answers).
expect_fail() {
	local out
	out=$(traffic "$1" hello -p "$2" -d "$3" -P "$4" -s "$5" --timeout 2)
	log "$2 $3:$4 from $5: $out"
	grep -q " ERROR " <<<"$out" || fail "$2 $3:$4 from $5 got through: $out"
}

# all_vips NS SRC4 SRC6 PEER4 PEER6: TCP and UDP, v4 and v6, to the VIPs
all_vips() {
	expect_peer "$1" tcp "$VIP4" 80 "$2" "$4"
	expect_peer "$1" udp "$VIP4" 53 "$2" "$4"
	expect_peer "$1" tcp "$VIP6" 80 "$3" "$5"
	expect_peer "$1" udp "$VIP6" 53 "$3" "$5"
}

# not_podvs: the client straight to a Pod (not a VIP) is dropped by the
# firewall, TCP and UDP, v4 and v6
not_podvs() {
	expect_fail "$CL" tcp "$(pod4 1)" 8080 "$(client4 0)"
	expect_fail "$CL" udp "$(pod4 1)" 5353 "$(client4 0)"
	expect_fail "$CL" tcp "$(pod6 1)" 8080 "$(client6 0)"
	expect_fail "$CL" udp "$(pod6 1)" 5353 "$(client6 0)"
}

fw_none() {
	in_ns "$GW" nft flush ruleset
}

setup() {
	podvs_load
	topo_setup "$NPODS" 1
	log "gateway $GW, client $CL, $NPODS Pods"
	# without a firewall the direct flow works: not_podvs can fail
	fw_none
	services
	expect_peer "$CL" tcp "$(pod4 1)" 8080 "$(client4 0)" "$(client4 0)"
	expect_peer "$CL" udp "$(pod6 1)" 5353 "$(client6 0)" "$(client6 0)"
}

iptables_docker() {
	local t
	fw_none
	for t in iptables ip6tables; do
		in_ns "$GW" "$t" -P FORWARD DROP
		in_ns "$GW" "$t" -A FORWARD -m conntrack \
			--ctstate RELATED,ESTABLISHED -j ACCEPT
	done
	log "$(in_ns "$GW" iptables -S FORWARD)"
	services
	not_podvs
	all_vips "$CL" "$(client4 0)" "$(client6 0)" "$(client4 0)" "$(client6 0)"
	# the firewall saw none of it: FORWARD's ACCEPT rule counted nothing
	in_ns "$GW" iptables -L FORWARD -v -n -x | awk 'NR > 2 { exit $1 != 0 }' ||
		fail "podvs packets went through FORWARD: $(in_ns "$GW" iptables -L FORWARD -v -n -x)"
}

nft_filter() {
	fw_none
	in_ns "$GW" nft -f - <<'NFT'
table inet filter {
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state established,related accept
	}
}
NFT
	services
	not_podvs
	all_vips "$CL" "$(client4 0)" "$(client6 0)" "$(client4 0)" "$(client6 0)"
}

topo_init
run_scenario "topology up, podvs loaded; direct flows pass without a firewall" setup
run_scenario "iptables FORWARD DROP + ESTABLISHED: VIPs pass, direct flows do not" iptables_docker
run_scenario "nft forward policy drop + established: VIPs pass, direct flows do not" nft_filter
