#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
#
# Two podvs gateways in one VM, and unloading podvs under traffic.
#
#   cl  --- gw  (podvs) --- pod1..pod4 (real servers, routed back via gw)
#   cl2 --- gw2 (podvs) --- pods0 (dummy: Pod addresses routed nowhere)
#
# Both client namespaces use the same addresses (198.51.100.100+i).  gw2
# never reaches a Pod: what it would do is read from its connection table,
# which records the dest every flow was given.
set -e
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

GW2=gw2-$PODVS_NS_TAG
CL2=cl2-$PODVS_NS_TAG
NCL=16

setup() {
	podvs_load
	topo_setup 4 "$NCL"
	topo_gateway gw2 >/dev/null
	topo_client "$GW2" cl2 "$NCL" >/dev/null
	ip -n "$GW2" link add pods0 type dummy
	ip -n "$GW2" link set pods0 up
	ip -n "$GW2" route add 203.0.113.0/24 dev pods0
	ip -n "$GW2" -6 route add 2001:db8:1::/48 dev pods0
}

# udp_svc NS: UDP VIP:53 -> Pods 1..4 port 5353, mh
udp_svc() {
	local i
	adm "$1" -A -u "$VIP4:53" -s mh
	for i in 1 2 3 4; do adm "$1" -a -u "$VIP4:53" -r "$(pod4 "$i"):5353" -m; done
}

# conns NS CPORT: "client dest" of the UDP entries from client port CPORT
conns() {
	adm "$1" -Lnc -o json | /usr/bin/python3 -c '
import json, sys
for c in json.load(sys.stdin)["connections"]:
    if c["client_port"] == int(sys.argv[1]):
        print(c["client"], c["dest"])' "$2" | sort
}

# send NS CPORT: one datagram to the VIP from every client address
send() {
	local i srcs=()
	for ((i = 0; i < NCL; i++)); do srcs+=(-s "$(client4 "$i")"); done
	traffic "$1" send -d "$VIP4" -P 53 --sport "$2" "${srcs[@]}"
}

isolated() {
	local out n1 gone1
	adm "$GW" -C
	adm "$GW2" -C
	adm "$GW" -A -t "$VIP4:80" -s mh
	adm "$GW" -a -t "$VIP4:80" -r "$(pod4 1):8080" -m
	udp_svc "$GW2"
	! adm "$GW2" -Ln | grep -q "TCP  $VIP4:80" || fail "gw2 lists gw's service"
	! adm "$GW" -Ln | grep -q "UDP  $VIP4:53" || fail "gw lists gw2's service"
	n1=$(adm "$GW" --info -o json | /usr/bin/python3 -c \
		"import json,sys; print(json.load(sys.stdin)['conns'])")
	gone1=$(adm "$GW" --info -o json | /usr/bin/python3 -c \
		"import json,sys; print(json.load(sys.stdin)['drops']['no_service'])")
	out=$(traffic "$CL2" hello -p tcp -d "$VIP4" -P 80 -s "$(client4 0)")
	log "through gw2: $out"
	grep -q "ERROR Connection refused" <<<"$out" || fail "gw2 did not reject TCP :80: $out"
	adm "$GW2" --info | grep -q "no_service *1$" || fail "gw2 did not count no_service"
	[ "$(adm "$GW" --info -o json | /usr/bin/python3 -c \
		"import json,sys; d=json.load(sys.stdin); print(d['conns'], d['drops']['no_service'])")" \
		= "$n1 $gone1" ] || fail "gw's table or counters changed"
}

same_pods() {
	local a b
	adm "$GW" -C
	adm "$GW2" -C
	udp_svc "$GW"
	udp_svc "$GW2"
	send "$CL" 50001
	send "$CL2" 50001
	a=$(conns "$GW" 50001) b=$(conns "$GW2" 50001)
	[ "$(wc -l <<<"$a")" -eq "$NCL" ] || fail "gw has $(wc -l <<<"$a") flows: $a"
	[ "$a" = "$b" ] || fail "the gateways disagree: gw: $a / gw2: $b"
	log "$(awk '{print $2}' <<<"$a" | sort | uniq -c | tr -s ' \n' ' ')"
	adm "$GW" -d -u "$VIP4:53" -r "$(pod4 2):5353"
	adm "$GW2" -d -u "$VIP4:53" -r "$(pod4 2):5353"
	send "$CL" 50002
	send "$CL2" 50002
	a=$(conns "$GW" 50002) b=$(conns "$GW2" 50002)
	[ "$(wc -l <<<"$a")" -eq "$NCL" ] || fail "gw has $(wc -l <<<"$a") flows after removal"
	[ "$a" = "$b" ] || fail "the gateways disagree after removal: gw: $a / gw2: $b"
	! grep -q " $(pod4 2)$" <<<"$a" || fail "a flow went to the removed Pod"
}

# rmmod while TCP and UDP flows run through the gateway, then load again.
unload_under_traffic() {
	local dir=$TOPO_DIR/unload i out
	rm -rf "$dir" && mkdir -p "$dir"
	adm "$GW" -C
	adm "$GW2" -C
	udp_svc "$GW"
	adm "$GW" -A -t "$VIP4:80" -s mh
	for i in 1 2 3 4; do adm "$GW" -a -t "$VIP4:80" -r "$(pod4 "$i"):8080" -m; done
	traffic "$CL" hold -p tcp -d "$VIP4" -P 80 -s "$(client4 0)" --until "$dir/stop" --out "$dir/tcp" &
	traffic "$CL" hold -p udp -d "$VIP4" -P 53 -s "$(client4 1)" --until "$dir/stop" --out "$dir/udp" &
	(while [ ! -e "$dir/stop" ]; do
		traffic "$CL" hello -p tcp -d "$VIP4" -P 80 --timeout 1 -s "$(client4 2)" -s "$(client4 3)"
	done) >/dev/null 2>&1 &
	wait_until 100 test -s "$dir/tcp.name" -a -s "$dir/udp.name" || fail "flows did not start"
	podvs_unload
	touch "$dir/stop"
	wait
	log "after rmmod: tcp $(cat "$dir/tcp"), udp $(cat "$dir/udp")"
	podvs_load
	adm "$GW" -A -t "$VIP4:80" -s mh
	adm "$GW" -a -t "$VIP4:80" -r "$(pod4 1):8080" -m
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 -s "$(client4 4)")
	log "after reload: $out"
	[ "$(awk '{print $2, $3}' <<<"$out")" = "pod1 $(client4 4)" ] ||
		fail "no forwarding after reload: $out"
}

topo_init
run_scenario "two gateways, $NCL clients: topology up" setup
run_scenario "two gateway namespaces stay isolated" isolated
run_scenario "same dests on two gateways: same Pod per client, also after a removal" same_pods
run_scenario "rmmod under TCP and UDP traffic, reload, forward again" unload_under_traffic
