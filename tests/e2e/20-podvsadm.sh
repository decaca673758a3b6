#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
#
# podvsadm against the real module: ipvsadm-style scripts build a table and
# the kernel's table is read back (-Sn, -Ln, JSON); save -> flush -> restore
# gives the same table; restores are atomic (a refused line or a syntax
# error changes nothing); kernel refusals exit 1 with the kernel's message,
# usage errors exit 2; writes need CAP_NET_ADMIN; tables are per netns.
#
#   adm-NS, b-NS: podvsadm only (no traffic)
#
#   connection listing (topo.sh):
#   client cl (198.51.100.100, .101) --- gw (podvs, VIP 192.0.2.10) --- pod1, pod2
set -e
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
ADM_NOBODY=/tmp/podvsadm-nobody-$$
A=adm-$PODVS_NS_TAG
B=b-$PODVS_NS_TAG

# The table the script below builds, as -Sn prints it (sorted).
EXPECTED_SAVE='-A -t 192.0.2.1:80 -s lc
-a -t 192.0.2.1:80 -r 10.0.0.1:8080 -m -w 1 --drain
-a -t 192.0.2.1:80 -r 10.0.0.2:8080 -m -w 4
-A -t 192.0.2.1:443 -s mh -p 600 -M 255.255.255.0 -b mh-fallback,mh-port
-a -t 192.0.2.1:443 -r 10.0.0.1:443 -m -w 0
-A -u 192.0.2.1:53 -s sh -b sh-port
-a -u 192.0.2.1:53 -r 10.0.0.3:5353 -m -w 2
-A -t [2001:db8::1]:80 -s wrr -p 360
-a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 5'

# ...and as -Ln prints it, without the version line.
EXPECTED_LIST='Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.0.2.1:80 lc
  -> 10.0.0.1:8080                Masq    1      0          0          drain
  -> 10.0.0.2:8080                Masq    4      0          0         
TCP  192.0.2.1:443 mh (mh-fallback,mh-port) persistent 600 mask 255.255.255.0
  -> 10.0.0.1:443                 Masq    0      0          0         
UDP  192.0.2.1:53 sh (sh-port)
  -> 10.0.0.3:5353                Masq    2      0          0         
TCP  [2001:db8::1]:80 wrr persistent 360
  -> [2001:db8::10]:8080          Masq    5      0          0         '

adm_a() { adm "$A" "$@"; }

# expect_exit CODE CMD...: run CMD, require exit status CODE; its stderr is
# left in $ERR.
expect_exit() {
	local want=$1 rc=0
	shift
	ERR=$("$@" 2>&1 >/dev/null) || rc=$?
	log "exit $rc: $ERR"
	[ "$rc" -eq "$want" ] || fail "\`$*\` exited $rc, expected $want"
}

same() {	# same WHAT GOT WANT
	[ "$2" = "$3" ] && return 0
	diff <(echo "$3") <(echo "$2") | sed 's/^/    /' >&2 || true
	fail "$1 differs (- expected, + got)"
}

setup() {
	podvs_load
	netns_add adm >/dev/null
	netns_add b >/dev/null
	install -m 0755 "$PODVSADM" "$ADM_NOBODY"
}

build_table() {
	adm_a -A -t 192.0.2.1:80 -s rr
	adm_a -a -t 192.0.2.1:80 -r 10.0.0.2:8080 -m -w 3
	adm_a -a -t 192.0.2.1:80 -r 10.0.0.1:8080 -m
	adm_a -A -t 192.0.2.1:443 -s mh -b mh-port,mh-fallback -p 600 -M 255.255.255.0
	adm_a -a -t 192.0.2.1:443 -r 10.0.0.1 -w 0
	adm_a -A -u 192.0.2.1:53 -s sh -b sh-port
	adm_a -a -u 192.0.2.1:53 -r 10.0.0.3:5353 -m -w 2
	adm_a -A -t '[2001:db8::1]:80' -s wrr -p
	adm_a -a -t '[2001:db8::1]:80' -r '[2001:db8::10]:8080' -m -w 5
	adm_a -a -t '[2001:db8::1]:80' -r '[2001:db8::11]:8080'
	adm_a -d -t '[2001:db8::1]:80' -r '[2001:db8::11]:8080'
	adm_a -E -t 192.0.2.1:80 -s lc
	adm_a -e -t 192.0.2.1:80 -r 10.0.0.2:8080 -w 4
	adm_a --drain -t 192.0.2.1:80 -r 10.0.0.1:8080
	same "-Sn" "$(adm_a -Sn)" "$EXPECTED_SAVE"
	same "-Ln" "$(adm_a -Ln | tail -n +2)" "$EXPECTED_LIST"
	adm_a -Ln | head -1 | grep -Eq '^IP Virtual Server version [0-9.]+ \(size=[0-9]+\) podvs$' ||
		fail "bad header line: $(adm_a -Ln | head -1)"
}

