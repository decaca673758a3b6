// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace id and the namespace's counters (pernet.h).
 */
#include <linux/string.h>

#include "pernet.h"

/* set by register_pernet_subsys() in main.c */
unsigned int podvs_net_id __read_mostly;

void podvs_drops_read(struct podvs_net *pn, u64 out[PODVS_CNT_MAX])
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * PODVS_CNT_MAX);
	for_each_possible_cpu(cpu) {
		struct podvs_drops *d = per_cpu_ptr(pn->drops, cpu);
		u64 v[PODVS_CNT_MAX];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&d->syncp);
			for (i = 0; i < PODVS_CNT_MAX; i++)
				v[i] = u64_stats_read(&d->cnt[i]);
		} while (u64_stats_fetch_retry(&d->syncp, start));
		for (i = 0; i < PODVS_CNT_MAX; i++)
			out[i] += v[i];
	}
	for (i = 0; i < PODVS_CNT_MAX; i++)
		out[i] -= READ_ONCE(pn->drops_zero[i]);
}

void podvs_drops_zero(struct podvs_net *pn)
{
	u64 now[PODVS_CNT_MAX];
	int i;

	lockdep_assert_held(&pn->lock);
	for (i = 0; i < PODVS_CNT_MAX; i++)
		WRITE_ONCE(pn->drops_zero[i], 0);
	podvs_drops_read(pn, now);
	for (i = 0; i < PODVS_CNT_MAX; i++)
		WRITE_ONCE(pn->drops_zero[i], now[i]);
}
