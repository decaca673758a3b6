#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# timeout: 1200
#
# podvs through a gateway whose FORWARD chain drops, and hairpin SNAT.
#
#   client (cl) --- gateway (gw, podvs, firewall) --- pod1, pod2
#                         | br0 10.244.0.1/24, 2001:db8:244::1/64
#                         +--- pod11 .11 / ::11 (a client in the cluster)
#                         +--- pod12 .12 / ::12 (the hairpin VIPs' only Pod)
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
# firewall, TCP and UDP, v4 and v6.  With no service: a Pod port that is
# a dest has its replies translated to the VIP (reverse translation, see
# README), which would make these flows fail without any firewall.
not_podvs() {
	adm "$GW" -C
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
	# without a firewall (and without services: see not_podvs) the
	# direct flow works: not_podvs can fail
	fw_none
	adm "$GW" -C
	expect_peer "$CL" tcp "$(pod4 1)" 8080 "$(client4 0)" "$(client4 0)"
	expect_peer "$CL" udp "$(pod6 1)" 5353 "$(client6 0)" "$(client6 0)"
	services
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
	not_podvs
	services
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
	not_podvs
	services
	all_vips "$CL" "$(client4 0)" "$(client6 0)" "$(client4 0)" "$(client6 0)"
}

# Hairpin: pod11 and pod12 share a segment (a bridge in the gateway), so
# pod12 answers pod11 straight over the bridge, from its own address,
# unless the flow is source-NATed to the gateway.
HP4=10.244.0.0/24
HP6=2001:db8:244::/64
GW4=10.244.0.1
GW6=2001:db8:244::1
hp4() { echo "10.244.0.$1"; }
hp6() { echo "2001:db8:244::$1"; }

# hp_pod I: Pod I on the gateway's bridge, served
hp_pod() {
	local pod
	pod=$(netns_add "pod$1")
	ip link add "hp$1" netns "$GW" type veth peer name eth0 netns "$pod"
	ip -n "$GW" link set "hp$1" master br0 up
	veth_end "$pod" eth0 "$(hp4 "$1")/24"
	ip -n "$pod" addr add "$(hp6 "$1")/64" dev eth0 nodad
	ip -n "$pod" route add default via "$GW4"
	ip -n "$pod" -6 route add default via "$GW6"
	pod_serve "$pod" "$1"
}

# hp_services [--snat-from ...]: VIP:8000/tcp, VIP:5300/udp -> pod12 only
hp_services() {
	local r4 r6
	r4=$(hp4 12) r6="[$(hp6 12)]"
	adm "$GW" -C
	adm "$GW" -A -t "$VIP4:8000" "${@:1:2}"
	adm "$GW" -a -t "$VIP4:8000" -r "$r4:8080" -m
	adm "$GW" -A -u "$VIP4:5300" "${@:1:2}"
	adm "$GW" -a -u "$VIP4:5300" -r "$r4:5353" -m
	adm "$GW" -A -t "[$VIP6]:8000" "${@:3:2}"
	adm "$GW" -a -t "[$VIP6]:8000" -r "$r6:8080" -m
	adm "$GW" -A -u "[$VIP6]:5300" "${@:3:2}"
	adm "$GW" -a -u "[$VIP6]:5300" -r "$r6:5353" -m
}

hp_setup() {
	fw_none
	ip -n "$GW" link add br0 type bridge
	ip -n "$GW" link set br0 up
	ip -n "$GW" addr add "$GW4/24" dev br0
	ip -n "$GW" addr add "$GW6/64" dev br0 nodad
	hp_pod 11
	hp_pod 12
	# a Pod reaches the other one directly over the bridge
	expect_peer "$(pod_ns 11)" tcp "$(hp4 12)" 8080 "$(hp4 11)" "$(hp4 11)"
}

# without SNAT_FROM pod12 answers pod11 directly: every flow fails
hp_without() {
	hp_services
	expect_fail "$(pod_ns 11)" tcp "$VIP4" 8000 "$(hp4 11)"
	expect_fail "$(pod_ns 11)" udp "$VIP4" 5300 "$(hp4 11)"
	expect_fail "$(pod_ns 11)" tcp "$VIP6" 8000 "$(hp6 11)"
	expect_fail "$(pod_ns 11)" udp "$VIP6" 5300 "$(hp6 11)"
}

hp_with() {
	local out
	hp_services --snat-from "$HP4" --snat-from "$HP6"
	adm "$GW" -Ln | grep -q "TCP  $VIP4:8000 mh snat-from $HP4" ||
		fail "-L does not show the list: $(adm "$GW" -Ln)"
	expect_peer "$(pod_ns 11)" tcp "$VIP4" 8000 "$(hp4 11)" "$GW4"
	expect_peer "$(pod_ns 11)" udp "$VIP4" 5300 "$(hp4 11)" "$GW4"
	expect_peer "$(pod_ns 11)" tcp "$VIP6" 8000 "$(hp6 11)" "$GW6"
	expect_peer "$(pod_ns 11)" udp "$VIP6" 5300 "$(hp6 11)" "$GW6"
	# the flows are flagged and keep the client in the table
	out=$(adm "$GW" -Lnc)
	log "$out"
	grep -q "$(hp4 11):" <<<"$out" || fail "no entry with the client address"
	# a client outside the prefixes keeps its own address
	expect_peer "$CL" tcp "$VIP4" 8000 "$(client4 0)" "$(client4 0)"
	expect_peer "$CL" udp "$VIP6" 5300 "$(client6 0)" "$(client6 0)"
	# cleared again (-E with an empty list): the hairpin fails again
	adm "$GW" -E -t "$VIP4:8000" --snat-from=
	! adm "$GW" -Ln | grep -q "TCP  $VIP4:8000 mh snat-from" ||
		fail "the list was not cleared"
	expect_fail "$(pod_ns 11)" tcp "$VIP4" 8000 "$(hp4 11)"
}

# a bad list changes nothing and says why
hp_bad() {
	local err
	hp_services --snat-from "$HP4" --snat-from "$HP6"
	err=$(adm "$GW" -E -t "$VIP4:8000" --snat-from 10.244.0.1/24 2>&1) &&
		fail "host bits accepted"
	log "$err"
	grep -q "host bits" <<<"$err" || fail "no reason given: $err"
	adm "$GW" -Ln | grep -q "TCP  $VIP4:8000 mh snat-from $HP4" ||
		fail "the list changed: $(adm "$GW" -Ln)"
	adm "$GW" -S -n | grep -q -- "-A -t $VIP4:8000 -s mh --snat-from $HP4" ||
		fail "-S does not save the list: $(adm "$GW" -S -n)"
}

topo_init
run_scenario "topology up, podvs loaded; direct flows pass without a firewall" setup
run_scenario "iptables FORWARD DROP + ESTABLISHED: VIPs pass, direct flows do not" iptables_docker
run_scenario "nft forward policy drop + established: VIPs pass, direct flows do not" nft_filter
run_scenario "hairpin topology: two Pods on one bridge" hp_setup
run_scenario "hairpin without --snat-from: TCP/UDP v4/v6 from a Pod fail" hp_without
run_scenario "hairpin --snat-from: a Pod reaches the VIP, sees the gateway" hp_with
run_scenario "--snat-from with host bits is refused, list unchanged, saved" hp_bad
