#!/bin/bash
# Install every Debian package that building, testing and the demo need.
# Idempotent: packages already present are left alone; apt-get update runs
# only when something is missing, or when apt does not know the 6.12 kernel
# packages.  Those are never installed: tests/vm/kernel debian612 fetches
# them with apt-get download and unpacks them into the kernel cache, which
# needs only what is listed here (gcc-12 for its headers, xz for its
# compressed modules).
set -euo pipefail

PKGS=(
	build-essential pkg-config git python3
	linux-headers-amd64 linux-source-6.1
	flex bison bc libelf-dev libssl-dev dwarves cpio
	qemu-system-x86 busybox-static
	dkms kmod
	debhelper dh-dkms dpkg-dev lintian
	mmdebstrap umoci skopeo
	libmnl-dev libcjson-dev
	libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev libcmocka-dev libyaml-dev
	ipvsadm iptables nftables iproute2 iperf3 wrk socat netcat-openbsd
	procps shellcheck openssl sparse
	gcc-12 xz-utils zstd
	clang libclang-rt-14-dev
	bird2 nghttp2-proxy
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done

# what tests/vm/kernel debian612 downloads (not installs) must be known
known612() {
	apt-cache show linux-image-6.12-amd64 linux-headers-6.12-amd64 >/dev/null 2>&1
}

if [ ${#missing[@]} -eq 0 ] && known612; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
known612 || { echo "deps: apt knows no linux-image-6.12-amd64 (bookworm-updates/security?)" >&2; exit 1; }
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
apt-get install -y -q --no-install-recommends "${missing[@]}"
