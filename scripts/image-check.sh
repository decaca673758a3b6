#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/image-check.sh [ARCHIVE]: test the DaemonSet's image (`make
# check`, after `make image`; default build/image/podvs-VERSION.oci.tar).
# No kernel module, no guest: the archive is unpacked with umoci into a
# temporary directory and its programs run from that root in their own
# mount and PID namespaces (unshare, chroot), with the image's own
# environment and entrypoint.
#
#   tag        the archive holds one image, tagged VERSION; its config
#              label org.opencontainers.image.version says VERSION
#   config     entrypoint /usr/sbin/podvsd, PATH set, port 9742 exposed
#   run        the entrypoint with --version, podvsadm --version and
#              modprobe --version (the DaemonSet's init container) found on
#              the image's PATH: exit 0, and podvs's print VERSION
#   compiler   no gcc, cc, c++, clang, as, ld, cc1, no /usr/lib/gcc
#   tests      no tests/ directory, no *_test binaries, no C sources, no
#              DKMS source (/usr/src)
#   skopeo     skopeo copies it by tag (as the deploy README loads it into
#              a registry), into an OCI directory
#   manifest   `make manifests` writes a DaemonSet whose every image is
#              podvs/podvsd:TAG, TAG the archive's, no @VERSION@ left
# Needs root (umoci unpack without --rootless).  One line a check, "ok -
# image: ..." or "not ok - image: ...", then "N passed, N failed"; exit
# status 1 on any failed check.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(cat "$REPO/VERSION")
ARCHIVE=${1:-$REPO/build/image/podvs-$VERSION.oci.tar}
IMAGE_REPO=podvs/podvsd
failed=0 passed=0

# one line a check, as the test stages print them: "ok - image: ..." or
# "not ok - image: ..." (tests/run-all's form); notes go to stderr
say() { echo "image-check: $*" >&2; }
fail() { echo "not ok - image: $*"; failed=$((failed + 1)); }
ok() { echo "ok - image: $*"; passed=$((passed + 1)); }

