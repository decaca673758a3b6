# SPDX-License-Identifier: GPL-2.0
#
# podvs top-level build.  Targets:
#   all (default)  podvs.ko against KDIR, plus podvsadm and podvsd
#   deps           install every Debian package the build, tests and demo need
#   test           unit + kunit + e2e; ends with "N passed, N failed[, N skipped]"
#   unit kunit e2e one kind of test each
#   bench          benchmarks (ratios against IPVS, iptables, nftables)
#   demo           boot the Debian-kernel VM and show a VIP forwarding to Pods
#   style          checkpatch on kmod/ and include/, shellcheck, clang-format
#   check          style, sparse and W=1 on kmod, import circles, the unit
#                  tests under ASan+UBSan, a short run of every fuzzer
#   fuzz           every libFuzzer harness for FUZZ_SECONDS (default 60)
#   install, dkms-install

KVER_DEBIAN := $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
		 grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n1 | sed 's/^linux-headers-//')
KDIR    ?= /lib/modules/$(KVER_DEBIAN)/build
PREFIX  ?= /usr/local
VERSION := $(shell cat $(CURDIR)/VERSION)
B       := $(CURDIR)/build

all: kmod userspace

kmod:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C netlink-daemon B=$(B)/user

deps:
	scripts/deps.sh

unit:
	tests/run-all unit

kunit:
	tests/run-all kunit

e2e:
	tests/run-all e2e

test:
	tests/run-all

bench:
	tests/bench/run

demo:
	scripts/demo.sh

style:
	scripts/style.sh

check:
	scripts/check.sh

FUZZ_SECONDS ?= 60
fuzz:
	tests/fuzz/run $(FUZZ_SECONDS)

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	install -D -m 0755 $(B)/user/podvsadm $(DESTDIR)$(PREFIX)/sbin/podvsadm
	install -D -m 0755 $(B)/user/podvsd $(DESTDIR)$(PREFIX)/sbin/podvsd

dkms-install:
	scripts/dkms-install.sh $(VERSION)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean || true
	rm -rf $(B)

.PHONY: all kmod userspace deps unit kunit e2e test bench demo style check fuzz \
	install dkms-install clean
