/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real servers (Pod addresses) of a virtual service.
 *
 * Lifetime: one reference from the service's list, one per scheduler state
 * that lists the dest, one per connection.  The memory is freed an RCU
 * grace period after the last reference goes, so a reader that found the
 * dest under rcu_read_lock may still look at it; it may take a reference
 * only through a scheduler state or connection it holds (refcount > 0).
 */
#ifndef _PODVS_DEST_H
#define _PODVS_DEST_H

#include <linux/netfilter.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <uapi/linux/podvs.h>
#include "stats.h"

struct podvs_filter;
struct podvs_service;
struct podvs_net;
struct podvs_txn;

/* Reverse-translation key (revnat.h): a Pod address and port as the
 * source of its packets.  No padding: hashed as bytes.
 */
struct podvs_rev_key {
	union nf_inet_addr addr;
	__be16 port;
	u16 af;
	u8 protocol;
	u8 pad[3];
};

/* Control-plane hash key: dests are unique per (service, addr, port). */
struct podvs_dest_key {
	const struct podvs_service *svc;
	union nf_inet_addr addr;
	__be16 port;
	u8 pad[6];
};

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
	/* once linked: the filter counting addr and vip until the last put */
	struct podvs_filter *filter;
	union nf_inet_addr vip;
	char owner[PODVS_OWNER_LEN];
	atomic_t active_conns;
	atomic_t inactive_conns;
	atomic_t persist_conns;
	struct podvs_stats stats;
	/* from the service's list, each scheduler state, each connection */
	refcount_t refcnt;
	struct rcu_head rcu;

	/* reverse translation (revnat.c): in podvs_svc_table.rev from the
	 * op that adds the dest to its deletion; seen by the datapath only
	 * while rev_live, which commits set and clear (READ_ONCE)
	 */
	struct podvs_rev_key rkey;
	struct rhlist_head rnode;
	bool rev_live;
	bool rev_hashed;		/* under podvs_net.lock */

	/* control plane only, under podvs_net.lock */
	struct podvs_dest_key hkey;
	struct rhash_head hnode;	/* podvs_svc_table.dests */
	u64 id;				/* creation order, for dumps */
	bool hashed;			/* in podvs_svc_table.dests */
	bool zombie;			/* deleted by an uncommitted batch */
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

/* A parsed dest request; present has BIT(PODVS_DEST_A_x) per attribute. */
struct podvs_dest_conf {
	union nf_inet_addr addr;
	__be16 port;
	u32 weight;
	u32 flags;
	u32 flags_mask;
	char owner[PODVS_OWNER_LEN];
	u32 present;
};

#define PODVS_DEST_WEIGHT_MAX	65535

/* Control plane, under podvs_net.lock.  find skips dests deleted by the
 * running batch.  new/set/del record their undo in the batch; the dest
 * stays usable by existing flows until the batch commits.
 */
struct podvs_dest *podvs_dest_find(struct podvs_service *svc,
				   const union nf_inet_addr *addr,
				   __be16 port);
int podvs_dest_new(struct podvs_txn *t, struct podvs_service *svc,
		   const struct podvs_dest_conf *c);
int podvs_dest_set(struct podvs_txn *t, struct podvs_dest *d,
		   const struct podvs_dest_conf *c);
int podvs_dest_del(struct podvs_txn *t, struct podvs_dest *d);
/* Dumps: the dest after prev, or the first after id (prev NULL). */
struct podvs_dest *podvs_dest_next(struct podvs_service *svc,
				   struct podvs_dest *prev, u64 id);

/* Used by the batch transaction (txn.c). */
struct podvs_undo;
void podvs_dest_undo_new(struct podvs_net *pn, struct podvs_dest *d,
			 struct podvs_dest *replaced);
void podvs_dest_undo_set(struct podvs_dest *d, const struct podvs_undo *u);
void podvs_dest_undo_del(struct podvs_net *pn, struct podvs_dest *d);
/* Delete now: unlink, mark dead, drop the list's ref.  True if flows may
 * still use it: the caller then ends them, for every dest it killed at
 * once, with one podvs_conn_flush_dead().
 */
bool podvs_dest_kill(struct podvs_net *pn, struct podvs_dest *d);

struct podvs_svc_table;
int podvs_dest_table_init(struct podvs_svc_table *tab);
void podvs_dest_table_exit(struct podvs_svc_table *tab);

#endif /* _PODVS_DEST_H */
