#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_bench_podvsd.sh: bench_podvsd.py several ways in ONE guest boot, so
# the figures compare (podvsd's own work vs the kernel's, one build vs
# another, with and without perf).  Run through the VM harness:
#
#   tests/vm/run tests/fake-apiserver/vm_bench_podvsd.sh [--changes N] RUN...
#
# RUN is NAME,PODVSD,SERVICES,MODE[,perf][,health]:
#   PODVSD   a podvsd binary (relative paths are under /podvs; "-" is
#            the harness's $PODVSD)
#   MODE     real (program podvs.ko, loaded once for all runs) or dry
#            (--dry-run: podvsd's own work only)
#   perf     record the whole guest (perf record -e cpu-clock -a -g) and
#            print where the time went: by command and DSO, and the top
#            symbols of podvsd
#   health   leave the default TCP health checks on (bench --health)
#
# Each run is in a network namespace of its own (only loopback: podvsd
# reaches the API server on 127.0.0.1 and nothing else) and prints
# "RUN NAME key value" lines.  Ratios between runs of one boot are the
# result; absolute figures are TCG's.
set -euo pipefail

. "$PODVS_REPO/tests/e2e/lib.sh"

changes=100
if [ "${1:-}" = --changes ]; then
	changes=$2
	shift 2
fi

bin_of() {
	case $1 in
	-) echo "$PODVSD" ;;
	/*) echo "$1" ;;
	*) echo "$PODVS_REPO/$1" ;;
	esac
}

# perf_summary DATA: the time split and podvsd's hottest symbols (into
# files first: head closing a pipe must not fail the run).
perf_summary() {
	perf report -i "$1" --no-children --sort comm,dso --stdio -g none \
		>"$1.comm" 2>/dev/null || true
	perf report -i "$1" --no-children --comm podvsd --sort dso,symbol \
		--stdio -g none >"$1.sym" 2>/dev/null || true
	echo "# perf: samples by command and DSO"
	grep '%' "$1.comm" | sed -n '1,12s/^/#   /p'
	echo "# perf: podvsd's top symbols (self)"
	grep '%' "$1.sym" | sed -n '1,25s/^/#   /p'
}

one_run() {
	local name=$1 bin mode=$3 n=$4 opts=$5 ns args=()
	bin=$(bin_of "$2")
	[ -x "$bin" ] || fail "$name: no podvsd at $bin"
	ns=pdb-$name
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	[ "$mode" = dry ] && args+=(--dry-run)
	[[ $opts = *health* ]] && args+=(--health)
	local cmd=(python3 "$PODVS_REPO/tests/fake-apiserver/bench_podvsd.py"
		   --podvsd "$bin" --services "$n" --endpoints 10
		   --changes "$changes" --dir "/tmp/pdb-$name" "${args[@]}")
	echo "# $name: $bin, $n services, $mode $opts, $(cut -d' ' -f1-3 /proc/loadavg)"
	if [[ $opts = *perf* ]]; then
		ip netns exec "$ns" perf record -q -e cpu-clock -a -g \
			-o "/tmp/perf-$name.data" -- "${cmd[@]}" >"/tmp/out-$name" ||
			fail "$name: the bench failed"
	else
		ip netns exec "$ns" "${cmd[@]}" >"/tmp/out-$name" ||
			fail "$name: the bench failed"
	fi
	sed "s/^/RUN $name /" "/tmp/out-$name"
	[[ $opts = *perf* ]] && perf_summary "/tmp/perf-$name.data"
	ip netns delete "$ns"
	sleep 3		# the namespace's tables freed before the next run
}

main() {
	local r name bin n mode opts
	podvs_load
	for r in "$@"; do
		IFS=, read -r name bin n mode opts <<<"$r,"
		one_run "$name" "$bin" "$mode" "$n" "${opts%,}"
	done
	podvs_unload
}

main "$@"
