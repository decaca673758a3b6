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

step style scripts/style.sh
step kmod kmod_checks
step layers layers
step sanitizers sanitizers
step fuzz tests/fuzz/run "${CHECK_FUZZ_SECONDS:-20}"

if [ ${#failed[@]} -gt 0 ]; then
	echo "check: FAILED: ${failed[*]}"
	exit 1
fi
echo "check: all passed"
