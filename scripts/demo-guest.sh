#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the demo VM (scripts/demo.sh).  Topology (tests/e2e/topo.sh):
#
#   client 198.51.100.100..103 ---- gateway (podvs) ----+---- pod1 203.0.113.6
#                                   VIP 192.0.2.10:80    +---- pod2 203.0.113.10
#
# Pods route back through the gateway (NAT mode), so no SNAT is needed and
# each Pod sees the client's own address.
set -eu
. "$PODVS_REPO/tests/e2e/lib.sh"
. "$PODVS_REPO/tests/e2e/topo.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { echo "# $*"; "$@"; }

topo_init
podvs_load
topo_setup 2 4

say "podvs loaded"
show "$PODVSADM" --version

say "a VIP with two Pods, Maglev source hashing (ipvsadm syntax)"
show adm "$GW" -A -t "$VIP4:80" -s mh
show adm "$GW" -a -t "$VIP4:80" -r "$(pod4 1):8080" -m -w 1
show adm "$GW" -a -t "$VIP4:80" -r "$(pod4 2):8080" -m -w 1
show adm "$GW" -Ln

say "four clients, three connections each: every client keeps its Pod"
for round in 1 2 3; do
	echo "round $round:"
	traffic "$CL" hello -p tcp -d "$VIP4" -P 80 -s "$(client4 0)" \
		-s "$(client4 1)" -s "$(client4 2)" -s "$(client4 3)" |
		sed 's/^/  client /'
done

say "what the Pods saw: the clients' own addresses (no SNAT)"
for i in 1 2; do
	echo "pod$i: $(sort -u "$TOPO_DIR/pod$i.log" | grep -v ready | tr '\n' ' ')"
done

say "podvsadm -Ln --stats"
adm "$GW" -Ln --stats
