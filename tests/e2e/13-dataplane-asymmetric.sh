#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# timeout: 900
#
# Reverse translation without an entry: a fleet where the client's packets
# take one gateway and the Pods' replies another.
#
#   cl  c0 198.51.100.2/24 --- g0 gwa (podvs) p<i> --- eth0 pod<i> (Pod address)
#       c1 198.51.101.2/24 --- h0 gwb (podvs) q<i> --- eth1 pod<i>
#
# The client's routes (default, the VIPs) go via gwa; every Pod's default
# route goes via gwb (eth1, source: its Pod address), so gwb sees only the
# Pods' side of every flow and has no entry for any of them until it
# learns one from a Pod's packet.  Both gateways have the same services,
# made with podvsadm.  Without reverse translation every reply would leave
# gwb with the Pod's address and every request here would fail.
set -e
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

GWA=gwa-$PODVS_NS_TAG
GWB=gwb-$PODVS_NS_TAG
NCL=32
NPODS=3
VIP4B=192.0.2.11
VIP6B=2001:db8:f::11
SF_PY=$PODVS_REPO/tests/e2e/serverfirst.py
SF_GO=$TOPO_DIR/serverfirst.go

# no_rp_filter NS: replies arrive on another link than the route back
no_rp_filter() {
	local f
	for f in $(in_ns "$1" sh -c 'ls /proc/sys/net/ipv4/conf/*/rp_filter'); do
		in_ns "$1" sysctl -qw "$(sed 's|/proc/sys/||; s|/|.|g' <<<"$f")=0"
	done
}

# pod_via_gwb I: a second link from Pod I to gwb, and the Pod's default
# routes over it, from its Pod address
pod_via_gwb() {
	local i=$1 pod
	pod=$(pod_ns "$i")
	netns_veth "$GWB" "q$i" "10.255.$i.1/30" "$pod" eth1 "10.255.$i.2/30"
	ip -n "$GWB" addr add "2001:db8:2:$i::1/64" dev "q$i" nodad
	ip -n "$pod" addr add "2001:db8:2:$i::2/64" dev eth1 nodad
	ip -n "$pod" route replace default via "10.255.$i.1" dev eth1 src "$(pod4 "$i")"
	ip -n "$pod" -6 route replace default via "2001:db8:2:$i::1" dev eth1 src "$(pod6 "$i")"
	ip -n "$GWB" route add "$(pod4 "$i")/32" dev "q$i"
	ip -n "$GWB" -6 route add "$(pod6 "$i")/128" dev "q$i"
}

sf_serve() {
	local log=$TOPO_DIR/sf$2.log
	in_ns "$1" /usr/bin/python3 "$SF_PY" serve 9090 "$SF_GO" >"$log" 2>&1 &
	echo $! >>"$TOPO_DIR/pids"
	wait_until 100 grep -q ready "$log" || fail "pod$2 server-first server did not start"
}

setup() {
	local i ns
	podvs_load
	rm -f "$SF_GO"
	topo_gateway gwa >/dev/null
	topo_gateway gwb >/dev/null
	topo_client "$GWA" cl "$NCL" >/dev/null
	netns_veth "$CL" c1 198.51.101.2/24 "$GWB" h0 198.51.101.1/24
	ip -n "$CL" addr add 2001:db8:101::2/64 dev c1 nodad
	ip -n "$GWB" addr add 2001:db8:101::1/64 dev h0 nodad
	ip -n "$GWB" route add 198.51.100.0/24 via 198.51.101.2
	ip -n "$GWB" -6 route add 2001:db8:100::/64 via 2001:db8:101::2
	for ns in "$GWA" "$GWB"; do
		ip -n "$ns" addr add "$VIP4B/32" dev podvs0
		ip -n "$ns" addr add "$VIP6B/128" dev podvs0 nodad
	done
	for ((i = 1; i <= NPODS; i++)); do
		topo_pod "$GWA" "$i" >/dev/null
		pod_via_gwb "$i"
		pod_serve "$(pod_ns "$i")" "$i"
		sf_serve "$(pod_ns "$i")" "$i"
		no_rp_filter "$(pod_ns "$i")"
	done
	for ns in "$CL" "$GWA" "$GWB"; do no_rp_filter "$ns"; done
}

