#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/guest.sh: the podvs benchmarks, inside one boot of the
# Debian-kernel VM (tests/bench/run starts it and says what is measured).
#
#   guest.sh --gen DIR [--only SECTIONS] [--rounds N] [--secs S] [--cap S]
#            [--levels L,..] [--rule-levels L,..] [--nft-levels L,..]
#            [--ctl N] [--ctl-rules N] [--reps N] [--ctl-rounds N]
#            [--inproc N] [--pd-levels N,..] [--pd-changes N]
#
# SECTIONS: a comma list of dataplane, scale, nodeport, control, podvsd,
# failover.  DIR holds
# the files tests/bench/gen.py wrote for the same levels and sizes.
# Progress goes out as "# ..." lines, results as
#
#	RAW <section> <metric> <setup> <level> <value>
#	NOTE <text>
#
# which tests/bench/report.py turns into the ratio table.  Nothing here
# passes or fails on a figure: the script fails only when a setup cannot be
# configured or forwards nothing at all.
#
# Topology: see tests/bench/topo.sh (client -> gateway -> Pods, the Pods
# routed back through the gateway; one such chain of namespaces per setup).
set -e
BENCH=$PODVS_REPO/tests/bench
# shellcheck source=../e2e/lib.sh
. "$PODVS_REPO/tests/e2e/lib.sh"
# shellcheck source=topo.sh
. "$BENCH/topo.sh"

ONLY=dataplane,scale,nodeport,control,podvsd,failover
ROUNDS=7 SECS=2 CAP=300
LEVELS=1,1000,10000,100000 RULE_LEVELS=1,1000,10000 NFT_LEVELS=1,1000
CTL=10000 CTL_RULES=1000
REPS=9			# repetitions of a single control-plane change
CTL_ROUNDS=3		# full loads of CTL services (podvs and IPVS alternated)
INPROC=300		# single changes timed inside one process (ctlbench)
PD_LEVELS=100,10000 PD_CHANGES=200
GEN_SRC=
while [ $# -gt 0 ]; do
	case $1 in
	--gen) GEN_SRC=$2 ;;
	--only) ONLY=$2 ;;
	--rounds) ROUNDS=$2 ;;
	--secs) SECS=$2 ;;
	--cap) CAP=$2 ;;
	--levels) LEVELS=$2 ;;
	--rule-levels) RULE_LEVELS=$2 ;;
	--nft-levels) NFT_LEVELS=$2 ;;
	--ctl) CTL=$2 ;;
	--ctl-rules) CTL_RULES=$2 ;;
	--reps) REPS=$2 ;;
	--ctl-rounds) CTL_ROUNDS=$2 ;;
	--inproc) INPROC=$2 ;;
	--pd-levels) PD_LEVELS=$2 ;;
	--pd-changes) PD_CHANGES=$2 ;;
	*) fail "unknown option $1" ;;
	esac
	shift 2
done
[ -d "$GEN_SRC" ] || fail "--gen DIR: no such directory: $GEN_SRC"

# Local copies: nothing timed reads through 9p.
GEN=/tmp/bench-gen
PVB=/tmp/pvbench
CTLB=/tmp/ctlbench
IPT=iptables-nft	# Debian's default backend, kube-proxy's on such hosts
CONC=32			# TCP connections in flight

say() { echo "# [${SECONDS}s] $*"; }
raw() { echo "RAW $*"; }
note() { echo "NOTE $*"; }
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# timed CMD...: run CMD, its wall time in ms in $TIMED_MS, its status back.
timed() {
	local t0 rc=0
	t0=$(ms_now)
	"$@" || rc=$?
	TIMED_MS=$(($(ms_now) - t0))
	return $rc
}

# rate N: N per second of the measurement window
rate() { awk -v n="$1" -v t="$SECS" 'BEGIN { printf "%.0f", n / t }'; }

has_section() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }

# ---- the setups -------------------------------------------------------------

pv_load() { [ -e /sys/module/podvs ] || podvs_load; }

