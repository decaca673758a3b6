// SPDX-License-Identifier: GPL-2.0
/*
 * rr: round robin over the available dests, ignoring weights.
 */
#include <linux/slab.h>

#include "dest.h"
#include "sched.h"

struct podvs_rr_state {
	struct podvs_sched_state base;
	atomic_t next;
};

static struct podvs_sched_state *
podvs_rr_build(const struct podvs_service *svc, struct podvs_dest **dests,
	       u32 n)
{
	struct podvs_rr_state *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	return s ? &s->base : NULL;
}

static void podvs_rr_free(struct podvs_sched_state *st)
{
	kfree(container_of(st, struct podvs_rr_state, base));
}

static struct podvs_dest *podvs_rr_pick(struct podvs_sched_state *st,
					const struct podvs_service *svc,
					const struct podvs_flow_key *key)
{
	struct podvs_rr_state *s = container_of(st, struct podvs_rr_state,
						base);

	return podvs_sched_scan(st, (u32)atomic_inc_return(&s->next) - 1);
}

static struct podvs_sched_ops podvs_rr_ops = {
	.name = "rr",
	.build = podvs_rr_build,
	.free = podvs_rr_free,
	.pick = podvs_rr_pick,
};

int podvs_sched_rr_init(void)
{
	return podvs_sched_register(&podvs_rr_ops);
}

void podvs_sched_rr_exit(void)
{
	podvs_sched_unregister(&podvs_rr_ops);
}
