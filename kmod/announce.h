/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIP announcement: the links of kind "podvs" and the watchdog that drives
 * their carrier (uapi: "VIP announcement").
 *
 * A fleet of gateways announces its VIPs with a routing daemon (BIRD's
 * direct protocol with `check link yes`) from links of kind "podvs" that
 * carry the VIP addresses.  The routes follow the carrier of those links,
 * and the carrier of every podvs link of a namespace is on only while
 *   - the watchdog runs: a SET_ANNOUNCE with HOLD came less than HOLD
 *     seconds ago (podvsd's heartbeat),
 *   - READY is 1 (podvsd says it can serve), and
 *   - DECOMMISSIONED is 0 (the operator's switch).
 * A dead podvsd cannot withdraw anything; the module outlives it, so the
 * watchdog lives here: HOLD seconds after the last heartbeat the carrier
 * goes off and the routing daemon withdraws the routes.
 *
 * announce.c holds the per-namespace state and the watchdog;
 * announce_link.c the link kind (rtnl_link_ops), which calls
 * podvs_ann_link_add/del from its ndo_init/ndo_uninit.
 */
#ifndef _PODVS_ANNOUNCE_H
#define _PODVS_ANNOUNCE_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>

struct podvs_net;

/*
 * Per-namespace state, in struct podvs_net.
 *
 * Locking: lock protects every field and the links list.  The watchdog
 * timer runs in softirq, so process context takes it with spin_lock_bh().
 * Carrier changes (netif_carrier_on/off) are made under it: they are safe
 * in atomic context and take no rtnl.  Links join and leave the list from
 * ndo_init/ndo_uninit (under rtnl, which is taken outside lock, never
 * inside it).  A link on the list is registered or being unregistered,
 * never freed: ndo_uninit runs before the device can go.
 */
struct podvs_announce {
	spinlock_t lock;		/* see above; BH-safe */
	struct timer_list timer;
	struct list_head links;		/* struct podvs_link.node */
	unsigned long deadline;		/* jiffies; meaningful while running */
	u32 hold;			/* seconds; 0: never started */
	u32 expiries;			/* times the watchdog fired */
	u32 nlinks;
	bool running;			/* a heartbeat came < hold ago */
	bool ready;
	bool decommissioned;
	bool up;			/* the carrier the links have */
};

/* The private part of a podvs link; pn is its namespace's, for good (the
 * link cannot change namespace: podvs_dev_set_lltx_netns_local()).
 */
struct podvs_link {
	struct list_head node;
	struct net_device *dev;
	struct podvs_net *pn;
};

/* A SET_ANNOUNCE: the has_* fields say what it changes. */
struct podvs_ann_req {
	bool has_hold, has_ready, has_decommissioned;
	u32 hold;			/* seconds, 1..PODVS_ANN_HOLD_MAX */
	bool ready, decommissioned;
};

#define PODVS_ANN_HOLD_MIN	1
#define PODVS_ANN_HOLD_MAX	3600

/* A GET_ANNOUNCE: the state at one instant. */
struct podvs_ann_snap {
	u32 hold, remaining_ms, expiries, links;
	bool ready, decommissioned, up;
};

/* The carrier rule. */
static inline bool podvs_ann_carrier(bool running, bool ready,
				     bool decommissioned)
{
	return running && ready && !decommissioned;
}

/* From podvs_net_setup / podvs_net_teardown.  exit stops the watchdog for
 * good (timer_shutdown_sync); the links are gone by then (the netns's
 * devices are deleted before its subsystems exit, and module unload
 * unregisters the link kind before the pernet ops).
 */
void podvs_ann_net_init(struct podvs_net *pn);
void podvs_ann_net_exit(struct podvs_net *pn);

/* Apply a request; true if what GET_ANNOUNCE shows other than the
 * countdown changed (hold, ready, decommissioned, up), i.e. it was more
 * than a heartbeat.  Process context; takes lock.
 */
bool podvs_ann_set(struct podvs_net *pn, const struct podvs_ann_req *req);
void podvs_ann_read(struct podvs_net *pn, struct podvs_ann_snap *s);
/* The watchdog fires: as the timer does at the deadline, without waiting
 * for it (KUnit).  No-op if it is not running.
 */
void podvs_ann_expire(struct podvs_net *pn);

/* announce_link.c calls these from ndo_init / ndo_uninit (under rtnl). */
void podvs_ann_link_add(struct podvs_net *pn, struct podvs_link *l);
void podvs_ann_link_del(struct podvs_link *l);

/* announce_link.c: the "podvs" link kind, registered in main.c after the
 * pernet ops and unregistered before them (which deletes every link).
 */
int podvs_link_register(void);
void podvs_link_unregister(void);

#endif /* _PODVS_ANNOUNCE_H */
