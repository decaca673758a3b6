#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# both-lines: always
#
# podvs.ko loads and unloads; podvsadm finds it over generic netlink; writes
# need CAP_NET_ADMIN, reads do not.  No topology: the init namespace only.
#
#   podvsadm (root / nobody) --genl "podvs"--> podvs.ko
set -e
. "$(dirname "$0")/lib.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
ADM_NOBODY=/tmp/podvsadm-nobody

# The module's own version, as modinfo sees it in the .ko.
module_version() { modinfo -F version "$PODVS_KO"; }

family_registered() { genl ctrl get name podvs >/dev/null 2>&1; }

load() {
	podvs_load
	family_registered || fail "genl family \"podvs\" not registered after insmod"
	[ "$(cat /sys/module/podvs/version)" = "$(module_version)" ] ||
		fail "/sys/module/podvs/version differs from the .ko's"
}

version() {
	local out
	out=$("$PODVSADM" --version) || fail "podvsadm --version failed: $out"
	log "$out"
	grep -q '^podvsadm v[0-9]' <<<"$out" || fail "no tool version line"
	# Only the module's GET_INFO reply carries its version.
	grep -q "module $(module_version) " <<<"$out" ||
		fail "no \"module $(module_version)\" in the output"
}

unprivileged_write() {
	local err list
	# a copy nobody can run, whatever the checkout's permissions
	install -m 0755 "$PODVSADM" "$ADM_NOBODY"
	if err=$("${NOBODY[@]}" "$ADM_NOBODY" -A -t 192.0.2.1:80 -s rr 2>&1); then
		fail "nobody added a service"
	fi
	log "$err"
	grep -q 'Operation not permitted' <<<"$err" || fail "no EPERM message"
	list=$("$PODVSADM" -Ln)
	! grep -q '192\.0\.2\.1:80' <<<"$list" || fail "the service exists: $list"
}

unprivileged_read() {
	"$PODVSADM" -A -t 192.0.2.2:80 -s rr
	"${NOBODY[@]}" "$ADM_NOBODY" -Ln | grep -q '192\.0\.2\.2:80' ||
		fail "nobody cannot list the service"
	"$PODVSADM" -D -t 192.0.2.2:80
}

unload() {
	podvs_unload
	! family_registered || fail "genl family \"podvs\" still registered"
}

version_unloaded() {
	local out
	out=$("$PODVSADM" --version) ||
		fail "podvsadm --version exited $? without the module: $out"
	log "$out"
	grep -q '^podvsadm v[0-9]' <<<"$out" || fail "no tool version line"
	grep -q '^podvs module: unknown (podvs kernel module not loaded' <<<"$out" ||
		fail "no \"module not loaded\" line"
}

[ -x "$PODVSADM" ] || fail "no podvsadm at $PODVSADM (make userspace)"
on_exit rm -f "$ADM_NOBODY"

run_scenario "podvs.ko loads, genl family registered" load
run_scenario "podvsadm --version: tool and module version" version
run_scenario "unprivileged write rejected with EPERM, nothing changed" unprivileged_write
run_scenario "unprivileged read allowed" unprivileged_read
run_scenario "podvs.ko unloads, genl family gone" unload
run_scenario "podvsadm --version exits 0 and says the module is not loaded" version_unloaded
