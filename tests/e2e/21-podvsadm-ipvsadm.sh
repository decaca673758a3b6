#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel: debian
#
# Output compatibility with ipvsadm: the same commands are given to ipvsadm
# (IPVS from the guest kernel, in namespace ipvs) and to podvsadm (podvs, in
# namespace podvs), and their listings are compared byte for byte.
#
#   ipvs-NS:  ipvsadm ARGS  --> ip_vs, ip_vs_{rr,wrr,lc,sh,mh}
#   podvs-NS: podvsadm ARGS --> podvs.ko
#
# Normalised, and only this: the first line of -L ("IP Virtual Server
# version 1.2.1 (size=4096)" for IPVS, "... version <podvs version>
# (size=N) podvs" for podvs) is dropped before comparing.  Scheduler names
# need no mapping: only schedulers both have are used (rr wrr lc sh mh), and
# every dest is given -m (IPVS's default is -g, which podvs does not have).
# The tables carry no traffic, so counters and rates are all zero on both.
set -e
. "$(dirname "$0")/lib.sh"

I=ipvs-$PODVS_NS_TAG
P=podvs-$PODVS_NS_TAG
R=restored-$PODVS_NS_TAG

# the same command on both sides
both() {
	in_ns "$I" ipvsadm "$@" || fail "ipvsadm $* failed"
	in_ns "$P" "$PODVSADM" "$@" || fail "podvsadm $* failed"
}

# compare WHAT ARGS...: the listing of ARGS is the same on both sides
compare() {
	local what=$1 a b
	shift
	a=$(in_ns "$I" ipvsadm "$@")
	b=$(in_ns "$P" "$PODVSADM" "$@")
	if [ "$what" = list ]; then
		a=$(tail -n +2 <<<"$a")
		b=$(tail -n +2 <<<"$b")
	fi
	log "ipvsadm $*:"
	log "$a"
	[ "$a" = "$b" ] && return 0
	diff <(echo "$a") <(echo "$b") | sed 's/^/    /' >&2 || true
	fail "ipvsadm $* and podvsadm $* differ (< ipvsadm, > podvsadm)"
}

setup() {
	local m
	modprobe ip_vs 2>/dev/null || skip "no ip_vs module in this kernel"
	for m in ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_sh ip_vs_mh; do
		modprobe "$m" || skip "no $m module in this kernel"
	done
	podvs_load
	netns_add ipvs >/dev/null
	netns_add podvs >/dev/null
	netns_add restored >/dev/null
	on_exit "modprobe -r ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_sh ip_vs_mh ip_vs"
}

build() {
	both -A -t 192.0.2.1:80 -s rr
	both -a -t 192.0.2.1:80 -r 10.0.0.2:8080 -m -w 3
	both -a -t 192.0.2.1:80 -r 10.0.0.1:8080 -m
	both -a -t 192.0.2.1:80 -r 10.0.0.10:80 -m -w 65535
	both -A -t 192.0.2.1:443 -s mh -b mh-port,mh-fallback -p 600 -M 255.255.255.0
	both -a -t 192.0.2.1:443 -r 10.0.0.1 -m -w 0
	both -A -u 192.0.2.1:53 -s sh -b sh-port
	both -a -u 192.0.2.1:53 -r 10.0.0.3:5353 -m -w 2
	both -A -u 198.51.100.200:5000 -s lc -p
	both -a -u 198.51.100.200:5000 -r 203.0.113.9:5001 -m
	both -A -t '[2001:db8::1]:80' -s wrr -p 10800 -M 64
	both -a -t '[2001:db8::1]:80' -r '[2001:db8::10]:8080' -m -w 5
	both -a -t '[2001:db8::1]:80' -r '[2001:db8::9]:8080' -m -w 5
	both -A -u '[2001:db8::2]:53' -s mh
	both -a -u '[2001:db8::2]:53' -r 2001:db8:1::53 -m
	both -E -t 192.0.2.1:80 -s wrr
	both -e -t 192.0.2.1:80 -r 10.0.0.2:8080 -m -w 7
	both -d -t 192.0.2.1:80 -r 10.0.0.10:80
}

lists() {
	compare list -Ln
	compare list -Ln --stats
	compare list -Ln --rate
	compare list -Ln --stats --exact
	compare list -Ln --persistent-conn
}

one_service() {
	# ipvsadm prints no version line for one service: compare whole output
	compare exact -Ln -t 192.0.2.1:443
	compare exact -Ln -u '[2001:db8::2]:53'
}

save() {
	compare exact -Sn
}

restore_ipvsadm_save() {
	local saved
	saved=$(in_ns "$I" ipvsadm -Sn)
	in_ns "$R" "$PODVSADM" -R <<<"$saved"
	[ "$(in_ns "$R" "$PODVSADM" -Sn)" = "$saved" ] ||
		fail "podvsadm -R of ipvsadm -Sn did not give the same table"
}

timeouts() {
	both --set 901 121 301
	compare exact -L --timeout
	both --set 0 0 302
	compare exact -L --timeout
}

connections() {
	# no traffic: both print only the titles
	compare exact -Lnc
}

zero_and_delete() {
	both -Z
	both -Z -t 192.0.2.1:80
	both -D -u 198.51.100.200:5000
	compare list -Ln
	both -C
	compare list -Ln
}

run_scenario "setup: ip_vs and podvs loaded, namespaces" setup
if ! in_ns "$I" true 2>/dev/null; then
	skip_scenario "the rest" "no IPVS"
	exit 0
fi
run_scenario "the same ipvsadm commands on both sides" build
run_scenario "-Ln, --stats, --rate, --exact, --persistent-conn match" lists
run_scenario "-Ln -t/-u for one service matches" one_service
run_scenario "-Sn matches" save
run_scenario "podvsadm -R restores ipvsadm -Sn output" restore_ipvsadm_save
run_scenario "--set and -L --timeout match" timeouts
run_scenario "-Lnc titles match" connections
run_scenario "-Z, -D and -C leave matching tables" zero_and_delete
