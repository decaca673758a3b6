/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIPs on a dummy link (podvs0 by default), through libnl-route-3, so the
 * node answers ARP/ND for them and accepts them as local, as kube-proxy's
 * IPVS mode does with kube-ipvs0.  The link is podvsd's: every global
 * address on it that no selected Service uses is removed (link-local
 * addresses the kernel adds are left alone).
 *
 * Also the sysctls NAT forwarding to Pods needs, set once at start with a
 * log line each: net.ipv4.ip_forward=1, net.ipv6.conf.all.forwarding=1.
 */
#ifndef PODVSD_VIPLINK_H
#define PODVSD_VIPLINK_H

#include <stdbool.h>

#include "base/hmap.h"
#include "base/log.h"

struct nl_sock;

struct pd_viplink {
	struct nl_sock *sk;
	char name[16];
	int ifindex;
	struct pd_log *log;
	unsigned long added, removed, errors;
};

/* Find or create the dummy link, set it up.  Errors: message in @err. */
int pd_viplink_open(struct pd_viplink *l, const char *name,
		    struct pd_log *log, char *err, size_t errlen);
void pd_viplink_close(struct pd_viplink *l);
/* Make the link's global addresses the keys of @vips (struct pd_addr). */
int pd_viplink_sync(struct pd_viplink *l, const struct pd_hmap *vips);

/*
 * pd_sysctl_ensure - make /proc/sys/@name (dots as in sysctl(8)) hold
 * @value; @root replaces "/proc/sys" (tests).  Logs when it changes.
 * 0, or -errno.
 */
int pd_sysctl_ensure(const char *root, const char *name, const char *value,
		     struct pd_log *log);

#endif /* PODVSD_VIPLINK_H */
