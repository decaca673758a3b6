#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# both-lines: always
# timeout: 1200
#
# podvs dataplane with real TCP and UDP traffic, IPv4 and IPv6.
#
#   client (cl)                gateway (gw, podvs)                 Pods
#   c0 198.51.100.2/24  ---  g0 198.51.100.1/24
#   + 64 clients .100-.163      podvs0: VIPs 192.0.2.10, 2001:db8:f::10
#     2001:db8:100::100+i       p<i> 203.0.113.(4i+1)/30 --- pod<i> .(4i+2)/30
#                                    2001:db8:1:<i>::1   ---  2001:db8:1:<i>::2
#                               p5 ---- rt (router, MTU 1280 to pod5) ---- pod5
#
# Pods route everything back through the gateway (NAT mode, no SNAT): each
# Pod's server logs the peer address it sees, and the tests assert that it
# is the client's own address.  Services are configured with podvsadm.
set -e
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

NCLIENTS=64
NPODS=4
RT=rt-$PODVS_NS_TAG

# clargs 4|6 N: CLARGS=(-s ADDR ...) for the first N client addresses
clargs() {
	local i
	CLARGS=()
	for ((i = 0; i < $2; i++)); do CLARGS+=(-s "$(client"$1" "$i")"); done
}

# svc KIND VS PORT NPODS AF [podvsadm service options...]: a service on
# Pods 1..NPODS, Pod port PORT.
svc() {
	local kind=$1 vs=$2 port=$3 n=$4 af=$5 i r
	shift 5
	adm "$GW" -A "$kind" "$vs" "$@"
	for ((i = 1; i <= n; i++)); do
		if [ "$af" = 6 ]; then r="[$(pod6 "$i")]:$port"; else r="$(pod4 "$i"):$port"; fi
		adm "$GW" -a "$kind" "$vs" -r "$r" -m -w 1
	done
}

# drops NAME: a drop counter of the gateway.
drops() {
	adm "$GW" --info -o json |
		/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['drops']['$1'])"
}

# check_hello OUT: every line "SRC podN SRC" (the Pod saw the client's own
# address), and the Pod's server logged it.
check_hello() {
	local proto=$1 out=$2 src pod peer n=0
	while read -r src pod peer; do
		[ "$pod" != ERROR ] || fail "$src: $peer"
		[ "$peer" = "$src" ] || fail "$pod saw $peer, not the client $src"
		pod_saw "${pod#pod}" "$src" "$proto" || fail "$pod did not log $proto $src"
		n=$((n + 1))
	done <<<"$out"
	[ "$n" -gt 0 ] || fail "no replies"
}

# mapping OUT: "SRC POD" lines, sorted
mapping() { awk '{print $1, $2}' <<<"$1" | sort; }

setup() {
	podvs_load
	topo_setup "$NPODS" "$NCLIENTS"
	log "gateway $GW, client $CL, $NPODS Pods"
}

tcp4() {
	local out
	adm "$GW" -C
	svc -t "$VIP4:80" 8080 "$NPODS" 4 -s mh
	clargs 4 4
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 "${CLARGS[@]}")
	log "$out"
	check_hello tcp "$out"
}

udp4() {
	local out
	adm "$GW" -C
	svc -u "$VIP4:53" 5353 "$NPODS" 4 -s mh
	clargs 4 4
	out=$(traffic "$CL" hello -p udp -d "$VIP4" -P 53 "${CLARGS[@]}")
	log "$out"
	check_hello udp "$out"
}

tcp6() {
	local out
	adm "$GW" -C
	svc -t "[$VIP6]:80" 8080 "$NPODS" 6 -s mh
	clargs 6 4
	out=$(traffic "$CL" hello -p tcp -d "$VIP6" -P 80 "${CLARGS[@]}")
	log "$out"
	check_hello tcp "$out"
}

udp6() {
	local out
	adm "$GW" -C
	svc -u "[$VIP6]:53" 5353 "$NPODS" 6 -s mh
	clargs 6 4
	out=$(traffic "$CL" hello -p udp -d "$VIP6" -P 53 "${CLARGS[@]}")
	log "$out"
	check_hello udp "$out"
}

