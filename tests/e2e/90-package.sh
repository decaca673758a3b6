#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
# timeout: 1800
# needs: deb
#
# The Debian packages as an operator installs them: tests/run-all builds
# podvs and podvs-dkms on the host (make deb, once per run) and tests/vm/run
# hands the .debs to the guest in $PODVS_DEBS.  dpkg -i both; DKMS builds
# podvs.ko for the running kernel (the package's postinst); modprobe loads
# it with its dependencies; a VIP forwards to two Pods, set up with the
# packaged podvsadm; the installed unit passes systemd-analyze verify, and
# podvsd, started as the unit starts it with the packaged defaults against
# the fake API server, becomes ready and programs a Service; DKMS refuses a
# kernel outside 6.1 and 6.12 (a fake header set) naming the range and
# builds nothing; dpkg --purge leaves no file of either package, no DKMS
# entry, and no podvs in lsmod.  The guest's root is an overlay: nothing
# reaches the host.  DKMS compiles under TCG once, hence the long timeout.
#
#   build/deb/*.deb --dpkg -i--> /usr/src/podvs-V --dkms--> /lib/modules/K/updates/dkms/podvs.ko[.xz]
set -e
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/podvsd-run.sh"

VERSION=$(cat "$PODVS_REPO/VERSION")
KVER=$(uname -r)
FAKE_KVER=6.5.0-podvs-fake
PKGS=(podvs podvs-dkms)
ADM=/usr/sbin/podvsadm
FILES=$TOPO_DIR/package-files

deb_of() {	# deb_of PACKAGE: its .deb in $PODVS_DEBS
	local arch=all
	[ "$1" = podvs-dkms ] || arch=$(dpkg --print-architecture)
	echo "$PODVS_DEBS/${1}_${VERSION}_$arch.deb"
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

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

# the installed unit, wherever this release's debhelper put it
unit_path() { dpkg -L podvs | grep '/systemd/system/podvsd\.service$'; }

cleanup() {
	kill_podvsd
	rm -rf "/lib/modules/$FAKE_KVER" /etc/podvs
	if installed podvs || installed podvs-dkms; then
		modprobe -r podvs 2>/dev/null || true
		dpkg --purge "${PKGS[@]}" >/dev/null 2>&1 || true
	fi
}

packages() {
	local p
	[ -n "${PODVS_DEBS:-}" ] ||
		fail "no PODVS_DEBS: run through tests/run-all (it builds the packages for '# needs: deb')"
	[ -f "/lib/modules/$KVER/build/Makefile" ] ||
		fail "no kernel headers at /lib/modules/$KVER/build"
	for p in "${PKGS[@]}"; do
		[ -f "$(deb_of "$p")" ] || fail "no $(deb_of "$p") (have: $(ls "$PODVS_DEBS"))"
		[ "$(dpkg-deb -f "$(deb_of "$p")" Version)" = "$VERSION" ] ||
			fail "$p's version is not VERSION's $VERSION"
		! installed "$p" || fail "$p is installed before the test"
	done
}

dpkg_install() {
	local f
	dpkg -i "$(deb_of podvs-dkms)" "$(deb_of podvs)" >"$TOPO_DIR/dpkg-i.log" 2>&1 || {
		tail -n 30 "$TOPO_DIR/dpkg-i.log"
		fail "dpkg -i failed"
	}
	grep -i 'dkms\|podvs' "$TOPO_DIR/dpkg-i.log" | tail -n 15
	installed podvs || fail "dpkg does not list podvs as installed"
	installed podvs-dkms || fail "dpkg does not list podvs-dkms as installed"
	# the packages' own files (not directories), for the purge check
	dpkg -L "${PKGS[@]}" | while read -r f; do
		[ -d "$f" ] || echo "$f"
	done >"$FILES"
	log "$(wc -l <"$FILES") files from the packages"
	dpkg-query -W -f='${Conffiles}\n' podvs | grep -q '^ /etc/default/podvsd ' ||
		fail "/etc/default/podvsd is not a conffile"
	dkms status -m podvs -v "$VERSION" -k "$KVER" | grep -q installed ||
		fail "dkms status does not say installed for $KVER: $(dkms status -m podvs)"
	dkms_ko >/dev/null ||
		fail "modinfo finds $(modinfo -n podvs 2>&1), not the DKMS build"
	[ "$(modinfo -F version podvs)" = "$VERSION" ] ||
		fail "modinfo version $(modinfo -F version podvs), not $VERSION"
}

modprobe_loads() {
	local built dep out
	[ ! -e /sys/module/podvs ] || fail "podvs already loaded"
	modprobe podvs
	[ -d /sys/module/podvs ] || fail "modprobe podvs did not load it"
	for dep in $(modinfo -F depends podvs | tr , ' '); do
		[ -d "/sys/module/$dep" ] || fail "dependency $dep not loaded"
	done
	built=$(modinfo -F srcversion "$(dkms_ko)")
	[ "$(cat /sys/module/podvs/srcversion)" = "$built" ] ||
		fail "the loaded module is not the DKMS build"
	out=$("$ADM" --version)
	log "$out"
	grep -q "^podvsadm v$VERSION " <<<"$out" || fail "the packaged podvsadm is not $VERSION"
	grep -q "module $VERSION " <<<"$out" || fail "podvsadm does not reach the DKMS-built module"
	out=$(/usr/sbin/podvsd --version)
	grep -q "^podvsd $VERSION " <<<"$out" || fail "podvsd --version: $out"
}

forwards() {
	local out src pod peer seen=''
	topo_setup 2 4
	in_ns "$GW" "$ADM" -A -t "$VIP4:80" -s rr
	in_ns "$GW" "$ADM" -a -t "$VIP4:80" -r "$(pod4 1):8080" -m
	in_ns "$GW" "$ADM" -a -t "$VIP4:80" -r "$(pod4 2):8080" -m
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 -s "$(client4 0)" \
		-s "$(client4 1)" -s "$(client4 2)" -s "$(client4 3)")
	log "$out"
	while read -r src pod peer; do
		[ "$pod" != ERROR ] || fail "$src: $peer"
		[ "$peer" = "$src" ] || fail "$pod saw $peer, not the client $src"
		seen+=" $pod"
	done <<<"$out"
	grep -qw pod1 <<<"$seen" || fail "the VIP did not reach pod1:$seen"
	grep -qw pod2 <<<"$seen" || fail "the VIP did not reach pod2:$seen"
	in_ns "$GW" "$ADM" -C
}