# services NS: TCP :80 -> Pods 1, 2 port 8080, UDP :53 -> port 5353 and
# TCP :90 -> port 9090 (server first), on both VIPs' families, mh
services() {
	local ns=$1 v p a
	adm "$ns" -C
	for v in "$VIP4" "[$VIP6]"; do
		adm "$ns" -A -t "$v:80" -s mh
		adm "$ns" -A -u "$v:53" -s mh
		adm "$ns" -A -t "$v:90" -s mh
		for p in 1 2; do
			if [ "$v" = "$VIP4" ]; then a=$(pod4 "$p"); else a="[$(pod6 "$p")]"; fi
			adm "$ns" -a -t "$v:80" -r "$a:8080" -m
			adm "$ns" -a -u "$v:53" -r "$a:5353" -m
			adm "$ns" -a -t "$v:90" -r "$a:9090" -m
		done
	done
}

# info NS KEY [DROP]: a GET_INFO figure (learned, or a drop counter)
info() {
	adm "$1" --info -o json | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["drops"][sys.argv[2]] if sys.argv[1] == "drop" else d[sys.argv[2]])' "${3:-x}" "$2"
}

drop() { info "$1" "$2" drop; }

# learned_conns NS PROTO: entries the gateway learned, of PROTO
learned_conns() {
	adm "$1" -Lnc -o json | /usr/bin/python3 -c '
import json, sys
print(sum(1 for c in json.load(sys.stdin)["connections"]
          if c["learned"] and c["protocol"] == sys.argv[1].lower()))' "$2"
}

# clients FAMILY: -s arguments for every client address of FAMILY (4, 6)
clients() {
	local i
	for ((i = 0; i < NCL; i++)); do
		if [ "$1" = 4 ]; then echo "-s $(client4 "$i")"; else echo "-s $(client6 "$i")"; fi
	done
}

# request PROTO FAMILY VIP PORT: one request per client; every one must be
# answered by a Pod that saw the client's own address
request() {
	local proto=$1 fam=$2 vip=$3 port=$4 out bad
	# shellcheck disable=SC2046 # one word per argument
	out=$(traffic "$CL" hello -p "$proto" -d "$vip" -P "$port" $(clients "$fam"))
	bad=$(awk '$2 == "ERROR" || $1 != $3' <<<"$out")
	[ -z "$bad" ] || fail "$proto$fam: failed or wrong peer: $bad"
	[ "$(wc -l <<<"$out")" -eq "$NCL" ] || fail "$proto$fam: $(wc -l <<<"$out") answers"
	log "$proto$fam: $(awk '{print $2}' <<<"$out" | sort | uniq -c | tr -s ' \n' ' ')"
}

asymmetric() {
	local fam l0 l1 vip
	services "$GWA"
	services "$GWB"
	l0=$(info "$GWB" learned)
	for fam in 4 6; do
		if [ "$fam" = 4 ]; then vip=$VIP4; else vip=$VIP6; fi
		request tcp "$fam" "$vip" 80
		request udp "$fam" "$vip" 53
	done
	l1=$(info "$GWB" learned)
	log "gwb learned $l0 -> $l1 flows"
	[ "$l1" -ge $((l0 + 4 * NCL)) ] || fail "gwb learned $((l1 - l0)), want >= $((4 * NCL))"
	[ "$(learned_conns "$GWB" UDP)" -ge $((2 * NCL)) ] ||
		fail "gwb lists $(learned_conns "$GWB" UDP) learned UDP entries"
	[ "$(learned_conns "$GWB" TCP)" -ge 1 ] || fail "gwb lists no learned TCP entry"
	adm "$GWB" -Lnc | grep -q ' learned$' || fail "podvsadm -Lc marks no learned flow"
	[ "$(learned_conns "$GWA" TCP)" -eq 0 ] || fail "gwa learned flows it scheduled"
	[ "$(drop "$GWB" ambiguous)" -eq 0 ] || fail "gwb counted ambiguous packets"
	# gwa saw the requests: its entries are scheduled, not learned
	adm "$GWA" -Lnc | grep -q "ESTABLISHED\|TIME_WAIT\|FIN_WAIT\|UDP" ||
		fail "gwa has no entry"
}