[ -f "$ARCHIVE" ] || { say "no $ARCHIVE (make image)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { say "needs root (umoci unpack)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/oci"
tar -C "$TMP/oci" -xf "$ARCHIVE" || { say "cannot untar $ARCHIVE" >&2; exit 1; }

# image_json FIELD...: the image's config fields as python prints them
image_json() {
	python3 - "$TMP/oci" "$@" <<-'EOF'
		import json, sys, os
		lay = sys.argv[1]
		def blob(d):
		    alg, h = d["digest"].split(":")
		    with open(os.path.join(lay, "blobs", alg, h)) as f:
		        return json.load(f)
		with open(os.path.join(lay, "index.json")) as f:
		    idx = json.load(f)
		tags = [m.get("annotations", {}).get("org.opencontainers.image.ref.name")
		        for m in idx["manifests"]]
		cfg = blob(blob(idx["manifests"][0])["config"]).get("config", {})
		out = {"tags": tags, "entrypoint": cfg.get("Entrypoint"),
		       "cmd": cfg.get("Cmd"), "env": cfg.get("Env", []),
		       "ports": sorted(cfg.get("ExposedPorts", {})),
		       "version": cfg.get("Labels", {}).get("org.opencontainers.image.version")}
		for k in sys.argv[2:]:
		    print(json.dumps(out[k]))
	EOF
}

check_tag() {
	local tags label
	tags=$(image_json tags) || { fail "cannot read the archive's index.json"; return; }
	label=$(image_json version)
	if [ "$tags" = "[\"$VERSION\"]" ] && [ "$label" = "\"$VERSION\"" ]; then
		ok "one image, tag $VERSION, label org.opencontainers.image.version=$VERSION"
	else
		fail "tags $tags and version label $label, want [\"$VERSION\"]"
	fi
}

check_config() {
	local ep env ports
	ep=$(image_json entrypoint)
	env=$(image_json env)
	ports=$(image_json ports)
	[ "$ep" = '["/usr/sbin/podvsd"]' ] || fail "entrypoint $ep, want [\"/usr/sbin/podvsd\"]"
	grep -q '"PATH=[^"]*/usr/sbin' <<<"$env" || fail "no PATH with /usr/sbin in the env $env"
	[ "$ports" = '["9742/tcp"]' ] || fail "exposed ports $ports, want [\"9742/tcp\"]"
	[ "$ep$ports" = '["/usr/sbin/podvsd"]["9742/tcp"]' ] &&
		ok "entrypoint $ep, env $env, ports $ports"
}

unpack() {
	umoci unpack --image "$TMP/oci:$VERSION" "$TMP/bundle" >"$TMP/unpack.log" 2>&1 || {
		cat "$TMP/unpack.log" >&2
		fail "umoci unpack of tag $VERSION failed"
		echo "$passed passed, $failed failed"
		exit 1
	}
	ROOT=$TMP/bundle/rootfs
	say "rootfs: $(du -sm "$ROOT" | cut -f1) MiB unpacked," \
		"archive $(du -m "$ARCHIVE" | cut -f1) MiB"
}

# in_image CMD...: CMD in the image's root, its own mount and PID
# namespaces, the image's environment only
in_image() {
	local env=()
	mapfile -t env < <(image_json env | python3 -c \
		'import json, sys; print("\n".join(json.load(sys.stdin)))')
	env -i "${env[@]}" unshare -m -p -f --mount-proc="$ROOT/proc" \
		chroot "$ROOT" "$@"
}

# run_version WANT CMD...: CMD exits 0 and prints WANT (empty: anything)
run_version() {
	local want=$1 out st
	shift
	out=$(in_image "$@" 2>&1)
	st=$?
	if [ $st -ne 0 ]; then
		fail "'$*' in the image: exit $st: $out"
	elif [ -n "$want" ] && ! grep -qF "$want" <<<"$out"; then
		fail "'$*' in the image printed '$out', not $want"
	else
		ok "'$*' in the image: $(head -n1 <<<"$out")"
	fi
}

check_run() {
	local ep
	ep=$(image_json entrypoint | python3 -c 'import json, sys; print(json.load(sys.stdin)[0])')
	run_version "$VERSION" "$ep" --version
	run_version "$VERSION" podvsadm --version
	run_version "" modprobe --version
}

# hits ROOT FIND-ARGS...: what find prints under ROOT, as absolute paths
hits() {
	local root=$1
	shift
	(cd "$root" && find . "$@" -print | sed 's|^\.||' | head -n 20)
}

# found DESC FIND-ARGS...: fail listing what find prints under the root
found() {
	local desc=$1 h
	shift
	h=$(hits "$ROOT" "$@")
	if [ -n "$h" ]; then
		fail "the image holds $desc: $(echo "$h" | tr '\n' ' ')"
	else
		ok "no $desc"
	fi
}

# The searches, as find arguments.  dpkg's own lists name packages such
# as gcc-12-base (libgcc's documentation), not programs.
COMPILER=(-path ./var/lib/dpkg -prune -o \( -path ./usr/lib/gcc \
	-o -path ./usr/libexec/gcc -o -path './usr/lib/llvm-*' -o \( ! -type d \( -name gcc \
	-o -name 'gcc-[0-9]*' -o -name cc -o -name c++ -o -name 'g++*' \
	-o -name 'clang*' -o -name cc1 -o -name cpp -o -name 'cpp-[0-9]*' \
	-o -name as -o -name ld -o -name ld.bfd -o -name ld.gold \
	-o -name ld.lld -o -name tcc -o -name '*-linux-gnu-gcc*' \
	-o -name '*-linux-gnu-as' -o -name '*-linux-gnu-ld*' \) \) \) -prune)
TESTS=(\( \( -type d -name tests \) -o -name '*_test' -o -name '*_test.ko' \
	-o -name '*_test.py' -o -name '*.c' -o -path './usr/src/*' \) -prune)

# the searches find what they look for: a root with one of each
check_search() {
	local r=$TMP/planted before=$failed
	mkdir -p "$r/usr/bin" "$r/usr/lib/gcc/x" "$r/usr/src/m" "$r/var/lib/dpkg/info" \
		"$r/usr/share/tests"
	touch "$r/usr/bin/cc" "$r/usr/bin/x86_64-linux-gnu-ld.bfd" "$r/usr/src/m/a.h" \
		"$r/var/lib/dpkg/info/gcc-12-base.list" "$r/usr/bin/lib_msg_test" "$r/usr/lib/x.c"
	[ "$(hits "$r" "${COMPILER[@]}" | LC_ALL=C sort | tr '\n' ' ')" = \
		"/usr/bin/cc /usr/bin/x86_64-linux-gnu-ld.bfd /usr/lib/gcc " ] ||
		fail "the compiler search does not find exactly a planted cc, ld, /usr/lib/gcc"
	[ "$(hits "$r" "${TESTS[@]}" | LC_ALL=C sort | tr '\n' ' ')" = \
		"/usr/bin/lib_msg_test /usr/lib/x.c /usr/share/tests /usr/src/m " ] ||
		fail "the test file search does not find exactly a planted test, .c, tests/, /usr/src"
	[ "$failed" -ne "$before" ] || ok "the searches find a planted cc, ld, /usr/lib/gcc, test, .c, tests/, /usr/src"
}

# the root's own directories are there (image-tidy.sh removes only what
# no package owns), and no other
TOP="bin boot dev etc home lib lib64 media mnt opt proc root run sbin srv sys tmp usr var "
check_dirs() {
	local d top bad=''
	for d in /tmp /var/tmp /home /root /run /proc /sys /dev; do
		[ -d "$ROOT$d" ] || bad="$bad $d"
	done
	[ "$(stat -c %a "$ROOT/tmp" 2>/dev/null)" = 1777 ] || bad="$bad /tmp-not-1777"
	# and nothing of the build machine's paths (the .deb's directory)
	top=$(find "$ROOT" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' ')
	[ "$top" = "$TOP" ] || bad="$bad only-these-at-the-top:$TOP(has:$top)"
	[ -z "$(find "$ROOT/home" -mindepth 1 -print -quit)" ] || bad="$bad an-empty-/home"
	if [ -n "$bad" ]; then
		fail "the root lacks:$bad"
	else
		ok "the root has /tmp (1777), /var/tmp, /home (empty), /root, /run, /proc, /sys, /dev, no other top directory"
	fi
}

check_contents() {
	check_dirs
	check_search
	found "compiler files" "${COMPILER[@]}"
	found "test files" "${TESTS[@]}"
}

# the archive as the deploy README has it copied into a registry: skopeo
# reads it by tag, checks every digest and writes it out (here into an OCI
# directory instead of a registry)
check_skopeo() {
	local out
	command -v skopeo >/dev/null || { fail "skopeo is missing (scripts/deps.sh)"; return; }
	if out=$(skopeo copy --quiet "oci-archive:$ARCHIVE:$VERSION" \
		"oci:$TMP/copy:$VERSION" 2>&1); then
		ok "skopeo copy oci-archive:...:$VERSION reads and copies it"
	else
		fail "skopeo copy oci-archive:$ARCHIVE:$VERSION: $out"
	fi
}

check_manifest() {
	local yaml=$REPO/build/deploy/daemonset.yaml images bad
	make -s -C "$REPO" manifests >/dev/null || { fail "make manifests"; return; }
	images=$(sed -n 's/^[[:space:]]*image:[[:space:]]*//p' "$yaml" | tr -d '"')
	bad=$(grep -vxF "$IMAGE_REPO:$VERSION" <<<"$images")
	if [ -z "$images" ] || [ -n "$bad" ] || grep -q @VERSION@ "$yaml"; then
		fail "$yaml: images '$(echo "$images" | tr '\n' ' ')', want $IMAGE_REPO:$VERSION everywhere"
	else
		ok "the DaemonSet names $IMAGE_REPO:$VERSION ($(wc -l <<<"$images") containers), the archive's tag"
	fi
}

check_tag
check_config
unpack
check_run
check_contents
check_skopeo
check_manifest
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