unit_verify() {
	local unit out
	unit=$(unit_path) || fail "podvs ships no podvsd.service"
	log "unit: $unit"
	out=$(systemd-analyze verify "$unit" 2>&1) || {
		log "$out"
		fail "systemd-analyze verify $unit failed"
	}
	[ -z "$out" ] || log "$out"
}

# podvsd as the unit starts it: its ExecStart= with /etc/default/podvsd
# read as EnvironmentFile= does, NODE_NAME as Environment=NODE_NAME=%H.
start_unit_podvsd() {
	local cmd
	cmd=$(sed -n 's/^ExecStart=//p' "$(unit_path)")
	(
		set -a
		# shellcheck disable=SC1091 # the installed file
		. /etc/default/podvsd
		set +a
		# shellcheck disable=SC2086 # $PODVSD_ARGS splits, as systemd's does
		ip netns exec "$GW" env NODE_NAME="$(hostname)" \
			${cmd//\$PODVSD_ARGS/$PODVSD_ARGS} >>"$TOPO_DIR/podvsd.log" 2>&1 &
		echo $! >"$TOPO_DIR/podvsd.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$TOPO_DIR/podvsd.rc"
	) </dev/null >/dev/null 2>&1 &
	wait_until 100 test -s "$TOPO_DIR/podvsd.pid" || fail "podvsd did not start"
}

web_service() {
	apply <<EOT
{"kind": "Service", "metadata": {"name": "web", "namespace": "default"},
 "spec": {"type": "LoadBalancer", "loadBalancerClass": "podvs.io/direct",
  "ipFamilies": ["IPv4"], "ports": [{"name": "http", "port": 80,
  "targetPort": "http", "protocol": "TCP"}]},
 "status": {"loadBalancer": {"ingress": [{"ip": "$VIP4"}]}}}
EOT
	apply <<EOT
{"kind": "EndpointSlice", "metadata": {"name": "web-v4", "namespace": "default",
  "labels": {"kubernetes.io/service-name": "web"}},
 "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
 "endpoints": [
  {"addresses": ["$(pod4 1)"], "conditions": {"ready": true, "serving": true, "terminating": false},
   "targetRef": {"kind": "Pod", "namespace": "default", "name": "pod1"}},
  {"addresses": ["$(pod4 2)"], "conditions": {"ready": true, "serving": true, "terminating": false},
   "targetRef": {"kind": "Pod", "namespace": "default", "name": "pod2"}}]}
EOT
}

programmed() {
	local t
	t=$(in_ns "$GW" "$ADM" -Sn)
	grep -q -- "-a -t $VIP4:80 -r $(pod4 1):8080" <<<"$t" &&
		grep -q -- "-a -t $VIP4:80 -r $(pod4 2):8080" <<<"$t"
}

podvsd_defaults() {
	local out
	grep -q '^PODVSD_ARGS="--kubeconfig /etc/podvs/kubeconfig"' /etc/default/podvsd ||
		fail "/etc/default/podvsd does not hold the documented default"
	start_apiserver
	mkdir -p /etc/podvs
	cp "$FADIR/kubeconfig" /etc/podvs/kubeconfig
	start_unit_podvsd
	wait_until $((2 * CONVERGE)) ready || {
		show_podvsd_log
		fail "podvsd with the packaged defaults did not become ready"
	}
	log "podvsd ready on the default metrics address"
	web_service
	wait_until "$CONVERGE" programmed || {
		show_podvsd_log
		fail "podvsd did not program the Service: $(in_ns "$GW" "$ADM" -Sn)"
	}
	out=$(traffic "$CL" hello -p tcp -d "$VIP4" -P 80 -s "$(client4 0)")
	log "$out"
	grep -q " pod[12] $(client4 0)\$" <<<"$out" || fail "no reply through podvsd's service"
	stop_podvsd
	rm -rf /etc/podvs
}

unsupported_kernel() {
	local out rc=0
	mkdir -p "/lib/modules/$FAKE_KVER"
	ln -s "$(readlink -f "/lib/modules/$KVER/build")" "/lib/modules/$FAKE_KVER/build"
	out=$(dkms build -m podvs -v "$VERSION" -k "$FAKE_KVER" 2>&1) || rc=$?
	log "$out"
	[ "$rc" -ne 0 ] || fail "dkms build for $FAKE_KVER succeeded"
	grep -q "podvs: not built for Linux $FAKE_KVER: podvs supports Linux 6.1 and 6.12 only" <<<"$out" ||
		fail "no message naming the supported range"
	grep -q 'BUILD_EXCLUSIVE' <<<"$out" || fail "not refused by BUILD_EXCLUSIVE_KERNEL"
	[ ! -e "/var/lib/dkms/podvs/$VERSION/$FAKE_KVER" ] || fail "DKMS made a build for $FAKE_KVER"
	[ -z "$(find "/lib/modules/$FAKE_KVER" -name 'podvs.ko*')" ] ||
		fail "a podvs.ko was installed for $FAKE_KVER"
	! dkms status -m podvs -k "$FAKE_KVER" | grep -q "$FAKE_KVER" ||
		fail "dkms status lists $FAKE_KVER: $(dkms status -m podvs)"
	rm -rf "/lib/modules/$FAKE_KVER"
}

# No namespace may hold a podvs link (a module reference) at the purge.
release_module() {
	local ns
	topo_kill_servers
	for ns in $(ip netns list | awk '{print $1}'); do
		case $ns in *-"$PODVS_NS_TAG") ip netns delete "$ns" ;; esac
	done
	wait_until 300 test "$(cat /sys/module/podvs/refcnt)" = 0 ||
		fail "podvs still in use: refcnt $(cat /sys/module/podvs/refcnt)"
}

