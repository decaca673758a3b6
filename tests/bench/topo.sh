# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The benchmark topology; sourced by tests/bench/guest.sh after
# tests/e2e/lib.sh (netns_add, in_ns, on_exit, wait_until, fail).
#
# Every setup S (podvs, ipvs, iptables, nft, routed, np) gets its own chain
# of namespaces, the same addresses in each:
#
#   client cl-S                  gateway gw-S                    Pods
#   c0 198.51.100.2/24 --------- g0 198.51.100.1/24
#      + 198.51.100.100-107      vip0 (dummy): 192.0.2.10/32
#        (traffic sources)       p1 203.0.113.1/30 ------------- pod1-S eth0 203.0.113.2/30
#                                p2 203.0.113.5/30 ------------- pod2-S eth0 203.0.113.6/30
#                                n1 203.0.113.65/30 ------------ node-S eth0 203.0.113.66/30
#                                                                (NodePort test only)
#
# NAT mode, no SNAT: the Pods (and the node) route everything back through
# their gateway, which translates replies back to the VIP.  The VIP is
# local on the gateway's dummy vip0, as podvsd and kube-proxy's IPVS mode
# do it (IPVS needs it: it hooks after routing; podvs and DNAT do not care).
# Each Pod runs `pvbench serve` (UDP sink :5353, accept-close :8080, HTTP
# :8000).  The node, when there is one, does kube-proxy-style NodePort
# DNAT + MASQUERADE to the Pods.
#
# Separate chains let the setups stay configured side by side, so rounds
# interleave the setups at no cost and nothing of one setup (hooks,
# conntrack entries, tables) is in another's path.  podvs.ko, once loaded,
# hooks every namespace; IPVS, iptables and nftables only those that have
# services or rules.

VIP=192.0.2.10
POD_ADDRS=(203.0.113.2 203.0.113.6)
NODE_ADDR=203.0.113.66
NSRC=8
TOPO_DIR=/tmp/podvs-bench

cl_ns() { echo "cl-$1-$PODVS_NS_TAG"; }
gw_ns() { echo "gw-$1-$PODVS_NS_TAG"; }
pod_ns() { echo "pod$2-$1-$PODVS_NS_TAG"; }
node_ns() { echo "node-$1-$PODVS_NS_TAG"; }

# The client's traffic sources as pvbench options (-s ADDR ...).
src_opts() {
	local i
	for ((i = 0; i < NSRC; i++)); do
		printf -- '-s 198.51.100.%d ' $((100 + i))
	done
}

topo_init() {
	mkdir -p "$TOPO_DIR"
	on_exit topo_kill_servers
}

topo_kill_servers() {
	# shellcheck disable=SC2046 # one pid per line
	[ ! -s "$TOPO_DIR/pids" ] || kill $(cat "$TOPO_DIR/pids") 2>/dev/null || true
	rm -f "$TOPO_DIR/pids"
}

# topo_chain S PVBENCH: setup S's client, gateway and Pods, servers up.
# ip -b: one process per namespace, as every exec is slow under TCG.
topo_chain() {
	local s=$1 gw cl i pod
	gw=$(netns_add "gw-$s")
	cl=$(netns_add "cl-$s")
	in_ns "$gw" sysctl -qw net.ipv4.ip_forward=1
	in_ns "$cl" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	for i in 1 2; do
		netns_add "pod$i-$s" >/dev/null
	done
	{
		echo "link add vip0 type dummy"
		echo "link set vip0 up"
		echo "addr add $VIP/32 dev vip0"
		gw_link g0 "$cl" c0 198.51.100.1/24
		gw_link p1 "$(pod_ns "$s" 1)" eth0 203.0.113.1/30
		gw_link p2 "$(pod_ns "$s" 2)" eth0 203.0.113.5/30
	} | ip -n "$gw" -b -
	{
		for ((i = 0; i < NSRC; i++)); do
			echo "addr add 198.51.100.$((100 + i))/24 dev c0"
		done
		peer_up c0 198.51.100.2/24 198.51.100.1
	} | ip -n "$cl" -b -
	peer_up eth0 203.0.113.2/30 203.0.113.1 | ip -n "$(pod_ns "$s" 1)" -b -
	peer_up eth0 203.0.113.6/30 203.0.113.5 | ip -n "$(pod_ns "$s" 2)" -b -
	for i in 1 2; do
		pod=$(pod_ns "$s" "$i")
		ip netns exec "$pod" "$2" serve -u 5353 -t 8080 -H 8000 >"$TOPO_DIR/$pod.log" 2>&1 &
		echo $! >>"$TOPO_DIR/pids"
	done
	for i in 1 2; do
		pod=$(pod_ns "$s" "$i")
		wait_until 100 grep -q ready "$TOPO_DIR/$pod.log" ||
			fail "$pod: pvbench serve did not start: $(cat "$TOPO_DIR/$pod.log")"
	done
	warm_neigh "$s" "${POD_ADDRS[@]}"
}

# topo_node S: a node namespace behind gateway S (for the NodePort path).
topo_node() {
	local node
	node=$(netns_add "node-$1")
	in_ns "$node" sysctl -qw net.ipv4.ip_forward=1
	gw_link n1 "$node" eth0 203.0.113.65/30 | ip -n "$(gw_ns "$1")" -b -
	peer_up eth0 "$NODE_ADDR/30" 203.0.113.65 | ip -n "$node" -b -
	warm_neigh "$1" "$NODE_ADDR"
}

# gw_link GWIF NS IF ADDR: ip -b lines for a veth from the gateway to NS.
gw_link() {
	echo "link add $1 type veth peer name $3 netns $2"
	echo "addr add $4 dev $1"
	echo "link set $1 up"
}

# peer_up IF ADDR ROUTER: ip -b lines for the far end of a gw_link veth.
peer_up() {
	echo "addr add $2 dev $1"
	echo "link set $1 up"
	echo "route add default via $3"
}

# warm_neigh S ADDR...: resolve gateway S's neighbours now, not inside a
# measurement (a datagram from the client to each; port 9 discards).
warm_neigh() {
	local s=$1
	shift
	in_ns "$(cl_ns "$s")" bash -c "for a in $*; do echo >/dev/udp/\$a/9; done"
	wait_until 100 neigh_known "$s" "$@" || fail "gw-$s: neighbours unresolved"
}

# neigh_known S ADDR...: gateway S has a link-layer address for each ADDR.
neigh_known() {
	local n a
	n=$(ip -n "$(gw_ns "$1")" neigh show | grep lladdr | awk '{ print $1 }')
	shift
	for a in "$@"; do
		grep -qx "$a" <<<"$n" || return 1
	done
}

# gw_tx S: packets gateway S sent to its Pods so far (ip -n: no mount
# namespace to set up, unlike ip netns exec).
gw_tx() {
	ip -n "$(gw_ns "$1")" -s link show | awk '
		/^[0-9]+:/ { dev = $2; sub(/[@:].*/, "", dev) }
		/^ *TX:/ { tx = 1; next }
		tx && (dev == "p1" || dev == "p2") { n += $2 }
		{ tx = 0 }
		END { print n + 0 }'
}

# nsx NS CMD...: CMD in NS's network namespace only (cheaper than in_ns
# for the measured tools, which need no /sys of their own).
nsx() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}
