# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The fake API server and podvsd as processes, for the podvsd e2e scripts
# (50-*, 62-*, and 60-*, 61-* through podvsd-k8s.sh); source after lib.sh
# and topo.sh, or after setting GW and TOPO_DIR yourself (62-*).  Both run
# in the gateway namespace $GW; their logs, pid and exit status go to files
# under $TOPO_DIR.

FA=$PODVS_REPO/tests/fake-apiserver/fake_apiserver.py
FADIR=$TOPO_DIR/fake-apiserver
METRICS=127.0.0.1:9742
CONVERGE=600	# bounded waits (TCG guests are slow), 0.1 s steps

fa() { in_ns "$GW" /usr/bin/python3 "$FA" ctl --dir "$FADIR" "$@"; }
apply() { fa apply - >/dev/null; }

# start_apiserver [SERVE-ARGS...]: over HTTP/2 and TLS (nghttpx in front
# of the fake, ALPN h2 or http/1.1), as a real API server serves and
# podvsd's client prefers; FA_HTTP=1.1 before the call: the fake itself,
# HTTP/1.1 only
# shellcheck disable=SC2120 # the arguments are optional
start_apiserver() {
	local h2=(--http2)
	[ "${FA_HTTP:-2}" != 1.1 ] || h2=()
	rm -rf "$FADIR" && mkdir -p "$FADIR"
	in_ns "$GW" /usr/bin/python3 "$FA" serve --dir "$FADIR" ${h2[@]+"${h2[@]}"} "$@" \
		</dev/null >"$TOPO_DIR/apiserver.log" 2>&1 &
	echo $! >>"$TOPO_DIR/pids"
	wait_until "$CONVERGE" test -s "$FADIR/port" || fail "fake API server did not start"
}

# start_podvsd [ARGS...]: podvsd runs in the background of a scenario's
# subshell; its pid and, once it exits, its exit status go to files other
# scenarios can read.  The wrapper must not hold the scenario's output pipe
# open.
start_podvsd() {
	rm -f "$TOPO_DIR/podvsd.rc"
	(
		# not in_ns: $! must be podvsd itself (ip execs it), not a
		# subshell running a function
		ip netns exec "$GW" "$PODVSD" --kubeconfig "$FADIR/kubeconfig" \
			--metrics-address "$METRICS" --node-name gw \
			--resync-period 0 "$@" >>"$TOPO_DIR/podvsd.log" 2>&1 &
		echo $! >"$TOPO_DIR/podvsd.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$TOPO_DIR/podvsd.rc"
	) </dev/null >/dev/null 2>&1 &
	wait_until 100 test -s "$TOPO_DIR/podvsd.pid" || fail "podvsd did not start"
	wait_until $((2 * CONVERGE)) ready || fail "podvsd did not become ready"
}

stop_podvsd() {
	kill -TERM "$(cat "$TOPO_DIR/podvsd.pid")"
	wait_until "$CONVERGE" test -s "$TOPO_DIR/podvsd.rc" || fail "podvsd did not stop"
	[ "$(cat "$TOPO_DIR/podvsd.rc")" = 0 ] ||
		fail "podvsd exited $(cat "$TOPO_DIR/podvsd.rc") on SIGTERM"
}

kill_podvsd() {
	if [ -s "$TOPO_DIR/podvsd.pid" ] && [ ! -s "$TOPO_DIR/podvsd.rc" ]; then
		kill "$(cat "$TOPO_DIR/podvsd.pid")" 2>/dev/null || true
	fi
}

show_podvsd_log() { tail -n 40 "$TOPO_DIR/podvsd.log" | sed "s/^/# podvsd: /"; }

http() { in_ns "$GW" curl -s -m 5 "http://$METRICS$1"; }
ready() { [ "$(http /readyz)" = ok ]; }
metric() { http /metrics | awk -v m="$1" '$1 == m {print $2}'; }
# api_http_is V: podvsd's last API answer came over HTTP V (11, 20)
api_http_is() { [ "$(metric podvsd_api_http_version)" = "$1" ]; }
