#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
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

API="python3 $(dirname "$0")/netlink_api.py"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

scenario() { $API "$1"; }

permissions() {
	local out
	out=$("${NOBODY[@]}" python3 - <<-'PY' 2>&1) || fail "$out"
	import errno, sys
	sys.path.insert(0, "tests/e2e")
	from netlink_genl import *
	g = Genl()
	info(g)  # reads are open
	try:
	    g.cmd(CMD_NEW_SERVICE, service("192.0.2.1", 80))
	    sys.exit("nobody added a service")
	except NetlinkError as e:
	    assert e.errno == errno.EPERM, e
	for c in (CMD_FLUSH, CMD_ZERO, CMD_BATCH, CMD_SET_CONFIG, CMD_DEL_SERVICE):
	    try:
	        g.cmd(c)
	        sys.exit("nobody ran command %d" % c)
	    except NetlinkError as e:
	        assert e.errno == errno.EPERM, (c, e)
	PY
	[ "$($API info >/dev/null; python3 -c 'import sys; sys.path.insert(0,"tests/e2e")
from netlink_genl import *; print(get_u32(info(Genl())[INFO_SERVICES]))')" = 0 ] ||
		fail "a service exists"
}

per_netns() {
	local ns
	ns=$(netns_add other)
	$API service_in_init_only_setup
	in_ns "$ns" python3 -c 'import sys; sys.path.insert(0,"tests/e2e")
from netlink_genl import *
g = Genl(); n = get_u32(info(g)[INFO_SERVICES]); assert n == 0, n
g.cmd(CMD_NEW_SERVICE, service("192.0.2.1", 80))'
	$API service_in_init_only_check
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
