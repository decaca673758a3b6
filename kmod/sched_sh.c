// SPDX-License-Identifier: GPL-2.0
/*
 * sh: source hashing as ipvsadm users know it: 256 buckets filled round
 * robin over the dests (a dest of weight w takes w consecutive buckets),
 * the client's source address (and port with PODVS_SVC_F_HASH_PORT)
 * hashed to a bucket.  The whole table is refilled on every change, so it
 * is not consistent hashing; use mh for that.  Dests are taken in (addr,
 * port) order, and an unavailable bucket falls back to the next buckets.
 */
#include <linux/mm.h>

#include "dest.h"
#include "sched.h"
#include "service.h"

#define PODVS_SH_BUCKETS	256

struct podvs_sh_state {
	struct podvs_sched_state base;
	u32 bucket[PODVS_SH_BUCKETS];	/* index into base.dests */
};

static struct podvs_sched_state *
podvs_sh_build(const struct podvs_service *svc, struct podvs_dest **dests,
	       u32 n)
{
	struct podvs_sh_state *s;
	u32 b, i = 0, taken = 0;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return NULL;
	for (b = 0; b < PODVS_SH_BUCKETS; b++) {
		s->bucket[b] = i;
		if (++taken >= READ_ONCE(dests[i]->weight)) {
			taken = 0;
			i = (i + 1) % n;
		}
	}
	return &s->base;
}

static void podvs_sh_free(struct podvs_sched_state *st)
{
	kfree(container_of(st, struct podvs_sh_state, base));
}

static struct podvs_dest *podvs_sh_pick(struct podvs_sched_state *st,
					const struct podvs_service *svc,
					const struct podvs_flow_key *key)
{
	struct podvs_sh_state *s = container_of(st, struct podvs_sh_state,
						base);
	bool port = READ_ONCE(svc->flags) & PODVS_SVC_F_HASH_PORT;
	u32 h = podvs_sched_hash(key, port), i;
	struct podvs_dest *d;

	for (i = 0; i < PODVS_SH_BUCKETS; i++) {
		d = st->dests[s->bucket[(h + i) % PODVS_SH_BUCKETS]];
		if (likely(podvs_dest_available(d)))
			return d;
	}
	/* more dests than buckets: some have none */
	return podvs_sched_scan(st, h);
}

static struct podvs_sched_ops podvs_sh_ops = {
	.name = "sh",
	.hashed = true,
	.build = podvs_sh_build,
	.free = podvs_sh_free,
	.pick = podvs_sh_pick,
};

int podvs_sched_sh_init(void)
{
	return podvs_sched_register(&podvs_sh_ops);
}

void podvs_sched_sh_exit(void)
{
	podvs_sched_unregister(&podvs_sh_ops);
}
