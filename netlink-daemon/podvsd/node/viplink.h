/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIPs on a link of kind "podvs" (podvs0 by default; PODVS_LINK_KIND, a
 * link type the podvs module provides), through rtnetlink (libmnl, as
 * libpodvs speaks generic netlink), so the node answers ARP/ND for them
 * and accepts them as local, and a routing daemon announces them while
 * the link's carrier is on (uapi "VIP announcement").  The link is
 * podvsd's: a link of that name and another kind (the dummy of an older
 * podvsd) is deleted and replaced, with a warning.  With a module that
 * has no announcement (older, or libpodvs without it) the link is a
 * dummy, as before, and nothing drives its carrier; every global address on
 * it that node/announce.h does not want is removed (link-local addresses
 * the kernel adds are left alone).  The link goes with the module: each
 * sync looks it up first and recreates it when it is gone.
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
	char kind[16];			/* PODVS_LINK_KIND, or "dummy" */
	int ifindex;
	struct pd_log *log;
	unsigned long added, removed, errors;
};

/*
 * Find or create the link of @kind (PODVS_LINK_KIND; "dummy" for a module
 * without announcement), set it up.  Errors: message in @err.
 */
int pd_viplink_open(struct pd_viplink *l, const char *name, const char *kind,
		    struct pd_log *log, char *err, size_t errlen);
/* Find, replace or create the link again: 1 if it is a new link (no
 * addresses), 0 if it was there, -errno with @err. */
int pd_viplink_ensure(struct pd_viplink *l, char *err, size_t errlen);
void pd_viplink_close(struct pd_viplink *l);
/* Make the link's global addresses the keys of @vips (struct pd_addr),
 * recreating the link first if it is gone. */
int pd_viplink_sync(struct pd_viplink *l, const struct pd_hmap *vips);

#endif /* PODVSD_VIPLINK_H */
