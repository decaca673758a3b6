#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
#
# podvsd end to end: Kubernetes objects in the fake API server become podvs
# tables, real TCP from the client namespace reaches the Pods, and the
# tables follow scaling, terminating Pods, deletion, restarts and faults.
#
#   client (cl)               gateway (gw)                          Pods
#   c0 198.51.100.2/24  ---   g0 198.51.100.1/24
#   + 16 clients              podvs.ko, podvsd, podvsadm
#     198.51.100.100+i        fake API server on 127.0.0.1 (HTTPS,
#                             HTTP/2 through nghttpx)
#     2001:db8:100::100+i     podvs0: VIPs, managed by podvsd
#                             p<i> 203.0.113.(4i+1)/30  ---  pod<i> .(4i+2)/30
#                                  2001:db8:1:<i>::1/64 ---  2001:db8:1:<i>::2
#
# Service "web" (loadBalancerClass podvs.io/direct, port 80 -> targetPort
# "http", ingress 192.0.2.10 and 2001:db8:f::10) with EndpointSlices
# web-v4 / web-v6 (port "http" = 8080).  Tables are compared as
# `podvsadm -S -n` lines with the expected ones built from the cluster
# state the test wrote.
set -e
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/podvsd-run.sh"

NPODS=10
NCLIENTS=16
OWNER=podvsd:default/web

# ---- cluster objects ---------------------------------------------------

# service NAME [ANNOTATIONS_JSON]: Service NAME on both VIPs
service() {
	cat <<EOF | apply
{"kind": "Service", "metadata": {"name": "$1", "namespace": "default",
  "annotations": {${2:-}}},
 "spec": {"type": "LoadBalancer", "loadBalancerClass": "podvs.io/direct",
  "ipFamilies": ["IPv4", "IPv6"], "ports": [{"name": "http", "port": 80,
  "targetPort": "http", "protocol": "TCP"}]},
 "status": {"loadBalancer": {"ingress": [{"ip": "$VIP4"}, {"ip": "$VIP6"}]}}}
EOF
}

# endpoints FAMILY SPEC...: SPEC "3r" Pod 3 ready, "3t" serving and
# terminating, "3n" not serving; prints the JSON list of endpoints
endpoints() {
	local fam=$1 sep="" s i c addr
	shift
	printf '['
	for s in "$@"; do
		i=${s%?}
		case ${s: -1} in
		r) c='"ready": true, "serving": true, "terminating": false' ;;
		t) c='"ready": false, "serving": true, "terminating": true' ;;
		n) c='"ready": false, "serving": false, "terminating": false' ;;
		esac
		if [ "$fam" = 6 ]; then addr=$(pod6 "$i"); else addr=$(pod4 "$i"); fi
		printf '%s{"addresses": ["%s"], "conditions": {%s}, "targetRef": {"kind": "Pod", "namespace": "default", "name": "pod%s"}}' \
			"$sep" "$addr" "$c" "$i"
		sep=", "
	done
	printf ']'
}

# pods SPEC...: both slices of Service web
pods() {
	local fam
	for fam in 4 6; do
		cat <<EOF | apply
{"kind": "EndpointSlice", "metadata": {"name": "web-v$fam",
  "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
 "addressType": "IPv$fam",
 "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
 "endpoints": $(endpoints "$fam" "$@")}
EOF
	done
}

# ---- tables ------------------------------------------------------------

# want SPEC...: the expected active lines (ready Pods; terminating ones
# only when none is ready)
want() {
	local s active=() any_ready=0 i
	for s in "$@"; do [ "${s: -1}" != r ] || any_ready=1; done
	for s in "$@"; do
		case ${s: -1} in
		r) active+=("${s%?}") ;;
		t) [ "$any_ready" = 1 ] || active+=("${s%?}") ;;
		esac
	done
	{
		echo "-A -t $VIP4:80 -s mh --owner $OWNER"
		echo "-A -t [$VIP6]:80 -s mh --owner $OWNER"
		for i in ${active[@]+"${active[@]}"}; do
			echo "-a -t $VIP4:80 -r $(pod4 "$i"):8080 -m -w 1 --owner $OWNER"
			echo "-a -t [$VIP6]:80 -r [$(pod6 "$i")]:8080 -m -w 1 --owner $OWNER"
		done
	} | sort
}

# the kernel's table without drained dests
table() { adm "$GW" -S -n | grep -v -- ' --drain' | sort; }
drained() { adm "$GW" -S -n | grep -- ' --drain' | sort; }

