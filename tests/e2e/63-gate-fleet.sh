#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# timeout: 4500
# opt-in: PODVS_GATE_FLEET about 50 minutes under TCG, and 4 of its 8 scenarios still lose UDP queries or one connection (issue 12 notes)
#
# The readiness gate across a fleet (issue 12, "Tests"): three gateways
# behind the ECMP router of tests/e2e/fleet_topo.sh, each with podvs and
# its own podvsd, all against one fake API server, podvsd's default health
# checks (tcp, every 5 s, 2 passes, 3 failures) and gated Pods under steady
# traffic from the client:
#
#   Service web  TCP 80 -> "http" 8080   loadBalancerClass podvs.io/direct
#                Pods 1-3, then 4-6, 1-3, 4-6 (rolling updates)
#   Service dns  UDP 53 -> "dns" 5353    annotation podvs.io/direct-access
#                Pod 7, then 8
#
# Both on the fleet's VIPs.  podvsd_sim.py plays kubelet, the EndpointSlice
# controller and the Deployment controller.  Every status PATCH the API
# server gets first snapshots every gateway: whether it announces (podvs0
# has carrier) and its kernel table (`podvsadm -S -n`).  Every scenario
# asserts from that log (check_gates): no gated Pod patched False after it
# was True, and no Pod set True (Programmed) while a gateway that announces
# lacked its dests or had them drained; and from the client's traffic:
# zero failed new connections, zero unanswered UDP queries, and (where no
# Pod dies) zero broken long-lived connections.  The scenarios share one
# topology and run in order; each leaves the cluster Ready for the next.
set -e
FLEET_NPODS=8
# BFD at 1 s x 3 instead of the fleet's 300 ms x 5: no scenario here
# kills a gateway's links, and eight Pods' sessions with four gateways
# at 300 ms load a TCG guest enough to time connections out
FLEET_BFD_MS=1000
FLEET_BFD_MULT=3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_topo.sh"

# Pods' terminationGracePeriodSeconds: shorter than Kubernetes' 30 s so
# that three rolling updates fit the time budget; the drain rule is the
# same for any length
GRACE=5
NEW_TIMEOUT=3	# a new connection must complete within this (s), as 70-*
WEB_PORT=8080
DNS_PORT=5353

adm_gw() {
	local n=$1
	shift
	in_ns "$(fleet_ns "gw$n")" "$PODVSADM" "$@"
}

# ---- the cluster -------------------------------------------------------------

# web_service: Service web, TCP only, Pods app=web
web_service() {
	fa apply - >/dev/null <<EOF
{"kind": "Service", "metadata": {"name": "web", "namespace": "default"},
 "spec": {"type": "LoadBalancer", "loadBalancerClass": "podvs.io/direct",
  "ipFamilies": ["IPv4", "IPv6"], "selector": {"app": "web"},
  "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]},
 "status": {"loadBalancer": {"ingress": [{"ip": "$FLEET_VIP4"}, {"ip": "$FLEET_VIP6"}]}}}
EOF
}

# dns_service [ANNOTATIONS]: Service dns, UDP only, Pods app=dns; served
# by podvs through its annotation (default: just that one)
dns_service() {
	local ann=${1-'"podvs.io/direct-access": "true"'}
	fa apply - >/dev/null <<EOF
{"kind": "Service", "metadata": {"name": "dns", "namespace": "default",
  "annotations": {$ann}},
 "spec": {"type": "LoadBalancer",
  "ipFamilies": ["IPv4", "IPv6"], "selector": {"app": "dns"},
  "ports": [{"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"}]},
 "status": {"loadBalancer": {"ingress": [{"ip": "$FLEET_VIP4"}, {"ip": "$FLEET_VIP6"}]}}}
EOF
}

# snapshot_script: what the API server runs before each status PATCH
snapshot_script() {
	cat >"$FLEET_DIR/snap.sh" <<EOF
for g in 1 2 3 4; do
	ns=gw\$g-$PODVS_NS_TAG
	[ -e /run/netns/\$ns ] || continue
	if ip -n \$ns link show podvs0 2>/dev/null | grep -q LOWER_UP; then
		echo "== gw\$g live"
	else
		echo "== gw\$g dark"
	fi
	ip netns exec \$ns $PODVSADM -S -n 2>&1
done
EOF
}

# log_seq: the number of API writes so far (a scenario checks those after)
log_seq() { fa log | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["log"]))'; }

