/* SPDX-License-Identifier: GPL-2.0 */
/*
 * podvs: every difference between the kernels podvs builds for, in one
 * place.  Supported: Linux 6.1 (Debian 12) and 6.12 (Debian 12 updates,
 * Debian 13); dkms.conf refuses any other line.  Each shim names the
 * kernel version that changed the interface; code outside this header
 * never tests LINUX_VERSION_CODE.
 */
#ifndef _PODVS_COMPAT_H
#define _PODVS_COMPAT_H

#include <linux/netdevice.h>
#include <linux/version.h>
#include <net/genetlink.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
/* 6.4 moved the GSO helpers (skb_gso_validate_network_len) to net/gso.h. */
#include <net/gso.h>
#endif

/*
 * The attributes genetlink parsed for a dump request.  6.2 embedded a
 * struct genl_info in struct genl_dumpit_info; before, attrs was its own
 * member.
 */
static inline struct nlattr **podvs_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * A device with lockless transmit that never leaves its namespace.  6.12
 * turned NETIF_F_LLTX into dev->lltx and NETIF_F_NETNS_LOCAL into a
 * device flag; the 6.12 stable line (Debian's 6.12.y) carries the 6.13
 * name netns_immutable for the latter.
 */
static inline void podvs_dev_set_lltx_netns_local(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->lltx = true;
	dev->netns_immutable = true;
#else
	dev->features |= NETIF_F_LLTX | NETIF_F_NETNS_LOCAL;
	dev->hw_features |= NETIF_F_LLTX;
#endif
}

/* Whether the device is pinned to its namespace (6.12: see above). */
static inline bool podvs_dev_netns_local(const struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return dev->netns_immutable;
#else
	return dev->features & NETIF_F_NETNS_LOCAL;
#endif
}

#endif /* _PODVS_COMPAT_H */