# rmmod may briefly race the cleanup of a deleted namespace: retry.
pv_unload() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -e /sys/module/podvs ] || return 0
		rmmod podvs 2>/dev/null || sleep 0.2
	done
	fail "rmmod podvs keeps failing"
}

# adm_restore CHAIN podvs|ipvs FILE: podvsadm -R / ipvsadm -R in that
# chain's gateway.
adm_restore() {
	case $2 in
	podvs) in_ns "$(gw_ns "$1")" "$PODVSADM" -R <"$3" ;;
	ipvs) in_ns "$(gw_ns "$1")" ipvsadm -R <"$3" ;;
	esac
}

# rules_load iptables|nft LEVEL: kube-proxy-style rules with LEVEL
# services in that chain's gateway, at most $CAP seconds.
rules_load() {
	local gw
	gw=$(gw_ns "$1")
	case $1 in
	iptables) in_ns "$gw" timeout "$CAP" "$IPT-restore" <"$GEN/dp-ipt-$2.rules" ;;
	nft) in_ns "$gw" timeout "$CAP" nft -f "$GEN/dp-nft-$2.nft" ;;
	esac
}

# rules_drop iptables|nft: the gateway's rules gone (untimed).
rules_drop() {
	local gw
	gw=$(gw_ns "$1")
	case $1 in
	iptables) in_ns "$gw" "$IPT" -t nat -F && in_ns "$gw" "$IPT" -t nat -X ;;
	nft) in_ns "$gw" nft delete table ip kube-proxy ;;
	esac
}

# chain_setup CHAIN KIND: a chain whose gateway runs KIND (podvs, ipvs,
# iptables, nft, routed) with the measured services (one UDP, one TCP VIP).
# routed: no load balancer, traffic straight to Pod 1 (the floor).
chain_setup() {
	say "setting up chain $1 ($2)"
	topo_chain "$1" "$PVB"
	case $2 in
	routed) ;;
	podvs | ipvs) adm_restore "$1" "$2" "$GEN/dp-adm-measured.txt" ;;
	*) rules_load "$2" 1 ;;
	esac
}

# ---- measurements -----------------------------------------------------------

# The routed reference goes to Pod 1 itself, the others to the VIP.
dst_of() { if [ "$1" = routed ]; then echo "${POD_ADDRS[0]}"; else echo "$VIP"; fi; }

# measure_udp SECTION CHAIN LEVEL LABEL: datagrams gateway CHAIN forwarded
# to the Pods per second, recorded as setup LABEL.
measure_udp() {
	local port=53 b a out
	[ "$2" != routed ] || port=5353
	b=$(gw_tx "$2")
	# shellcheck disable=SC2046 # src_opts is a word list
	out=$(nsx "$(cl_ns "$2")" "$PVB" udp-send -d "$(dst_of "$2")" -p $port \
		-T "$SECS" $(src_opts))
	a=$(gw_tx "$2")
	say "$1 $4 L=$3 udp: $out, forwarded $((a - b))"
	[ $((a - b)) -gt 0 ] || fail "$4: no datagram forwarded"
	raw "$1 udp_pps $4 $3 $(rate $((a - b)))"
}

# measure_tcp SECTION CHAIN LEVEL LABEL: completed handshakes per second.
measure_tcp() {
	local port=80 out conns
	[ "$2" != routed ] || port=8080
	# shellcheck disable=SC2046 # src_opts is a word list
	out=$(nsx "$(cl_ns "$2")" "$PVB" tcp-crr -d "$(dst_of "$2")" -p $port \
		-T "$SECS" -c $CONC $(src_opts))
	say "$1 $4 L=$3 tcp: $out"
	conns=$(awk '{ print $2 }' <<<"$out")
	[ "$conns" -gt 0 ] || fail "$4: no TCP connection completed"
	raw "$1 tcp_cps $4 $3 $(rate "$conns")"
}

