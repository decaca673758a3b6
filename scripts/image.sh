#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/image.sh: the container image for the DaemonSet (`make image`),
# build/image/podvs-VERSION.oci.tar, an OCI layout in a tar (skopeo's
# oci-archive), one image tagged VERSION.
#
# The root is made by mmdebstrap from Debian packages only: the Essential
# set of the host's release, plus the podvs package from build/deb (built
# by `make deb` when missing) and, through its Depends, the libraries
# podvsd and podvsadm link and kmod (modprobe for the init container).  No
# compiler, no apt, no documentation beyond the copyright files, no man
# pages.  umoci adds that root as one layer and writes the config:
# entrypoint podvsd, PATH, the metrics port, the version label.
#
# The mirror is the machine's own: every active apt source of the host
# (/etc/apt/sources.list and sources.list.d/*.list, *.sources) is handed to
# mmdebstrap as it is.
#
# The archive is cached in $PODVS_CACHE/image (default /var/cache/podvs),
# keyed by the .deb's sha256, the package list, the apt sources and this
# script; a second `make image` with the same .deb copies it from there.
# PODVS_IMAGE_DEB=PATH takes another podvs .deb.  Needs root (mmdebstrap's
# root mode, umoci without --rootless).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/build/image
CACHE=${PODVS_CACHE:-/var/cache/podvs}/image
VERSION=$(cat "$REPO/VERSION")
ARCH=$(dpkg --print-architecture)
DEB=${PODVS_IMAGE_DEB:-$REPO/build/deb/podvs_${VERSION}_${ARCH}.deb}
ARCHIVE=$OUT/podvs-$VERSION.oci.tar
# what the image holds beside the Essential set and the podvs package
INCLUDE=()
VARIANT=essential
PORT=9742
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DPKG_EXCLUDES=(
	path-exclude=/usr/share/doc/*
	path-include=/usr/share/doc/*/copyright
	path-exclude=/usr/share/man/*
	path-exclude=/usr/share/info/*
	path-exclude=/usr/share/locale/*
	path-exclude=/usr/share/lintian/*
	path-exclude=/usr/share/bash-completion/*
)

say() { echo "image: $*" >&2; }
die() { say "$*"; exit 1; }

# host_sources: the active apt source files, one a line
host_sources() {
	local f
	if [ -f /etc/apt/sources.list ] &&
		grep -qE '^[[:space:]]*deb' /etc/apt/sources.list; then
		echo /etc/apt/sources.list
	fi
	for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && echo "$f"
	done
	return 0
}

# host_suite: the release the .deb was built on, hence the one whose
# libraries its Depends name
host_suite() {
	sed -n 's/^VERSION_CODENAME=//p' /etc/os-release | tr -d "\"'"
}

check_inputs() {
	[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap --mode=root, umoci unpack/repack)"
	# an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}
	[[ $VERSION =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] ||
		die "VERSION '$VERSION' is not a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]*, at most 128)"
	for t in mmdebstrap umoci; do
		command -v "$t" >/dev/null ||
			die "$t is missing: install it (scripts/deps.sh)"
	done
	SUITE=$(host_suite)
	[ -n "$SUITE" ] || die "no VERSION_CODENAME in /etc/os-release: cannot tell the release"
	mapfile -t SOURCES < <(host_sources)
	[ ${#SOURCES[@]} -gt 0 ] ||
		die "no apt sources in /etc/apt/sources.list or /etc/apt/sources.list.d/"
}

# ensure_deb: the podvs package, built when build/deb has none.  One that
# is there is taken as it is: `make deb` again after changing the code.
ensure_deb() {
	if [ -z "${PODVS_IMAGE_DEB:-}" ] && [ ! -f "$DEB" ]; then
		say "no $DEB: running make deb"
		"$REPO/scripts/deb.sh" >&2
	fi
	[ -f "$DEB" ] || die "no podvs package at $DEB"
	# absolute: mounted at the same path inside the root
	DEB=$(realpath "$DEB")
	local v
	v=$(dpkg-deb -f "$DEB" Version) || die "$DEB is not a Debian package"
	[ "$(dpkg-deb -f "$DEB" Package)" = podvs ] || die "$DEB is not the podvs package"
	[ "$v" = "$VERSION" ] || die "$DEB is version $v, VERSION says $VERSION"
	say "package: $DEB ($(date -u -r "$DEB" '+built %F %T UTC'))"
}

# cache_key: everything the archive is made of
cache_key() {
	{
		sha256sum "$DEB" | cut -d' ' -f1
		echo "suite=$SUITE arch=$ARCH variant=$VARIANT include=${INCLUDE[*]}"
		printf '%s\n' "${DPKG_EXCLUDES[@]}"
		cat "${SOURCES[@]}"
		cat "$0" "$REPO/scripts/image-tidy.sh" | sha256sum | cut -d' ' -f1
	} | sha256sum | cut -c1-16
}

# epoch: the last commit's time, for the image's dates (as make deb does)
epoch() {
	git -C "$REPO" log -1 --format=%ct 2>/dev/null || date +%s
}

# make_root TAR: the root filesystem as a tar, from the Debian packages.
# The .deb is bind-mounted at its own path by file-mirror-automount
# (scripts/image-tidy.sh tidies up after it).  merged-usr makes the /usr
# symlinks itself, as debootstrap does, instead of installing usrmerge
# (and perl with it).
make_root() {
	local tar=$1 opts=() x tidy
	for x in "${DPKG_EXCLUDES[@]}"; do
		opts+=("--dpkgopt=$x")
	done
	for x in "${INCLUDE[@]}"; do
		opts+=("--include=$x")
	done
	# "$1" is the root, given to the hook when it runs
	# shellcheck disable=SC2016
	tidy=$(printf '%q "$1" %q' "$REPO/scripts/image-tidy.sh" "$DEB")
	SOURCE_DATE_EPOCH=$(epoch) mmdebstrap --mode=root --variant="$VARIANT" \
		--architectures="$ARCH" --format=tar "${opts[@]}" \
		--include="$DEB" \
		--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
		--customize-hook="$tidy" \
		--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
		"$SUITE" "$tar" "${SOURCES[@]}"
}

# make_oci LAYOUT TAR: one image, tag VERSION, the root as its one layer
make_oci() {
	local layout=$1 tar=$2 img when
	img=$layout:$VERSION
	when=$(date -u -d "@$(epoch)" +%Y-%m-%dT%H:%M:%SZ)
	umoci init --layout "$layout"
	umoci new --image "$img"
	umoci raw add-layer --image "$img" --history.created "$when" \
		--history.created_by "scripts/image.sh: mmdebstrap $SUITE $VARIANT + podvs $VERSION" \
		"$tar"
	umoci config --image "$img" --created "$when" --no-history \
		--author "podvs maintainers" --os linux --architecture "$ARCH" \
		--config.entrypoint /usr/sbin/podvsd \
		--config.env "PATH=$IMAGE_PATH" \
		--config.workingdir / \
		--config.exposedports "$PORT/tcp" \
		--config.stopsignal SIGTERM \
		--config.label "org.opencontainers.image.version=$VERSION" \
		--config.label "org.opencontainers.image.title=podvsd" \
		--config.label "org.opencontainers.image.licenses=GPL-2.0-only" \
		--config.label "org.opencontainers.image.created=$when" \
		--config.label "org.opencontainers.image.base.name=debian:$SUITE"
	umoci gc --layout "$layout"
}

# pack LAYOUT ARCHIVE: the layout as skopeo's oci-archive, byte for byte
# the same for the same layout
pack() {
	chmod -R a+rX "$1"	# umoci writes 0600 blobs: readable for any user
	tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime="@$(epoch)" -cf "$2" .
}

build() {
	local work key cached
	check_inputs
	ensure_deb
	key=$(cache_key)
	cached=$CACHE/podvs-$VERSION-$key.oci.tar
	mkdir -p "$OUT"
	if [ -f "$cached" ]; then
		say "cached: $cached"
	else
		say "building podvs $VERSION on $SUITE ($VARIANT) from ${SOURCES[*]}"
		work=$(mktemp -d "$OUT/work.XXXXXX")
		# shellcheck disable=SC2064
		trap "rm -rf '$work'" EXIT
		make_root "$work/root.tar" >"$OUT/build.log" 2>&1 || {
			tail -n 30 "$OUT/build.log" >&2
			die "mmdebstrap failed (log: $OUT/build.log)"
		}
		make_oci "$work/oci" "$work/root.tar" >>"$OUT/build.log" 2>&1 || {
			tail -n 30 "$OUT/build.log" >&2
			die "umoci failed (log: $OUT/build.log)"
		}
		mkdir -p "$CACHE"
		pack "$work/oci" "$work/image.tar"
		# another filesystem: copy under a name of this build's, then rename
		mv "$work/image.tar" "$cached.$$.tmp"
		mv "$cached.$$.tmp" "$cached"
		prune "$cached"
	fi
	rm -f "$OUT"/podvs-*.oci.tar
	cp "$cached" "$ARCHIVE"
	say "$ARCHIVE ($(du -m "$ARCHIVE" | cut -f1) MiB, tag $VERSION)"
}

# prune KEEP: the cache holds this archive and the three newest others
prune() {
	local keep=$1 f n=0
	while IFS= read -r f; do
		[ "$f" = "$keep" ] && continue
		n=$((n + 1))
		[ "$n" -gt 3 ] && rm -f "$f"
	done < <(ls -t "$CACHE"/podvs-*.oci.tar 2>/dev/null)
	return 0
}

case ${1:-} in
'') build ;;
*) die "usage: $0" ;;
esac