# check_gates SEQ [PODS]: the gate PATCHes after write SEQ broke no rule
# (see the header); PODS (pod7,pod8) may turn False: their own failure.
# Prints a summary line.
check_gates() {
	fa log >"$FLEET_DIR/api.log"
	python3 - "$FLEET_DIR/api.log" "$1" "${2:-}" <<'EOF'
import json, re, sys
log = json.load(open(sys.argv[1]))["log"]
since, exempt = int(sys.argv[2]), set(filter(None, sys.argv[3].split(",")))
GATE = "podvs.io/backend-ready"


def sections(snap):
    """{gateway: (live, [lines])} of a snapshot"""
    out, cur = {}, None
    for line in snap.splitlines():
        m = re.match(r"== (gw\d) (live|dark)$", line)
        if m:
            cur = out[m.group(1)] = (m.group(2) == "live", [])
        elif cur:
            cur[1].append(line)
    return out


def missing(snap, i):
    why = []
    for gw, (live, lines) in sorted(sections(snap).items()):
        for a in ("10.1.0.2%s:" % i, "[fd01::2%s]:" % i):
            ls = [x for x in lines if "-r " + a in x]
            if live and not ls:
                why.append("%s announces without a dest for %s" % (gw, a))
            elif live and any("--drain" in x for x in ls):
                why.append("%s has %s drained" % (gw, a))
    return why


last, bad, n = {}, [], {"True": 0, "False": 0, "first_false": 0}
for e in log:
    m = re.match(r"/api/v1/namespaces/default/pods/pod(\d+)/status$",
                 e["path"])
    if e["method"] != "PATCH" or not m:
        continue
    i, body = m.group(1), e.get("body") or {}
    uid = (body.get("metadata") or {}).get("uid") or "pod" + i
    c = [c for c in body["status"]["conditions"] if c["type"] == GATE][0]
    st, why = c["status"], c.get("reason", "")
    if e["seq"] > since:
        n[st] += 1
        if st == "False" and last.get(uid) != "True":
            n["first_false"] += 1
        elif st == "False" and "pod" + i not in exempt:
            bad.append("pod%s patched False (%s: %s) after True" %
                       (i, why, c.get("message", "")))
        if st == "True" and why == "Programmed" and "snapshot" in e:
            bad += ["pod%s True too early: %s" % (i, w)
                    for w in missing(e["snapshot"], i)]
    last[uid] = st
print("gate PATCHes: True %(True)d, False %(False)d (of new Pods not yet "
      "True: %(first_false)d)" % n)
for b in bad[:10]:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF
}

# traffic NAME [ARGS...]: the client's traffic (fleet_traffic.py run); no
# long-lived flows unless asked (a rolling update ends its old Pods' ones)
traffic() {
	local name=$1
	shift
	fleet_traffic_start "$name" --hold 0 --new-timeout "$NEW_TIMEOUT" "$@"
}

# traffic_ok NAME [udp]: the run lost nothing; with udp, its UDP flows
# were all answered too
traffic_ok() {
	local r
	fleet_traffic_stop "$1"
	r=$(fleet_report "$1")
	log "traffic $1: $(grep -v '^broken' <<<"$r" | xargs)"
	show_failures "$1"
	[ "$(fleet_val "$r" new)" -gt 0 ] || fail "no new connection was made"
	[ "$(fleet_val "$r" new_failed)" = 0 ] || fail "$(fleet_val "$r" new_failed) new connections failed"
	[ "$(fleet_val "$r" new_mismatch)" = 0 ] || fail "a Pod saw another address than the client's"
	[ "$(fleet_val "$r" long_broken)" = 0 ] ||
		fail "long-lived connections broke: $(grep '^broken' <<<"$r" | head -n 5 | xargs)"
	[ "${2:-}" != udp ] || [ "$(fleet_val "$r" udp_flows)" -gt 0 ] || fail "no UDP flow ran"
	[ "${2:-}" != udp ] || [ "$(fleet_val "$r" udp_lost)" = 0 ] ||
		fail "$(fleet_val "$r" udp_lost) UDP queries got no answer"
}