# measure_rounds SECTION LEVEL CHAIN:LABEL...: ROUNDS rounds over the
# setups, the order rotated by one each round.  report.py pairs the k-th
# figures of two setups: they come from the same round.
measure_rounds() {
	local sec=$1 level=$2 r i n pair order
	shift 2
	n=$#
	order=("$@")
	for ((r = 0; r < ROUNDS; r++)); do
		say "$sec: $level services, round $((r + 1))/$ROUNDS"
		for ((i = 0; i < n; i++)); do
			pair=${order[(i + r) % n]}
			measure_udp "$sec" "${pair%%:*}" "$level" "${pair#*:}"
			measure_tcp "$sec" "${pair%%:*}" "$level" "${pair#*:}"
		done
	done
}

# ---- (a), (b): one service, every setup, rounds interleaved -------------------

DP_READY=

dp_chains() {
	local s
	[ -z "$DP_READY" ] || return 0
	pv_load
	for s in podvs ipvs iptables nft routed; do
		chain_setup "$s" "$s"
	done
	DP_READY=1
}

# What podvs.ko costs traffic that is no VIP's (it hooks every namespace):
# the routed chain with and without the module, alternated, before any
# flow went through podvs.
idle_rounds() {
	local r
	for ((r = 0; r < ROUNDS; r++)); do
		say "idle: routed with and without podvs.ko, round $((r + 1))/$ROUNDS"
		measure_udp idle routed 1 routed-podvs
		measure_tcp idle routed 1 routed-podvs
		pv_unload
		measure_udp idle routed 1 routed
		measure_tcp idle routed 1 routed
		pv_load
	done
	adm_restore podvs podvs "$GEN/dp-adm-measured.txt"
}

section_dataplane() {
	dp_chains
	idle_rounds
	measure_rounds dp 1 podvs:podvs ipvs:ipvs iptables:iptables nft:nft routed:routed
}

# ---- (c): the same with many services ----------------------------------------

in_list() { case ",$2," in *",$1,"*) return 0 ;; esac; return 1; }

# scale_adm podvs|ipvs LEVEL: chain <S>x's services up to LEVEL.
scale_adm() {
	local nfill=$(($2 > 2 ? $2 - 2 : 0)) prev=${FILLED[$1]:-0}
	[ "$nfill" -gt "$prev" ] || return 0
	say "scale: $1, adding services to $2"
	timed adm_restore "${1}x" "$1" "$GEN/dp-adm-fill-$prev-$nfill.txt" ||
		fail "$1: loading $2 services failed"
	raw "scale load_ms $1 $2 $TIMED_MS"
	FILLED[$1]=$nfill
}

# scale_rules iptables|nft LEVEL: reload that chain with LEVEL services;
# false when it did not load within $CAP (then left out of larger levels).
scale_rules() {
	local rc=0
	say "scale: $1, loading $2 services"
	rules_drop "$1"
	timed rules_load "$1" "$2" || rc=$?
	if [ $rc -eq 124 ]; then
		note "scale: $1 with $2 services did not load within $CAP s; left out from there on"
		rules_drop "$1" || true
		return 1
	fi
	[ $rc -eq 0 ] || fail "$1: loading $2 services failed ($rc)"
	raw "scale load_ms $1 $2 $TIMED_MS"
}