same_table() { [ "$(table)" = "$1" ]; }
no_drained() { [ -z "$(drained)" ]; }
no_entries() { [ -z "$(adm "$GW" -S -n)" ]; }
no_vips() { [ -z "$(vips_on_link)" ]; }
both_vips() { [ "$(vips_on_link)" = "192.0.2.10/32 2001:db8:f::10/128" ]; }
event_posted() { fa state | grep -q "\"$1\""; }
sched_is() { adm "$GW" -S -n | grep -q -- "-A -t $VIP4:80 -s $1 "; }
# syncs_since N K: podvsd ran at least K syncs since its counter read N
syncs_since() { [ "$(metric podvsd_syncs_total)" -ge $(($1 + $2)) ]; }

# converge SPEC...: wait until the kernel holds what SPEC asks for
converge() {
	local w
	w=$(want "$@")
	wait_until "$CONVERGE" same_table "$w" || {
		log "want:"; log "$w"; log "have:"; log "$(adm "$GW" -S -n)"
		fail "the kernel table did not converge"
	}
}

vips_on_link() { ip -n "$GW" -o addr show dev podvs0 scope global | awk '{print $4}' | sort | xargs; }

# hello FAMILY: one TCP request per client; prints "SRC podN PEER" lines
hello() {
	local i srcs=()
	for ((i = 0; i < NCLIENTS; i++)); do
		if [ "$1" = 6 ]; then srcs+=(-s "$(client6 "$i")"); else srcs+=(-s "$(client4 "$i")"); fi
	done
	if [ "$1" = 6 ]; then
		traffic "$CL" hello -p tcp -d "$VIP6" -P 80 "${srcs[@]}"
	else
		traffic "$CL" hello -p tcp -d "$VIP4" -P 80 "${srcs[@]}"
	fi
}

# check_hello OUT ALLOWED_PODS...: every client answered by an allowed Pod
# that saw the client's own address
check_hello() {
	local out=$1 src pod peer n=0
	shift
	while read -r src pod peer; do
		[ "$pod" != ERROR ] || fail "$src: $peer"
		[ "$peer" = "$src" ] || fail "$pod saw $peer, not the client $src"
		[[ " $* " == *" ${pod#pod} "* ]] || fail "$src reached $pod, not one of Pods $*"
		n=$((n + 1))
	done <<<"$out"
	[ "$n" -eq "$NCLIENTS" ] || fail "$n replies for $NCLIENTS clients"
}

# ---- scenarios ---------------------------------------------------------

setup() {
	podvs_load
	topo_setup "$NPODS" "$NCLIENTS"
	# closed TCP flows expire fast, so drained dests can go
	adm "$GW" --set 0 3 0
	start_apiserver
	service web
	pods 1r 2r 3r
	start_podvsd --drain-timeout 60
}

# The API connection: HTTP/2 negotiated over TLS (ALPN, through nghttpx,
# see start_apiserver), and podvsd's liveness probe answered on it
api_http2() {
	local probes
	api_http_is 20 || fail "podvsd's API answers came over HTTP $(metric podvsd_api_http_version), not 2 (20)"
	grep -q 'msg="API server answered" http_version=2' "$TOPO_DIR/podvsd.log" ||
		fail "podvsd logged no HTTP/2 answer"
	# one probe each 10 s (PD_HTTP_PROBE_MS): bounded wait for the first
	wait_for 60 probes_answered || fail "no /livez probe answered: $(fa state | grep -c livez) in the log"
	probes=$(metric podvsd_api_probe_failures_total)
	[ "$probes" = 0 ] || fail "$probes liveness probes failed"
	api_http_is 20 || fail "HTTP version changed to $(metric podvsd_api_http_version)"
}

probes_answered() {
	[ "$(metric podvsd_api_probes_total)" -ge 1 ] &&
		fa state | grep -q '"GET /livez": [1-9]'
}

three_pods() {
	converge 1r 2r 3r
	check_hello "$(hello 4)" 1 2 3
	check_hello "$(hello 6)" 1 2 3
	# podvsd owns podvs0: both VIPs there, nothing else
	[ "$(vips_on_link)" = "192.0.2.10/32 2001:db8:f::10/128" ] ||
		fail "VIPs on podvs0: $(vips_on_link)"
}

scale() {
	local out seen
	pods 1r 2r 3r 4r 5r 6r 7r 8r 9r 10r
	converge 1r 2r 3r 4r 5r 6r 7r 8r 9r 10r
	out=$(hello 4)
	check_hello "$out" 1 2 3 4 5 6 7 8 9 10
	seen=$(awk '{print $2}' <<<"$out" | sort -u | wc -l)
	[ "$seen" -ge 3 ] || fail "16 clients over 10 Pods reached only $seen"
	pods 7r
	converge 7r
	check_hello "$(hello 4)" 7
	check_hello "$(hello 6)" 7
	pods 1r 2r 3r
	converge 1r 2r 3r
}

