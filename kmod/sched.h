/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Schedulers.  A scheduler is only what varies between them: a name, a
 * build (its state for a sorted list of dests), an optional fill (the
 * costly part of the build), a free and a pick (a dest for a new flow).
 * Everything else is generic and lives in sched.c: the snapshot of a
 * service's available dests, sorted by (addr, port) so that every gateway
 * given the same dests builds the same state, each holding a reference;
 * prepare, commit and abort of a new state (called by the batch
 * transaction, txn.c, under podvs_net.lock); and the datapath's entry,
 * podvs_sched_schedule(), under rcu_read_lock.
 *
 * A new state is built off to the side and published with
 * rcu_assign_pointer; the old one is freed after a grace period.  Every
 * state starts with struct podvs_sched_state and carries its own ops, so
 * a reader racing with a scheduler change always pairs a state with its
 * own pick.  Hash schedulers never return an unavailable dest: they fall
 * back to the next available one in their table.
 */
#ifndef _PODVS_SCHED_H
#define _PODVS_SCHED_H

#include <linux/list.h>
#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

struct podvs_service;
struct podvs_dest;

/* What a scheduler may look at for a new flow. */
struct podvs_flow_key {
	union nf_inet_addr saddr;
	__be16 sport;
	u16 af;
};

struct podvs_sched_state {
	const struct podvs_sched_ops *ops;
	struct rcu_head rcu;
	u32 n;				/* dests in the snapshot */
	u32 fill_cost;			/* work left for ops->fill, ~entries */
	struct podvs_dest **dests;	/* sorted, one reference each */
};

struct podvs_sched_ops {
	const char *name;
	struct list_head list;
	/* pick depends only on the flow key and the state (mh, sh): every
	 * gateway with the same dests picks the same dest for a client, so
	 * reverse translation may ask who would get it (revnat.c)
	 */
	bool hashed;
	/* allocate the state for the n sorted dests (the array then belongs
	 * to the state); may sleep, may fail
	 */
	struct podvs_sched_state *(*build)(const struct podvs_service *svc,
					   struct podvs_dest **dests, u32 n);
	/* optional: the costly part of a build, done after build and before
	 * the state is published; podvs_sched_fill() may run it on any CPU,
	 * in parallel with the fills of other states, while the task that
	 * holds pn->lock waits.  So it takes no lock, cannot fail, and looks
	 * only at st and at the dests st lists (fixed while the lock is held).
	 */
	void (*fill)(struct podvs_sched_state *st);
	/* free what build allocated, except dests (NULL: kvfree(st)); also
	 * a state that was never filled
	 */
	void (*free)(struct podvs_sched_state *st);
	/* choose among st->dests; under rcu_read_lock; n > 0 */
	struct podvs_dest *(*pick)(struct podvs_sched_state *st,
				   const struct podvs_service *svc,
				   const struct podvs_flow_key *key);
};

int podvs_sched_register(struct podvs_sched_ops *ops);
void podvs_sched_unregister(struct podvs_sched_ops *ops);
const struct podvs_sched_ops *podvs_sched_find(const char *name);
/* space-separated names into buf */
void podvs_sched_names(char *buf, size_t len);

/* All schedulers of the module, for main.c (sched_all.c). */
int podvs_sched_register_all(void);
void podvs_sched_unregister_all(void);

/* The generic life cycle of a service's state (sched.c), under
 * podvs_net.lock.  A new state is made by podvs_sched_alloc() and
 * podvs_sched_fill() (through ops->build and ops->fill), which may fail
 * (-ENOMEM); then it is committed, which cannot fail, or aborted.  done
 * drops the service's state when the service goes.
 */
void podvs_sched_done(struct podvs_service *svc);
/* alloc and fill of one state (KUnit) */
int podvs_sched_prepare(struct podvs_service *svc, void **newstate);
/* prepare in two halves, for many services at once: podvs_sched_alloc()
 * for each (under pn->lock, in the caller: allocations are charged to
 * its memory cgroup), then one podvs_sched_fill() for all the states,
 * which spreads the costly part over the online CPUs (sched_fill.c).
 */
int podvs_sched_alloc(struct podvs_service *svc, void **newstate);
void podvs_sched_fill(void **states, u32 n);
/* the same with at most `workers` items on wq helping (KUnit) */
void podvs_sched_fill_with(void **states, u32 n, u32 workers,
			   struct workqueue_struct *wq);
/* podvs_sched_fill()'s workqueue, made at module init */
int podvs_build_init(void);
void podvs_build_exit(void);
void podvs_sched_commit(struct podvs_service *svc, void *newstate);
void podvs_sched_abort(struct podvs_service *svc, void *newstate);
/* The datapath's entry point: under rcu_read_lock; NULL if no dest is
 * available.  Dispatches to the pick of the state it reads.
 */
struct podvs_dest *podvs_sched_schedule(struct podvs_service *svc,
					const struct podvs_flow_key *key);

/* Helpers for the algorithms. */
/* bytes 4i..4i+7 of a as a host-order u64 */
u64 podvs_u64(const struct in6_addr *a, int i);
u32 podvs_sched_hash(const struct podvs_flow_key *key, bool port);
struct podvs_dest *podvs_sched_scan(struct podvs_sched_state *st, u32 from);

int podvs_sched_mh_init(void);
void podvs_sched_mh_exit(void);
int podvs_sched_sh_init(void);
void podvs_sched_sh_exit(void);
int podvs_sched_rr_init(void);
void podvs_sched_rr_exit(void);
int podvs_sched_wrr_init(void);
void podvs_sched_wrr_exit(void);
int podvs_sched_lc_init(void);
void podvs_sched_lc_exit(void);

/* Maglev helpers exposed for KUnit. */
#define PODVS_MH_SIZE_MIN	251
#define PODVS_MH_SIZE_MAX	1048573
bool podvs_mh_size_valid(u32 m);
/* dest index of table entry i (KUnit); state built by the mh scheduler */
u32 podvs_mh_entry(const struct podvs_sched_state *st, u32 i);
u32 podvs_mh_size(const struct podvs_sched_state *st);

#endif /* _PODVS_SCHED_H */
