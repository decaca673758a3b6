#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
#
# VIP announcement: links of kind "podvs" carry the VIPs, and their carrier
# (LOWER_UP) is on only while the watchdog runs (a heartbeat with a hold
# time came less than that long ago), READY is 1 and DECOMMISSIONED is 0.
# BIRD 2 in the same namespace announces the VIPs with `check link yes`,
# so its routes follow the carrier.  The watchdog expires with the real
# default hold (PODVS_DEFAULT_HOLD, 60 s): that scenario takes ~65 s.
#
#   podvsadm --announce/--decommission --genl--> podvs.ko --carrier--> podvs0
#   netns "ann":  podvs0 (203.0.113.10/32, 2001:db8:ff::10/128)
#                 bird (protocol direct, interface "podvs0", check link yes)
#   netns "other": podvs1, its own announcement state
set -e
. "$(dirname "$0")/lib.sh"

VIP4=203.0.113.10
VIP6=2001:db8:ff::10
# PODVS_DEFAULT_HOLD: the hold podvsd sends unless told otherwise
HOLD=60
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
ADM_NOBODY=/tmp/podvsadm-nobody-ann
API=(python3 "$(dirname "$0")/announce_api.py")

adm() { in_ns "$NS" "$PODVSADM" "$@"; }

# the flags of a link, as `ip link` shows them: <BROADCAST,NOARP,UP,LOWER_UP>
lower_up() { ip -n "$1" -o link show dev "$2" | grep -q '[<,]LOWER_UP[,>]'; }
no_lower_up() { ! lower_up "$@"; }