# 64 clients over 4 Pods with mh: every Pod gets some; a second round of
# connections lands every client on the same Pod.
spread_and_stick() {
	local out1 out2 dist
	adm "$GW" -C
	svc -t "$VIP4:80" 8080 "$NPODS" 4 -s mh
	clargs 4 "$NCLIENTS"
	out1=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 "${CLARGS[@]}")
	check_hello tcp "$out1"
	dist=$(awk '{print $2}' <<<"$out1" | sort | uniq -c | tr -s ' \n' ' ')
	log "distribution: $dist"
	[ "$(awk '{print $2}' <<<"$out1" | sort -u | wc -l)" -eq "$NPODS" ] ||
		fail "not every Pod got a client: $dist"
	clargs 4 "$NCLIENTS"
	out2=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 "${CLARGS[@]}")
	[ "$(mapping "$out1")" = "$(mapping "$out2")" ] ||
		fail "clients changed Pods between rounds"
}

# rr spreads one client's connections; with -p the client keeps its Pod.
rr_persistence() {
	local out pods
	adm "$GW" -C
	svc -t "$VIP4:81" 8080 "$NPODS" 4 -s rr
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 81 -s "$(client4 0)" -s "$(client4 0)" -s "$(client4 0)" -s "$(client4 0)")
	pods=$(awk '{print $2}' <<<"$out" | sort -u | wc -l)
	log "rr without -p: one client on $pods Pods"
	[ "$pods" -gt 1 ] || fail "rr kept one client on one Pod without persistence"
	adm "$GW" -E -t "$VIP4:81" -s rr -p 60
	clargs 4 8
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 81 "${CLARGS[@]}" "${CLARGS[@]}")
	check_hello tcp "$out"
	[ "$(sort -u <<<"$(mapping "$out")" | wc -l)" -eq 8 ] ||
		fail "a client changed Pods under persistence: $(mapping "$out")"
	[ "$(awk '{print $2}' <<<"$out" | sort -u | wc -l)" -gt 1 ] ||
		fail "persistence put every client on one Pod"
	[ "$(adm "$GW" -Ln -o json | /usr/bin/python3 -c 'import json, sys
print(sum(d["persist_conns"] for s in json.load(sys.stdin)["services"] for d in s["dests"]))')" \
		-eq 8 ] || fail "not one persistence template per client"
}

# Removing one of N Pods moves only (nearly only) the clients it had.
remove_one() {
	local out1 out2 gone on_gone moved=0 others=0 src pod
	adm "$GW" -C
	svc -t "$VIP4:80" 8080 "$NPODS" 4 -s mh
	clargs 4 "$NCLIENTS"
	out1=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 "${CLARGS[@]}")
	check_hello tcp "$out1"
	gone=pod$NPODS
	adm "$GW" -d -t "$VIP4:80" -r "$(pod4 "$NPODS"):8080"
	clargs 4 "$NCLIENTS"
	out2=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 "${CLARGS[@]}")
	check_hello tcp "$out2"
	! grep -q " $gone " <<<"$out2" || fail "a client still reached the removed $gone"
	on_gone=$(grep -c " $gone " <<<"$out1" || true)
	while read -r src pod; do
		grep -q "^$src $gone" <<<"$(mapping "$out1")" && continue
		others=$((others + 1))
		grep -qx "$src $pod" <<<"$(mapping "$out1")" || moved=$((moved + 1))
	done <<<"$(mapping "$out2")"
	log "removed 1 of $NPODS Pods: $on_gone of $NCLIENTS clients were on it;" \
		"$moved of $others other clients moved ($((100 * moved / others))%)"
	[ $((moved * 10)) -le "$others" ] || fail "more than 10% of unaffected clients moved"
}

