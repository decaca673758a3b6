// SPDX-License-Identifier: GPL-2.0
/*
 * lc: weighted least connections: the available dest with the smallest
 * (active * 256 + inactive) / weight; ties go to the first in (addr, port)
 * order.
 */
#include <linux/slab.h>

#include "dest.h"
#include "sched.h"

static struct podvs_sched_state *
podvs_lc_build(const struct podvs_service *svc, struct podvs_dest **dests,
	       u32 n)
{
	return kzalloc(sizeof(struct podvs_sched_state), GFP_KERNEL_ACCOUNT);
}

static void podvs_lc_free(struct podvs_sched_state *st)
{
	kfree(st);
}

static u64 podvs_lc_overhead(const struct podvs_dest *d)
{
	return ((u64)atomic_read(&d->active_conns) << 8) +
	       atomic_read(&d->inactive_conns);
}

static struct podvs_dest *podvs_lc_pick(struct podvs_sched_state *st,
					const struct podvs_service *svc,
					const struct podvs_flow_key *key)
{
	struct podvs_dest *best = NULL;
	u64 best_oh = 0, best_w = 0;
	u32 i;

	for (i = 0; i < st->n; i++) {
		struct podvs_dest *d = st->dests[i];
		u64 oh, w;

		if (!podvs_dest_available(d))
			continue;
		oh = podvs_lc_overhead(d);
		w = READ_ONCE(d->weight);
		/* oh / w < best_oh / best_w, without dividing */
		if (!best || oh * best_w < best_oh * w) {
			best = d;
			best_oh = oh;
			best_w = w;
		}
	}
	return best;
}

static struct podvs_sched_ops podvs_lc_ops = {
	.name = "lc",
	.build = podvs_lc_build,
	.free = podvs_lc_free,
	.pick = podvs_lc_pick,
};

int podvs_sched_lc_init(void)
{
	return podvs_sched_register(&podvs_lc_ops);
}

void podvs_sched_lc_exit(void)
{
	podvs_sched_unregister(&podvs_lc_ops);
}
