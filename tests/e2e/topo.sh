# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Topology helpers for the dataplane e2e scripts; source after lib.sh.
#
#   client (cl)                gateway (gw, podvs)                 Pods
#   c0 198.51.100.2/24  ---  g0 198.51.100.1/24
#      2001:db8:100::2/64       2001:db8:100::1/64
#   + clients 198.51.100.100+i  podvs0 (dummy): VIPs 192.0.2.10,
#     2001:db8:100::100+i       2001:db8:f::10 (local, as podvsd does)
#                               p<i> 203.0.113.(4i+1)/30  ---  pod<i> eth0 .(4i+2)/30
#                                    2001:db8:1:<i>::1/64 ---       2001:db8:1:<i>::2/64
#
# NAT mode: every Pod's default route points at the gateway, so replies
# come back through podvs and are translated back to the VIP.  Each Pod runs
# dataplane-traffic.py serve (TCP and UDP on ports 8080 and 5353) and logs
# every peer address it sees to $TOPO_DIR/pod<i>.log.

TOPO_PY=${PODVS_REPO:-.}/tests/e2e/dataplane-traffic.py
TOPO_DIR=${TOPO_DIR:-/tmp/podvs-topo}
VIP4=192.0.2.10
VIP6=2001:db8:f::10
# Namespace names are fixed per script run (netns_add's naming), so every
# scenario, run in its own subshell, can name them.
GW=gw-$PODVS_NS_TAG
# shellcheck disable=SC2034 # used by the scripts that source this
CL=cl-$PODVS_NS_TAG
# pod_ns I: the namespace of Pod I
pod_ns() { echo "pod$1-$PODVS_NS_TAG"; }

pod4() { echo "203.0.113.$((4 * $1 + 2))"; }
pod6() { echo "2001:db8:1:$1::2"; }
# the i-th extra client address (i from 0)
client4() { echo "198.51.100.$((100 + $1))"; }
client6() { echo "2001:db8:100::$(printf %x $((256 + $1)))"; }

# topo_gateway NAME: a gateway namespace with forwarding and the VIPs on a
# dummy podvs0; prints its name.
topo_gateway() {
	local gw
	gw=$(netns_add "$1")
	in_ns "$gw" sysctl -qw net.ipv4.ip_forward=1
	in_ns "$gw" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$gw" link add podvs0 type dummy
	ip -n "$gw" link set podvs0 up
	ip -n "$gw" addr add "$VIP4/32" dev podvs0
	ip -n "$gw" addr add "$VIP6/128" dev podvs0 nodad
	echo "$gw"
}

# topo_client GW NAME NCLIENTS: a client namespace behind GW with NCLIENTS
# extra addresses of each family; prints its name.
topo_client() {
	local gw=$1 cl i
	cl=$(netns_add "$2")
	netns_veth "$cl" c0 198.51.100.2/24 "$gw" g0 198.51.100.1/24
	ip -n "$cl" addr add 2001:db8:100::2/64 dev c0 nodad
	ip -n "$gw" addr add 2001:db8:100::1/64 dev g0 nodad
	ip -n "$cl" route add default via 198.51.100.1
	ip -n "$cl" -6 route add default via 2001:db8:100::1
	for ((i = 0; i < $3; i++)); do
		ip -n "$cl" addr add "$(client4 "$i")/24" dev c0
		ip -n "$cl" addr add "$(client6 "$i")/64" dev c0 nodad
	done
	echo "$cl"
}

# topo_pod GW I: Pod I behind GW, routed back through it; prints its name.
topo_pod() {
	local gw=$1 i=$2 pod
	pod=$(netns_add "pod$i")
	netns_veth "$gw" "p$i" "203.0.113.$((4 * i + 1))/30" "$pod" eth0 "$(pod4 "$i")/30"
	ip -n "$gw" addr add "2001:db8:1:$i::1/64" dev "p$i" nodad
	ip -n "$pod" addr add "$(pod6 "$i")/64" dev eth0 nodad
	ip -n "$pod" route add default via "203.0.113.$((4 * i + 1))"
	ip -n "$pod" -6 route add default via "2001:db8:1:$i::1"
	echo "$pod"
}

# pod_serve POD I: start the Pod's servers, wait until they listen.  Their
# pids go to $TOPO_DIR/pids, killed on exit (topo_setup arranges it).
pod_serve() {
	local log=$TOPO_DIR/pod$2.log
	: >"$log"
	in_ns "$1" /usr/bin/python3 "$TOPO_PY" serve "pod$2" 8080 5353 >"$log" 2>&1 &
	echo $! >>"$TOPO_DIR/pids"
	wait_until 100 grep -q ready "$log" || fail "pod$2 server did not start"
}

topo_kill_servers() {
	local pid
	[ -s "$TOPO_DIR/pids" ] || return 0
	while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$TOPO_DIR/pids"
	rm -f "$TOPO_DIR/pids"
}

# topo_setup NPODS NCLIENTS: client -> gateway -> NPODS Pods, servers up.
# Call it from the script's top level (on_exit does not survive a subshell)
# or after topo_init.
topo_init() {
	mkdir -p "$TOPO_DIR"
	on_exit topo_kill_servers
}

topo_setup() {
	local i
	topo_gateway gw >/dev/null
	topo_client "$GW" cl "$2" >/dev/null
	for ((i = 1; i <= $1; i++)); do
		topo_pod "$GW" "$i" >/dev/null
		pod_serve "$(pod_ns "$i")" "$i"
	done
}

# adm NS ARGS...: podvsadm in a namespace.
adm() {
	local ns=$1
	shift
	in_ns "$ns" "$PODVSADM" "$@"
}

# traffic NS ARGS...: the traffic helper in a namespace.
traffic() {
	local ns=$1
	shift
	in_ns "$ns" /usr/bin/python3 "$TOPO_PY" "$@"
}

# pod_saw I ADDR PROTO: Pod I's server logged a PROTO peer with ADDR.
pod_saw() { grep -qx "$3 $2" "$TOPO_DIR/pod$1.log"; }
