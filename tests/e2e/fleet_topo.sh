# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The fleet topology, shared by tests/e2e/70-fleet.sh, 63-gate-fleet.sh
# and the failover bench (tests/bench/guest.sh); source after lib.sh.
#
#   client (cl)          router (rt, BIRD)          gateways gw1..gw4
#   c0 198.51.100.2/24 - r-cl 198.51.100.1/24
#   2001:db8:100::2/64   2001:db8:100::1/64
#   + FLEET_NCLIENTS      r-up 10.0.0.1/24 ----+ br-up (netns sw)
#     addresses each      fd00::1/64           +- e-up 10.0.0.1N, fd00::1N
#     family (.100+i)     ECMP over gateways,  |  (gwN: podvs, podvsd,
#                         L4 hash, BFD         |   BIRD, podvs0 VIPs
#                                              |   192.0.2.10,
#   fake API server (api)                      |   2001:db8:f::10)
#   m0 10.9.0.1/24 ------- br-mgmt (sw) ------ +- e-mgmt 10.9.0.1N
#                                              +- e-pod 10.1.0.1N, fd01::1N
#   Pods pod1..podP (BIRD as a node)           |
#   eth0 10.1.0.2I/24, fd01::2I/64 - br-pod ---+
#   routes to the clients: ECMP over the gateways (BGP + BFD), L4 hash
#
# The three bridges live in a namespace of their own (sw), so a gateway's
# links can go down without touching anyone else's.  Every BIRD runs the
# configuration shipped in netlink-daemon/deploy/bird/, its `define` lines
# set to this topology's addresses (fleet_bird_conf).  Pods run
# fleet_traffic.py serve (TCP 8080, UDP 5353), the client fleet_traffic.py
# run.  Files: $FLEET_DIR (BIRD sockets and logs, podvsd logs per gateway).

FLEET_PY=$PODVS_REPO/tests/e2e/fleet_traffic.py
FLEET_BIRD=$PODVS_REPO/netlink-daemon/deploy/bird
FLEET_FA=$PODVS_REPO/tests/fake-apiserver/fake_apiserver.py
FLEET_DIR=${FLEET_DIR:-/tmp/podvs-fleet}
FLEET_FADIR=$FLEET_DIR/apiserver
FLEET_FA_ARGS=()	# fake API server serve arguments (fleet_setup)
FLEET_NCLIENTS=${FLEET_NCLIENTS:-16}
FLEET_NPODS=${FLEET_NPODS:-3}
FLEET_VIP4=192.0.2.10
FLEET_VIP6=2001:db8:f::10
FLEET_METRICS=127.0.0.1:9742
# BFD timers: the shipped files say 100 ms x 3.  Under TCG on a shared
# 2-core host, BIRD's 100 ms timers miss their deadlines and BFD tears the
# sessions down every few seconds (seen: Cease storms, no route ever
# stable), so the fleet runs with 300 ms x 5 (1.5 s detection) unless told.
FLEET_BFD_MS=${FLEET_BFD_MS:-300}
FLEET_BFD_MULT=${FLEET_BFD_MULT:-5}

fleet_ns() { echo "$1-$PODVS_NS_TAG"; }
fleet_gw4() { echo "10.0.0.1$1"; }
fleet_gw6() { echo "fd00::1$1"; }
fleet_pod4() { echo "10.1.0.2$1"; }
fleet_pod6() { echo "fd01::2$1"; }
fleet_client4() { echo "198.51.100.$((100 + $1))"; }
fleet_client6() { echo "2001:db8:100::$(printf %x $((256 + $1)))"; }

# fleet_bird_conf SRC DEST NAME=VALUE...: the shipped SRC with its
# `define NAME = ...;` lines set (and the BFD timers); every NAME must exist
# in SRC.  One line is added: BIRD logs to DEST.log, not to syslog.
fleet_bird_conf() {
	local src=$1 dst=$2 kv
	shift 2
	cp "$src" "$dst"
	echo "log \"$dst.log\" all;" >>"$dst"
	for kv in "BFD_MS=$FLEET_BFD_MS" "BFD_MULT=$FLEET_BFD_MULT" "$@"; do
		grep -q "^define ${kv%%=*} = " "$dst" ||
			fail "$src has no define ${kv%%=*}"
		sed -i "s|^define ${kv%%=*} = .*;|define ${kv%%=*} = ${kv#*=};|" "$dst"
	done
}

