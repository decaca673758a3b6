#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# timeout: 1200
# opt-in: PODVS_FLEET gateway join and module reload still fail at times, and the CI budget has no room for it yet (issue 11 notes)
#
# A fleet of gateways behind an ECMP router, announced over BGP with BFD,
# under real TCP and UDP traffic in both families (issue 11, "Tests").
#
#   client (cl)          router (rt, BIRD)          gateways gw1..gw4
#   c0 198.51.100.2/24 - r-cl 198.51.100.1/24
#   + 16 addresses       r-up 10.0.0.1/24 -- br-up -- e-up 10.0.0.1N
#     per family         ECMP (L4 hash) over          podvs, podvsd, BIRD
#                        the gateways, BFD            podvs0: 192.0.2.10,
#   fake API server (api)                             2001:db8:f::10
#   10.9.0.1 ---------------------------- br-mgmt -- e-mgmt 10.9.0.1N
#   pod1..pod3 (BIRD as a node)                      e-pod 10.1.0.1N
#   10.1.0.2I, fd01::2I ------------------ br-pod -- (fd01::1N)
#
# (tests/e2e/fleet_topo.sh draws it in full.)  gw1-gw3 start, gw4 joins in
# its scenario.  Every BIRD runs the shipped netlink-daemon/deploy/bird/
# configuration with its addresses set.  Every gateway has the
# Docker-style firewall (FORWARD policy DROP, ctstate RELATED,ESTABLISHED
# accepted) for all scenarios, and nft counters of requests, replies and
# replies whose request came in through another gateway ("crossed").
#
# The return path: the Pods learn the routes back to the clients from the
# gateways over BGP with BFD (bird-node.conf), so a dead gateway leaves
# their ECMP route as fast (one BFD detection time) as it leaves the
# router's.  Static ECMP
# with fib_multipath_use_neigh would need the neighbour entry to fail
# first (seconds, tuned), and the entry is forgotten and retried after
# garbage collection; BGP + BFD is also what deploy/README.md asks users
# to run on their nodes.
#
# The module reload: podvs.ko is one module for every namespace of this VM,
# so rmmod would take every gateway down at once.  What a reload does to
# one gateway is emulated there: its podvs link deleted (what rmmod does
# to links of kind podvs, so BIRD withdraws its VIPs), podvsd stopped, its
# tables and connections flushed (podvsadm -C), podvsd started again.  The
# assertion is the issue's: its flows continue through the others, then
# through it again.
#
# The two scenarios that wait for the 60 s grace period (API server lost on
# one gateway, podvsd killed on another) run at the same time.
set -e
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_topo.sh"

GRACE=60	# podvsd's --announce-grace and the watchdog's HOLD: defaults
NEW_TIMEOUT=3	# a new connection must complete within this (s)

adm_gw() {
	local n=$1
	shift
	in_ns "$(fleet_ns "gw$n")" "$PODVSADM" "$@"
}

# check_run NAME: the traffic run NAME lost nothing; prints its summary
check_run() {
	local r
	r=$(fleet_report "$1" "${@:2}")
	log "fleet: $1: $(grep -v '^broken' <<<"$r" | xargs)"
	[ "$(fleet_val "$r" long)" -ge 20 ] || fail "fewer than 20 long-lived connections"
	[ "$(fleet_val "$r" long_broken)" = 0 ] ||
		fail "long-lived connections broke: $(grep '^broken' <<<"$r" | head -n 5 | xargs)"
	[ "$(fleet_val "$r" long_mismatch)" = 0 ] || fail "a Pod saw another address than the client's"
	[ "$(fleet_val "$r" new_mismatch)" = 0 ] || fail "a Pod saw another address than the client's"
	[ "$(fleet_val "$r" new)" -gt 0 ] || fail "no new connection was made"
	[ "$(fleet_val "$r" udp_moved)" = 0 ] || fail "a UDP flow moved to another Pod"
	echo "$r" >"$FLEET_DIR/$1.report"
}

no_failures() {
	local r
	r=$(cat "$FLEET_DIR/$1.report")
	[ "$(fleet_val "$r" new_failed)" = 0 ] || fail "$(fleet_val "$r" new_failed) new connections failed"
	[ "$(fleet_val "$r" udp_lost)" = 0 ] || fail "$(fleet_val "$r" udp_lost) UDP queries got no answer"
}

# router_gws -4|-6 VIP: the router's next hops for VIP, as gateway
# numbers (global next hops; one ip call: a sample must be cheap in TCG)
router_gws() {
	ip -n "$(fleet_ns rt)" "$1" route show "$2" | grep -o 'via [0-9a-f.:]*' |
		sed 's/.*\(.\)$/\1/' | sort -u | xargs
}