# podvs and IPVS grow in chains of their own (podvsx, ipvsx) and every
# round also measures the 1-service chains (as podvs-1, ipvs-1), so
# podvs(L)/podvs(1) pairs figures of the same round.  iptables and nft
# are reloaded in their dataplane chains.
section_scale() {
	local level all s setups rules_ok=",iptables,nft,"
	declare -gA FILLED=()
	dp_chains
	chain_setup podvsx podvs
	chain_setup ipvsx ipvs
	all=$(echo "${LEVELS},${RULE_LEVELS},${NFT_LEVELS}" | tr , '\n' | sort -nu | grep -vx 1)
	for level in $all; do
		setups=()
		if in_list "$level" "$LEVELS"; then
			for s in podvs ipvs; do
				scale_adm "$s" "$level"
				setups+=("${s}x:$s" "$s:$s-1")
			done
		fi
		for s in iptables nft; do
			if [ $s = iptables ]; then in_list "$level" "$RULE_LEVELS" || continue; fi
			if [ $s = nft ]; then in_list "$level" "$NFT_LEVELS" || continue; fi
			in_list $s "$rules_ok" || continue
			if scale_rules $s "$level"; then
				setups+=("$s:$s")
			else
				rules_ok=${rules_ok/,$s,/,}
			fi
		done
		[ ${#setups[@]} -eq 0 ] || measure_rounds scale "$level" "${setups[@]}"
	done
	# their 100,000 services are of no use to the sections that follow
	ip netns delete "$(gw_ns podvsx)"
	ip netns delete "$(gw_ns ipvsx)"
}

# ---- (d): direct to the Pods vs a NodePort hop --------------------------------

# wrk_run PATH CONNS PORT: wrk against the VIP; RAW lines per figure.
wrk_run() {
	local out
	out=$(nsx "$(cl_ns np)" wrk -t1 -c"$2" -d"${SECS}s" --latency "http://$VIP:$3/")
	say "nodeport $1 c=$2: $(grep -E 'Requests/sec|Latency  |50%|99%|errors' <<<"$out" |
		tr -s ' ' | tr '\n' ';')"
	awk -v p="$1" -v c="$2" '
		function us(v) {
			if (v ~ /us$/) return v + 0
			if (v ~ /ms$/) return v * 1000
			if (v ~ /s$/) return v * 1000000
			return v
		}
		$1 == "Latency" && NF >= 4 { printf "RAW np lat_avg_us %s %s %.1f\n", p, c, us($2) }
		$1 == "50%" { printf "RAW np lat_p50_us %s %s %.1f\n", p, c, us($2) }
		$1 == "99%" { printf "RAW np lat_p99_us %s %s %.1f\n", p, c, us($2) }
		$1 == "Requests/sec:" { printf "RAW np rps %s %s %.0f\n", p, c, $2 }
	' <<<"$out"
}

# Chain "np": podvs on the gateway sends VIP:8000 to the Pods and VIP:8001
# to the node's NodePort 30080, where kube-proxy-style rules DNAT to the
# Pods and MASQUERADE.
section_nodeport() {
	local r p port gw paths=(direct nodeport) i
	pv_load
	topo_chain np "$PVB"
	topo_node np
	gw=$(gw_ns np)
	in_ns "$(node_ns np)" "$IPT-restore" <"$GEN/np-node.rules"
	in_ns "$gw" "$PODVSADM" -A -t "$VIP:8000" -s mh
	for p in "${POD_ADDRS[@]}"; do
		in_ns "$gw" "$PODVSADM" -a -t "$VIP:8000" -r "$p:8000" -m
	done
	in_ns "$gw" "$PODVSADM" -A -t "$VIP:8001" -s mh
	in_ns "$gw" "$PODVSADM" -a -t "$VIP:8001" -r "$NODE_ADDR:30080" -m
	for p in 8000 8001; do
		[ "$(in_ns "$(cl_ns np)" curl -s -m 10 "http://$VIP:$p/")" = podvs ] ||
			fail "no HTTP answer through VIP port $p"
	done
	for ((r = 0; r < ROUNDS; r++)); do
		for i in 0 1; do
			p=${paths[(i + r) % 2]}
			port=8001
			[ "$p" != direct ] || port=8000
			wrk_run "$p" 1 $port
			wrk_run "$p" $CONC $port
		done
	done
}

# ---- control plane -----------------------------------------------------------

# ctl_load TOOL NS N: the full load of N services x 10 dests.
ctl_load() {
	local f=$GEN/ctl-$3
	case $1 in
	podvs) in_ns "$2" "$PODVSADM" -R <"$f-podvs.txt" ;;
	podvs-m65537) in_ns "$2" "$PODVSADM" -R <"$f-podvs-m65537.txt" ;;
	ipvs) in_ns "$2" ipvsadm -R <"$f-ipvs.txt" ;;
	iptables-nft | iptables-legacy)
		in_ns "$2" timeout "$CAP" "$1-restore" <"$f-ipt.rules" ;;
	nft) in_ns "$2" timeout "$CAP" nft -f "$f-nft.nft" ;;
	esac
}

