/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIPs on a dummy link (podvs0 by default), through rtnetlink (libmnl, as
 * libpodvs speaks generic netlink), so the node answers ARP/ND for them
 * and accepts them as local, as kube-proxy's IPVS mode does with
 * kube-ipvs0.  The link is podvsd's: every global address on it that no
 * selected Service uses is removed (link-local addresses the kernel adds
 * are left alone).
 *
 * Each request waits for its answer on the one blocking socket: a few per
 * VIP change, at sync time only.  The forwarding sysctls are node/sysctl.h.
 */
#ifndef PODVSD_VIPLINK_H
#define PODVSD_VIPLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "base/hmap.h"
#include "base/log.h"

struct mnl_socket;

struct pd_viplink {
	struct mnl_socket *sk;
	unsigned int portid;
	uint32_t seq;
	char *buf;			/* requests and replies, 32 KiB */
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

#endif /* PODVSD_VIPLINK_H */
