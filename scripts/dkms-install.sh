#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/dkms-install.sh VERSION: install podvs as DKMS source and build it
# for the running kernel (`make dkms-install`).
#
# Stages the module's sources in /usr/src/podvs-VERSION with
# scripts/dkms-src.sh (the file list and dkms.conf from dkms.conf.in, the
# same tree the podvs-dkms package ships), replacing an earlier copy of the
# same version, then dkms add, build and install for `uname -r`.  DKMS
# rebuilds it for every kernel installed later (AUTOINSTALL).  Refuses when the running kernel has
# no headers: podvs would not build, and installing a module into a kernel
# other than the running one is what DKMS does by itself later.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
NAME=podvs

die() { echo "dkms-install: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 VERSION"
version=$1
kver=$(uname -r)
dest=/usr/src/$NAME-$version

[ "$(id -u)" -eq 0 ] || die "must run as root"
command -v dkms >/dev/null || die "dkms is not installed (scripts/deps.sh)"
tree_version=$(cat "$REPO/VERSION")
[ "$tree_version" = "$version" ] ||
	die "version $version differs from the VERSION file ($tree_version)"
[ -e "/lib/modules/$kver/build" ] ||
	die "no headers for the running kernel $kver (/lib/modules/$kver/build is missing):" \
		"install linux-headers-$kver, or run this on the machine that will load podvs"

# a package's copy is the package's to remove (apt remove podvs-dkms)
if dpkg-query -S "$dest" >/dev/null 2>&1; then
	die "$dest belongs to a package ($(dpkg-query -S "$dest" | head -n1 | cut -d: -f1)): remove it first"
fi

# An earlier registration of this version goes first, so this is a reinstall.
if dkms status -m "$NAME" -v "$version" | grep -q .; then
	dkms remove -m "$NAME" -v "$version" --all
fi
rm -rf "$dest"
"$REPO/scripts/dkms-src.sh" "$dest" "$version"

dkms add -m "$NAME" -v "$version"
dkms build -m "$NAME" -v "$version" -k "$kver"
dkms install -m "$NAME" -v "$version" -k "$kver"
echo "dkms-install: $NAME $version built and installed for $kver; load it with: modprobe $NAME"
