#!/bin/bash
# scripts/check-kmod.sh: build podvs.ko with sparse (C=2) and W=1 against
# Debian's headers (the top Makefile's KDIR) and against Debian 12's 6.12
# headers (the debian612 entry of tests/vm/kernel, unpacked into the cache
# when missing, never installed), and podvs.ko + podvs_test.ko
# (PODVS_KUNIT=1) against the debug kernel when its build is in the cache.
# Scratch copies under build/check-kmod/, so `make kmod` is left alone.
# Exit status 1 on any warning or error in our files (kmod/, include/).
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/build/check-kmod
CACHE=${PODVS_CACHE:-/var/cache/podvs}
status=0

# check NAME KDIR [MAKE ARGS...]: one checked build in $OUT/NAME.
check() {
	local name=$1 kdir=$2 dir=$OUT/$1 log=$OUT/$1.log
	shift 2
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -r "$REPO/Kbuild" "$REPO/VERSION" "$REPO/kmod" "$REPO/include" "$dir/"
	# sources only: objects of an earlier `make kmod` would be reused
	find "$dir" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' \) -delete
	if ! make -C "$kdir" M="$dir" C=2 W=1 "$@" modules >"$log" 2>&1; then
		echo "check-kmod: $name: build failed ($log)"
		tail -n 20 "$log"
		status=1
		return
	fi
	if grep -E "^$dir/(kmod|include)/.*(warning|error):" "$log"; then
		echo "check-kmod: $name: findings above ($log)"
		status=1
	else
		echo "check-kmod: $name: clean"
	fi
}

# the top Makefile's KDIR (Debian's headers unless KDIR is set)
# shellcheck disable=SC2016
kdir=$(make -s --no-print-directory -C "$REPO" --eval 'kdir: ; @echo $(KDIR)' kdir)
[ -d "$kdir" ] || { echo "check-kmod: no kernel headers at '$kdir'"; exit 1; }
check debian "$kdir"

# the other kernel line: Debian 12's 6.12, headers from the kernel cache
kdir612=$("$REPO/tests/vm/kernel" debian612 | tr ' ' '\n' | sed -n 's/^KDIR=//p')
if [ -d "$kdir612" ]; then
	check debian612 "$kdir612"
else
	echo "check-kmod: no 6.12 headers (tests/vm/kernel debian612 failed)"
	status=1
fi

debug=$(find "$CACHE" -maxdepth 1 -name 'debug-*' -type d 2>/dev/null | head -n1)
if [ -n "$debug" ] && [ -e "$debug/.complete" ]; then
	check debug-kunit "$debug/src" PODVS_KUNIT=1
else
	echo "check-kmod: no debug kernel in $CACHE: test module not checked"
fi
exit $status