router_is() {
	[ "$(router_gws -4 "$FLEET_VIP4")" = "$1" ] && [ "$(router_gws -6 "$FLEET_VIP6")" = "$1" ]
}

# route watcher: "TIME ROUTER4 | ROUTER6" every 0.2 s until stopped
watch_start() {
	rm -f "$FLEET_DIR/$1.watch" "$FLEET_DIR/$1.wstop"
	(
		while [ ! -e "$FLEET_DIR/$1.wstop" ]; do
			echo "$(now) $(router_gws -4 "$FLEET_VIP4") | $(router_gws -6 "$FLEET_VIP6")"
			sleep 0.1
		done >"$FLEET_DIR/$1.watch"
	) </dev/null >/dev/null 2>&1 &
}
watch_stop() { touch "$FLEET_DIR/$1.wstop"; sleep 0.5; }

# first_without NAME G T0: seconds from T0 to the first sample without G
first_without() {
	awk -v g="$2" -v t0="$3" '{
		split($0, h, "|"); n4 = h[1]; sub(/^[^ ]* /, "", n4)
		if ((" " n4 " ") !~ (" " g " ") && (" " h[2] " ") !~ (" " g " ")) {
			printf "%.1f\n", $1 - t0; exit
		}
	}' "$FLEET_DIR/$1.watch"
}

gw_down() {	# gw_down N: links down, podvsd and BIRD killed
	local ns
	ns=$(fleet_ns "gw$1")
	ip -n "$ns" link set e-up down
	ip -n "$ns" link set e-pod down
	ip -n "$ns" link set e-mgmt down
	fleet_pd_stop "$1" KILL
	fleet_bird_stop "gw$1"
}

# a hang guard in wall-clock seconds: one check is eight ip calls, which
# take seconds under TCG, so a count of tries would not bound the wait
routes_are() { wait_for 120 fleet_routes_are "$@"; }

# ---- scenarios ---------------------------------------------------------------

setup() {
	local g
	podvs_load
	fleet_setup 3
	log "topology up (${SECONDS} s)"
	fleet_cluster
	# the cluster's own ranges, for the hairpin scenario
	if "$PODVSD" --help 2>&1 | grep -q -- --snat-from; then
		printf '%s\n' --snat-from 10.1.0.0/24,fd01::/64 >"$FLEET_DIR/pd-args"
	fi
	for g in 1 2 3; do fleet_pd_start "$g"; done
	log "podvsd ready on gw1-gw3 (${SECONDS} s)"
	if ! routes_are "1 2 3"; then
		birdc_in rt show protocols | sed 's/^/router: /'
		birdc_in pod1 show route | sed 's/^/pod1: /'
		ip -n "$(fleet_ns gw1)" -d link show podvs0 | sed 's/^/gw1: /'
		fail "routes not through gw1-gw3: router $(fleet_nexthops rt "$FLEET_VIP4"), pod1 $(fleet_nexthops pod1 0.0.0.0/0)"
	fi
	log "router: $(ip -n "$(fleet_ns rt)" route show "$FLEET_VIP4" | xargs)"
	# BFD must be Up for a fast withdrawal: say so before anything fails
	birdc_in rt show bfd sessions | sed 's/^/router bfd: /'

}

steady() {
	local g crossed=0 c
	fleet_traffic_start steady --new-timeout "$NEW_TIMEOUT"
	sleep 20
	fleet_traffic_stop steady
	check_run steady
	no_failures steady
	for g in 1 2 3; do
		c=$(fleet_counter "$g" crossed)
		log "fleet: gw$g: requests $(fleet_counter "$g" requests) replies $(fleet_counter "$g" replies) crossed $c; $(adm_gw "$g" -L --stats 2>/dev/null | grep -i learned | xargs)"
		crossed=$((crossed + c))
	done
	log "fleet: steady: replies that crossed another gateway than their request: $crossed packets"
	[ "$crossed" -gt 0 ] || fail "no reply crossed gateways: the scenario proves nothing"
}