# fleet_bird NAME CONF: start BIRD in namespace NAME
fleet_bird() {
	local ns
	ns=$(fleet_ns "$1")
	bird -p -c "$2" || fail "bird: $2 does not parse"
	# its output to a file: a daemon holding the scenario's pipe would
	# keep run_scenario waiting
	in_ns "$ns" bird -c "$2" -s "$FLEET_DIR/$1.ctl" -P "$FLEET_DIR/$1.bird.pid" \
		</dev/null >>"$FLEET_DIR/$1.bird.log" 2>&1 ||
		fail "bird did not start in $1: $(tail -n 3 "$FLEET_DIR/$1.bird.log")"
}

fleet_bird_stop() {
	local pid
	pid=$(cat "$FLEET_DIR/$1.bird.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	rm -f "$FLEET_DIR/$1.bird.pid"
}

birdc_in() {
	local n=$1
	shift
	birdc -s "$FLEET_DIR/$n.ctl" "$@"
}

# fleet_port NS IF BRIDGE [ADDR...]: a veth from NS to a bridge in sw
fleet_port() {
	local ns=$1 ifn=$2 br=$3 peer=$4 a
	shift 4
	ip link add "$ifn" netns "$ns" type veth peer name "$peer" \
		netns "$(fleet_ns sw)" || fail "veth $ns/$ifn"
	ip -n "$(fleet_ns sw)" link set dev "$peer" master "$br" up
	for a in "$@"; do veth_end "$ns" "$ifn" "$a"; done
	ip -n "$ns" link set dev "$ifn" up
}

fleet_sysctls() {	# forwarding, L4 multipath hash
	in_ns "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
}

fleet_switch() {
	local sw br
	sw=$(netns_add sw)
	for br in br-up br-pod br-mgmt; do
		ip -n "$sw" link add "$br" type bridge
		ip -n "$sw" link set "$br" up
	done
}

fleet_router() {
	local rt cl i
	rt=$(netns_add rt)
	cl=$(netns_add cl)
	fleet_sysctls "$rt"
	netns_veth "$cl" c0 198.51.100.2/24 "$rt" r-cl 198.51.100.1/24
	veth_end "$cl" c0 2001:db8:100::2/64
	veth_end "$rt" r-cl 2001:db8:100::1/64
	ip -n "$cl" route add default via 198.51.100.1
	ip -n "$cl" -6 route add default via 2001:db8:100::1
	for ((i = 0; i < FLEET_NCLIENTS; i++)); do
		ip -n "$cl" addr add "$(fleet_client4 "$i")/24" dev c0
		ip -n "$cl" addr add "$(fleet_client6 "$i")/64" dev c0 nodad
	done
	fleet_port "$rt" r-up br-up r0 10.0.0.1/24 fd00::1/64
	fleet_bird_conf "$FLEET_BIRD/bird-router.conf" "$FLEET_DIR/rt.conf"
	fleet_bird rt "$FLEET_DIR/rt.conf"
}

# fleet_apiserver [SERVE-ARGS...]: the fake API server in namespace api,
# over HTTP/2 (nghttpx in front, as podvsd-run.sh start_apiserver),
# reachable on 10.9.0.1 from the fleet
fleet_apiserver() {
	local api
	api=$(netns_add api)
	fleet_port "$api" m0 br-mgmt ma 10.9.0.1/24
	rm -rf "$FLEET_FADIR" && mkdir -p "$FLEET_FADIR"
	in_ns "$api" /usr/bin/python3 "$FLEET_FA" serve --dir "$FLEET_FADIR" --http2 \
		--host 10.9.0.1 --listen 0.0.0.0 "$@" </dev/null \
		>"$FLEET_DIR/apiserver.log" 2>&1 &
	echo $! >>"$FLEET_DIR/pids"
	wait_until 600 test -s "$FLEET_FADIR/port" || fail "fake API server did not start"
}

fa() { in_ns "$(fleet_ns api)" /usr/bin/python3 "$FLEET_FA" ctl --dir "$FLEET_FADIR" "$@"; }

# ---- Pods as the API sees them (podvsd_sim.py: kubelet, controllers) ----------

FLEET_SIM=$PODVS_REPO/tests/e2e/podvsd_sim.py
# the fleet's Pod addresses in podvsd_sim.py's format (fleet_pod4/6)
FLEET_SIM_ADDRS=(--addr4 '10.1.0.2{i}' --addr6 'fd01::2{i}')

# fleet_sim CMD ARGS...: podvsd_sim.py against the fleet's API server
fleet_sim() {
	local cmd=$1
	shift
	in_ns "$(fleet_ns api)" /usr/bin/python3 "$FLEET_SIM" "$cmd" --dir "$FLEET_FADIR" "$@"
}

# fleet_controller SERVICE NAME:PORT:PROTO...: the EndpointSlice controller
# of SERVICE (Pods labelled app=SERVICE), in the background; it reads the
# API server's whole state every FLEET_SIM_INTERVAL seconds
FLEET_SIM_INTERVAL=${FLEET_SIM_INTERVAL:-0.5}
fleet_controller() {
	local svc=$1 p args=(--interval "$FLEET_SIM_INTERVAL")
	shift
	for p in "$@"; do args+=(--port "$p"); done
	ip netns exec "$(fleet_ns api)" /usr/bin/python3 "$FLEET_SIM" controller --dir "$FLEET_FADIR" \
		--service "$svc" "${args[@]}" </dev/null >"$FLEET_DIR/sim-$svc.log" 2>&1 &
	echo $! >>"$FLEET_DIR/pids"
}

# fleet_gpod I [SIM-POD-ARGS...]: Pod I (gated unless --no-gate) written
fleet_gpod() { fleet_sim pod "$@" "${FLEET_SIM_ADDRS[@]}"; }

# fleet_gate I: Pod I's podvs.io/backend-ready condition, "STATUS REASON"
fleet_gate() { fleet_sim cond "pod$1"; }
fleet_gate_is() {
	local c
	c=$(fleet_gate "$1")
	[ "${c%% *}" = "$2" ] && { [ -z "${3:-}" ] || [ "${c#* }" = "$3" ]; }
}
fleet_pod_ready() { fleet_sim ready "pod$1" >/dev/null; }

# fleet_leader: the node name holding the leader Lease ("" if none)
fleet_leader() {
	fa state | python3 -c '
import json, sys
for l in json.load(sys.stdin)["objects"]["Lease"]:
    if l["metadata"]["name"] == "podvsd-leader":
        print(l["spec"].get("holderIdentity", "").split("/")[0])'
}

# fleet_firewall NS: the Docker-style FORWARD chain (policy DROP, only
# ESTABLISHED,RELATED accepted), both families
fleet_firewall() {
	local t
	for t in iptables ip6tables; do
		in_ns "$1" "$t" -P FORWARD DROP
		in_ns "$1" "$t" -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	done
}

# fleet_probe NS: counters of the TCP requests for the VIPs coming in from
# the router, of the replies coming in from the Pods, and of those replies
# whose request did not come in through this gateway ("crossed")
fleet_probe() {
	in_ns "$1" nft -f - <<EOF
table inet probe {
	set req4 { type ipv4_addr . inet_service; flags dynamic,timeout; timeout 30m; }
	set req6 { type ipv6_addr . inet_service; flags dynamic,timeout; timeout 30m; }
	counter requests { }
	counter replies { }
	counter crossed { }
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		iifname "e-up" ip daddr $FLEET_VIP4 tcp dport 80 update @req4 { ip saddr . tcp sport } counter name "requests"
		iifname "e-up" ip6 daddr $FLEET_VIP6 tcp dport 80 update @req6 { ip6 saddr . tcp sport } counter name "requests"
		iifname "e-pod" tcp sport 8080 counter name "replies"
		iifname "e-pod" tcp sport 8080 ip daddr . tcp dport != @req4 counter name "crossed"
		iifname "e-pod" tcp sport 8080 ip6 daddr . tcp dport != @req6 counter name "crossed"
	}
}
EOF
}

