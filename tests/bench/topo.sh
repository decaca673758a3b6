# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The benchmark topology; sourced by tests/bench/guest.sh after
# tests/e2e/lib.sh (netns_add, netns_veth, in_ns, on_exit, fail).
#
#   client (cl)                  gateway (gw)                    Pods
#   c0 198.51.100.2/24 --------- g0 198.51.100.1/24
#      + 198.51.100.100-107      vip0 (dummy): 192.0.2.10/32
#        (traffic sources)       p1 203.0.113.1/30 ------------- pod1 eth0 203.0.113.2/30
#                                p2 203.0.113.5/30 ------------- pod2 eth0 203.0.113.6/30
#                                n1 203.0.113.65/30 ------------ node eth0 203.0.113.66/30
#
# NAT mode, no SNAT: the Pods (and the node) route everything back through
# the gateway, which translates replies back to the VIP.  The VIP is local
# on the gateway's dummy vip0, as podvsd and kube-proxy's IPVS mode do it
# (IPVS needs it: it hooks after routing; podvs and DNAT do not care).
# Each Pod runs `pvbench serve` (UDP sink :5353, accept-close :8080, HTTP
# :8000).  The node is only used by the NodePort comparison, where it does
# kube-proxy-style DNAT + MASQUERADE to the Pods.
#
# Every measured setup gets a fresh gateway namespace (topo_gw_new), so no
# conntrack entry, hook or table of one setup survives into the next; the
# client, the Pods, the node and the servers stay.

VIP=192.0.2.10
POD_ADDRS=(203.0.113.2 203.0.113.6)
NODE_ADDR=203.0.113.66
NSRC=8
CL=cl-$PODVS_NS_TAG
GW=gw-$PODVS_NS_TAG
NODE=node-$PODVS_NS_TAG
TOPO_DIR=/tmp/podvs-bench
pod_ns() { echo "pod$1-$PODVS_NS_TAG"; }

# The client's traffic sources as pvbench options (-s ADDR ...).
src_opts() {
	local i
	for ((i = 0; i < NSRC; i++)); do
		printf -- '-s 198.51.100.%d ' $((100 + i))
	done
}

# topo_init PVBENCH: the client, the Pods with their servers, the node.
topo_init() {
	local i pod
	mkdir -p "$TOPO_DIR"
	on_exit topo_kill_servers
	netns_add cl >/dev/null
	in_ns "$CL" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	for i in 1 2; do
		pod=$(netns_add "pod$i")
		ip netns exec "$pod" "$1" serve -u 5353 -t 8080 -H 8000 >"$TOPO_DIR/pod$i.log" 2>&1 &
		echo $! >>"$TOPO_DIR/pids"
	done
	netns_add node >/dev/null
	in_ns "$NODE" sysctl -qw net.ipv4.ip_forward=1
	for i in 1 2; do
		wait_until 100 grep -q ready "$TOPO_DIR/pod$i.log" ||
			fail "pod$i: pvbench serve did not start: $(cat "$TOPO_DIR/pod$i.log")"
	done
}

topo_kill_servers() {
	# shellcheck disable=SC2046 # one pid per line
	[ ! -s "$TOPO_DIR/pids" ] || kill $(cat "$TOPO_DIR/pids") 2>/dev/null || true
	rm -f "$TOPO_DIR/pids"
}

# topo_gw_new: a fresh gateway wired to the client, the Pods and the node
# (deleting the old one takes its veths, routes and state along).  ip -b:
# one process per namespace, as every exec is slow under TCG.
topo_gw_new() {
	local i a
	topo_gw_del
	netns_add gw >/dev/null
	in_ns "$GW" sysctl -qw net.ipv4.ip_forward=1
	{
		echo "link add vip0 type dummy"
		echo "link set vip0 up"
		echo "addr add $VIP/32 dev vip0"
		gw_link g0 "$CL" c0 198.51.100.1/24
		gw_link p1 "$(pod_ns 1)" eth0 203.0.113.1/30
		gw_link p2 "$(pod_ns 2)" eth0 203.0.113.5/30
		gw_link n1 "$NODE" eth0 203.0.113.65/30
	} | ip -n "$GW" -b -
	{
		for ((i = 0; i < NSRC; i++)); do
			echo "addr add 198.51.100.$((100 + i))/24 dev c0"
		done
		peer_up c0 198.51.100.2/24 198.51.100.1
	} | ip -n "$CL" -b -
	peer_up eth0 203.0.113.2/30 203.0.113.1 | ip -n "$(pod_ns 1)" -b -
	peer_up eth0 203.0.113.6/30 203.0.113.5 | ip -n "$(pod_ns 2)" -b -
	peer_up eth0 203.0.113.66/30 203.0.113.65 | ip -n "$NODE" -b -
	# resolve the neighbours now, not inside a measurement
	a=("${POD_ADDRS[@]}" "$NODE_ADDR")
	in_ns "$CL" bash -c "for a in ${a[*]}; do echo >/dev/udp/\$a/9; done"
	wait_until 100 neigh_known "${a[@]}" || fail "gateway: neighbours unresolved"
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

topo_gw_del() { ip netns delete "$GW" 2>/dev/null || true; }

# neigh_known ADDR...: the gateway has a link-layer address for each ADDR.
neigh_known() {
	local n a
	n=$(ip -n "$GW" neigh show | grep lladdr | awk '{ print $1 }')
	for a in "$@"; do
		grep -qx "$a" <<<"$n" || return 1
	done
}

# gw_tx: packets the gateway sent to the Pods so far.
gw_tx() {
	in_ns "$GW" cat /sys/class/net/p1/statistics/tx_packets \
		/sys/class/net/p2/statistics/tx_packets | awk '{ n += $1 } END { print n }'
}
