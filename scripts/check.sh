#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check.sh: the checks beyond the tests (`make check`, run by CI
# after `make test`).  Each step runs even when an earlier one failed; the
# exit status is 1 if any failed.
#
#   style       scripts/style.sh: checkpatch --strict (kmod/, the uapi
#               header), shellcheck; clang-format is advice only
#   kmod        scripts/check-kmod.sh: sparse (C=2) and W=1 on the module
#   layers      scripts/check-layers.py: no import circle, podvsd's folder
#               rules (after building the module and the userspace)
#   sanitizers  the cmocka suite built with AddressSanitizer and
#               UndefinedBehaviorSanitizer (build/asan), every test run
#   deb         make deb, then lintian on the packages: no E: line
#               (scripts/deb.sh --lint)
#   image       make image (from the package the deb step built; cached
#               by its hash), then scripts/image-check.sh: podvsd and
#               podvsadm --version in the image's root, no compiler, no
#               test files, the DaemonSet names the archive's tag
#   install     make install DESTDIR=tmp PREFIX=/usr installs exactly the
#               expected files, man pages and unit filled in
#   fuzz        every libFuzzer harness for CHECK_FUZZ_SECONDS (default
#               20) on its checked-in seeds (tests/fuzz/run)
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO" || exit 1
SAN='-fsanitize=address,undefined -fno-sanitize-recover=all'
failed=()

step() {	# step NAME CMD...: run CMD, time it, remember a failure
	local name=$1 t0 st
	shift
	echo "check: $name"
	t0=$(date +%s)
	"$@"
	st=$?
	echo "check: $name: $([ $st -eq 0 ] && echo ok || echo FAILED)" \
		"($(($(date +%s) - t0)) s)"
	[ $st -eq 0 ] || failed+=("$name")
}

kmod_checks() {
	[ -x scripts/check-kmod.sh ] || {
		echo "check: scripts/check-kmod.sh is missing" >&2
		return 1
	}
	scripts/check-kmod.sh
}

layers() {
	make -s kmod userspace >/dev/null && scripts/check-layers.py
}

# cmocka under ASan and UBSan; the flags come in through the environment
# so that the Makefile's own CFLAGS += still apply.  tests/unit/run starts
# each binary under stdbuf, whose LD_PRELOAD library loads before libasan:
# harmless, hence verify_asan_link_order=0.
sanitizers() {
	CFLAGS="-O1 -g -fno-omit-frame-pointer $SAN" LDFLAGS="$SAN" \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -s -C netlink-daemon B="$REPO/build/asan" unit
}

image_checks() {
	scripts/image.sh && scripts/image-check.sh
}

# systemd's unit directory as the Makefile picks it for PREFIX=/usr
unitdir() {
	pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null |
		grep . || echo /usr/lib/systemd/system
}

# make install into a staging directory: exactly this file list (the
# module under its kernel's extra/), the version filled into the man pages,
# the unit's ExecStart at the prefix's sbin.
install_files() {
	local tmp want got st=0 unit v
	tmp=$(mktemp -d)
	v=$(cat VERSION)
	want=$(printf '%s\n' etc/default/podvsd usr/sbin/podvsadm usr/sbin/podvsd \
		usr/share/bash-completion/completions/podvsadm \
		usr/share/man/man8/podvsadm.8 usr/share/man/man8/podvsd.8 \
		"$(unitdir | sed 's|^/||')/podvsd.service" \
		"lib/modules/KVER/extra/kmod/podvs.ko" | sort)
	if ! make -s install DESTDIR="$tmp" PREFIX=/usr >"$tmp.log" 2>&1; then
		tail -n 20 "$tmp.log"
		echo "check: make install failed" >&2
		st=1
	else
		got=$(cd "$tmp" && find . -type f | sed 's|^\./||;s|^lib/modules/[^/]*/|lib/modules/KVER/|' | sort)
		if [ "$got" != "$want" ]; then
			echo "check: make install files differ (- expected, + installed):" >&2
			diff <(echo "$want") <(echo "$got") >&2
			st=1
		fi
		unit=$(find "$tmp" -name podvsd.service)
		grep -q '^ExecStart=/usr/sbin/podvsd ' "$unit" || { echo "check: unit ExecStart" >&2; st=1; }
		if ! grep -q "^\.TH PODVSD 8 .*\"podvs $v\"" "$tmp/usr/share/man/man8/podvsd.8" ||
			grep -rq @VERSION@ "$tmp/usr/share/man"; then
			echo "check: version not filled into the man pages" >&2
			st=1
		fi
	fi
	rm -rf "$tmp" "$tmp.log"
	# another prefix: its sbin in the unit, its own unit directory
	tmp=$(mktemp -d)
	if ! make -s install-user DESTDIR="$tmp" PREFIX=/opt/podvs >"$tmp.log" 2>&1 ||
		! grep -q '^ExecStart=/opt/podvs/sbin/podvsd ' \
			"$tmp/opt/podvs/lib/systemd/system/podvsd.service" ||
		[ ! -x "$tmp/opt/podvs/sbin/podvsadm" ]; then
		echo "check: make install-user PREFIX=/opt/podvs did not honour the prefix" >&2
		st=1
	fi
	rm -rf "$tmp" "$tmp.log"
	return "$st"
}

step style scripts/style.sh
step kmod kmod_checks
step layers layers
step sanitizers sanitizers
step deb scripts/deb.sh --lint
step image image_checks
step install install_files
step fuzz tests/fuzz/run "${CHECK_FUZZ_SECONDS:-20}"

if [ ${#failed[@]} -gt 0 ]; then
	echo "check: FAILED: ${failed[*]}"
	exit 1
fi
echo "check: all passed"
