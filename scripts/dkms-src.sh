#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/dkms-src.sh DEST VERSION: stage the module's DKMS source tree in
# DEST (normally /usr/src/podvs-VERSION), the one list of what DKMS gets.
#
# Copies VERSION, Kbuild and the sources under kmod/ and include/ (*.[ch],
# Kbuild, Makefile; no build products), and writes DEST/dkms.conf from
# dkms.conf.in with @VERSION@ replaced.  Used by scripts/dkms-install.sh
# (`make dkms-install`) and `make install-dkms-src` (the podvs-dkms
# package).  DEST must not exist yet or be empty: stale files of another
# version would be built too.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "dkms-src: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 DEST VERSION"
dest=$1 version=$2
tree_version=$(cat "$REPO/VERSION")
[ "$tree_version" = "$version" ] ||
	die "version $version differs from the VERSION file ($tree_version)"
if [ -d "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
	die "$dest is not empty"
fi
mkdir -p "$dest"
(cd "$REPO" && find VERSION Kbuild kmod include -type f \
	\( -name '*.[ch]' -o -name Kbuild -o -name Makefile -o -name VERSION \) \
	! -name '*.mod.c' -print0 |
	cpio -0 -pdm --quiet "$dest")
chmod -R u=rwX,go=rX "$dest"
sed "s/@VERSION@/$version/g" "$REPO/dkms.conf.in" >"$dest/dkms.conf"
chmod 0644 "$dest/dkms.conf"