# fleet_counter G NAME: packets of gateway G's probe counter NAME
fleet_counter() {
	in_ns "$(fleet_ns "gw$1")" nft list counter inet probe "$2" |
		awk '$1 == "packets" {print $2}'
}

# fleet_gateway N [ENGINE]: gateway N (links, BIRD, firewall, probe);
# podvsd is started separately (fleet_pd_start).  ENGINE ipvs (the bench)
# puts the VIPs on a dummy podvs0 at once, as nothing else would.
fleet_gateway() {
	local n=$1 gw
	gw=$(netns_add "gw$n")
	mkdir -p "$FLEET_DIR/gw$n"
	fleet_sysctls "$gw"
	in_ns "$gw" sysctl -qw net.ipv4.conf.all.send_redirects=0
	fleet_port "$gw" e-up br-up "u$n" "$(fleet_gw4 "$n")/24" "$(fleet_gw6 "$n")/64"
	fleet_port "$gw" e-pod br-pod "p$n" "10.1.0.1$n/24" "fd01::1$n/64"
	fleet_port "$gw" e-mgmt br-mgmt "m$n" "10.9.0.1$n/24"
	fleet_firewall "$gw"
	fleet_probe "$gw"
	if [ "${2:-podvs}" = ipvs ]; then
		ip -n "$gw" link add podvs0 type dummy
		ip -n "$gw" link set podvs0 up
		ip -n "$gw" addr add "$FLEET_VIP4/32" dev podvs0
		ip -n "$gw" addr add "$FLEET_VIP6/128" dev podvs0 nodad
	fi
	fleet_bird_conf "$FLEET_BIRD/bird-gateway.conf" "$FLEET_DIR/gw$n.conf" \
		"ROUTER_ID=$(fleet_gw4 "$n")" UPSTREAM4=10.0.0.1 UPSTREAM6=fd00::1 \
		NODES4=10.1.0.0/24 NODES6=fd01::/64
	fleet_bird "gw$n" "$FLEET_DIR/gw$n.conf"
}

