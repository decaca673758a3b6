#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# both-lines: always
# timeout: 1800
#
# DKMS packaging: scripts/dkms-install.sh (what `make dkms-install` runs)
# copies the tree to /usr/src/podvs-<version>, DKMS builds it inside the
# guest against the running kernel's headers, `modprobe podvs` loads that
# build, and `dkms remove` takes it away again.  The guest's root is an
# overlay: nothing here reaches the host.  Compiling under TCG is slow,
# hence the long timeout; numbered 90 so it runs after the quick scripts.
#
#   /podvs --dkms-install.sh--> /usr/src/podvs-V --dkms build--> /lib/modules/K/updates/dkms/podvs.ko[.xz]
set -e
. "$(dirname "$0")/lib.sh"

VERSION=$(cat "$PODVS_REPO/VERSION")
KVER=$(uname -r)

remove_all() {
	! dkms status -m podvs | grep -q . || dkms remove -m podvs -v "$VERSION" --all
	rm -rf "/usr/src/podvs-$VERSION"
}

headers() {
	[ -f "/lib/modules/$KVER/build/Makefile" ] ||
		fail "no kernel headers at /lib/modules/$KVER/build"
	[ -n "$VERSION" ] || fail "no version in $PODVS_REPO/VERSION"
}

install_build() {
	"$PODVS_REPO/scripts/dkms-install.sh" "$VERSION"
	dkms status -m podvs -v "$VERSION" -k "$KVER" | grep -q 'installed' ||
		fail "dkms status does not say installed: $(dkms status -m podvs)"
	dkms_ko >/dev/null ||
		fail "modinfo finds $(modinfo -n podvs 2>&1), not the DKMS build"
}

# The DKMS build modinfo finds: podvs.ko under updates/dkms, compressed as
# the kernel's own modules are (DKMS follows modules.dep: none on 6.1, xz
# on Debian's 6.12).
dkms_ko() {
	local ko
	ko=$(modinfo -n podvs 2>/dev/null) || return 1
	case $ko in
	"/lib/modules/$KVER/updates/dkms/podvs.ko" | \
		"/lib/modules/$KVER/updates/dkms/podvs.ko".[gx]z | \
		"/lib/modules/$KVER/updates/dkms/podvs.ko.zst") echo "$ko" ;;
	*) return 1 ;;
	esac
}

modprobe_loads() {
	local built
	[ ! -e /sys/module/podvs ] || fail "podvs already loaded"
	modprobe podvs
	[ -d /sys/module/podvs ] || fail "modprobe podvs did not load it"
	built=$(modinfo -F srcversion "$(dkms_ko)")
	[ "$(cat /sys/module/podvs/srcversion)" = "$built" ] ||
		fail "the loaded module is not the DKMS build"
	if [ -x "$PODVSADM" ]; then
		"$PODVSADM" --version | grep -q "module $VERSION " ||
			fail "podvsadm does not reach the DKMS-built module"
	fi
}

remove() {
	modprobe -r podvs
	[ ! -e /sys/module/podvs ] || fail "podvs still loaded after modprobe -r"
	dkms remove -m podvs -v "$VERSION" --all
	! modinfo -n podvs 2>/dev/null || fail "podvs still installed: $(modinfo -n podvs)"
	rm -rf "/usr/src/podvs-$VERSION"
}

on_exit remove_all
run_scenario "kernel headers reachable in the guest" headers
run_scenario "dkms-install.sh: dkms add, build, install for $KVER" install_build
run_scenario "modprobe podvs loads the DKMS build" modprobe_loads
run_scenario "modprobe -r and dkms remove leave nothing" remove
