/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scheduler ops table.  A scheduler builds private state from the service's
 * dest list under podvs_net.lock (init/update) and picks a dest for a new
 * flow under rcu_read_lock (schedule).  update() must be atomic from the
 * reader's view: build new state off to the side, then rcu_assign_pointer.
 * Hash schedulers never return an unavailable dest: they fall back to the
 * next available one in their table.
 *
 * Every scheduler's state starts with struct podvs_sched_state: a snapshot
 * of the dests that were available when it was built, sorted by (addr,
 * port) so that every gateway given the same dests builds the same state,
 * each holding a reference.  The state carries its own ops, so a reader
 * racing with a scheduler change always pairs a state with its own code:
 * ops->schedule of every scheduler is podvs_sched_schedule(), which
 * dispatches through the state it read.
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
	/* allocate private state in *priv for svc; under podvs_net.lock */
	int (*init)(struct podvs_service *svc);
	/* free private state after an RCU grace period */
	void (*done)(struct podvs_service *svc);
	/* dest set, weight or flags changed: a new state is made under
	 * podvs_net.lock by podvs_sched_alloc() and podvs_sched_fill() (through
	 * build and fill below), which may fail (-ENOMEM); then it is
	 * committed, which must not fail, or aborted.
	 */
	void (*commit)(struct podvs_service *svc, void *newstate);
	void (*abort)(struct podvs_service *svc, void *newstate);
	/* pick a dest for a new flow; under rcu_read_lock; may return NULL */
	struct podvs_dest *(*schedule)(struct podvs_service *svc,
				       const struct podvs_flow_key *key);

	/* Per-algorithm part, used by the generic functions above. */
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

/* All schedulers of the module, for main.c. */
int podvs_sched_register_all(void);
void podvs_sched_unregister_all(void);

/* Generic ops every scheduler uses (sched.c). */
int podvs_sched_init(struct podvs_service *svc);
void podvs_sched_done(struct podvs_service *svc);
int podvs_sched_prepare(struct podvs_service *svc, void **newstate);
/* prepare in two halves, for many services at once: podvs_sched_alloc()
 * for each (under pn->lock, in the caller: allocations are charged to
 * its memory cgroup), then one podvs_sched_fill() for all the states,
 * which spreads the costly part over the online CPUs (build.c).
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
 * available.  Equivalent to svc->sched->schedule(svc, key).
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
