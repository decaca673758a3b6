# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the podvsd readiness e2e scripts (60-*, 61-*); source after
# lib.sh and topo.sh.  podvsd-run.sh (sourced here) runs the fake API
# server and podvsd; podvsd_sim.py plays kubelet and the EndpointSlice
# controller:
# it turns the Pods the test writes (and the gate podvsd patches) into
# EndpointSlices.

# shellcheck source=tests/e2e/podvsd-run.sh
. "$(dirname "${BASH_SOURCE[0]}")/podvsd-run.sh"

SIM=$PODVS_REPO/tests/e2e/podvsd_sim.py
# Bound of a wait on the gate or a dest's health, in wall-clock seconds
# (wait_for).  podvsd's default checks (every 5 s, 2 passes to healthy, 3
# failures with a 2 s timeout to unhealthy) settle within about 20 s;
# each poll of the condition starts Python, slow in a TCG guest.  A hang
# guard, never a timing assertion.
# shellcheck disable=SC2034 # used by the scripts that source this file
HC_WAIT=180

sim() { in_ns "$GW" /usr/bin/python3 "$SIM" "$@" --dir "$FADIR"; }

# start_apiserver_snap: every status PATCH snapshots the kernel table first
start_apiserver_snap() { start_apiserver --snapshot-cmd "$PODVSADM -S -n"; }

start_controller() {
	in_ns "$GW" /usr/bin/python3 "$SIM" controller --dir "$FADIR" --service web \
		</dev/null >"$TOPO_DIR/sim.log" 2>&1 &
	echo $! >>"$TOPO_DIR/pids"
}

# service ANNOTATIONS_JSON: Service "web" on both VIPs, port 80 -> "http"
service() {
	cat <<EOF | apply
{"kind": "Service", "metadata": {"name": "web", "namespace": "default",
  "annotations": {${1:-}}},
 "spec": {"type": "LoadBalancer", "loadBalancerClass": "podvs.io/direct",
  "ipFamilies": ["IPv4", "IPv6"], "selector": {"app": "web"},
  "ports": [{"name": "http", "port": 80, "targetPort": "http",
  "protocol": "TCP"}]},
 "status": {"loadBalancer": {"ingress": [{"ip": "$VIP4"}, {"ip": "$VIP6"}]}}}
EOF
}

# pod I [gate|nogate] [GRACE] [deleting]: Pod "podI" with its containers
# ready, as kubelet reports them; the gate condition podvsd wrote is kept
pod() {
	local i=$1 gates="" del="" cond
	[ "${2:-gate}" = nogate ] || gates='{"conditionType": "podvs.io/backend-ready"}'
	[ "${4:-}" != deleting ] || del=', "deletionTimestamp": "2026-01-01T00:00:00Z", "deletionGracePeriodSeconds": '"${3:-30}"
	cond=$(fa state | python3 -c '
import json, sys
for p in json.load(sys.stdin)["objects"]["Pod"]:
    if p["metadata"]["name"] == sys.argv[1]:
        for c in p["status"].get("conditions", []):
            if c["type"] == "podvs.io/backend-ready":
                print(", " + json.dumps(c))' "pod$i")
	cat <<EOF | apply
{"kind": "Pod", "metadata": {"name": "pod$i", "namespace": "default",
  "labels": {"app": "web"}$del},
 "spec": {"readinessGates": [$gates],
  "terminationGracePeriodSeconds": ${3:-30}},
 "status": {"phase": "Running", "podIP": "$(pod4 "$i")",
  "podIPs": [{"ip": "$(pod4 "$i")"}, {"ip": "$(pod6 "$i")"}],
  "conditions": [{"type": "ContainersReady", "status": "True"}$cond]}}
EOF
}

pod_delete() { fa delete Pod default "pod$1" >/dev/null; }

# gate_is I STATUS [REASON]: Pod I's podvs.io/backend-ready condition
gate_is() {
	local c
	c=$(sim cond "pod$1")
	[ "${c%% *}" = "$2" ] && { [ -z "${3:-}" ] || [ "${c#* }" = "$3" ]; }
}
pod_ready() { sim ready "pod$1" >/dev/null; }

# dest_line I: Pod I's IPv4 dest line in `podvsadm -S -n`, "" if absent
dest_line() { adm "$GW" -S -n | grep -- "-r $(pod4 "$1"):8080 " || true; }
dest_active() { dest_line "$1" | grep -q -- '-w 1 --owner' && ! dest_line "$1" | grep -q -- --drain; }
dest_drained() { dest_line "$1" | grep -q -- --drain; }
dest_absent() { [ -z "$(dest_line "$1")" ]; }
