#!/bin/bash
# Install every Debian package that building, testing and the demo need.
# Idempotent: packages already present are left alone; apt-get update runs
# only when something is missing.
set -euo pipefail

PKGS=(
	build-essential pkg-config git python3
	linux-headers-amd64 linux-source-6.1
	flex bison bc libelf-dev libssl-dev dwarves cpio
	qemu-system-x86 busybox-static
	dkms kmod
	libmnl-dev libcjson-dev
	libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev libcmocka-dev libyaml-dev
	ipvsadm iptables nftables iproute2 iperf3 wrk socat netcat-openbsd
	procps shellcheck openssl sparse
	clang libclang-rt-14-dev
	bird2 nghttp2-proxy
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