purge() {
	local f left=''
	[ ! -e /sys/module/podvs ] || release_module
	dpkg --purge "${PKGS[@]}" >"$TOPO_DIR/dpkg-purge.log" 2>&1 || {
		tail -n 30 "$TOPO_DIR/dpkg-purge.log"
		fail "dpkg --purge failed"
	}
	! installed podvs || fail "podvs still installed"
	! installed podvs-dkms || fail "podvs-dkms still installed"
	[ -z "$(dkms status -m podvs)" ] || fail "dkms status not empty: $(dkms status -m podvs)"
	while read -r f; do
		[ ! -e "$f" ] || left+=" $f"
	done <"$FILES"
	[ -z "$left" ] || fail "left behind:$left"
	[ ! -e "/usr/src/podvs-$VERSION" ] || fail "/usr/src/podvs-$VERSION left"
	[ ! -e /var/lib/dkms/podvs ] || fail "/var/lib/dkms/podvs left: $(ls -R /var/lib/dkms/podvs)"
	[ -z "$(find /etc/systemd /var/lib/systemd -name 'podvsd*' 2>/dev/null)" ] ||
		fail "systemd state left: $(find /etc/systemd /var/lib/systemd -name 'podvsd*')"
	! modinfo -n podvs 2>/dev/null || fail "podvs still installed: $(modinfo -n podvs)"
	! lsmod | grep -q '^podvs ' || fail "lsmod still shows podvs"
}

topo_init
on_exit cleanup
run_scenario "packages for $VERSION and kernel headers present" packages
run_scenario "dpkg -i podvs podvs-dkms: DKMS builds and installs for $KVER" dpkg_install
run_scenario "modprobe podvs loads the DKMS build with its dependencies" modprobe_loads
run_scenario "a VIP forwards to two Pods (packaged podvsadm)" forwards
run_scenario "systemd-analyze verify passes on the installed unit" unit_verify
run_scenario "podvsd with the packaged defaults: ready, programs a Service" podvsd_defaults
run_scenario "DKMS refuses $FAKE_KVER, names the range, builds nothing" unsupported_kernel
run_scenario "dpkg --purge: no files, no DKMS entry, podvs not in lsmod" purge
