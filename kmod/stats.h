/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU 64-bit counters and EWMA rates for services and dests.
 */
#ifndef _PODVS_STATS_H
#define _PODVS_STATS_H

#include <linux/u64_stats_sync.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

struct podvs_cpu_stats {
	u64_stats_t conns;
	u64_stats_t inpkts;
	u64_stats_t outpkts;
	u64_stats_t inbytes;
	u64_stats_t outbytes;
	struct u64_stats_sync syncp;
};

/* A snapshot: totals summed over CPUs plus rates per second. */
struct podvs_stats_snap {
	u64 conns, inpkts, outpkts, inbytes, outbytes;
	u64 cps, inpps, outpps, inbps, outbps;
};

struct podvs_stats {
	struct podvs_cpu_stats __percpu *cpu;
	/* protects the estimator state below (2 s tick vs. readers/zero) */
	spinlock_t est_lock;
	struct podvs_stats_snap last;	/* totals at the previous tick */
	struct podvs_stats_snap rate;	/* EWMA rates, scaled as IPVS does */
	struct list_head est_node;	/* on the namespace's estimator list */
};

int podvs_stats_init(struct podvs_stats *s);
void podvs_stats_free(struct podvs_stats *s);
void podvs_stats_read(struct podvs_stats *s, struct podvs_stats_snap *out);
void podvs_stats_zero(struct podvs_stats *s);

static inline void podvs_stats_in(struct podvs_stats *s, unsigned int len)
{
	struct podvs_cpu_stats *c = this_cpu_ptr(s->cpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->inpkts);
	u64_stats_add(&c->inbytes, len);
	u64_stats_update_end(&c->syncp);
}

static inline void podvs_stats_out(struct podvs_stats *s, unsigned int len)
{
	struct podvs_cpu_stats *c = this_cpu_ptr(s->cpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->outpkts);
	u64_stats_add(&c->outbytes, len);
	u64_stats_update_end(&c->syncp);
}

static inline void podvs_stats_conn(struct podvs_stats *s)
{
	struct podvs_cpu_stats *c = this_cpu_ptr(s->cpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->conns);
	u64_stats_update_end(&c->syncp);
}

#endif /* _PODVS_STATS_H */