# fleet_pod I: Pod I on br-pod, BIRD as a node peering with gateways
# 1..4 (gw4 joins later), and its servers
fleet_pod() {
	local i=$1 pod g conf=$FLEET_DIR/pod$1.conf
	pod=$(netns_add "pod$i")
	fleet_sysctls "$pod"
	fleet_port "$pod" eth0 br-pod "q$i" "$(fleet_pod4 "$i")/24" "$(fleet_pod6 "$i")/64"
	fleet_bird_conf "$FLEET_BIRD/bird-node.conf" "$conf" "ROUTER_ID=$(fleet_pod4 "$i")"
	# the shipped per-gateway lines, one pair per gateway of this fleet
	sed -i '/^protocol bgp gw[0-9]*_[46] from gateway[46] /d' "$conf"
	for g in 1 2 3 4; do
		echo "protocol bgp gw${g}_4 from gateway4 { neighbor 10.1.0.1$g as GATEWAY_AS; }"
		echo "protocol bgp gw${g}_6 from gateway6 { neighbor fd01::1$g as GATEWAY_AS; }"
	done >>"$conf"
	fleet_bird "pod$i" "$conf"
	fleet_pod_serve "$i"
}

# fleet_pod_serve I: Pod I's servers (TCP 8080, UDP 5353) started
fleet_pod_serve() {
	local i=$1
	: >"$FLEET_DIR/pod$i.log"
	# not in_ns: $! must be the server (ip execs it), not a subshell
	ip netns exec "$(fleet_ns "pod$i")" /usr/bin/python3 "$FLEET_PY" serve "pod$i" 8080 5353 \
		</dev/null >"$FLEET_DIR/pod$i.log" 2>&1 &
	echo $! >"$FLEET_DIR/pod$i.pid"
	echo $! >>"$FLEET_DIR/pids"
	wait_until 100 grep -q ready "$FLEET_DIR/pod$i.log" || fail "pod$i server did not start"
}

