/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual services: an RCU hash table keyed by (af, protocol, VIP, port),
 * resizable without stopping readers.  A second count per VIP lets the
 * datapath tell "VIP with no service on this port" (reject, count) from
 * "not ours" (accept, let the stack have it).
 *
 * Changes go through a batch transaction (struct podvs_txn, txn.h): the
 * functions here apply at once and record how to undo into it; txn.c
 * undoes, rebuilds schedulers and reaps.
 */
#ifndef _PODVS_SERVICE_H
#define _PODVS_SERVICE_H

#include <linux/netfilter.h>
#include <linux/rhashtable.h>
#include "pernet.h"
#include "sched.h"
#include "stats.h"

struct podvs_dest;
struct podvs_txn;
struct podvs_undo;

struct podvs_svc_key {
	union nf_inet_addr addr;
	__be16 port;
	u16 af;
	u8 protocol;
	u8 pad[3];
};

struct podvs_service {
	struct podvs_svc_key key;
	struct rhash_head hnode;
	struct podvs_net *pn;
	/* dests; modified under pn->lock, walked by schedulers under RCU */
	struct list_head dests;
	u32 num_dests;
	const struct podvs_sched_ops *sched;
	void __rcu *sched_data;		/* struct podvs_sched_state */
	u32 flags;		/* enum podvs_svc_flags */
	unsigned long timeout;	/* persistence, jiffies */
	u8 netmask;		/* persistence prefix length */
	u32 mh_size;
	char owner[PODVS_OWNER_LEN];
	struct podvs_stats stats;
	bool dead;
	struct rcu_head rcu;

	/* control plane only, under pn->lock */
	struct list_head node;		/* podvs_svc_table.list, id order */
	u64 id;				/* creation order, for dumps */
	struct list_head txn_node;	/* podvs_txn.touched */
	void *txn_state;		/* prepared scheduler state */
	bool hashed;			/* in podvs_svc_table.ht */
	bool zombie;			/* deleted by an uncommitted batch */
};

/* Per-namespace tables (pn->svc); every field under pn->lock except the
 * hash tables, which RCU readers use.
 */
struct podvs_svc_table {
	struct rhashtable ht;		/* services by key */
	struct rhashtable vips;		/* struct podvs_vip by (af, addr) */
	struct rhashtable dests;	/* dests by (svc, addr, port) */
	struct rhltable rev;		/* dests by podvs_rev_key (revnat.h) */
	struct list_head list;		/* every service, in id order */
	u32 nsvc;			/* services (zombies included) */
	u32 ndests;			/* dests (zombies included) */
	u64 next_id;
};

/* Datapath: under rcu_read_lock. */
struct podvs_service *podvs_svc_lookup(struct podvs_net *pn, u16 af, u8 proto,
				       const union nf_inet_addr *addr,
				       __be16 port);
/* Does any service use this VIP (any port, same af)?  rcu_read_lock. */
bool podvs_vip_known(struct podvs_net *pn, u16 af,
		     const union nf_inet_addr *addr);

int podvs_svc_net_init(struct podvs_net *pn);
void podvs_svc_net_exit(struct podvs_net *pn);

static inline struct podvs_svc_table *podvs_svc_table(struct podvs_net *pn)
{
	return rcu_dereference_protected(pn->svc, lockdep_is_held(&pn->lock));
}

/* A parsed service request; present has BIT(PODVS_SVC_A_x) per attribute
 * given.  timeout is in seconds.
 */
struct podvs_svc_conf {
	struct podvs_svc_key key;
	const struct podvs_sched_ops *sched;
	u32 flags;
	u32 flags_mask;
	u32 timeout;
	u32 mh_size;
	u8 netmask;
	char owner[PODVS_OWNER_LEN];
	u32 present;
};

void podvs_svc_key_init(struct podvs_svc_key *k, u16 af, u8 proto,
			const union nf_inet_addr *addr, __be16 port);

/* Control plane, under pn->lock.  find skips services deleted by the
 * running batch.  new/set/del fail only with -EEXIST (new), -ENOMEM, or
 * -ENOBUFS when the transaction has no room left (a caller bug).
 */
struct podvs_service *podvs_svc_find(struct podvs_net *pn,
				     const struct podvs_svc_key *key);
int podvs_svc_new(struct podvs_txn *t, const struct podvs_svc_conf *c);
int podvs_svc_set(struct podvs_txn *t, struct podvs_service *svc,
		  const struct podvs_svc_conf *c);
int podvs_svc_del(struct podvs_txn *t, struct podvs_service *svc);
/* Delete every service now (FLUSH, namespace exit; txn.c). */
void podvs_svc_flush(struct podvs_net *pn);
/* Zero counters of svc and its dests, or of everything if svc is NULL. */
void podvs_svc_zero(struct podvs_net *pn, struct podvs_service *svc);
/* Dumps: the service after id (0: the first), in id order, or NULL. */
struct podvs_service *podvs_svc_next(struct podvs_net *pn,
				     struct podvs_service *prev, u64 id);
u32 podvs_svc_buckets(struct podvs_net *pn);

/* For the transaction (txn.c), under pn->lock.  kill deletes now: no new
 * flows find svc, its dests die; true if their flows need a
 * podvs_conn_flush_dead().
 */
void podvs_svc_undo_new(struct podvs_net *pn, struct podvs_service *svc,
			struct podvs_service *replaced);
void podvs_svc_undo_set(struct podvs_service *svc,
			const struct podvs_undo *u);
bool podvs_svc_kill(struct podvs_net *pn, struct podvs_service *svc);

#endif /* _PODVS_SERVICE_H */
