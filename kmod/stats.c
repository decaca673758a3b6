// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters, their sums, ZERO baselines and the 2 s EWMA rate
 * estimator (avg += (rate - avg) / 4 per tick; cps and pps scaled by 2^10,
 * bps by 2^5, as IPVS does).
 */
#include <linux/sched.h>
#include <linux/slab.h>

#include "stats.h"

int podvs_stats_init(struct podvs_stats *s)
{
	int cpu;

	s->cpu = alloc_percpu(struct podvs_cpu_stats);
	if (!s->cpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(s->cpu, cpu)->syncp);
	spin_lock_init(&s->est_lock);
	memset(&s->last, 0, sizeof(s->last));
	memset(&s->rate, 0, sizeof(s->rate));
	memset(&s->zero, 0, sizeof(s->zero));
	INIT_LIST_HEAD(&s->est_node);
	return 0;
}

void podvs_stats_free(struct podvs_stats *s)
{
	free_percpu(s->cpu);
	s->cpu = NULL;
}

static void podvs_stats_sum(struct podvs_stats *s, struct podvs_stats_snap *t)
{
	int cpu;

	memset(t, 0, sizeof(*t));
	for_each_possible_cpu(cpu) {
		struct podvs_cpu_stats *c = per_cpu_ptr(s->cpu, cpu);
		u64 conns, inpkts, outpkts, inbytes, outbytes;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			conns = u64_stats_read(&c->conns);
			inpkts = u64_stats_read(&c->inpkts);
			outpkts = u64_stats_read(&c->outpkts);
			inbytes = u64_stats_read(&c->inbytes);
			outbytes = u64_stats_read(&c->outbytes);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		t->conns += conns;
		t->inpkts += inpkts;
		t->outpkts += outpkts;
		t->inbytes += inbytes;
		t->outbytes += outbytes;
	}
}

void podvs_stats_read(struct podvs_stats *s, struct podvs_stats_snap *out)
{
	podvs_stats_sum(s, out);
	spin_lock_bh(&s->est_lock);
	out->conns -= s->zero.conns;
	out->inpkts -= s->zero.inpkts;
	out->outpkts -= s->zero.outpkts;
	out->inbytes -= s->zero.inbytes;
	out->outbytes -= s->zero.outbytes;
	out->cps = (s->rate.cps + 0x1FF) >> 10;
	out->inpps = (s->rate.inpps + 0x1FF) >> 10;
	out->outpps = (s->rate.outpps + 0x1FF) >> 10;
	out->inbps = (s->rate.inbps + 0xF) >> 5;
	out->outbps = (s->rate.outbps + 0xF) >> 5;
	spin_unlock_bh(&s->est_lock);
}

void podvs_stats_zero(struct podvs_stats *s)
{
	struct podvs_stats_snap t;

	podvs_stats_sum(s, &t);
	spin_lock_bh(&s->est_lock);
	s->zero = t;
	s->last = t;
	memset(&s->rate, 0, sizeof(s->rate));
	spin_unlock_bh(&s->est_lock);
}

/* One EWMA step of weight 1/4 on a value scaled by 2^shift; the delta
 * covers PODVS_EST_INTERVAL (2 s), hence shift - 1.
 */
static void podvs_ewma(u64 *avg, u64 now, u64 last, unsigned int shift)
{
	s64 rate = (s64)((now - last) << (shift - 1));

	*avg += (rate - (s64)*avg) >> 2;
}

static void podvs_est_one(struct podvs_stats *s)
{
	struct podvs_stats_snap t;

	podvs_stats_sum(s, &t);
	spin_lock_bh(&s->est_lock);
	podvs_ewma(&s->rate.cps, t.conns, s->last.conns, 10);
	podvs_ewma(&s->rate.inpps, t.inpkts, s->last.inpkts, 10);
	podvs_ewma(&s->rate.outpps, t.outpkts, s->last.outpkts, 10);
	podvs_ewma(&s->rate.inbps, t.inbytes, s->last.inbytes, 5);
	podvs_ewma(&s->rate.outbps, t.outbytes, s->last.outbytes, 5);
	s->last = t;
	spin_unlock_bh(&s->est_lock);
}

void podvs_est_tick(struct podvs_est *e)
{
	struct podvs_stats *s;

	mutex_lock(&e->lock);
	list_for_each_entry(s, &e->list, est_node) {
		podvs_est_one(s);
		cond_resched();
	}
	mutex_unlock(&e->lock);
}

static void podvs_est_work(struct work_struct *work)
{
	struct podvs_est *e = container_of(to_delayed_work(work),
					   struct podvs_est, work);

	podvs_est_tick(e);
	mutex_lock(&e->lock);
	if (!list_empty(&e->list))
		queue_delayed_work(system_long_wq, &e->work,
				   PODVS_EST_INTERVAL);
	mutex_unlock(&e->lock);
}

void podvs_est_init(struct podvs_est *e)
{
	mutex_init(&e->lock);
	INIT_LIST_HEAD(&e->list);
	INIT_DELAYED_WORK(&e->work, podvs_est_work);
}

void podvs_est_exit(struct podvs_est *e)
{
	WARN_ON(!list_empty(&e->list));
	cancel_delayed_work_sync(&e->work);
	mutex_destroy(&e->lock);
}

/* The tick runs only while some stats are listed: a namespace without
 * services costs nothing.
 */
void podvs_est_add(struct podvs_est *e, struct podvs_stats *s)
{
	mutex_lock(&e->lock);
	podvs_stats_sum(s, &s->last);
	if (list_empty(&e->list))
		queue_delayed_work(system_long_wq, &e->work,
				   PODVS_EST_INTERVAL);
	list_add_tail(&s->est_node, &e->list);
	mutex_unlock(&e->lock);
}

void podvs_est_del(struct podvs_est *e, struct podvs_stats *s)
{
	mutex_lock(&e->lock);
	list_del_init(&s->est_node);
	mutex_unlock(&e->lock);
}