# ctl_replace TOOL NS N I: replace one endpoint (I odd: put it back).
ctl_replace() {
	local f=$GEN/ctl-$3 kind=change from to
	# shellcheck source=/dev/null
	. "$f-change.env"
	from=$CHG_OLD to=$CHG_NEW
	if [ $(($4 % 2)) -eq 1 ]; then
		kind=revert from=$CHG_NEW to=$CHG_OLD
	fi
	case $1 in
	podvs* | ipvs)
		printf -- '-d %s -r %s\n-a %s -r %s -m -w 1\n' "$CHG_VS" "$from" "$CHG_VS" "$to" |
			in_ns "$2" "$(adm_of "$1")" -R ;;
	iptables-*) in_ns "$2" "$1-restore" --noflush <"$f-ipt-$kind.rules" ;;
	nft) in_ns "$2" nft -f "$f-nft-$kind.nft" ;;
	esac
}

adm_of() { if [ "$1" = ipvs ]; then echo ipvsadm; else echo "$PODVSADM"; fi; }

# ctl_edit TOOL NS N I: change one dest's weight (podvs and IPVS only).
ctl_edit() {
	# shellcheck source=/dev/null
	. "$GEN/ctl-$3-change.env"
	# shellcheck disable=SC2086 # CHG_VS is "-t ADDR:PORT"
	in_ns "$2" "$(adm_of "$1")" -e $CHG_VS -r "$CHG_EDIT" -m -w $((2 + $4 % 2))
}

mem_avail_kb() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }

# ctl_inproc TOOL NS N: one change timed inside one process
# (tests/bench/ctlbench.c, no fork/exec): a weight edit and an endpoint
# replacement, $INPROC of each, p50 and p99, in NS (N services) and in a
# fresh 1-service namespace, alternated over $ROUNDS rounds.
ctl_inproc() {
	local tool=$1 big=$2 n=$3 one r i lvl ns out
	one=$(netns_add ctl1)
	ctl_load "$tool" "$one" 1 >/dev/null || fail "control: $tool: loading 1 service failed"
	for ((r = 0; r < ROUNDS; r++)); do
		for i in 0 1; do
			lvl=$n ns=$big
			if [ $(((i + r) % 2)) -eq 0 ]; then lvl=1 ns=$one; fi
			# shellcheck source=/dev/null
			. "$GEN/ctl-$lvl-change.env"
			# shellcheck disable=SC2086 # CHG_VS is "-t ADDR:PORT"
			out=$(in_ns "$ns" "$CTLB" "$tool" $CHG_VS -o "$CHG_OLD" -N "$CHG_NEW" \
				-e "$CHG_EDIT" -n "$INPROC") || fail "control: $tool: ctlbench failed"
			say "control: $tool in one process, $lvl services: $(tr '\n' ' ' <<<"$out")"
			awk -v t="$tool" -v l="$lvl" 'NF == 6 {
				printf "RAW ctl inproc_%s_p50_us %s %s %s\n", $1, t, l, $4
				printf "RAW ctl inproc_%s_p99_us %s %s %s\n", $1, t, l, $6
			}' <<<"$out"
		done
	done
	ip netns delete "$one"
}