# A terminating Pod keeps its long-lived connection; new ones avoid it;
# when it leaves the slice it stays drained until its flow ends.
terminating() {
	local dir=$TOPO_DIR/term pod others="" spec=() i n
	rm -rf "$dir" && mkdir -p "$dir"
	converge 1r 2r 3r
	traffic "$CL" hold -p tcp -d "$VIP4" -P 80 -s "$(client4 0)" \
		--until "$dir/stop" --out "$dir/tcp" </dev/null >/dev/null 2>&1 &
	wait_until 100 test -s "$dir/tcp.name" || fail "the flow did not start"
	pod=$(cat "$dir/tcp.name")
	pod=${pod#pod}
	for i in 1 2 3; do
		if [ "$i" = "$pod" ]; then spec+=("${i}t"); else spec+=("${i}r"); others+=" $i"; fi
	done
	log "flow on pod$pod: marking it terminating (${spec[*]})"
	pods "${spec[@]}"
	converge "${spec[@]}"
	drained | grep -q -- "-r $(pod4 "$pod"):8080 -m -w 1 --drain" ||
		fail "pod$pod is not drained: $(drained)"
	# shellcheck disable=SC2086 # word splitting wanted
	check_hello "$(hello 4)" $others
	log "pod$pod gone from the slice: stays drained while its flow lives"
	spec=()
	for i in $others; do spec+=("${i}r"); done
	pods "${spec[@]}"
	converge "${spec[@]}"
	# two drain ticks re-read its connection count: it must stay
	n=$(metric podvsd_syncs_total)
	wait_until "$CONVERGE" syncs_since "$n" 2 || fail "no drain ticks"
	drained | grep -q -- "-r $(pod4 "$pod"):8080" ||
		fail "pod$pod was deleted with a live flow"
	touch "$dir/stop"
	wait
	log "flow: $(cat "$dir/tcp")"
	grep -q "^pod$pod ok [1-9]" "$dir/tcp" || fail "the flow on the terminating Pod broke"
	# its flow ended: the dest goes (tcpfin 3 s, drain tick 2 s)
	wait_until "$CONVERGE" no_drained ||
		fail "drained dests left after their flows ended: $(drained)"
	pods 1r 2r 3r
	converge 1r 2r 3r
}

# A VIP is announced (on podvs0) only while its service has a usable dest:
# every Pod not serving withdraws both VIPs, ready Pods bring them back.
# podvsd also turned ICMP redirects off on every interface of the gateway.
announce() {
	local f n
	n=$(metric 'podvs_announce_withdrawals_total{reason="no_dest"}')
	pods 1n 2n 3n
	converge 1n 2n 3n
	wait_until "$CONVERGE" no_vips ||
		fail "VIPs on podvs0 without a usable dest: $(vips_on_link)"
	[ "$(metric 'podvs_announce_withdrawals_total{reason="no_dest"}')" -eq $((n + 2)) ] ||
		fail "withdrawals not counted: $(http /metrics | grep withdrawals)"
	[ "$(metric podvs_announced_vips)" = 0 ] || fail "podvs_announced_vips not 0"
	grep -q 'msg="VIP withdrawn" vip=192.0.2.10 reason=no_dest' "$TOPO_DIR/podvsd.log" ||
		fail "no withdrawal log line"
	pods 1r 2r 3r
	converge 1r 2r 3r
	wait_until "$CONVERGE" both_vips || fail "VIPs not back: $(vips_on_link)"
	[ "$(metric podvs_announced_vips)" = 2 ] || fail "podvs_announced_vips not 2"
	# shellcheck disable=SC2016 # expanded in the gateway's namespace
	f=$(in_ns "$GW" sh -c 'for f in /proc/sys/net/ipv4/conf/*/send_redirects; do
		[ "$(cat "$f")" = 0 ] || echo "$f"; done')
	[ -z "$f" ] || fail "send_redirects not 0: $f"
}

# SIGTERM leaves the tables; a new podvsd adopts them without one change,
# and connections through the restart survive.
restart() {
	local dir=$TOPO_DIR/restart before i holds=()
	rm -rf "$dir" && mkdir -p "$dir"
	converge 1r 2r 3r
	for i in 0 1 2 3; do
		traffic "$CL" hold -p tcp -d "$VIP4" -P 80 -s "$(client4 "$i")" \
			--until "$dir/stop" --out "$dir/tcp$i" </dev/null >/dev/null 2>&1 &
		holds+=($!)
	done
	wait_until 100 test -s "$dir/tcp3.name" || fail "flows did not start"
	before=$(adm "$GW" -S -n | sort)
	stop_podvsd
	[ "$(adm "$GW" -S -n | sort)" = "$before" ] || fail "tables changed on SIGTERM"
	[ "$(vips_on_link)" = "192.0.2.10/32 2001:db8:f::10/128" ] ||
		fail "VIPs changed on SIGTERM: $(vips_on_link)"
	check_hello "$(hello 4)" 1 2 3
	start_podvsd --drain-timeout 60
	[ "$(adm "$GW" -S -n | sort)" = "$before" ] || fail "tables changed on restart"
	[ "$(metric podvsd_operations_total)" = 0 ] ||
		fail "the restarted podvsd applied $(metric podvsd_operations_total) operations"
	touch "$dir/stop"
	wait "${holds[@]}"	# not podvsd, a child of this subshell now
	for i in 0 1 2 3; do
		grep -q "^pod[0-9]* ok [1-9]" "$dir/tcp$i" ||
			fail "flow $i broke across the restart: $(cat "$dir/tcp$i")"
	done
}

# fault_then NAME FAULT_JSON SPEC...: inject the fault, change the slices,
# check convergence
fault_then() {
	local name=$1 f=$2
	shift 2
	log "fault: $name"
	fa fault "$f" >/dev/null
	pods "$@"
	converge "$@"
	fa fault '{"clear": true}' >/dev/null
}

faults() {
	local n
	converge 1r 2r 3r
	fault_then "watch streams cut mid-chunk" '{"drop_watches": true}' 1r 2r 4r
	fault_then "500s" '{"fail": 6, "status": 500}' 2r 4r 5r
	fa fault '{"drop_watches": true}' >/dev/null
	fault_then "500s on reconnect" '{"fail": 6, "status": 500}' 2r 5r
	fault_then "slow responses" '{"slow_ms": 300}' 5r 6r
	fault_then "malformed event" '{"malformed": 1}' 5r 6r 7r
	# history compacted while disconnected: 410 on re-watch, relist
	fa fault '{"fail": 100, "status": 500, "match": "watch"}' >/dev/null
	fa fault '{"drop_watches": true}' >/dev/null
	pods 8r 9r
	fa compact >/dev/null
	fa fault '{"clear": true}' >/dev/null
	fa fault '{"drop_watches": true}' >/dev/null
	converge 8r 9r
	n=$(metric 'podvsd_lists_total{resource="endpointslices"}')
	[ "$n" -ge 2 ] || fail "no relist after compaction (lists: $n)"
	# token rotation: the old token gets 401 from now on; podvsd re-reads
	# the file (after the 401, or on its minute timer if that comes first)
	fa rotate-token "rotated-$$" >/dev/null
	fault_then "token rotated" '{"drop_watches": true}' 1r 2r 3r
	[ "$(metric podvsd_token_reloads_total)" -ge 1 ] || fail "token not re-read"
	ready || fail "podvsd not ready after the faults"
}

bad_annotation() {
	local before
	converge 1r 2r 3r
	before=$(adm "$GW" -S -n | sort)
	service web '"podvs.io/scheduler": "fastest"'
	wait_until "$CONVERGE" event_posted InvalidPodvsConfig ||
		fail "no Event about the bad annotation"
	[ "$(adm "$GW" -S -n | sort)" = "$before" ] || fail "a bad annotation changed the tables"
	service web '"podvs.io/scheduler": "rr"'
	wait_until "$CONVERGE" sched_is rr || fail "scheduler annotation not applied"
	service web
}

delete_service() {
	converge 1r 2r 3r
	fa delete Service default web >/dev/null
	wait_until "$CONVERGE" no_entries ||
		fail "entries left after the Service was deleted: $(adm "$GW" -S -n)"
	wait_until "$CONVERGE" no_vips || fail "VIPs left on podvs0: $(vips_on_link)"
	stop_podvsd
}

topo_init
on_exit kill_podvsd
# flows left running by a failed scenario
on_exit touch "$TOPO_DIR/term/stop" "$TOPO_DIR/restart/stop"
on_exit show_podvsd_log
run_scenario "podvsd: setup (module, topology, fake API server, podvsd)" setup
run_scenario "podvsd: API over HTTP/2 (TLS, ALPN h2), /livez probes answered" api_http2
run_scenario "podvsd: Service with 3 Pods: TCP over both VIPs reaches them" three_pods
run_scenario "podvsd: scale 3 -> 10 -> 1 -> 3" scale
run_scenario "podvsd: terminating Pod keeps its flow, new flows avoid it" terminating
run_scenario "podvsd: a VIP without usable dest leaves podvs0; no redirects" announce
run_scenario "podvsd: restart mid-traffic: no drops, tables identical, no ops" restart
run_scenario "podvsd: faults (cut watches, 500s, slow, malformed, 410, token) converge" faults
run_scenario "podvsd: bad annotation changes nothing and posts an Event" bad_annotation
run_scenario "podvsd: Service deleted: entries and VIPs gone" delete_service