# show_failures NAME: when the run's failed connections and unanswered
# queries were (clock time, to set beside the scenario's log lines)
show_failures() {
	python3 - "$FLEET_DIR/$1.json" <<'EOF'
import json, sys, time
d = json.load(open(sys.argv[1]))
bad = [(e["t"], "tcp %s %s" % (e["src"], e.get("err", "")))
       for e in d["new"] if not e["ok"] and "err" in e]
bad += [(t, "udp flow %d (%s)" % (f["id"], f["src"]))
        for f in d["udp"] for t, p in f["answers"] if p is None]
for t, what in sorted(bad)[:12]:
    print("lost at %s.%03d: %s" % (time.strftime("%H:%M:%S", time.gmtime(t)),
                                  int(t * 1000) % 1000, what))
EOF
}

# judge SEQ NAME [udp]: traffic_ok NAME and check_gates SEQ, both told
# before the scenario fails
judge() {
	local bad=0
	(traffic_ok "$2" "${3:-}") || bad=1
	check_gates "$1" || bad=1
	[ "$bad" = 0 ] || fail "traffic or gate rules broken (above)"
}

# gates_true I...: every Pod I gated True (any reason)
gates_true() {
	local i
	for i in "$@"; do fleet_gate_is "$i" True || return 1; done
}

# dests_on G ADDR:PORT: gateway G holds that dest, undrained
dest_on() {
	local l
	l=$(adm_gw "$1" -S -n | grep -F -- "-r $2 ") || return 1
	! grep -q -- --drain <<<"$l"
}

# pods_on_all I...: every gateway up holds Pod I's dests (both families)
pods_on_all() {
	local g i port
	for g in $(running_gws); do
		for i in "$@"; do
			port=$WEB_PORT
			[ "$i" -lt 7 ] || port=$DNS_PORT
			dest_on "$g" "$(fleet_pod4 "$i"):$port" || return 1
			dest_on "$g" "[$(fleet_pod6 "$i")]:$port" || return 1
		done
	done
}

running_gws() {
	local d
	for d in "$FLEET_DIR"/gw[0-9]; do
		[ -s "$d/podvsd.pid" ] && [ ! -s "$d/podvsd.rc" ] && echo "${d##*gw}"
	done
}

# wait_gates I...: Pods I True and programmed on every running gateway
wait_gates() {
	wait_for 300 gates_true "$@" ||
		fail "gates: $(for i in "$@"; do echo "pod$i $(fleet_gate "$i");"; done | xargs)"
	wait_for 120 pods_on_all "$@" || { show_dests "$@"; fail "dests of Pods $* missing on a gateway"; }
}

# show_dests I...: Pod I's dest lines on every running gateway
show_dests() {
	local g i
	for g in $(running_gws); do
		for i in "$@"; do
			adm_gw "$g" -S -n | grep -F -- "-r $(fleet_pod4 "$i"):" | sed "s/^/gw$g: /" || echo "gw$g: no dest for pod$i (IPv4)"
			adm_gw "$g" -S -n | grep -F -- "-r [$(fleet_pod6 "$i")]:" | sed "s/^/gw$g: /" || echo "gw$g: no dest for pod$i (IPv6)"
		done
	done
}

kill_cmd="kill \$(cat $FLEET_DIR/pod{i}.pid); rm -f $FLEET_DIR/pod{i}.pid"

