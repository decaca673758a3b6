// SPDX-License-Identifier: GPL-2.0
/*
 * Filling the scheduler states a batch prepared, on several CPUs: the
 * costly part of a Maglev build (a table of M entries, some M ln M probes
 * at most) times every service the batch touched.
 *
 * The task committing the batch holds pn->lock from start to end.  It
 * has allocated every state (podvs_sched_alloc), so what is left cannot
 * fail and there is nothing to unwind here: a batch that fails, fails
 * before, and its states are freed unfilled.  It queues work items on
 * podvs_build_wq, fills states itself alongside them, then cancels the
 * items that have not started and waits for those that have; only then
 * does it publish anything.  Each state goes to exactly one filler (an
 * atomic index).  The fillers take no lock: the dests and fields a state
 * was built from stay fixed because the waiter holds pn->lock for them.
 *
 * The module owns podvs_build_wq, not a system queue: destroying it at
 * unload waits for an item that has signalled the waiter but has not yet
 * returned out of this module's code.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "sched.h"

static unsigned int podvs_build_cpus;
module_param_named(build_cpus, podvs_build_cpus, uint, 0644);
MODULE_PARM_DESC(build_cpus,
		 "CPUs that one batch's table builds may use (0: all online)");

/* The work items of podvs_fill_parallel(); NULL before module init (the
 * KUnit suites run then) and after exit, when fills run serially.
 */
static struct workqueue_struct *podvs_build_wq;

/* Work (~entries) below which another CPU is not worth waking. */
#define PODVS_FILL_CHUNK	65536U

struct podvs_fill;

struct podvs_filler {
	struct work_struct work;
	struct podvs_fill *fill;
};

struct podvs_fill {
	struct podvs_sched_state **st;
	u32 n;
	atomic_t next;		/* index of the next state to take */
	atomic_t busy;		/* fillers not done yet, the waiter included */
	struct completion done;	/* busy dropped to 0 */
	struct podvs_filler workers[];
};

static void podvs_fill_one(struct podvs_sched_state *st)
{
	if (!st->ops->fill)
		return;
	st->ops->fill(st);
	cond_resched();
}

static void podvs_fill_some(struct podvs_fill *f)
{
	u32 i;

	while ((i = atomic_inc_return(&f->next) - 1) < f->n)
		podvs_fill_one(f->st[i]);
}

static void podvs_fill_put(struct podvs_fill *f)
{
	if (atomic_dec_and_test(&f->busy))
		complete(&f->done);
}

static void podvs_fill_work(struct work_struct *work)
{
	struct podvs_filler *w = container_of(work, struct podvs_filler, work);
	struct podvs_fill *f = w->fill;

	podvs_fill_some(f);
	podvs_fill_put(f);	/* f may be freed from here on */
}

static void podvs_fill_serial(struct podvs_sched_state **st, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		podvs_fill_one(st[i]);
}

/* Fill st[0..n-1] with the help of `workers` work items on wq. */
static void podvs_fill_parallel(struct podvs_sched_state **st, u32 n,
				u32 workers, struct workqueue_struct *wq)
{
	struct podvs_fill *f;
	u32 i;

	f = kzalloc(struct_size(f, workers, workers), GFP_KERNEL);
	if (!f) {
		podvs_fill_serial(st, n);	/* slower, as good */
		return;
	}
	f->st = st;
	f->n = n;
	atomic_set(&f->busy, workers + 1);
	init_completion(&f->done);
	for (i = 0; i < workers; i++) {
		f->workers[i].fill = f;
		INIT_WORK(&f->workers[i].work, podvs_fill_work);
		queue_work(wq, &f->workers[i].work);
	}
	podvs_fill_some(f);
	/* every state is taken: an item not started yet has nothing to do */
	for (i = 0; i < workers; i++)
		if (cancel_work(&f->workers[i].work))
			podvs_fill_put(f);
	podvs_fill_put(f);
	wait_for_completion(&f->done);
	kfree(f);
}

void podvs_sched_fill_with(void **states, u32 n, u32 workers,
			   struct workqueue_struct *wq)
{
	struct podvs_sched_state **st = (struct podvs_sched_state **)states;

	workers = min(workers, n ? n - 1 : 0);
	if (workers && wq)
		podvs_fill_parallel(st, n, workers, wq);
	else
		podvs_fill_serial(st, n);
}

/* One CPU per PODVS_FILL_CHUNK of work, up to the online CPUs. */
void podvs_sched_fill(void **states, u32 n)
{
	struct podvs_sched_state **st = (struct podvs_sched_state **)states;
	u32 cpus = num_online_cpus(), limit = READ_ONCE(podvs_build_cpus), i;
	u64 cost = 0, chunks;

	if (limit)
		cpus = min(cpus, limit);
	for (i = 0; i < n; i++)
		cost += st[i]->ops->fill ? st[i]->fill_cost : 0;
	chunks = max_t(u64, div_u64(cost, PODVS_FILL_CHUNK), 1);
	podvs_sched_fill_with(states, n, min_t(u64, cpus, chunks) - 1,
			      podvs_build_wq);
}

int podvs_build_init(void)
{
	podvs_build_wq = alloc_workqueue("podvs_build", WQ_UNBOUND, 0);
	return podvs_build_wq ? 0 : -ENOMEM;
}

/* After the genl family and the pernet ops are gone: nothing fills. */
void podvs_build_exit(void)
{
	destroy_workqueue(podvs_build_wq);
	podvs_build_wq = NULL;
}