# A field of `podvsadm --announce --json` in NS.
ann_json() {
	adm --announce --json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

operstate_up() { [ "$(in_ns "$NS" cat /sys/class/net/podvs0/operstate)" = up ]; }

link_kind() {
	local out other
	ip -n "$NS" link add podvs0 type podvs
	ip -n "$NS" addr add "$VIP4/32" dev podvs0
	ip -n "$NS" addr add "$VIP6/128" dev podvs0 nodad
	ip -n "$NS" link set podvs0 up
	out=$(ip -n "$NS" -d link show dev podvs0)
	log "$out"
	grep -q '^ *podvs ' <<<"$out" || fail "podvs0 is not of kind podvs"
	grep -q '[<,]NOARP[,>]' <<<"$out" || fail "podvs0 is not NOARP"
	grep -q '[<,]UP[,>]' <<<"$out" || fail "podvs0 is not UP"
	grep -q 'qdisc noqueue' <<<"$out" || fail "podvs0 has a qdisc"
	no_lower_up "$NS" podvs0 || fail "carrier on before any heartbeat"
	out=$(adm --announce)
	log "$out"
	grep -q '^VIP announcement: carrier DOWN on 1 podvs link$' <<<"$out" ||
		fail "--announce does not show 1 link, carrier down"
	grep -q 'watchdog  *never started' <<<"$out" || fail "watchdog not 'never started'"
	# its carrier is its namespace's: it cannot move
	other=$(netns_add move)
	if ip -n "$NS" link set podvs0 netns "$other" 2>/dev/null; then
		fail "podvs0 moved to another namespace"
	fi
	ip -n "$NS" link show dev podvs0 >/dev/null
}

carrier_rule() {
	local ms
	adm --announce --ready 1
	no_lower_up "$NS" podvs0 || fail "carrier on with READY but no watchdog"
	adm --announce --ready 0
	adm --announce --hold "$HOLD"
	no_lower_up "$NS" podvs0 || fail "carrier on with the watchdog but not READY"
	adm --announce --ready 1
	lower_up "$NS" podvs0 || fail "no carrier with watchdog and READY"
	[ "$(ann_json up)" = True ] || fail "--announce --json: up is not true"
	[ "$(ann_json links)" = 1 ] || fail "--announce --json: links is not 1"
	ms=$(ann_json remaining_ms)
	if [ "$ms" -le 0 ] || [ "$ms" -gt $((HOLD * 1000)) ]; then
		fail "--announce --json: remaining_ms $ms, not in 1..$((HOLD * 1000))"
	fi
	# operstate follows through linkwatch, asynchronously
	wait_until 50 operstate_up || fail "operstate of podvs0 is not up"
}

decommission() {
	local err
	adm --decommission
	no_lower_up "$NS" podvs0 || fail "carrier still on after --decommission"
	adm --announce | grep -q 'decommissioned  *yes' || fail "not shown decommissioned"
	adm --announce --hold "$HOLD"
	no_lower_up "$NS" podvs0 || fail "a heartbeat undid --decommission"
	install -m 0755 "$PODVSADM" "$ADM_NOBODY"
	if err=$(in_ns "$NS" "${NOBODY[@]}" "$ADM_NOBODY" --recommission 2>&1); then
		fail "nobody recommissioned"
	fi
	grep -q 'Operation not permitted' <<<"$err" || fail "no EPERM for nobody: $err"
	adm --announce | grep -q 'decommissioned  *yes' || fail "nobody changed it"
	in_ns "$NS" "${NOBODY[@]}" "$ADM_NOBODY" --announce >/dev/null ||
		fail "nobody cannot read the state"
	adm --recommission
	lower_up "$NS" podvs0 || fail "no carrier after --recommission"
}

raw_api() {
	in_ns "$NS" "${API[@]}" validation notify
	adm --announce --hold "$HOLD" --ready 1
	lower_up "$NS" podvs0 || fail "no carrier after the API checks"
}

per_netns() {
	local other
	other=$(netns_add other)
	ip -n "$other" link add podvs1 type podvs
	ip -n "$other" link set podvs1 up
	no_lower_up "$other" podvs1 || fail "podvs1 has carrier from another namespace"
	in_ns "$other" "$PODVSADM" --announce | grep -q 'never started' ||
		fail "the other namespace's watchdog is not its own"
	in_ns "$other" "$PODVSADM" --decommission
	lower_up "$NS" podvs0 || fail "decommissioning another namespace turned podvs0 off"
	ip netns del "$other"
}

bird_start() {
	cat >"$BIRD_DIR/bird.conf" <<-EOC
	router id 198.51.100.1;
	log "$BIRD_DIR/bird.log" all;
	protocol device { }
	protocol direct {
		ipv4;
		ipv6;
		interface "podvs0";
		check link yes;
	}
	EOC
	in_ns "$NS" bird -c "$BIRD_DIR/bird.conf" -s "$BIRD_DIR/sock" -P "$BIRD_DIR/pid" ||
		fail "bird does not start"
	wait_until 50 birdc -s "$BIRD_DIR/sock" show status >/dev/null ||
		fail "birdc cannot reach bird"
}

# Stop bird; its log goes to the TAP output when a scenario failed.
bird_stop() {
	[ ! -s "$BIRD_DIR/pid" ] || kill "$(cat "$BIRD_DIR/pid")" 2>/dev/null || true
	[ "$PODVS_FAILED" -eq 0 ] || sed 's/^/# bird: /' "$BIRD_DIR/bird.log" 2>/dev/null | tail -n 30
}

routes() { birdc -s "$BIRD_DIR/sock" show route 2>/dev/null; }
has_route() { routes | grep -q "^$1 "; }
no_route() { ! has_route "$1"; }

bird_routes() {
	bird_start
	wait_until 100 has_route "$VIP4/32" || fail "bird has no route to $VIP4: $(routes)"
	wait_until 100 has_route "$VIP6/128" || fail "bird has no route to $VIP6: $(routes)"
	log "$(routes)"
	adm --decommission
	wait_until 100 no_route "$VIP4/32" || fail "route to $VIP4 kept after --decommission"
	wait_until 100 no_route "$VIP6/128" || fail "route to $VIP6 kept after --decommission"
	adm --recommission
	wait_until 100 has_route "$VIP4/32" || fail "no route to $VIP4 after --recommission"
}

# The real grace period: nothing for 50 s, then off by HOLD s after the
# heartbeat (checked with a margin for the watchdog's own timer slack).
expiry() {
	local t0 t1 ms exp0
	exp0=$(ann_json expiries)
	adm --announce --hold "$HOLD" --ready 1
	t0=$(date +%s%N)
	sleep 50
	lower_up "$NS" podvs0 || fail "carrier off before the hold time"
	has_route "$VIP4/32" || fail "route withdrawn before the hold time"
	wait_until 250 no_lower_up "$NS" podvs0 || fail "carrier still on $HOLD s + 25 s after"
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	log "carrier off ${ms} ms after the heartbeat (hold ${HOLD} s)"
	[ "$ms" -ge $((HOLD * 1000 - 500)) ] || fail "the watchdog fired after $ms ms"
	wait_until 100 no_route "$VIP4/32" || fail "route to $VIP4 kept after the expiry"
	[ "$(ann_json expiries)" = $((exp0 + 1)) ] || fail "expiries not counted once"
	adm --announce | grep -q "watchdog  *expired (hold $HOLD s)" || fail "not shown expired"
	dmesg | grep -q "podvs: no announce heartbeat for ${HOLD}s" || fail "no kernel notice"
	# the next heartbeat brings it back
	adm --announce --hold "$HOLD"
	lower_up "$NS" podvs0 || fail "no carrier after a new heartbeat"
}

netns_gone() {
	local ns
	ns=$(netns_add gone)
	ip -n "$ns" link add podvs0 type podvs
	ip -n "$ns" link add podvs1 type podvs
	ip -n "$ns" link set podvs0 up
	ip -n "$ns" link set podvs1 up
	in_ns "$ns" "$PODVSADM" --announce --hold 3600 --ready 1
	lower_up "$ns" podvs1 || fail "no carrier in the namespace to delete"
	ip netns del "$ns"
	# the module still serves the other namespaces
	adm --announce | grep -q 'carrier UP on 1 podvs link' || fail "state of $NS disturbed"
}

unload() {
	ip link add podvs9 type podvs
	podvs_unload
	if ip -n "$NS" link show dev podvs0 2>/dev/null; then
		fail "podvs0 survived the module"
	fi
	if ip link show dev podvs9 2>/dev/null; then
		fail "podvs9 (init namespace) survived the module"
	fi
	if ip link add podvs8 type podvs 2>/dev/null; then
		fail "link kind podvs exists without the module"
	fi
	wait_until 100 no_route "$VIP4/32" || fail "bird kept the route after unload"
}

[ -x "$PODVSADM" ] || fail "no podvsadm at $PODVSADM (make userspace)"
have bird || fail "bird (BIRD 2) is not installed (scripts/deps.sh)"
BIRD_DIR=$(mktemp -d)
on_exit bird_stop
on_exit rm -rf "$BIRD_DIR" "$ADM_NOBODY"

podvs_load
NS=$(netns_add ann)

run_scenario "podvs link kind: NOARP, no qdisc, no carrier, stays in its netns" link_kind
run_scenario "carrier only with watchdog and READY" carrier_rule
run_scenario "decommission holds carrier off through heartbeats; admin only" decommission
run_scenario "SET_ANNOUNCE validation and notifications (raw netlink)" raw_api
run_scenario "announcement state is per namespace" per_netns
run_scenario "BIRD announces the VIPs only while carrier is on" bird_routes
run_scenario "watchdog expires after the default hold, BIRD withdraws" expiry
run_scenario "netns deleted with podvs links and the watchdog pending" netns_gone
run_scenario "module unload deletes every podvs link" unload
