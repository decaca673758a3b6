#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debug
# timeout: 900
#
# Fuzz the podvs generic netlink family with thousands of random and
# malformed messages (netlink_fuzz.py: seeded, the seed is printed), then
# check that the module still answers GET_INFO, that GET_INFO agrees with
# the service and dest dumps, and that it unloads.  The debug kernel
# (KASAN, lockdep, PROVE_RCU, kmemleak) and the harness catch any splat or
# leak.  Init namespace and one more, no traffic:
#
#   netlink_fuzz.py --genl garbage--> podvs.ko (init netns, netns "fz")
#
# PODVS_FUZZ_SEED and PODVS_FUZZ_COUNT (default 5000) replay or scale it;
# PODVS_FUZZ_SECONDS (default 360, 0 for none) bounds the time, since a
# KASAN kernel under TCG runs at very different speeds on different hosts.
# The number of messages actually sent is printed.
set -e
. "$(dirname "$0")/lib.sh"

FUZZ=(python3 "$(dirname "$0")/netlink_fuzz.py")
COUNT=${PODVS_FUZZ_COUNT:-5000}
SECONDS_MAX=${PODVS_FUZZ_SECONDS:-360}
SEED=${PODVS_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
NS=

fuzz_init_ns() {
	"${FUZZ[@]}" --seed "$SEED" --count "$COUNT" --seconds "$SECONDS_MAX" fuzz
}

# A second namespace, fuzzed while the first one holds state.
fuzz_other_ns() {
	in_ns "$NS" "${FUZZ[@]}" --seed $((SEED + 1)) --count $((COUNT / 5)) \
		--seconds $((SECONDS_MAX / 4)) fuzz
}

still_answers() {
	"${FUZZ[@]}" check
	in_ns "$NS" "${FUZZ[@]}" check
}

# Deleting the namespace with its services left in it frees them.
netns_teardown() {
	ip netns del "$NS"
	! ip netns list | grep -qw "$NS" || fail "namespace $NS still listed"
}

podvs_load
# made here, not in a scenario: scenarios run in subshells
NS=$(netns_add fz)
run_scenario "fuzz $COUNT messages (seed $SEED)" fuzz_init_ns
run_scenario "fuzz $((COUNT / 5)) messages in another netns (seed $((SEED + 1)))" fuzz_other_ns
run_scenario "GET_INFO answers, tables consistent after the fuzz" still_answers
run_scenario "netns with fuzzed state is torn down" netns_teardown
run_scenario "podvs unloads with the fuzzed state" podvs_unload