# ctl_tool TOOL N [ROUND]: load (time and memory), then, in round 0 only,
# time REPS single changes (one process each) and, at the largest size,
# the in-process ones.
ctl_tool() {
	local tool=$1 n=$2 round=${3:-0} ns i rc=0 mem
	say "control: $tool, $n services x 10 dests${3:+, round $((round + 1))}"
	ns=$(netns_add ctl)
	sleep 3			# let the last namespace's teardown finish
	mem=$(mem_avail_kb)
	timed ctl_load "$tool" "$ns" "$n" || rc=$?
	if [ $rc -eq 124 ]; then
		note "control: $tool with $n services did not load within $CAP s"
		ip netns delete "$ns"
		return 0
	fi
	[ $rc -eq 0 ] || fail "control: $tool: loading $n services failed ($rc)"
	raw "ctl load_ms $tool $n $TIMED_MS"
	raw "ctl mem_kb $tool $n $((mem - $(mem_avail_kb)))"
	for ((i = 0; round == 0 && i < REPS; i++)); do
		timed ctl_replace "$tool" "$ns" "$n" "$i" || fail "control: $tool: replace failed"
		raw "ctl replace_ms $tool $n $TIMED_MS"
		case $tool in podvs* | ipvs) ;; *) continue ;; esac
		timed ctl_edit "$tool" "$ns" "$n" "$i" || fail "control: $tool: edit failed"
		raw "ctl edit_ms $tool $n $TIMED_MS"
	done
	if [ "$round" -eq 0 ] && [ "$n" = "$CTL" ]; then
		# an odd REPS left the endpoint replaced: put it back (untimed)
		[ $((REPS % 2)) -eq 0 ] || ctl_replace "$tool" "$ns" "$n" "$REPS" ||
			fail "control: $tool: replace failed"
		case $tool in podvs | ipvs) ctl_inproc "$tool" "$ns" "$n" ;; esac
	fi
	ip netns delete "$ns"
}

# Load every module the rule tools and schedulers need once, untimed, so
# that no timed load pays for module loading.
warm_tools() {
	local ns t
	ns=$(netns_add warm)
	for t in iptables-nft iptables-legacy nft; do
		ctl_load "$t" "$ns" 1 >/dev/null
	done
	in_ns "$ns" ipvsadm -R <"$GEN/ctl-1-ipvs.txt"
	ip netns delete "$ns"
}

section_control() {
	local t r order
	pv_load
	for t in podvs ipvs iptables-nft iptables-legacy nft; do
		ctl_tool "$t" 1
	done
	for t in podvs ipvs iptables-nft iptables-legacy nft podvs-m65537; do
		ctl_tool "$t" "$CTL_RULES"
	done
	# podvs-m65537 only at the smaller size, to keep the section short:
	# its 10,000-service load is the podvsd section's (about 80 KiB of
	# kernel memory a service, 10,000 Maglev fills of 65,537 slots).
	# the full load in rounds, podvs and IPVS alternated, so that
	# report.py pairs them by round
	if [ "$CTL" != "$CTL_RULES" ]; then
		for ((r = 0; r < CTL_ROUNDS; r++)); do
			order="podvs ipvs"
			[ $((r % 2)) -eq 0 ] || order="ipvs podvs"
			for t in $order; do
				ctl_tool "$t" "$CTL" "$r"
			done
		done
	fi
	pv_unload
}

# ---- podvsd against the real module -----------------------------------------

# pd_level N: tests/fake-apiserver/bench_podvsd.py with N Services x 10
# endpoints, podvsd programming the module in a namespace of its own.
pd_level() {
	local ns out
	say "podvsd: $1 services x 10 endpoints, $PD_CHANGES changes"
	ns=$(netns_add "pd$1")
	out=$(in_ns "$ns" python3 "$PODVS_REPO/tests/fake-apiserver/bench_podvsd.py" \
		--podvsd "$PODVSD" --services "$1" --endpoints 10 \
		--changes "$PD_CHANGES" --dir "/tmp/pd-$1") || {
		pd_cores
		fail "podvsd: the benchmark with $1 services failed"
	}
	say "podvsd $1: $(tr '\n' ' ' <<<"$out")"
	awk -v n="$1" 'NF == 2 { printf "RAW podvsd %s podvsd %s %s\n", $1, n, $2 }' <<<"$out"
	ip netns delete "$ns"
	sleep 3			# the namespace's tables freed before the next
}

