#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/style.sh: the style checks (`make style`).
#
#   - checkpatch --no-tree --strict -f on kmod/*.[ch] and
#     include/uapi/linux/podvs.h (generated *.mod.c excluded)
#   - ShellCheck on every shell script under tests/, scripts/ and .ci/
#   - clang-format with the kernel's .clang-format on kmod/ and
#     netlink-daemon/: advice only, never a failure
#   - the written copies of the release version (man page, DaemonSet image
#     tags) match the top-level VERSION file; the builds read it directly
#
# checkpatch.pl, spelling.txt, const_structs.checkpatch and .clang-format
# come from Debian's linux-source-6.1 tarball, extracted once into
# $PODVS_CACHE/checkpatch-<version>/.  Exit status 1 on any checkpatch
# error, warning or check, or any shellcheck finding.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
CACHE=${PODVS_CACHE:-/var/cache/podvs}
TARBALL=/usr/src/linux-source-6.1.tar.xz
failed=0

say() { echo "style: $*"; }

# The checkpatch directory, extracted on first use.
checkpatch_dir() {
	local ver dir tmp f members=()
	[ -r "$TARBALL" ] || { say "$TARBALL missing (scripts/deps.sh)" >&2; return 1; }
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
	dir=$CACHE/checkpatch-$ver
	if [ ! -e "$dir/.complete" ]; then
		say "extracting checkpatch from $TARBALL" >&2
		mkdir -p "$CACHE"
		tmp=$(mktemp -d "$CACHE/.checkpatch.XXXXXX")
		for f in scripts/checkpatch.pl scripts/spelling.txt \
			scripts/const_structs.checkpatch .clang-format; do
			members+=("linux-source-6.1/$f")
		done
		tar -C "$tmp" -xJf "$TARBALL" "${members[@]}"
		mv "$tmp"/linux-source-6.1/scripts/* "$tmp"/linux-source-6.1/.clang-format "$tmp/"
		rm -rf "$tmp/linux-source-6.1"
		touch "$tmp/.complete"
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	echo "$dir"
}

# The existing files among the arguments (globs expanded in $REPO),
# without kbuild's generated *.mod.c.
c_files() {
	local f
	for f in "$@"; do
		case $f in *.mod.c) continue ;; esac
		[ -f "$f" ] && echo "$f"
	done
	return 0
}

run_checkpatch() {
	local dir files
	dir=$(checkpatch_dir) || { failed=1; return; }
	mapfile -t files < <(c_files kmod/*.[ch] include/uapi/linux/podvs.h |
		grep -vx kmod/compat.h)
	say "checkpatch: ${#files[@]} files + kmod/compat.h"
	(perl "$dir/checkpatch.pl" --no-tree --strict --quiet \
		--show-types -f "${files[@]}") || failed=1
	# compat.h is the one place that must test LINUX_VERSION_CODE (an
	# out-of-tree module builds for several kernels); checkpatch's two
	# rules against that, and only those, are off for it.
	(perl "$dir/checkpatch.pl" --no-tree --strict --quiet --show-types \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f kmod/compat.h) || failed=1
}

# Shell scripts: *.sh, and files without an extension whose first line
# names sh or bash.
shell_scripts() {
	local f
	find tests scripts .ci -type f 2>/dev/null | LC_ALL=C sort |
		while read -r f; do
			case $f in
			*.sh) echo "$f" ;;
			*.*) ;;
			*) head -n1 "$f" | grep -qE '^#!.*\b(ba)?sh\b' && echo "$f" ;;
			esac
		done
}

run_shellcheck() {
	local files
	mapfile -t files < <(shell_scripts)
	say "shellcheck: ${#files[@]} scripts"
	# -x -P SCRIPTDIR: follow `. "$(dirname "$0")/lib.sh"`
	shellcheck -x -P SCRIPTDIR "${files[@]}" || failed=1
}

run_clang_format() {
	local dir files n
	if ! command -v clang-format >/dev/null; then
		say "clang-format: not installed, skipped"
		return
	fi
	dir=$(checkpatch_dir) || return
	mapfile -t files < <(c_files kmod/*.[ch] netlink-daemon/*/*.[ch])
	[ ${#files[@]} -gt 0 ] || return
	n=$(clang-format --style="file:$dir/.clang-format" --dry-run "${files[@]}" 2>&1 |
		grep -c 'warning:') || n=0
	say "clang-format (advice only, not a failure): $n places differ from the kernel's" \
		".clang-format; see: clang-format --style=file:$dir/.clang-format --dry-run FILE"
}

# The release version is written in VERSION only: every other file gets it
# at build time (@VERSION@ in man pages, manifests, dkms.conf.in).  A copy
# anywhere else in the tracked files is an error.
run_version_once() {
	local v re bad
	v=$(cat VERSION)
	say "version only in VERSION: $v"
	re="(^|[^0-9.])${v//./\\.}([^0-9.]|\$)"
	bad=$(git ls-files -z | grep -zv '^VERSION$' |
		xargs -0 grep -HnE "$re" 2>/dev/null) || true
	if [ -n "$bad" ]; then
		say "these lines repeat version $v (write @VERSION@ or read VERSION):" >&2
		echo "$bad" >&2
		failed=1
	fi
}

run_checkpatch
run_shellcheck
run_version_once
run_clang_format
if [ "$failed" -ne 0 ]; then
	say "FAILED"
	exit 1
fi
say "clean"