undrain_and_edit_keep() {
	# --undrain keeps the weight; -e without --drain keeps the drain flag
	adm_a --drain -t 192.0.2.1:80 -r 10.0.0.2:8080
	adm_a -e -t 192.0.2.1:80 -r 10.0.0.2:8080 -w 4
	adm_a -Sn | grep -qx -- '-a -t 192.0.2.1:80 -r 10.0.0.2:8080 -m -w 4 --drain' ||
		fail "-e dropped the drain flag"
	adm_a --undrain -t 192.0.2.1:80 -r 10.0.0.2:8080
	same "-Sn" "$(adm_a -Sn)" "$EXPECTED_SAVE"
}

json_listing() {
	adm_a -Ln -o json | python3 -c '
import json, sys
t = json.load(sys.stdin)["services"]
assert len(t) == 4, len(t)
s = t[0]
assert (s["protocol"], s["address"], s["port"], s["scheduler"]) == ("tcp", "192.0.2.1", 80, "lc"), s
assert [(d["address"], d["port"], d["weight"], d["drain"]) for d in s["dests"]] == \
	[("10.0.0.1", 8080, 1, True), ("10.0.0.2", 8080, 4, False)], s["dests"]
assert t[1]["sched_flags"] == "mh-fallback,mh-port" and t[1]["netmask"] == 24, t[1]
assert t[3]["address"] == "2001:db8::1" and t[3]["persistent"], t[3]
' || fail "JSON listing does not match the table"
}

one_service() {
	local out
	out=$(adm_a -Ln -t 192.0.2.1:443)
	same "-Ln -t" "$out" "$(sed -n '1,2p;6,7p' <<<"$EXPECTED_LIST")"
	expect_exit 1 adm_a -Ln -t 192.0.2.9:443
	grep -q '^podvsadm: ' <<<"$ERR" || fail "no message for a missing service"
}

kernel_refusals() {
	local before
	before=$(adm_a -Sn)
	expect_exit 1 adm_a -A -t 192.0.2.1:80 -s rr
	grep -q '^podvsadm: .*192\.0\.2\.1:80' <<<"$ERR" || fail "no kernel message naming the service"
	expect_exit 1 adm_a -a -t 192.0.2.1:80 -r 10.0.0.2:8080
	expect_exit 1 adm_a -d -t 192.0.2.1:80 -r 10.0.0.99:8080
	expect_exit 1 adm_a -a -t 192.0.2.77:80 -r 10.0.0.2:8080
	expect_exit 1 adm_a -D -t 192.0.2.77:80
	expect_exit 1 adm_a -Z -t 192.0.2.77:80
	same "table after refusals" "$(adm_a -Sn)" "$before"
}

usage_errors() {
	local before
	before=$(adm_a -Sn)
	expect_exit 2 adm_a -a -t 192.0.2.1:80 -r 10.0.0.5 -w 70000
	same "message" "$ERR" "podvsadm: -w 70000: invalid weight (0..65535)"
	expect_exit 2 adm_a -a -t 192.0.2.1:80 -r 10.0.0.5 -g
	same "message" "$ERR" "podvsadm: option -g (gatewaying) is not supported by podvs: only masquerading (-m)"
	expect_exit 2 adm_a -A -t 192.0.2.5:80 -s wlc
	expect_exit 2 adm_a -A -t 192.0.2.5
	same "table after usage errors" "$(adm_a -Sn)" "$before"
}

save_flush_restore() {
	local saved line
	saved=$(adm_a -Sn)
	adm_a -C
	[ -z "$(adm_a -Sn)" ] || fail "-C left services"
	adm_a -R <<<"$saved"
	same "restored table" "$(adm_a -Sn)" "$saved"
	# the ipvsadm prefix and comments are accepted
	adm_a -C
	{ echo "# saved table"; while read -r line; do echo "ipvsadm $line"; done <<<"$saved"; } |
		adm_a -R
	same "restored table" "$(adm_a -Sn)" "$saved"
}

restore_refused_is_atomic() {
	local before
	before=$(adm_a -Sn)
	# line 4 adds a service that exists: the batch is refused as a whole
	expect_exit 1 adm_a -R <<'EOF'
-A -t 192.0.2.50:80 -s rr
-a -t 192.0.2.50:80 -r 10.0.0.50:80 -m
# comment
-A -t 192.0.2.1:80 -s rr
-a -t 192.0.2.1:80 -r 10.0.0.51:80 -m
EOF
	grep -q '^podvsadm: line 4: ' <<<"$ERR" || fail "the failing line is not named"
	grep -q 'nothing was changed' <<<"$ERR" || fail "no 'nothing was changed'"
	same "table after a refused restore" "$(adm_a -Sn)" "$before"
}

