#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/deb.sh [--lint]: build the podvs and podvs-dkms Debian packages
# into build/deb/ (`make deb`); --lint also runs lintian on them and fails
# on any error (E:) line (`make check` does this).
#
# The build runs in a copy of the tree (build/deb/src/podvs-VERSION: the
# files git tracks, plus new ones it does not ignore), never in the
# checkout.  debian/changelog is written there from the VERSION file, the
# only place the version lives: a native package, version VERSION, dated
# from the last commit.  dpkg-buildpackage -b, unsigned; no root needed
# (Rules-Requires-Root: no).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/build/deb

die() { echo "deb: $*" >&2; exit 1; }

# copy_tree DEST: the checkout's source files, not its build products
copy_tree() {
	local dest=$1
	mkdir -p "$dest"
	if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$REPO" && git ls-files -co --exclude-standard -z |
			while IFS= read -r -d '' f; do
				[ -e "$f" ] && printf '%s\0' "$f"
			done | cpio -0 -pdm --quiet "$dest")
	else
		tar -C "$REPO" --exclude=./build --exclude=.git -cf - . |
			tar -C "$dest" -xf -
	fi
}

# write_changelog DIR VERSION
write_changelog() {
	local dir=$1 version=$2 when
	when=$(git -C "$REPO" log -1 --format=%ct 2>/dev/null) || when=$(date +%s)
	cat >"$dir/debian/changelog" <<-EOT
		podvs ($version) unstable; urgency=medium

		  * Release $version (the VERSION file; changes: the git log).

		 -- podvs maintainers <maintainers@podvs.invalid>  $(date -R -u -d "@$when")
	EOT
}

build() {
	local version src
	version=$(cat "$REPO/VERSION")
	[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] ||
		die "VERSION '$version' is not a Debian native version (digits first; letters, digits, . + ~)"
	for t in dpkg-buildpackage dh dh_dkms; do
		command -v "$t" >/dev/null ||
			die "$t is missing: install debhelper, dh-dkms and dpkg-dev (scripts/deps.sh)"
	done
	rm -rf "$OUT"
	src=$OUT/src/podvs-$version
	copy_tree "$src"
	write_changelog "$src" "$version"
	echo "deb: building podvs $version in $src"
	(cd "$src" && dpkg-checkbuilddeps && dpkg-buildpackage -b --no-sign) \
		>"$OUT/build.log" 2>&1 || {
		tail -n 40 "$OUT/build.log" >&2
		die "dpkg-buildpackage failed (full log: $OUT/build.log)"
	}
	mv "$OUT"/src/*.deb "$OUT"/src/*.changes "$OUT"/src/*.buildinfo "$OUT"/
	rm -rf "$OUT/src"
	ls "$OUT"/*.deb
}

lint() {
	local out
	# root is what CI has; lintian's note about it is not a finding
	out=$(lintian --tag-display-limit 0 "$OUT"/*.changes 2>&1 |
		grep -v 'running with root privileges') || true
	[ -z "$out" ] || echo "$out"
	if grep -q '^E: ' <<<"$out"; then
		die "lintian reports errors"
	fi
	echo "deb: lintian: no errors ($(grep -c '^W: ' <<<"$out" || true) warnings)"
}

case ${1:-} in
'') build ;;
--lint) build && lint ;;
*) die "usage: $0 [--lint]" ;;
esac
