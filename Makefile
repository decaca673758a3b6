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
#   install        everything below, into $(DESTDIR) with $(PREFIX) (default
#                  /usr/local): install-kmod install-user
#   install-kmod   podvs.ko by modules_install, INSTALL_MOD_PATH=$(DESTDIR)
#   install-user   podvsadm, podvsd, their man pages, bash completion, the
#                  systemd unit, /etc/default/podvsd
#   install-dkms-src  the DKMS source tree $(DESTDIR)/usr/src/podvs-VERSION
#   dkms-install   install-dkms-src on this machine, then dkms add/build/install
#   manifests      build/deploy/: the DaemonSet naming the image of VERSION
#   deb            build/deb/: the podvs and podvs-dkms Debian packages
#   image          build/image/podvs-VERSION.oci.tar: the DaemonSet's image
#                  (mmdebstrap + umoci, from the podvs package; root)

KVER_DEBIAN := $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
		 grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n1 | sed 's/^linux-headers-//')
KDIR    ?= /lib/modules/$(KVER_DEBIAN)/build
PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# /usr: where this distribution's systemd looks (Debian 12: /lib); any
# other prefix: its own lib/systemd/system, which systemd also searches for
# /usr/local.
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),$(or $(shell pkg-config \
	--variable=systemdsystemunitdir systemd 2>/dev/null),/usr/lib/systemd/system),$(PREFIX)/lib/systemd/system)
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

D := netlink-daemon
SUBST_VERSION = sed 's/@VERSION@/$(VERSION)/g'

install: install-kmod install-user

install-kmod: kmod
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install

install-user: userspace
	install -D -m 0755 $(B)/user/podvsadm $(DESTDIR)$(SBINDIR)/podvsadm
	install -D -m 0755 $(B)/user/podvsd $(DESTDIR)$(SBINDIR)/podvsd
	install -d $(DESTDIR)$(MANDIR)/man8
	$(SUBST_VERSION) $(D)/podvsadm/podvsadm.8 >$(DESTDIR)$(MANDIR)/man8/podvsadm.8
	$(SUBST_VERSION) $(D)/podvsd/podvsd.8 >$(DESTDIR)$(MANDIR)/man8/podvsd.8
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/podvsadm.8 $(DESTDIR)$(MANDIR)/man8/podvsd.8
	install -D -m 0644 $(D)/podvsadm/podvsadm.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/podvsadm
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/sbin/|$(SBINDIR)/|g' $(D)/deploy/podvsd.service \
		>$(DESTDIR)$(UNITDIR)/podvsd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/podvsd.service
	install -D -m 0644 $(D)/deploy/podvsd.default $(DESTDIR)$(SYSCONFDIR)/default/podvsd

install-dkms-src:
	rm -rf $(DESTDIR)/usr/src/podvs-$(VERSION)
	scripts/dkms-src.sh $(DESTDIR)/usr/src/podvs-$(VERSION) $(VERSION)

dkms-install:
	scripts/dkms-install.sh $(VERSION)

deb:
	scripts/deb.sh

image:
	scripts/image.sh

manifests:
	mkdir -p $(B)/deploy
	$(SUBST_VERSION) $(D)/deploy/daemonset.yaml.in >$(B)/deploy/daemonset.yaml

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean || true
	rm -rf $(B)

.PHONY: all kmod userspace deps unit kunit e2e test bench demo style check fuzz \
	install install-kmod install-user install-dkms-src dkms-install manifests deb \
	image clean
