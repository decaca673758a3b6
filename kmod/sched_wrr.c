// SPDX-License-Identifier: GPL-2.0
/*
 * wrr: weighted round robin, interleaved: the current weight cw steps
 * down from the largest weight by the weights' gcd, and each round gives
 * a new flow to every dest whose weight is at least cw.  A dest of weight
 * 3 next to one of weight 1 gets three flows for the other's one.
 */
#include <linux/gcd.h>
#include <linux/mm.h>
#include <linux/spinlock.h>

#include "dest.h"
#include "sched.h"

struct podvs_wrr_state {
	struct podvs_sched_state base;
	/* protects i and cw (new flows on several CPUs) */
	spinlock_t lock;
	u32 i;			/* last dest picked */
	u32 cw;			/* current weight */
	u32 mw;			/* largest weight */
	u32 g;			/* gcd of the weights */
	u32 w[];		/* weights when built */
};

static struct podvs_sched_state *
podvs_wrr_build(const struct podvs_service *svc, struct podvs_dest **dests,
		u32 n)
{
	struct podvs_wrr_state *s;
	u32 i;

	s = kvzalloc(struct_size(s, w, n), GFP_KERNEL_ACCOUNT);
	if (!s)
		return NULL;
	spin_lock_init(&s->lock);
	for (i = 0; i < n; i++) {
		s->w[i] = READ_ONCE(dests[i]->weight);
		s->g = gcd(s->w[i], s->g);
		s->mw = max(s->mw, s->w[i]);
	}
	s->i = n - 1;
	s->cw = 0;
	return &s->base;
}

/* One step of the interleaving: the next dest with w >= cw. */
static u32 podvs_wrr_step(struct podvs_wrr_state *s, u32 n)
{
	for (;;) {
		s->i = (s->i + 1) % n;
		if (!s->i)
			s->cw = s->cw > s->g ? s->cw - s->g : s->mw;
		if (s->w[s->i] >= s->cw)
			return s->i;
	}
}

static struct podvs_dest *podvs_wrr_pick(struct podvs_sched_state *st,
					 const struct podvs_service *svc,
					 const struct podvs_flow_key *key)
{
	struct podvs_wrr_state *s = container_of(st, struct podvs_wrr_state,
						 base);
	struct podvs_dest *d = NULL;
	u32 tries, i = 0;

	spin_lock_bh(&s->lock);
	/* the largest weight qualifies in every round: an available dest
	 * shows up within n steps unless some became unavailable
	 */
	for (tries = 0; tries < 2 * st->n; tries++) {
		i = podvs_wrr_step(s, st->n);
		if (podvs_dest_available(st->dests[i])) {
			d = st->dests[i];
			break;
		}
	}
	spin_unlock_bh(&s->lock);
	return d ? d : podvs_sched_scan(st, i);
}

static struct podvs_sched_ops podvs_wrr_ops = {
	.name = "wrr",
	.build = podvs_wrr_build,
	.pick = podvs_wrr_pick,
};

int podvs_sched_wrr_init(void)
{
	return podvs_sched_register(&podvs_wrr_ops);
}

void podvs_sched_wrr_exit(void)
{
	podvs_sched_unregister(&podvs_wrr_ops);
}