restore_syntax_changes_nothing() {
	local before
	before=$(adm_a -Sn)
	expect_exit 2 adm_a -R <<'EOF'
-A -t 192.0.2.60:80 -s rr
-a -t 192.0.2.60:80 -r 10.0.0.60:80 -m
-a -t 192.0.2.60:80 -r 10.0.0.61:80 -m -w many
EOF
	same "message" "$ERR" "podvsadm: line 3: -w many: invalid weight (0..65535) (nothing was changed)"
	expect_exit 2 adm_a -R <<'EOF'
-A -t 192.0.2.60:80 -s rr
-A -t 192.0.2.60:80 -s mh
EOF
	same "message" "$ERR" "podvsadm: line 2: service TCP 192.0.2.60:80 already added on line 1 (nothing was changed)"
	same "table after a bad restore" "$(adm_a -Sn)" "$before"
}

restore_replaces_with_flush() {
	local saved new='-A -t 192.0.2.70:80 -s rr
-a -t 192.0.2.70:80 -r 10.0.0.70:80 -m -w 1'
	saved=$(adm_a -Sn)
	printf '%s\n%s\n' -C "$new" | adm_a -R
	same "replaced table" "$(adm_a -Sn)" "$new"
	# "-C, then the old table with one bad line" is refused and keeps $new
	expect_exit 1 adm_a -R < <(printf '%s\n%s\n%s\n' -C "$saved" \
		'-a -t 192.0.2.200:80 -r 10.0.0.1:80 -m')
	same "table after a refused replace" "$(adm_a -Sn)" "$new"
	printf '%s\n%s\n' -C "$saved" | adm_a -R
	same "restored table" "$(adm_a -Sn)" "$saved"
}

large_restore() {
	local n=$NLARGE i dests
	{
		echo "-A -t 192.0.2.99:80 -s rr"
		for ((i = 0; i < n; i++)); do
			echo "-a -t 192.0.2.99:80 -r 10.$((i >> 16)).$(((i >> 8) & 255)).$((i & 255)):80 -m"
		done
	} | adm_a -R
	dests=$(adm_a -Ln -t 192.0.2.99:80 | grep -c -- '->' || true)
	# the title line has one "->" too
	[ "$dests" -eq $((n + 1)) ] || fail "$((dests - 1)) dests listed, $n restored"
	adm_a --info -o json | python3 -c '
import json, sys
i = json.load(sys.stdin)
assert i["dests"] >= '"$n"', i' || fail "--info does not count the dests"
	adm_a -D -t 192.0.2.99:80
}

timeouts() {
	adm_a --set 1000 130 310
	same "--timeout" "$(adm_a -L --timeout)" "Timeout (tcp tcpfin udp): 1000 130 310"
	adm_a --set 0 0 20
	same "--timeout" "$(adm_a -L --timeout)" "Timeout (tcp tcpfin udp): 1000 130 20"
	adm_a --set 900 120 300
}