gateway_dies() {
	local t0 r tw
	fleet_traffic_start dies --new-timeout "$NEW_TIMEOUT"
	sleep 5
	t0=$(now)
	echo "$t0" >"$FLEET_DIR/dies.t0"
	gw_down 3
	wait_for 60 router_is "1 2" || fail "gw3 not withdrawn: router $(router_gws -4 "$FLEET_VIP4")"
	tw=$(since "$t0")
	log "fleet: gw3 withdrawn by the router after $tw s (BFD detection: $((FLEET_BFD_MS * FLEET_BFD_MULT)) ms)"
	routes_are "1 2" || fail "gw3 not withdrawn: pod1 $(fleet_nexthops pod1 0.0.0.0/0)"
	log "fleet: gw3 withdrawn everywhere after $(since "$t0") s"
	sleep 8
	fleet_traffic_stop dies
	check_run dies --fail-at "$t0"
	r=$(cat "$FLEET_DIR/dies.report")
	log "fleet: gateway failure: long-lived broken $(fleet_val "$r" long_broken) of $(fleet_val "$r" long), new connections failed $(fleet_val "$r" new_failed) of $(fleet_val "$r" new), recovery $(fleet_val "$r" recover_ms) ms (BFD $FLEET_BFD_MS ms x $FLEET_BFD_MULT)"
	# a failed new connection must have started between the timeout
	# before the failure and the router's withdrawal of the gateway as
	# measured (plus 2 s of slack for TCG): the detection window.  Under
	# TCG that window has been seen far longer than BFD's 1.5 s (24 s on
	# a loaded host): the log line above says how long it was.
	python3 - "$FLEET_DIR/dies.json" "$t0" "$NEW_TIMEOUT" \
		"$(awk -v w="$tw" 'BEGIN { printf "%d", (w + 2) * 1000 }')" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
t0, to, win = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]) / 1000
bad = [e for e in d["new"] if not e["ok"] and "err" in e
       and not (t0 - to <= e["t"] <= t0 + win)]
for e in bad[:5]:
    print("failed outside the window: %.2f s %s" % (e["t"] - t0, e["err"]))
sys.exit(1 if bad else 0)
EOF
}

udp_stays() {
	local r
	r=$(cat "$FLEET_DIR/dies.report")
	log "fleet: UDP across the failure: flows $(fleet_val "$r" udp_flows), moved $(fleet_val "$r" udp_moved), unanswered queries $(fleet_val "$r" udp_lost)"
	[ "$(fleet_val "$r" udp_flows)" -gt 0 ] || fail "no UDP flow ran"
	[ "$(fleet_val "$r" udp_moved)" = 0 ] || fail "a UDP flow moved to another Pod"
}

gateway_joins() {
	fleet_traffic_start join --new-timeout "$NEW_TIMEOUT"
	sleep 3
	fleet_gateway 4
	fleet_pd_start 4
	routes_are "1 2 4" || fail "gw4 did not join: router $(fleet_nexthops rt "$FLEET_VIP4")"
	sleep 8
	fleet_traffic_stop join
	check_run join
	no_failures join
	log "fleet: gw4: requests $(fleet_counter 4 requests) replies $(fleet_counter 4 replies)"
	[ "$(fleet_counter 4 requests)" -gt 0 ] || fail "gw4 carried no request"
}

podvsd_restarts() {
	local bad
	fleet_traffic_start restart --new-timeout "$NEW_TIMEOUT"
	watch_start restart
	sleep 3
	fleet_pd_stop 1
	fleet_pd_start 1
	sleep 5
	watch_stop restart
	fleet_traffic_stop restart
	bad=$(grep -v ' 1 2 4 | 1 2 4$' "$FLEET_DIR/restart.watch" || true)
	[ -z "$bad" ] || fail "routes changed during the restart: $(head -n 3 <<<"$bad" | xargs)"
	log "fleet: podvsd restart: $(wc -l <"$FLEET_DIR/restart.watch") route samples, all through gw1 gw2 gw4"
	check_run restart
	no_failures restart
}

