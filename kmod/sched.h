/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scheduler ops table.  A scheduler builds private state from the service's
 * dest list under podvs_net.lock (init/update) and picks a dest for a new
 * flow under rcu_read_lock (schedule).  update() must be atomic from the
 * reader's view: build new state off to the side, then rcu_assign_pointer.
 * Hash schedulers never return an unavailable dest: they fall back to the
 * next available one in their table.
 */
#ifndef _PODVS_SCHED_H
#define _PODVS_SCHED_H

#include <linux/list.h>
#include <linux/netfilter.h>

struct podvs_service;
struct podvs_dest;

/* What a scheduler may look at for a new flow. */
struct podvs_flow_key {
	union nf_inet_addr saddr;
	__be16 sport;
	u16 af;
};

struct podvs_sched_ops {
	const char *name;
	struct list_head list;
	/* allocate private state in *priv for svc; under podvs_net.lock */
	int (*init)(struct podvs_service *svc);
	/* free private state after an RCU grace period */
	void (*done)(struct podvs_service *svc);
	/* dest set, weight or flags changed; rebuild; under podvs_net.lock.
	 * Prepare may fail (-ENOMEM); commit must not.
	 */
	int (*prepare)(struct podvs_service *svc, void **newstate);
	void (*commit)(struct podvs_service *svc, void *newstate);
	void (*abort)(struct podvs_service *svc, void *newstate);
	/* pick a dest for a new flow; under rcu_read_lock; may return NULL */
	struct podvs_dest *(*schedule)(struct podvs_service *svc,
				       const struct podvs_flow_key *key);
};

int podvs_sched_register(struct podvs_sched_ops *ops);
void podvs_sched_unregister(struct podvs_sched_ops *ops);
const struct podvs_sched_ops *podvs_sched_find(const char *name);
/* space-separated names into buf */
void podvs_sched_names(char *buf, size_t len);

int podvs_sched_mh_init(void);
void podvs_sched_mh_exit(void);
/* ... one pair per scheduler file: sh, rr, wrr, lc */

/* Maglev helpers exposed for KUnit. */
bool podvs_mh_size_valid(u32 m);

#endif /* _PODVS_SCHED_H */