# A draining Pod keeps its TCP and UDP flows; new flows avoid it.
drain() {
	local dir=$TOPO_DIR/drain tpod upod out
	rm -rf "$dir" && mkdir -p "$dir"
	adm "$GW" -C
	svc -t "$VIP4:80" 8080 "$NPODS" 4 -s mh
	svc -u "$VIP4:53" 5353 "$NPODS" 4 -s mh
	traffic "$CL" hold -p tcp -d "$VIP4" -P 80 -s "$(client4 0)" --until "$dir/stop" --out "$dir/tcp" &
	traffic "$CL" hold -p udp -d "$VIP4" -P 53 -s "$(client4 0)" --until "$dir/stop" --out "$dir/udp" &
	wait_until 100 test -s "$dir/tcp.name" -a -s "$dir/udp.name" || fail "flows did not start"
	tpod=$(cat "$dir/tcp.name") upod=$(cat "$dir/udp.name")
	log "tcp flow on $tpod, udp flow on $upod: draining them"
	adm "$GW" --drain -t "$VIP4:80" -r "$(pod4 "${tpod#pod}"):8080"
	adm "$GW" --drain -u "$VIP4:53" -r "$(pod4 "${upod#pod}"):5353"
	clargs 4 "$NCLIENTS"
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 "${CLARGS[@]}")
	check_hello tcp "$out"
	! grep -q " $tpod " <<<"$out" || fail "a new TCP flow went to the draining $tpod"
	clargs 4 "$NCLIENTS"
	out=$(traffic "$CL" hello -p udp -d "$VIP4" -P 53 "${CLARGS[@]}")
	check_hello udp "$out"
	! grep -q " $upod " <<<"$out" || fail "a new UDP flow went to the draining $upod"
	touch "$dir/stop"
	wait
	log "tcp: $(cat "$dir/tcp"); udp: $(cat "$dir/udp")"
	grep -q "^$tpod ok [1-9]" "$dir/tcp" || fail "TCP flow on the draining Pod broke"
	grep -q "^$upod ok [1-9]" "$dir/udp" || fail "UDP flow on the draining Pod broke"
}

# Deleting a dest ends its TCP flows with a RST, counted as dest_gone.
delete_dest() {
	local dir=$TOPO_DIR/deldest pod before
	rm -rf "$dir" && mkdir -p "$dir"
	adm "$GW" -C
	svc -t "$VIP4:80" 8080 "$NPODS" 4 -s mh
	before=$(drops dest_gone)
	traffic "$CL" hold -p tcp -d "$VIP4" -P 80 -s "$(client4 1)" --until "$dir/stop" --out "$dir/tcp" &
	wait_until 100 test -s "$dir/tcp.name" || fail "flow did not start"
	pod=$(cat "$dir/tcp.name")
	adm "$GW" -d -t "$VIP4:80" -r "$(pod4 "${pod#pod}"):8080"
	wait_until 100 test -s "$dir/tcp" || { touch "$dir/stop"; wait; fail "flow still runs"; }
	wait
	log "flow on $pod after its dest was deleted: $(cat "$dir/tcp")"
	grep -qi "reset" "$dir/tcp" || fail "the client did not see a reset"
	[ "$(drops dest_gone)" -gt "$before" ] || fail "dest_gone not counted"
}

# Deleting the service stops forwarding: no Pod sees new connections.
delete_service() {
	local out lines
	adm "$GW" -C
	svc -t "$VIP4:80" 8080 "$NPODS" 4 -s mh
	adm "$GW" -D -t "$VIP4:80"
	lines=$(cat "$TOPO_DIR"/pod*.log | wc -l)
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 --timeout 2 -s "$(client4 2)")
	log "$out"
	grep -q ERROR <<<"$out" || fail "a connection succeeded without the service"
	[ "$(cat "$TOPO_DIR"/pod*.log | wc -l)" -eq "$lines" ] || fail "a Pod saw a connection"
}

# A VIP port without a service, a service without dests: TCP gets a RST,
# UDP an ICMP port unreachable; both counted.
reject() {
	local ns nd out
	adm "$GW" -C
	svc -t "$VIP4:80" 8080 "$NPODS" 4 -s mh
	adm "$GW" -A -t "$VIP4:82" -s mh
	adm "$GW" -A -u "$VIP4:82" -s mh
	ns=$(drops no_service) nd=$(drops no_dest)
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 9999 -s "$(client4 3)")
	grep -q "ERROR Connection refused" <<<"$out" || fail "no RST for a port without service: $out"
	out=$(traffic "$CL" udpref -d "$VIP4" -P 9999 -s "$(client4 3)")
	[ "$out" = refused ] || fail "no port unreachable for UDP without service: $out"
	[ "$(drops no_service)" -eq $((ns + 2)) ] || fail "no_service not counted twice"
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 82 -s "$(client4 3)")
	grep -q "ERROR Connection refused" <<<"$out" || fail "no RST without dests: $out"
	out=$(traffic "$CL" udpref -d "$VIP4" -P 82 -s "$(client4 3)")
	[ "$out" = refused ] || fail "no port unreachable without dests: $out"
	[ "$(drops no_dest)" -eq $((nd + 2)) ] || fail "no_dest not counted twice"
}