# The bound for a withdrawal: the grace period, plus the time podvsd may
# take to notice a silently dead API connection (keepalive 5 s x 3 and
# TCP_USER_TIMEOUT 20 s: 30 s is the bound issue 12 sets), plus 10 s for
# the carrier to reach the router through BIRD and BGP under TCG.
grace_expires() {
	local t0 w2 w4 gone=0 limit=$((GRACE + 30 + 10))
	fleet_traffic_start grace --new-timeout "$NEW_TIMEOUT"
	watch_start grace
	sleep 3
	t0=$(now)
	# gw2: podvsd loses the API server; gw4: podvsd killed, stays down
	in_ns "$(fleet_ns gw2)" nft -f - <<EOF
table inet block {
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr 10.9.0.1 drop
	}
}
EOF
	fleet_pd_stop 4 KILL
	wait_for "$limit" fleet_routes_are "1" router || gone=1
	sleep 3
	watch_stop grace
	fleet_traffic_stop grace
	w2=$(first_without grace 2 "$t0")
	w4=$(first_without grace 4 "$t0")
	log "fleet: API server lost on gw2: withdrawn after ${w2:-never} s; podvsd dead on gw4: withdrawn after ${w4:-never} s (grace $GRACE s, limit $limit s)"
	# back to three before judging, so that a failure here does not
	# become the next scenarios' failure too
	in_ns "$(fleet_ns gw2)" nft delete table inet block
	fleet_pd_start 4
	routes_are "1 2 4" || fail "gw2/gw4 did not come back: $(fleet_nexthops rt "$FLEET_VIP4")"
	[ "$gone" = 0 ] || fail "not withdrawn within $limit s"
	check_run grace
	no_failures grace
	[ "$(fleet_counter 1 requests)" -gt 0 ]
}

decommission() {
	local gone=
	fleet_traffic_start decom --new-timeout "$NEW_TIMEOUT"
	sleep 3
	fa apply - >/dev/null <<EOF || fail "the API server took no Node object"
{"kind": "Node", "metadata": {"name": "gw1",
  "annotations": {"podvs.io/decommissioned": "true"}}}
EOF
	adm_gw 2 --decommission || fail "podvsadm --decommission failed"
	routes_are "4" router || gone="router $(fleet_nexthops rt "$FLEET_VIP4")"
	sleep 5
	fa apply - >/dev/null <<EOF
{"kind": "Node", "metadata": {"name": "gw1", "annotations": {}}}
EOF
	adm_gw 2 --recommission
	routes_are "1 2 4" || fail "gw1/gw2 not back: $(fleet_nexthops rt "$FLEET_VIP4")"
	[ -z "$gone" ] || fail "gw1/gw2 not withdrawn: $gone"
	sleep 3
	fleet_traffic_stop decom
	check_run decom
	no_failures decom
}

module_reload() {
	local before
	fleet_traffic_start reload --new-timeout "$NEW_TIMEOUT"
	sleep 3
	ip -n "$(fleet_ns gw4)" link del podvs0
	fleet_pd_stop 4
	routes_are "1 2" router || fail "gw4 not withdrawn: $(fleet_nexthops rt "$FLEET_VIP4")"
	adm_gw 4 -C
	sleep 3
	before=$(fleet_counter 4 requests)
	fleet_pd_start 4
	routes_are "1 2 4" router || fail "gw4 not back: $(fleet_nexthops rt "$FLEET_VIP4")"
	sleep 6
	fleet_traffic_stop reload
	check_run reload
	no_failures reload
	log "fleet: gw4 after the reload: $(($(fleet_counter 4 requests) - before)) requests"
	[ "$(fleet_counter 4 requests)" -gt "$before" ] || fail "gw4 carries nothing after the reload"
}

hairpin() {
	local out
	[ -e "$FLEET_DIR/pd-args" ] || fail "podvsd has no --snat-from"
	out=$(in_ns "$(fleet_ns pod1)" python3 "$FLEET_PY" once --dst "$FLEET_VIP4" --port 80 \
		--src "$(fleet_pod4 1)") || fail "pod1 -> $FLEET_VIP4: $out"
	log "fleet: hairpin IPv4: $out"
	out=$(in_ns "$(fleet_ns pod1)" python3 "$FLEET_PY" once --dst "$FLEET_VIP6" --port 80 \
		--src "$(fleet_pod6 1)") || fail "pod1 -> $FLEET_VIP6: $out"
	log "fleet: hairpin IPv6: $out"
}

fleet_init
run_scenario "fleet: setup (router, 3 gateways, 3 Pods, BGP, BFD)" setup
run_scenario "fleet: steady state: nothing fails, replies cross gateways" steady
run_scenario "fleet: a gateway dies: no long-lived connection breaks" gateway_dies
run_scenario "fleet: a UDP flow stays on its Pod across the failure" udp_stays
run_scenario "fleet: a fourth gateway joins: nothing breaks" gateway_joins
run_scenario "fleet: podvsd restarts: no route withdrawn, nothing fails" podvsd_restarts
run_scenario "fleet: API server lost / podvsd dead past grace: withdrawn" grace_expires
run_scenario "fleet: decommissioned gateways: withdrawn, flows continue" decommission
run_scenario "fleet: module reload on one gateway: flows continue" module_reload
run_scenario "fleet: hairpin: a Pod reaches the VIP (--snat-from)" hairpin