# A server-first connection, idle while podvs is reloaded (every entry of
# both gateways lost): the server's next bytes still reach the client, from
# the VIP, because gwb learns the flow from them.
reload_server_first() {
	local fam vip out l
	rm -f "$SF_GO"
	services "$GWA"
	services "$GWB"
	for fam in 4 6; do
		if [ "$fam" = 4 ]; then vip=$VIP4; else vip=$VIP6; fi
		rm -f "$TOPO_DIR/sf-client$fam"
		in_ns "$CL" /usr/bin/python3 "$SF_PY" client -d "$vip" -P 90 \
			-s "$(if [ "$fam" = 4 ]; then client4 0; else client6 0; fi)" \
			--out "$TOPO_DIR/sf-client$fam" --timeout 60 &
	done
	wait_until 100 grep -qs banner "$TOPO_DIR/sf-client4" ||
		fail "no banner (v4): $(cat "$TOPO_DIR/sf-client4" 2>/dev/null)"
	wait_until 100 grep -qs banner "$TOPO_DIR/sf-client6" ||
		fail "no banner (v6): $(cat "$TOPO_DIR/sf-client6" 2>/dev/null)"
	podvs_unload
	podvs_load
	services "$GWA"
	services "$GWB"
	[ "$(info "$GWB" conns)" -eq 0 ] || fail "gwb has entries after the reload"
	touch "$SF_GO"
	wait
	for fam in 4 6; do
		out=$(cat "$TOPO_DIR/sf-client$fam")
		log "v$fam: $(tr '\n' ' ' <<<"$out")"
		grep -q "^push $(if [ "$fam" = 4 ]; then client4 0; else client6 0; fi)$" <<<"$out" ||
			fail "v$fam: the server's bytes after the reload did not arrive: $out"
	done
	l=$(info "$GWB" learned)
	[ "$l" -ge 2 ] || fail "gwb learned $l flows after the reload"
}

# two_services NS SCHED: TCP VIP4:80 -> Pods 1, 2 and VIP4B:80 -> Pods 1,
# 3, port 8080 on both: Pod 1's port is shared
two_services() {
	local ns=$1 s=$2
	adm "$ns" -C
	adm "$ns" -A -t "$VIP4:80" -s "$s"
	adm "$ns" -a -t "$VIP4:80" -r "$(pod4 1):8080" -m
	adm "$ns" -a -t "$VIP4:80" -r "$(pod4 2):8080" -m
	adm "$ns" -A -t "$VIP4B:80" -s "$s"
	adm "$ns" -a -t "$VIP4B:80" -r "$(pod4 1):8080" -m
	adm "$ns" -a -t "$VIP4B:80" -r "$(pod4 3):8080" -m
}

# rr cannot say which VIP a reply of Pod 1 belongs to: dropped, counted;
# Pod 2's replies (one service only) pass
shared_rr() {
	local out a0 a1
	two_services "$GWA" rr
	two_services "$GWB" rr
	a0=$(drop "$GWB" ambiguous)
	# shellcheck disable=SC2046 # one word per argument
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 --timeout 2 $(clients 4 | head -n 8))
	log "$(tr '\n' ';' <<<"$out")"
	a1=$(drop "$GWB" ambiguous)
	[ "$a1" -gt "$a0" ] || fail "no ambiguous drop counted ($a0 -> $a1)"
	grep -q " pod2 " <<<"$out" || fail "no request answered by Pod 2 (one owner)"
	grep -q " ERROR " <<<"$out" || fail "no request failed: Pod 1's replies were translated"
	! grep -q " pod1 " <<<"$out" || fail "a reply of the shared Pod got through under rr"
}

# mh resolves a shared Pod port for a client that only one service's table
# sends there; the clients both send there stay ambiguous
shared_mh() {
	local out a0 a1 errs
	two_services "$GWA" mh
	two_services "$GWB" mh
	a0=$(drop "$GWB" ambiguous)
	# shellcheck disable=SC2046 # one word per argument
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 --timeout 2 $(clients 4))
	a1=$(drop "$GWB" ambiguous)
	errs=$(grep -c " ERROR " <<<"$out" || true)
	log "pod1 $(grep -c " pod1 " <<<"$out" || true), pod2 $(grep -c " pod2 " <<<"$out" || true), failed $errs, ambiguous $a0 -> $a1"
	grep -q " pod1 " <<<"$out" || fail "no reply of the shared Pod was resolved by mh"
	if [ "$errs" -gt 0 ]; then
		[ "$a1" -gt "$a0" ] || fail "$errs requests failed without an ambiguous drop"
	fi
	! grep " ERROR " <<<"$out" | grep -qv "timed out" || fail "a request failed otherwise: $out"
}

topo_init
run_scenario "client via gwa, Pods via gwb: topology up" setup
run_scenario "asymmetric TCP and UDP, v4 and v6: every request answered, gwb learns" asymmetric
run_scenario "server-first TCP idle across a podvs reload: next bytes reach the client" reload_server_first
run_scenario "two rr services share a Pod port: ambiguous replies dropped and counted" shared_rr
run_scenario "two mh services share a Pod port: the hash resolves the owner" shared_mh