# An ICMP port unreachable from the Pod reaches the client as from the VIP.
icmp_from_pod() {
	local out
	adm "$GW" -C
	adm "$GW" -A -u "$VIP4:54" -s mh
	adm "$GW" -a -u "$VIP4:54" -r "$(pod4 1):9" -m
	out=$(traffic "$CL" udpref -d "$VIP4" -P 54 -s "$(client4 4)")
	[ "$out" = refused ] || fail "the Pod's port unreachable did not reach the client: $out"
	adm "$GW" -A -u "[$VIP6]:54" -s mh
	adm "$GW" -a -u "[$VIP6]:54" -r "[$(pod6 1)]:9" -m
	out=$(traffic "$CL" udpref -d "$VIP6" -P 54 -s "$(client6 4)")
	[ "$out" = refused ] || fail "ICMPv6 unreachable did not reach the client: $out"
}

# pod6 sits behind a router whose link to it has MTU 1280: the router's
# frag-needed / packet-too-big about a client -> Pod packet is translated
# back to the client, which learns the path MTU of the VIP.
pmtu() {
	local out n=3000000 vip src
	local pod6
	pod6=$(pod_ns 6)
	if ! ip netns list | grep -q "^$RT"; then
		netns_add rt >/dev/null
		netns_veth "$GW" p5 203.0.113.21/30 "$RT" up0 203.0.113.22/30
		ip -n "$GW" addr add 2001:db8:1:5::1/64 dev p5 nodad
		ip -n "$RT" addr add 2001:db8:1:5::2/64 dev up0 nodad
		netns_add pod6 >/dev/null
		netns_veth "$RT" down0 203.0.113.25/30 "$pod6" eth0 "$(pod4 6)/30"
		ip -n "$RT" addr add 2001:db8:1:6::1/64 dev down0 nodad
		ip -n "$pod6" addr add "$(pod6 6)/64" dev eth0 nodad
		ip -n "$RT" link set down0 mtu 1280
		in_ns "$RT" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
		ip -n "$RT" route add default via 203.0.113.21
		ip -n "$RT" -6 route add default via 2001:db8:1:5::1
		ip -n "$pod6" route add default via 203.0.113.25
		ip -n "$pod6" -6 route add default via 2001:db8:1:6::1
		ip -n "$GW" route add "$(pod4 6)/32" via 203.0.113.22
		ip -n "$GW" -6 route add "$(pod6 6)/128" via 2001:db8:1:5::2
		pod_serve "$pod6" 6
	fi
	adm "$GW" -C
	adm "$GW" -A -t "$VIP4:83" -s mh
	adm "$GW" -a -t "$VIP4:83" -r "$(pod4 6):8080" -m
	adm "$GW" -A -t "[$VIP6]:83" -s mh
	adm "$GW" -a -t "[$VIP6]:83" -r "[$(pod6 6)]:8080" -m
	for vip in "$VIP4" "$VIP6"; do
		src=198.51.100.2
		[ "$vip" = "$VIP4" ] || src=2001:db8:100::2
		out=$(traffic "$CL" upload -d "$vip" -P 83 -s "$src" -n "$n" --timeout 30)
		[ "$out" = "$n" ] || fail "upload to $vip: the Pod received $out of $n bytes"
		out=$(ip -n "$CL" route get "$vip" from "$src")
		log "$out"
		grep -q "mtu 1280" <<<"$out" || fail "the client did not learn the path MTU to $vip"
	done
}

