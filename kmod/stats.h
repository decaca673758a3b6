/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU 64-bit counters and EWMA rates for services and dests.
 *
 * Writers (the datapath) touch only their own CPU's counters.  ZERO never
 * writes another CPU's counters: it records the current totals as a
 * baseline that reads subtract.  Rates are estimated every 2 s by a
 * per-namespace delayed work walking the namespace's list of stats.
 */
#ifndef _PODVS_STATS_H
#define _PODVS_STATS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

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
	struct podvs_stats_snap zero;	/* totals at the last ZERO */
	struct list_head est_node;	/* on the namespace's estimator list */
};

/* The rate estimator of one namespace. */
struct podvs_est {
	/* protects list; taken by the tick and by add/del */
	struct mutex lock;
	struct list_head list;
	struct delayed_work work;
};

#define PODVS_EST_INTERVAL	(2 * HZ)

int podvs_stats_init(struct podvs_stats *s);
void podvs_stats_free(struct podvs_stats *s);
/* totals since the last zero, and rates; any context but hard irq */
void podvs_stats_read(struct podvs_stats *s, struct podvs_stats_snap *out);
void podvs_stats_zero(struct podvs_stats *s);

void podvs_est_init(struct podvs_est *e);
void podvs_est_exit(struct podvs_est *e);	/* list must be empty */
void podvs_est_add(struct podvs_est *e, struct podvs_stats *s);
void podvs_est_del(struct podvs_est *e, struct podvs_stats *s);
void podvs_est_tick(struct podvs_est *e);	/* one 2 s step (KUnit) */

/* Datapath updates; callable from any context (LOCAL_OUT is preemptible). */
static inline void podvs_stats_in(struct podvs_stats *s, unsigned int len)
{
	struct podvs_cpu_stats *c = get_cpu_ptr(s->cpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->inpkts);
	u64_stats_add(&c->inbytes, len);
	u64_stats_update_end(&c->syncp);
	put_cpu_ptr(s->cpu);
}

static inline void podvs_stats_out(struct podvs_stats *s, unsigned int len)
{
	struct podvs_cpu_stats *c = get_cpu_ptr(s->cpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->outpkts);
	u64_stats_add(&c->outbytes, len);
	u64_stats_update_end(&c->syncp);
	put_cpu_ptr(s->cpu);
}

static inline void podvs_stats_conn(struct podvs_stats *s)
{
	struct podvs_cpu_stats *c = get_cpu_ptr(s->cpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->conns);
	u64_stats_update_end(&c->syncp);
	put_cpu_ptr(s->cpu);
}

#endif /* _PODVS_STATS_H */