# fleet_pod_kill I: Pod I's servers gone (its processes die)
fleet_pod_kill() {
	local pid
	pid=$(cat "$FLEET_DIR/pod$1.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	rm -f "$FLEET_DIR/pod$1.pid"
	wait_until 100 fleet_pod_closed "$1" || fail "pod$1 still listens"
}
fleet_pod_closed() { ! in_ns "$(fleet_ns "pod$1")" ss -Htln 'sport = :8080' | grep -q .; }

# fleet_nexthops NS DEST: the gateways (N) the route to DEST in NS goes
# through, sorted, space-separated
fleet_nexthops() {
	local fam=-4 a g
	case $2 in *:*) fam=-6 ;; esac
	for a in $(ip -n "$(fleet_ns "$1")" "$fam" route show "$2" 2>/dev/null |
		grep -o 'via [0-9a-f.:]*' | cut -d' ' -f2); do
		case $a in
		10.*.1[0-9] | fd0[01]::1[0-9]) echo "${a: -1}" ;;
		fe80:*)	# a link-local next hop: whose is it
			for g in 1 2 3 4; do
				ip -n "$(fleet_ns "gw$g")" -6 addr show 2>/dev/null |
					grep -q "inet6 $a/" && echo "$g"
			done ;;
		*) echo "?$a" ;;
		esac
	done | sort -u | xargs
}

# fleet_routes_are GWS: the router's VIP routes (both families) and every
# Pod's routes to the clients go through exactly the gateways GWS ("1 2 3")
fleet_routes_are() {
	local want=$1 i
	[ "$(fleet_nexthops rt "$FLEET_VIP4")" = "$want" ] || return 1
	[ "$(fleet_nexthops rt "$FLEET_VIP6")" = "$want" ] || return 1
	[ "${2:-}" = router ] && return 0
	for ((i = 1; i <= FLEET_NPODS; i++)); do
		# the way back: the gateways' static returns* (bird-gateway.conf)
		[ "$(fleet_nexthops "pod$i" 0.0.0.0/0)" = "$want" ] || return 1
		[ "$(fleet_nexthops "pod$i" ::/0)" = "$want" ] || return 1
	done
}

fleet_init() {
	rm -rf "$FLEET_DIR" && mkdir -p "$FLEET_DIR"
	on_exit fleet_cleanup
}

fleet_cleanup() {
	local pid f
	for f in "$FLEET_DIR"/*.bird.pid; do
		[ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	for f in "$FLEET_DIR"/gw*/podvsd.pid; do
		[ -e "$f" ] && [ ! -s "${f%.pid}.rc" ] && kill "$(cat "$f")" 2>/dev/null
	done
	if [ -s "$FLEET_DIR/pids" ]; then
		while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$FLEET_DIR/pids"
	fi
	return 0
}

# fleet_setup NGATEWAYS [ENGINE]: switch, router + client, API server (its
# serve arguments: the array FLEET_FA_ARGS, if set), gateways 1..NGATEWAYS,
# Pods 1..FLEET_NPODS
fleet_setup() {
	local n=$1 g i want=""
	fleet_switch
	fleet_router
	fleet_apiserver ${FLEET_FA_ARGS[@]+"${FLEET_FA_ARGS[@]}"}
	for ((g = 1; g <= n; g++)); do
		fleet_gateway "$g" "${2:-podvs}"
		want="$want $g"
	done
	for ((i = 1; i <= FLEET_NPODS; i++)); do fleet_pod "$i"; done
}

# ---- podvsd per gateway ------------------------------------------------------