# rollout NAME APP OLD NEW [STEP-CMD]: podvsd_sim.py's rolling update, in
# the background; its log in $FLEET_DIR/NAME.rollout, "done" at the end
rollout_start() {
	local name=$1 app=$2 old=$3 new=$4
	rm -f "$FLEET_DIR/$name".step* "$FLEET_DIR/$name.rollout"
	(
		fleet_sim rollout --app "$app" --old "$old" --new "$new" --grace "$GRACE" \
			--kill-cmd "$kill_cmd" --step-cmd "touch $FLEET_DIR/$name.step{n}" \
			"${FLEET_SIM_ADDRS[@]}" && echo "done"
	) </dev/null >"$FLEET_DIR/$name.rollout" 2>&1 &
}

rollout_wait() {
	wait_for 900 grep -q '^done' "$FLEET_DIR/$1.rollout" ||
		fail "rollout $1 did not end: $(tail -n 3 "$FLEET_DIR/$1.rollout" | xargs)"
	sed 's/^/rollout: /' "$FLEET_DIR/$1.rollout"
}

# a hang guard in wall-clock seconds (see 70-*)
routes_are() { wait_for 180 fleet_routes_are "$@"; }

# ---- scenarios ---------------------------------------------------------------

setup() {
	local g i
	podvs_load
	FLEET_FA_ARGS=(--snapshot-cmd "sh $FLEET_DIR/snap.sh")
	fleet_setup 3
	snapshot_script
	log "topology up (${SECONDS} s)"
	# Pods 4-6 and 8 are the replacements: no process runs yet
	for i in 4 5 6 8; do fleet_pod_kill "$i"; done
	web_service
	dns_service
	fleet_controller web "http:$WEB_PORT:TCP"
	fleet_controller dns "dns:$DNS_PORT:UDP"
	for i in 1 2 3; do fleet_gpod "$i" --grace "$GRACE"; done
	fleet_gpod 7 --app dns --grace "$GRACE"
	for g in 1 2 3; do fleet_pd_start "$g"; done
	log "podvsd ready on gw1-gw3 (${SECONDS} s), leader $(fleet_leader)"
	wait_gates 1 2 3 7
	log "Pods 1-3, 7 Ready (${SECONDS} s): $(for i in 1 2 3 7; do echo "pod$i $(fleet_gate "$i");"; done | xargs)"
	routes_are "1 2 3" ||
		fail "routes not through gw1-gw3: router $(fleet_nexthops rt "$FLEET_VIP4"), pod1 $(fleet_nexthops pod1 0.0.0.0/0)"
	check_gates 0
}

# 1. A DaemonSet rollout: each podvsd stopped (TERM) and started again,
# the next only once the last is ready.  No gate moves, nothing fails.
rolling_restart() {
	local seq g
	seq=$(log_seq)
	traffic restart --hold 8
	for g in 1 2 3; do
		fleet_pd_stop "$g"
		fleet_pd_start "$g"
		log "$(date +%T) gw$g restarted (leader $(fleet_leader))"
	done
	# the restarted podvsds' first health rounds (2 passes, 3 failures
	# at 5 s) are where a restart used to turn every gate False
	sleep 20
	gates_true 1 2 3 7 || fail "a gate is not True"
	judge "$seq" restart udp
}

