/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual services: an RCU hash table keyed by (af, protocol, VIP, port),
 * resizable without stopping readers.  A second count per VIP lets the
 * datapath tell "VIP with no service on this port" (reject, count) from
 * "not ours" (accept, let the stack have it).
 *
 * Changes go through a transaction (struct podvs_txn) under
 * podvs_net.lock: each operation applies at once and logs how to undo it;
 * deletions only mark the object (zombie) so that undo never has to
 * re-insert (which could fail); scheduler states of touched services are
 * rebuilt at commit, all prepared first, then all swapped in.  Either the
 * whole transaction commits or every operation is undone.
 */
#ifndef _PODVS_SERVICE_H
#define _PODVS_SERVICE_H

#include <linux/netfilter.h>
#include <linux/rhashtable.h>
#include "podvs.h"
#include "sched.h"
#include "stats.h"

struct podvs_dest;

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

enum podvs_undo_type {
	PODVS_UNDO_SVC_NEW,
	PODVS_UNDO_SVC_SET,
	PODVS_UNDO_SVC_DEL,
	PODVS_UNDO_DEST_NEW,
	PODVS_UNDO_DEST_SET,
	PODVS_UNDO_DEST_DEL,
};

/* One logged operation: the object, the object it replaced in a hash
 * table (a zombie of the same key), and the values a SET overwrote.
 */
struct podvs_undo {
	enum podvs_undo_type type;
	void *obj;
	void *replaced;
	union {
		struct {
			const struct podvs_sched_ops *sched;
			unsigned long timeout;
			u32 flags;
			u32 mh_size;
			u8 netmask;
		} svc;
		struct {
			u32 weight;
			u32 flags;
		} dest;
	};
	char owner[PODVS_OWNER_LEN];
};

struct podvs_txn {
	struct podvs_net *pn;
	struct podvs_undo *log;
	u32 len, cap;
	struct list_head touched;	/* services whose scheduler rebuilds */
	u32 ntouched;			/* entries of touched */
};

/* Begin with room for nops operations (-ENOMEM); under pn->lock until
 * commit or abort.
 */
int podvs_txn_begin(struct podvs_txn *t, struct podvs_net *pn, u32 nops);
/* Rebuild schedulers and finish deletions.  On -ENOMEM everything was
 * undone.  Bumps the generation on success.
 */
int podvs_txn_commit(struct podvs_txn *t);
void podvs_txn_abort(struct podvs_txn *t);
/* For dest.c: log one operation, mark a service for rebuild. */
struct podvs_undo *podvs_txn_log(struct podvs_txn *t,
				 enum podvs_undo_type type, void *obj);
void podvs_txn_touch(struct podvs_txn *t, struct podvs_service *svc);

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
/* Delete every service now (FLUSH, namespace exit). */
void podvs_svc_flush(struct podvs_net *pn);
/* Zero counters of svc and its dests, or of everything if svc is NULL. */
void podvs_svc_zero(struct podvs_net *pn, struct podvs_service *svc);
/* Dumps: the service after id (0: the first), in id order, or NULL. */
struct podvs_service *podvs_svc_next(struct podvs_net *pn,
				     struct podvs_service *prev, u64 id);
u32 podvs_svc_buckets(struct podvs_net *pn);

#endif /* _PODVS_SERVICE_H */
