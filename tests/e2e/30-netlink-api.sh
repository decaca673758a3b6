#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# both-lines: always
#
# The podvs generic netlink API, command by command, with a raw client
# (netlink_genl.py) that checks replies, extack messages and offsets, and
# what the tables hold afterwards.  Init namespace, plus one more namespace
# to show that state is per namespace.  No traffic.
#
#   netlink_api.py --genl "podvs"--> podvs.ko (init netns)
#   netlink_api.py --genl "podvs"--> podvs.ko (netns "other")
set -e
. "$(dirname "$0")/lib.sh"

API=(python3 "$(dirname "$0")/netlink_api.py")
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

scenario() { "${API[@]}" "$1"; }

permissions() {
	"${API[@]}" unprivileged_setup
	"${NOBODY[@]}" "${API[@]}" unprivileged
	"${API[@]}" unprivileged_check
}

per_netns() {
	local ns
	ns=$(netns_add other)
	"${API[@]}" service_in_init_only_setup
	in_ns "$ns" "${API[@]}" other_netns
	"${API[@]}" service_in_init_only_check
	ip netns del "$ns"
}

podvs_load
on_exit "rmmod podvs 2>/dev/null || true"
for s in ${PODVS_NETLINK_ONLY:-info service dest validation header batch config zero notify dump}; do
	run_scenario "netlink: $s" scenario "$s"
done
run_scenario "netlink: writes need CAP_NET_ADMIN, reads do not" permissions
run_scenario "netlink: batch of 100,000 ops, all-or-nothing" scenario batch_large
run_scenario "netlink: state is per network namespace" per_netns
run_scenario "podvs unloads with services configured" podvs_unload