# 2a. The leader killed (SIGKILL) after the first step of a rolling update
# 1-3 -> 4-6, and left dead until the update ends: its kernel keeps
# forwarding and announcing (the watchdog's hold), so the next new Pods
# must wait until it stops counting, and the new leader decides only
# after it has listed the gateways.
leader_killed() {
	local seq ldr n t0
	seq=$(log_seq)
	for n in 4 5 6; do fleet_pod_serve "$n"; done
	ldr=$(fleet_leader)
	n=${ldr#gw}
	if [ -z "$ldr" ] || [ ! -d "$FLEET_DIR/$ldr" ]; then fail "no leader ($ldr)"; fi
	traffic lk
	rollout_start lk web 1,2,3 4,5,6
	wait_for 300 test -e "$FLEET_DIR/lk.step1" ||
		fail "first step not done: $(tail -n 3 "$FLEET_DIR/lk.rollout" | xargs)"
	t0=$(now)
	fleet_pd_stop "$n" KILL
	wait_for 60 leader_is_not "$ldr" || fail "no new leader after $ldr died"
	log "leader $ldr killed; new leader $(fleet_leader) after $(since "$t0") s"
	rollout_wait lk
	log "rolling update done $(since "$t0") s after the kill"
	fleet_pd_start "$n"
	wait_gates 4 5 6
	judge "$seq" lk udp
}
leader_is_not() { local l; l=$(fleet_leader); [ -n "$l" ] && [ "$l" != "$1" ]; }

# 2b. A fourth gateway (links, BIRD, podvsd) joins after the first step of
# a rolling update 4-6 -> 1-3: from its first report new Pods wait for it.
gateway_joins() {
	local seq n
	seq=$(log_seq)
	for n in 1 2 3; do fleet_pod_serve "$n"; done
	traffic join
	rollout_start join web 4,5,6 1,2,3
	wait_for 300 test -e "$FLEET_DIR/join.step1" ||
		fail "first step not done: $(tail -n 3 "$FLEET_DIR/join.rollout" | xargs)"
	fleet_gateway 4
	fleet_pd_start 4
	log "gw4 up, leader $(fleet_leader)"
	rollout_wait join
	routes_are "1 2 3 4" || fail "gw4 did not join: router $(fleet_nexthops rt "$FLEET_VIP4")"
	wait_gates 1 2 3 7
	log "gw4: requests $(fleet_counter 4 requests)"
	judge "$seq" join udp
}

# dns_vs_on G: gateway G serves UDP 53 on the IPv4 VIP
dns_vs_on() { adm_gw "$1" -S -n | grep -q -- "-A -u $FLEET_VIP4:53 "; }
dns_vs_nowhere() {
	local g
	for g in $(running_gws); do ! dns_vs_on "$g" || return 1; done
}

# 3. Service dns deselected (annotation removed), selected again, deleted,
# re-created: Pod 7, in no podvs Service meanwhile, keeps its gate True.
service_deselected() {
	local seq
	seq=$(log_seq)
	# no UDP here: the scenario takes Service dns away on purpose
	traffic desel --hold 8 --udp 0
	dns_service ""
	wait_for 120 dns_vs_nowhere || fail "UDP 53 still served after the annotation went"
	wait_for 60 gates_true 7 || fail "pod7: $(fleet_gate 7)"
	log "annotation removed: pod7 $(fleet_gate 7)"
	# what the gate does in the next health rounds (2 x 5 s): nothing
	sleep 10
	dns_service
	wait_gates 7
	fa delete Service default dns >/dev/null
	wait_for 120 dns_vs_nowhere || fail "UDP 53 still served after the Service went"
	wait_for 60 gates_true 7 || fail "pod7: $(fleet_gate 7)"
	log "Service deleted: pod7 $(fleet_gate 7)"
	sleep 10
	dns_service
	wait_gates 7
	log "Service re-created: pod7 $(fleet_gate 7)"
	traffic_ok desel
	# UDP through the re-created Service
	traffic dnsback --new-rate 1
	sleep 5
	judge "$seq" dnsback udp
}

# 4. A rolling update of the gated UDP Service (Pod 7 -> 8): a UDP dest
# has no TCP check to pass; the new Pod turns Ready all the same.
udp_rollout() {
	local seq
	seq=$(log_seq)
	fleet_pod_serve 8
	traffic udp
	rollout_start udp dns 7 8
	rollout_wait udp
	wait_gates 8
	log "pod8 $(fleet_gate 8)"
	judge "$seq" udp udp
}

# gw_stale G: gateway G's /readyz says not ready (its API view is stale)
gw_stale() { ! fleet_pd_ready "$1"; }
# dns_sched_on G S: gateway G's UDP 53 service uses scheduler S
dns_sched_on() { adm_gw "$1" -S -n | grep -- "-A -u $FLEET_VIP4:53 " | grep -q -- "-s $2"; }

# 5. One gateway's packets to the API server dropped (no reset, no ICMP):
# podvsd must notice within 30 s (its /livez probe every 10 s, 10 s
# deadline), keep forwarding, and once the path is back reconnect and
# converge: a change made meanwhile reaches its kernel.
api_blackhole() {
	local seq g n ldr t0 td t1 tr
	seq=$(log_seq)
	ldr=$(fleet_leader)
	for g in 3 2 1; do [ "gw$g" = "$ldr" ] || break; done
	traffic bh --hold 8
	t0=$(now)
	in_ns "$(fleet_ns "gw$g")" nft -f - <<EOF
table inet blackhole {
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr 10.9.0.1 drop
	}
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr 10.9.0.1 drop
	}
}
EOF
	wait_for 60 gw_stale "$g" || fail "gw$g never noticed the lost API server"
	td=$(since "$t0")
	log "gw$g: API path black-holed; /readyz not ready after $td s"
	# meanwhile Service dns changes: the others follow, gw$g cannot
	dns_service '"podvs.io/direct-access": "true", "podvs.io/scheduler": "rr"'
	for n in $(running_gws); do
		[ "$n" = "$g" ] || wait_for 60 dns_sched_on "$n" rr || fail "gw$n did not get the change"
	done
	t1=$(now)
	in_ns "$(fleet_ns "gw$g")" nft delete table inet blackhole
	wait_for 120 fleet_pd_ready "$g" || fail "gw$g did not recover"
	tr=$(since "$t1")
	wait_for 120 dns_sched_on "$g" rr || fail "gw$g did not converge"
	log "gw$g: path back; ready again after $tr s, converged after $(since "$t1") s"
	awk -v t="$td" 'BEGIN { exit !(t <= 30 + 2) }' ||
		fail "detection took $td s (bound 30 s, +2 s of polling)"
	awk -v t="$tr" 'BEGIN { exit !(t <= 30) }' ||
		fail "reconnection took $tr s (bound 30 s)"
	judge "$seq" bh udp
}