# pd_cores: a backtrace from each core podvsd left (for its developers).
pd_cores() {
	local c
	for c in /tmp/core.podvsd.*; do
		[ -e "$c" ] || continue
		echo "# podvsd dumped core: backtrace"
		gdb -q -batch -ex bt "$PODVSD" "$c" 2>&1 | tail -40 | sed 's/^/#   /'
	done
}

section_podvsd() {
	local n
	ulimit -c unlimited
	echo '/tmp/core.%e.%p' >/proc/sys/kernel/core_pattern
	pv_load
	for n in ${PD_LEVELS//,/ }; do
		pd_level "$n"
	done
}

# ---- failover ----------------------------------------------------------------

# The fleet of tests/e2e/70-fleet.sh (tests/e2e/fleet_topo.sh): client ->
# router (BIRD, ECMP, BFD) -> 3 gateways -> 3 Pods, the same traffic
# (fleet_traffic.py: 24 long-lived TCP echo connections, 10 new
# connections/s, 4 UDP flows), one gateway killed (links down, processes
# killed) after FO_WARM seconds, FO_AFTER more seconds of traffic.  podvs:
# podvsd per gateway against one fake API server; IPVS: NAT, mh, no sync
# daemon, masquerading to the gateway (fleet_ipvs says why).
FO_WARM=8 FO_AFTER=12

fo_engine() {	# fo_engine podvs|ipvs
	local e=$1 g t0 r k
	say "failover: $e"
	fleet_setup 3 "$e"
	if [ "$e" = podvs ]; then
		fleet_cluster
		for g in 1 2 3; do fleet_pd_start "$g"; done
	else
		for g in 1 2 3; do fleet_ipvs "$g"; done
	fi
	wait_for 180 fleet_routes_are "1 2 3" || fail "failover $e: routes not through 3 gateways"
	fleet_traffic_start "fo-$e"
	sleep "$FO_WARM"
	t0=$(now)
	ip -n "$(fleet_ns gw3)" link set e-up down
	ip -n "$(fleet_ns gw3)" link set e-pod down
	ip -n "$(fleet_ns gw3)" link set e-mgmt down
	fleet_pd_stop 3 KILL
	fleet_bird_stop gw3
	sleep "$FO_AFTER"
	fleet_traffic_stop "fo-$e"
	r=$(fleet_report "fo-$e" --fail-at "$t0")
	say "failover $e: $(grep -v '^broken' <<<"$r" | xargs)"
	for k in long long_broken new new_failed recover_ms udp_flows udp_moved udp_lost; do
		raw "failover $k $e 0 $(fleet_val "$r" "$k")"
	done
	fleet_teardown
}

section_failover() {
	# shellcheck source=../e2e/fleet_topo.sh
	. "$PODVS_REPO/tests/e2e/fleet_topo.sh"
	pv_load
	fleet_init
	raw "failover bfd_ms all 0 $FLEET_BFD_MS"
	raw "failover bfd_mult all 0 $FLEET_BFD_MULT"
	fo_engine podvs
	fo_engine ipvs
}

# ---- main --------------------------------------------------------------------

main() {
	local s t0
	mkdir -p "$GEN"
	cp -r "$GEN_SRC/." "$GEN/"
	cp "$PODVS_REPO/build/bench/pvbench" "$PVB"
	cp "$PODVS_REPO/build/bench/ctlbench" "$CTLB"
	modprobe -a ip_vs ip_vs_mh ip_vs_rr nf_conntrack
	# Room for every flow of every setup (kube-proxy raises it too).
	sysctl -qw net.netfilter.nf_conntrack_max=1048576
	echo 262144 >/sys/module/nf_conntrack/parameters/hashsize
	warm_tools
	topo_init
	raw "meta secs all 0 $SECS"
	raw "meta rounds all 0 $ROUNDS"
	for s in dataplane scale nodeport control podvsd failover; do
		has_section "$s" || continue
		t0=$(ms_now)
		"section_$s"
		say "section $s took $((($(ms_now) - t0) / 1000)) s"
	done
}

main