info_generation() {
	local g1 g2
	g1=$(adm_a --info -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
	adm_a --drain -t 192.0.2.1:80 -r 10.0.0.2:8080
	adm_a --undrain -t 192.0.2.1:80 -r 10.0.0.2:8080
	g2=$(adm_a --info -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
	[ "$g2" -gt "$g1" ] || fail "generation $g1 -> $g2 after a change"
	adm_a --info | grep -q '^drops:' || fail "--info has no drop counters"
	adm_a -Z
	adm_a -Ln --stats --exact >/dev/null
}

unprivileged_writes() {
	local before
	before=$(adm_a -Sn)
	expect_exit 1 in_ns "$A" "${NOBODY[@]}" "$ADM_NOBODY" -R <<<'-A -t 192.0.2.80:80'
	grep -q 'Operation not permitted' <<<"$ERR" || fail "no EPERM for -R"
	expect_exit 1 in_ns "$A" "${NOBODY[@]}" "$ADM_NOBODY" --set 1 1 1
	expect_exit 1 in_ns "$A" "${NOBODY[@]}" "$ADM_NOBODY" --drain -t 192.0.2.1:80 -r 10.0.0.2:8080
	expect_exit 1 in_ns "$A" "${NOBODY[@]}" "$ADM_NOBODY" -C
	same "table after unprivileged writes" "$(adm_a -Sn)" "$before"
	# reads are allowed
	same "unprivileged -Sn" "$(in_ns "$A" "${NOBODY[@]}" "$ADM_NOBODY" -Sn)" "$before"
}

netns_isolation() {
	local before
	before=$(adm_a -Sn)
	[ -z "$(adm "$B" -Sn)" ] || fail "namespace b sees services"
	adm "$B" -A -t 192.0.2.1:80 -s mh
	adm "$B" -a -t 192.0.2.1:80 -r 10.9.9.9:80 -m
	same "namespace b" "$(adm "$B" -Sn)" '-A -t 192.0.2.1:80 -s mh
-a -t 192.0.2.1:80 -r 10.9.9.9:80 -m -w 1'
	adm "$B" -C
	same "namespace adm after b's -C" "$(adm_a -Sn)" "$before"
}

# Flow lines of a -Lnc listing (after its two title lines).
nflows() { tail -n +3 <<<"$1" | grep -c . || true; }

# Two clients send UDP to the VIP (rr over two Pods): the entries are listed,
# and the --client / --dest / -u filters pick the right ones.
conn_listing() {
	local out c0 c1 n1 n2
	c0=$(client4 0)
	c1=$(client4 1)
	adm "$GW" -A -u "$VIP4:53" -s rr
	adm "$GW" -a -u "$VIP4:53" -r "$(pod4 1):5353" -m
	adm "$GW" -a -u "$VIP4:53" -r "$(pod4 2):5353" -m
	traffic "$CL" hello -p udp -d "$VIP4" -P 53 -s "$c0" -s "$c1" >/dev/null
	out=$(adm "$GW" -Lnc)
	log "$out"
	same "title" "$(head -2 <<<"$out")" "IPVS connection entries
pro expire state       source             virtual            destination"
	[ "$(grep -cE "^UDP .* UDP +($c0|$c1):" <<<"$out")" -eq 2 ] || fail "2 UDP entries expected"
	out=$(adm "$GW" -Lnc --client "$c1")
	[ "$(nflows "$out")" -eq 1 ] || fail "--client $c1: $out"
	grep -q " $c1:" <<<"$out" || fail "--client $c1 listed another client: $out"
	out=$(adm "$GW" -Lnc --dest "$(pod4 2):5353" -u "$VIP4:53")
	[ "$(nflows "$out")" -eq 1 ] || fail "--dest $(pod4 2): $out"
	grep -q " $(pod4 2):5353\$" <<<"$out" || fail "--dest listed another Pod: $out"
	n1=$(nflows "$(adm "$GW" -Lnc -u "$VIP4:53" --client "$c0" --dest "$(pod4 1)")")
	n2=$(nflows "$(adm "$GW" -Lnc -u "$VIP4:53" --client "$c0" --dest "$(pod4 2)")")
	[ $((n1 + n2)) -eq 1 ] || fail "$c0's flow is on $n1 + $n2 Pods"
	adm "$GW" -Lnc -o json | python3 -c '
import json, sys
c = json.load(sys.stdin)["connections"]
assert len(c) == 2 and {x["state"] for x in c} == {"UDP"}, c' || fail "JSON connections"
}

# Everything is ~20x slower under the debug kernel's KASAN and lockdep.
NLARGE=20000
[ "${PODVS_KERNEL:-debian}" != debug ] || NLARGE=2000

[ -x "$PODVSADM" ] || fail "no podvsadm at $PODVSADM (make userspace)"
on_exit rm -f "$ADM_NOBODY"
topo_init

run_scenario "setup: podvs loaded, namespaces" setup
run_scenario "ipvsadm-style commands build the expected table (-Sn, -Ln)" build_table
run_scenario "--drain/--undrain/-e keep weight and drain state apart" undrain_and_edit_keep
run_scenario "-o json lists the same table" json_listing
run_scenario "-Ln -t lists one service; a missing one exits 1" one_service
run_scenario "kernel refusals exit 1 with a message, change nothing" kernel_refusals
run_scenario "usage errors exit 2 with the precise message, change nothing" usage_errors
run_scenario "save -> flush -> restore gives the same table" save_flush_restore
run_scenario "a refused restore changes nothing and names the line" restore_refused_is_atomic
run_scenario "a malformed restore changes nothing" restore_syntax_changes_nothing
run_scenario "-C in a restore replaces the table atomically" restore_replaces_with_flush
run_scenario "$NLARGE dests restored in one go" large_restore
run_scenario "--set and --timeout" timeouts
run_scenario "--info: generation, drop counters; -Z" info_generation
run_scenario "unprivileged writes get EPERM, reads work" unprivileged_writes
run_scenario "tables are per network namespace" netns_isolation
run_scenario "topology for connection listing" topo_setup 2 2
run_scenario "-Lc lists flows; --client, --dest and -u filter them" conn_listing