# fleet_pd_start N [ARGS...]: podvsd in gateway N against the API server,
# pid and exit status in $FLEET_DIR/gwN/podvsd.{pid,rc}; the lines of
# $FLEET_DIR/pd-args, if any, are arguments for every gateway
fleet_pd_start() {
	local n=$1 d=$FLEET_DIR/gw$1 FLEET_PD_ARGS=()
	shift
	[ ! -e "$FLEET_DIR/pd-args" ] || mapfile -t FLEET_PD_ARGS <"$FLEET_DIR/pd-args"
	rm -f "$d/podvsd.rc" "$d/podvsd.pid"
	(
		ip netns exec "$(fleet_ns "gw$n")" "$PODVSD" --kubeconfig "$FLEET_FADIR/kubeconfig" \
			--metrics-address "$FLEET_METRICS" --node-name "gw$n" \
			--resync-period 0 ${FLEET_PD_ARGS[@]+"${FLEET_PD_ARGS[@]}"} "$@" \
			>>"$d/podvsd.log" 2>&1 &
		echo $! >"$d/podvsd.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$d/podvsd.rc"
	) </dev/null >/dev/null 2>&1 &
	wait_until 100 test -s "$d/podvsd.pid" || fail "podvsd did not start on gw$n"
	wait_until 1200 fleet_pd_ready "$n" || fail "podvsd on gw$n did not become ready: $(tail -n 5 "$d/podvsd.log")"
}

