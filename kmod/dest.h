/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real servers (Pod addresses) of a virtual service.
 */
#ifndef _PODVS_DEST_H
#define _PODVS_DEST_H

#include <linux/netfilter.h>
#include <linux/refcount.h>
#include "stats.h"

struct podvs_service;

struct podvs_dest {
	struct list_head node;		/* svc->dests, under podvs_net.lock */
	struct podvs_service __rcu *svc; /* NULL once unlinked */
	union nf_inet_addr addr;
	__be16 port;
	u16 af;
	/* written under podvs_net.lock, read locklessly (READ_ONCE) */
	u32 weight;
	u32 flags;			/* enum podvs_dest_flags */
	/* set when the dest is deleted: its flows end (TCP: RST) */
	bool dead;
	char owner[PODVS_OWNER_LEN];
	atomic_t active_conns;
	atomic_t inactive_conns;
	atomic_t persist_conns;
	struct podvs_stats stats;
	/* one reference from the service's list, one per connection */
	refcount_t refcnt;
	struct rcu_head rcu;
};

/* Usable for new flows: not drained, not dead, weight > 0. */
static inline bool podvs_dest_available(const struct podvs_dest *d)
{
	return !READ_ONCE(d->dead) && READ_ONCE(d->weight) &&
	       !(READ_ONCE(d->flags) & PODVS_DEST_F_DRAIN);
}

struct podvs_dest *podvs_dest_alloc(u16 af, const union nf_inet_addr *addr,
				    __be16 port);
static inline struct podvs_dest *podvs_dest_get(struct podvs_dest *d)
{
	refcount_inc(&d->refcnt);
	return d;
}

void podvs_dest_put(struct podvs_dest *d);	/* frees after RCU grace */

#endif /* _PODVS_DEST_H */