# 6. KEP-1669: all old Pods (1-3) terminating while their replacements
# (4-6) are still pending: first their containers are not ready, then
# they are but nothing listens yet, so their checks cannot pass.  The
# terminating endpoints (serving) must take the traffic until the new
# Pods are Ready.
terminating_pending() {
	local seq i
	seq=$(log_seq)
	traffic term
	for i in 4 5 6; do fleet_gpod "$i" --grace 30 --pending; done
	for i in 1 2 3; do fleet_gpod "$i" --grace 30 --deleting; done
	sleep 5	# the replacements' containers start
	for i in 4 5 6; do fleet_gpod "$i" --grace 30; done
	sleep 10	# two check intervals with nothing listening
	for i in 4 5 6; do
		! fleet_gate_is "$i" True || fail "pod$i True with nothing listening: $(fleet_gate "$i")"
	done
	for i in 4 5 6; do fleet_pod_serve "$i"; done
	wait_gates 4 5 6
	for i in 1 2 3; do
		fleet_pod_kill "$i"
		fa delete Pod default "pod$i" >/dev/null
	done
	sleep 3
	judge "$seq" term udp
}

show_logs() {
	local g
	for g in 1 2 3 4; do
		[ ! -s "$FLEET_DIR/gw$g/podvsd.log" ] ||
			tail -n 30 "$FLEET_DIR/gw$g/podvsd.log" | sed "s/^/# gw$g podvsd: /"
	done
}

fleet_init
on_exit show_logs
run_scenario "gate fleet: setup (router, 3 gateways, 8 Pod hosts, 3 podvsd)" setup
run_scenario "gate fleet: rolling restart of the three podvsd" rolling_restart
run_scenario "gate fleet: leader killed during a rolling update" leader_killed
run_scenario "gate fleet: a gateway joins during a rolling update" gateway_joins
run_scenario "gate fleet: Service deselected, deleted, re-created" service_deselected
run_scenario "gate fleet: a gated UDP Service rolls out" udp_rollout
run_scenario "gate fleet: one gateway's API path black-holed" api_blackhole
run_scenario "gate fleet: old Pods terminating, replacements pending" terminating_pending