fleet_pd_ready() {
	[ "$(in_ns "$(fleet_ns "gw$1")" curl -s -m 5 "http://$FLEET_METRICS/readyz")" = ok ]
}

# fleet_pd_stop N [SIGNAL]: stop podvsd in gateway N (TERM: must exit 0)
fleet_pd_stop() {
	local d=$FLEET_DIR/gw$1 sig=${2:-TERM}
	[ -s "$d/podvsd.pid" ] && [ ! -s "$d/podvsd.rc" ] || return 0
	kill "-$sig" "$(cat "$d/podvsd.pid")"
	wait_until 600 test -s "$d/podvsd.rc" || fail "podvsd on gw$1 did not stop"
	[ "$sig" != TERM ] || [ "$(cat "$d/podvsd.rc")" = 0 ] ||
		fail "podvsd on gw$1 exited $(cat "$d/podvsd.rc") on SIGTERM"
}

# fleet_cluster: Service "web" (TCP 80 -> "http" 8080, UDP 53 -> "dns"
# 5353, both VIPs) and its EndpointSlices with every Pod ready
fleet_cluster() {
	local fam addr i sep eps
	fa apply - >/dev/null <<EOF
{"kind": "Service", "metadata": {"name": "web", "namespace": "default"},
 "spec": {"type": "LoadBalancer", "loadBalancerClass": "podvs.io/direct",
  "ipFamilies": ["IPv4", "IPv6"], "ports": [
   {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
   {"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"}]},
 "status": {"loadBalancer": {"ingress": [{"ip": "$FLEET_VIP4"}, {"ip": "$FLEET_VIP6"}]}}}
EOF
	for fam in 4 6; do
		eps="" sep=""
		for ((i = 1; i <= FLEET_NPODS; i++)); do
			addr=$("fleet_pod$fam" "$i")
			eps="$eps$sep{\"addresses\": [\"$addr\"], \"conditions\": {\"ready\": true, \"serving\": true, \"terminating\": false}, \"targetRef\": {\"kind\": \"Pod\", \"namespace\": \"default\", \"name\": \"pod$i\"}}"
			sep=", "
		done
		fa apply - >/dev/null <<EOF
{"kind": "EndpointSlice", "metadata": {"name": "web-v$fam",
  "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
 "addressType": "IPv$fam",
 "ports": [{"name": "http", "port": 8080, "protocol": "TCP"},
  {"name": "dns", "port": 5353, "protocol": "UDP"}],
 "endpoints": [$eps]}
EOF
	done
}

# ---- traffic -----------------------------------------------------------------

# fleet_traffic_start NAME [ARGS...]: the client's traffic until
# fleet_traffic_stop NAME; results in $FLEET_DIR/NAME.json
fleet_traffic_start() {
	local name=$1 i s4="" s6=""
	shift
	for ((i = 0; i < FLEET_NCLIENTS; i++)); do
		s4="$s4${s4:+,}$(fleet_client4 "$i")"
		s6="$s6${s6:+,}$(fleet_client6 "$i")"
	done
	rm -f "$FLEET_DIR/$name".*
	in_ns "$(fleet_ns cl)" /usr/bin/python3 "$FLEET_PY" run \
		--vip4 "$FLEET_VIP4" --vip6 "$FLEET_VIP6" --port 80 --udp-port 53 \
		--src4 "$s4" --src6 "$s6" --until "$FLEET_DIR/$name.stop" \
		--out "$FLEET_DIR/$name.json" --status "$FLEET_DIR/$name.status" "$@" \
		</dev/null >"$FLEET_DIR/$name.log" 2>&1 &
	echo $! >>"$FLEET_DIR/pids"
	wait_until 300 test -s "$FLEET_DIR/$name.status" || fail "traffic $name did not start"
}

fleet_traffic_stop() {
	touch "$FLEET_DIR/$1.stop"
	wait_until 600 test -s "$FLEET_DIR/$1.json" ||
		fail "traffic $1 did not end: $(tail -n 5 "$FLEET_DIR/$1.log")"
}

# fleet_report NAME [ARGS...]: the summary as "key value" lines
fleet_report() {
	local name=$1
	shift
	python3 "$FLEET_PY" report "$FLEET_DIR/$name.json" "$@"
}

# fleet_val REPORT KEY
fleet_val() { awk -v k="$2" '$1 == k {print $2}' <<<"$1"; }

now() { date +%s.%N; }
# since T: seconds from T to now, one decimal
since() { awk -v t0="$1" -v t="$(now)" 'BEGIN { printf "%.1f\n", t - t0 }'; }

# ---- the IPVS fleet (the failover bench's baseline) --------------------------

# fleet_ipvs N: gateway N balances with IPVS (NAT, mh, no sync daemon) and
# masquerades to its Pod-side address: without that, a reply the Pods'
# ECMP sends through another gateway leaves untranslated and IPVS fails
# before any gateway does; with it, replies come back to the same gateway.
fleet_ipvs() {
	local gw i v p
	gw=$(fleet_ns "gw$1")
	in_ns "$gw" sysctl -qw net.ipv4.vs.conntrack=1
	for v in "$FLEET_VIP4" "[$FLEET_VIP6]"; do
		in_ns "$gw" ipvsadm -A -t "$v:80" -s mh
		in_ns "$gw" ipvsadm -A -u "$v:53" -s mh
		for ((i = 1; i <= FLEET_NPODS; i++)); do
			if [ "${v#[}" = "$v" ]; then p=$(fleet_pod4 "$i"); else p="[$(fleet_pod6 "$i")]"; fi
			in_ns "$gw" ipvsadm -a -t "$v:80" -r "$p:8080" -m
			in_ns "$gw" ipvsadm -a -u "$v:53" -r "$p:5353" -m
		done
	done
	in_ns "$gw" iptables -t nat -A POSTROUTING -o e-pod -m ipvs --vaddr "$FLEET_VIP4" -j MASQUERADE
	in_ns "$gw" ip6tables -t nat -A POSTROUTING -o e-pod -m ipvs --vaddr "$FLEET_VIP6" -j MASQUERADE
}

# fleet_teardown: every process and namespace of the fleet gone
fleet_teardown() {
	local ns
	fleet_cleanup
	sleep 1
	for ns in $(ip netns list | awk '{print $1}'); do
		case $ns in *-"$PODVS_NS_TAG") ip netns delete "$ns" ;; esac
	done
	rm -rf "$FLEET_DIR" && mkdir -p "$FLEET_DIR"
}