# The gateway's own connection to a VIP (LOCAL_OUT).
local_client() {
	local out
	adm "$GW" -C
	svc -t "$VIP4:80" 8080 "$NPODS" 4 -s mh
	out=$(traffic "$GW" hello -p tcp -d "$VIP4" -P 80 -s 198.51.100.1)
	log "$out"
	check_hello tcp "$out"
}

# A client SYN on a closed flow's tuple is scheduled anew at once: with rr
# over two Pods the same client port lands on the other Pod.
port_reuse() {
	local a b
	adm "$GW" -C
	svc -t "$VIP4:84" 8080 2 4 -s rr
	a=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 84 -s "$(client4 5)" --sport 40000)
	b=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 84 -s "$(client4 5)" --sport 40000)
	log "first: $a; second: $b"
	check_hello tcp "$a"
	check_hello tcp "$b"
	[ "$(awk '{print $2}' <<<"$a")" != "$(awk '{print $2}' <<<"$b")" ] ||
		fail "the reused port stayed on the old flow's Pod"
}

# An idle UDP entry expires after the UDP timeout: a flow seen with the
# default timeout is refreshed once the timeout is 1 s, then goes.
udp_expiry() {
	local hello=(hello -p udp -d "$VIP4" -P 53 -s "$(client4 6)" --sport 5300)
	adm "$GW" -C
	svc -u "$VIP4:53" 5353 "$NPODS" 4 -s mh
	# only this flow: earlier scenarios leave TCP tombstones of the same
	# client address for up to the fin timeout
	local entry
	entry="^UDP .* $(client4 6):5300 "
	traffic "$CL" "${hello[@]}" >/dev/null
	adm "$GW" -Lnc | grep -q "$entry" || fail "no UDP entry"
	adm "$GW" --set 900 120 1
	traffic "$CL" "${hello[@]}" >/dev/null
	wait_until 100 sh -c "! ip netns exec $GW $PODVSADM -Lnc | grep -q '$entry'" ||
		fail "the UDP entry did not expire: $(adm "$GW" -Lnc | grep "$entry")"
	adm "$GW" --set 900 120 300
}

topo_init
run_scenario "topology up, podvs loaded" setup
run_scenario "TCP/IPv4: the Pod sees the client address" tcp4
run_scenario "UDP/IPv4: the Pod sees the client address" udp4
run_scenario "TCP/IPv6: the Pod sees the client address" tcp6
run_scenario "UDP/IPv6: the Pod sees the client address" udp6
run_scenario "mh: $NCLIENTS clients spread over $NPODS Pods and stick" spread_and_stick
run_scenario "rr spreads; rr -p keeps each client on its Pod" rr_persistence
run_scenario "mh: removing 1 of $NPODS Pods moves only its clients" remove_one
run_scenario "drain: TCP and UDP flows continue, new flows avoid the Pod" drain
run_scenario "deleted dest: its TCP flow gets a RST" delete_dest
run_scenario "deleted service: no forwarding" delete_service
run_scenario "no service / no dest: RST and port unreachable, counted" reject
run_scenario "ICMP unreachable from a Pod reaches the client (v4, v6)" icmp_from_pod
run_scenario "path MTU: frag-needed / too-big behind the Pod side" pmtu
run_scenario "the gateway's own connection (LOCAL_OUT)" local_client
run_scenario "port reuse after close is scheduled anew" port_reuse
run_scenario "idle UDP entry expires" udp_expiry
