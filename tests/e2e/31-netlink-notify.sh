#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# both-lines: always
#
# The "changes" multicast group of the podvs genl family: listeners joined
# to it get exactly one PODVS_CMD_NOTIFY (PODVS_A_INFO with GENERATION, the
# generation GET_INFO reports) per committed write command or batch, from
# raw genl requests and from podvsadm (a whole --restore is one batch),
# and nothing for reads or refused writes.  An unprivileged listener may
# join; notifications stay in their network namespace.  No traffic.
#
#   netlink_notify.py --request--> podvs.ko (init netns) --NOTIFY--> listener
#     (root, or uid nobody)                                  (same netns)
#   listener in netns "other"  <--NOTIFY-- podvs.ko (netns "other") only
set -e
. "$(dirname "$0")/lib.sh"

NOTIFY=(python3 "$(dirname "$0")/netlink_notify.py")

scenario() { "${NOTIFY[@]}" "$@"; }

other_netns() {
	local ns
	ns=$(netns_add other)
	"${NOTIFY[@]}" netns "$ns"
	ip netns del "$ns"
}

podvs_load
on_exit "rmmod podvs 2>/dev/null || true"
run_scenario "notify: one NOTIFY per write command, with its generation" scenario commands
run_scenario "notify: none for reads, refused writes, a refused batch" scenario quiet
run_scenario "notify: one NOTIFY per batch, however many ops" scenario batch
if [ -x "${PODVSADM:-}" ]; then
	run_scenario "notify: podvsadm commands and --restore" scenario podvsadm
else
	skip_scenario "notify: podvsadm commands and --restore" "podvsadm not built"
fi
run_scenario "notify: an unprivileged process may join and listen" scenario unprivileged
run_scenario "notify: NOTIFYs stay in their network namespace" other_netns
run_scenario "podvs unloads" podvs_unload
