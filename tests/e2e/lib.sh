# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for tests/e2e/NN-name.sh, sourced.  Scripts run as root inside the
# guest (tests/vm/run), one function per scenario:
#
#	. "$(dirname "$0")/lib.sh"
#	check_x() { podvs_load; [ -d /sys/module/podvs ] || fail "not loaded"; }
#	run_scenario "module loads" check_x
#
# run_scenario runs the function in a subshell with `set -e` and an ERR
# trap that names the failing command, indents its output as TAP comments
# and prints `ok N - NAME` or `not ok N - NAME`.  On exit every network
# namespace the script made is deleted and podvs is unloaded if left loaded;
# the exit status is non-zero when a scenario failed.

PODVS_TAP_N=0
PODVS_FAILED=0
PODVS_SCRIPT=$(basename "$0" .sh)
# Every netns this script makes is named <name>-<tag>: cleanup finds them.
PODVS_NS_TAG=pv$$
PODVS_ON_EXIT=()
PODVS_SKIP_FILE=$(mktemp)

# Print a diagnostic line (run_scenario already indents a scenario's output).
log() {
	if [ -n "${PODVS_IN_SCENARIO:-}" ]; then
		echo "$*"
	else
		echo "# $*"
	fi
}

# Fail the running scenario with a message.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Mark the running scenario as skipped (exit status 4, as kselftest's).
skip() {
	echo "$*" >"$PODVS_SKIP_FILE"
	exit 4
}

have() { command -v "$1" >/dev/null 2>&1; }

# Run "$@" after the script, in the exit trap.
on_exit() { PODVS_ON_EXIT+=("$*"); }

# Tell the console which scenario runs, so a splat can be placed.
kmsg() { echo "podvs-e2e: $PODVS_SCRIPT: $*" >/dev/kmsg 2>/dev/null || true; }

tap_line() {	# tap_line ok|not-ok NAME [DIRECTIVE]
	PODVS_TAP_N=$((PODVS_TAP_N + 1))
	if [ "$1" = ok ]; then
		echo "ok $PODVS_TAP_N - $2${3:+ # $3}"
	else
		echo "not ok $PODVS_TAP_N - $2"
		PODVS_FAILED=$((PODVS_FAILED + 1))
	fi
}

# run_scenario NAME FUNC [ARGS...]
run_scenario() {
	local name=$1 rc had_e=0 t0=$SECONDS
	shift
	kmsg "begin $name"
	case $- in *e*) had_e=1 ;; esac
	set +e
	(
		set -eE
		PODVS_IN_SCENARIO=1
		trap 'echo "FAIL: line $LINENO: \`$BASH_COMMAND\` exited $?" >&2' ERR
		"$@"
	) 2>&1 | sed -u 's/^/#   /'
	rc=${PIPESTATUS[0]}
	[ "$had_e" -eq 0 ] || set -e
	echo "#   ($((SECONDS - t0)) s)"
	kmsg "end $name ($rc)"
	case $rc in
	0) tap_line ok "$name" ;;
	4) tap_line ok "$name" "SKIP $(cat "$PODVS_SKIP_FILE")" ;;
	*) tap_line not-ok "$name" ;;
	esac
}

# skip_scenario NAME REASON
skip_scenario() { tap_line ok "$1" "SKIP $2"; }

# insmod does not resolve dependencies: modprobe what podvs.ko needs.
podvs_deps() {
	local dep
	for dep in $(modinfo -F depends "$PODVS_KO" | tr , ' '); do
		modprobe "$dep" || fail "modprobe $dep (needed by podvs.ko) failed"
	done
}

# Load podvs.ko from this build (module parameters as arguments).
# shellcheck disable=SC2120 # parameters are optional
podvs_load() {
	[ ! -e /sys/module/podvs ] || fail "podvs is already loaded"
	podvs_deps
	insmod "$PODVS_KO" "$@" || fail "insmod $PODVS_KO failed"
	[ -d /sys/module/podvs ] || fail "insmod succeeded but /sys/module/podvs is missing"
}

# Unload podvs and check that it is gone.
podvs_unload() {
	rmmod podvs || fail "rmmod podvs failed"
	[ ! -e /sys/module/podvs ] || fail "podvs still in /sys/module after rmmod"
}

# netns_add NAME: make a namespace with lo up; prints its full name.
netns_add() {
	local ns=$1-$PODVS_NS_TAG
	ip netns add "$ns" || fail "ip netns add $ns"
	ip -n "$ns" link set lo up
	echo "$ns"
}

# in_ns NS CMD...: run a command in a namespace.
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# netns_veth NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair from NS1 to NS2, each
# end up with its address (CIDR, IPv4 or IPv6; "-" for none).
netns_veth() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
		fail "veth $1/$2 - $4/$5"
	veth_end "$1" "$2" "$3"
	veth_end "$4" "$5" "$6"
}

veth_end() {
	case $3 in
	-) ;;
	*:*) ip -n "$1" addr add "$3" dev "$2" nodad ;;
	*) ip -n "$1" addr add "$3" dev "$2" ;;
	esac
	ip -n "$1" link set "$2" up
}

# wait_until TRIES CMD...: poll CMD every 0.1 s until it succeeds.  A bounded
# wait for a state change, never a timing assertion.
wait_until() {
	local tries=$1
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds or
# SECONDS of wall-clock time have passed (a hang guard that does not
# stretch when each check is slow, as wait_until's count of tries does)
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

podvs_exit() {
	local rc=$? ns cmd
	rm -f "$PODVS_SKIP_FILE"
	for cmd in ${PODVS_ON_EXIT[@]+"${PODVS_ON_EXIT[@]}"}; do
		eval "$cmd" || true
	done
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in *-"$PODVS_NS_TAG") ip netns delete "$ns" ;; esac
	done
	[ ! -e /sys/module/podvs ] || rmmod podvs || true
	[ "$rc" -ne 0 ] || [ "$PODVS_FAILED" -eq 0 ] || rc=1
	exit "$rc"
}
trap podvs_exit EXIT
