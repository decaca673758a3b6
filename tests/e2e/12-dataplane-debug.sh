#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debug
#
# The dataplane under KASAN, lockdep, RCU checking and kmemleak: every path
# of conn.c, hooks.c and xmit.c with real traffic, then kmemleak scans
# with the tables loaded and after podvs is unloaded.  The harness fails the run on any splat.
#
#   client (cl) --- gateway (gw, podvs, VIPs on podvs0) --- pod1, pod2
#   (topology of tests/e2e/topo.sh, 8 client addresses)
set -e
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

setup() {
	local i vs
	podvs_load
	topo_setup 2 8
	for vs in "$VIP4:80" "[$VIP6]:80"; do
		adm "$GW" -A -t "$vs" -s mh
		adm "$GW" -A -u "${vs%:80}:53" -s rr -p 30
	done
	for i in 1 2; do
		adm "$GW" -a -t "$VIP4:80" -r "$(pod4 "$i"):8080" -m
		adm "$GW" -a -u "$VIP4:53" -r "$(pod4 "$i"):5353" -m
		adm "$GW" -a -t "[$VIP6]:80" -r "[$(pod6 "$i")]:8080" -m
		adm "$GW" -a -u "[$VIP6]:53" -r "[$(pod6 "$i")]:5353" -m
	done
}

traffic_all() {
	local p vip src out
	for vip in "$VIP4" "$VIP6"; do
		src=$(client4 0)
		[ "$vip" = "$VIP4" ] || src=$(client6 0)
		for p in tcp:80 udp:53; do
			out=$(traffic "$CL" hello -p "${p%:*}" -d "$vip" -P "${p#*:}" -s "$src")
			log "$out"
			! grep -q ERROR <<<"$out" || fail "$p to $vip: $out"
		done
	done
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 9999 -s "$(client4 1)")
	grep -q "Connection refused" <<<"$out" || fail "no RST for a port without service"
}

delete_under_flow() {
	local dir=$TOPO_DIR/dbg pod
	rm -rf "$dir" && mkdir -p "$dir"
	traffic "$CL" hold -p tcp -d "$VIP4" -P 80 -s "$(client4 2)" --until "$dir/stop" --out "$dir/tcp" &
	traffic "$CL" hold -p udp -d "$VIP4" -P 53 -s "$(client4 2)" --until "$dir/stop" --out "$dir/udp" &
	wait_until 300 test -s "$dir/tcp.name" -a -s "$dir/udp.name" || fail "flows did not start"
	pod=$(cat "$dir/tcp.name")
	adm "$GW" --drain -t "$VIP4:80" -r "$(pod4 "${pod#pod}"):8080"
	adm "$GW" -d -t "$VIP4:80" -r "$(pod4 "${pod#pod}"):8080"
	adm "$GW" -D -u "$VIP4:53"
	wait_until 300 test -s "$dir/tcp" || true
	touch "$dir/stop"
	wait
	log "tcp: $(cat "$dir/tcp"); udp: $(cat "$dir/udp")"
	grep -qi reset "$dir/tcp" || fail "no RST after the dest was deleted"
}

# kmemleak must see every live podvs object as referenced: a Maglev
# table lives in pages of its own, and it holds the only pointer to its
# dests array.
scan_loaded() {
	[ -w /sys/kernel/debug/kmemleak ] || skip "no kmemleak"
	adm "$GW" -L -n | grep -q mh || fail "no mh service left to scan"
	echo clear >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	if grep -q podvs /sys/kernel/debug/kmemleak; then
		cat /sys/kernel/debug/kmemleak
		fail "kmemleak calls live podvs objects lost"
	fi
}

unload_and_scan() {
	local dir=$TOPO_DIR/dbg2
	rm -rf "$dir" && mkdir -p "$dir"
	traffic "$CL" hold -p tcp -d "$VIP6" -P 80 -s "$(client6 3)" --until "$dir/stop" --out "$dir/tcp" &
	wait_until 300 test -s "$dir/tcp.name" || fail "flow did not start"
	podvs_unload
	touch "$dir/stop"
	wait
	[ -w /sys/kernel/debug/kmemleak ] || skip "no kmemleak"
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	if grep -q podvs /sys/kernel/debug/kmemleak; then
		cat /sys/kernel/debug/kmemleak
		fail "kmemleak reports podvs objects"
	fi
}

topo_init
run_scenario "debug kernel: topology, services v4/v6 TCP/UDP" setup
run_scenario "debug kernel: traffic both families, reject" traffic_all
run_scenario "debug kernel: drain, delete dest and service under flows" delete_under_flow
run_scenario "debug kernel: kmemleak clean with the tables loaded" scan_loaded
run_scenario "debug kernel: unload under traffic, kmemleak clean" unload_and_scan
