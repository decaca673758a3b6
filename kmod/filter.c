// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace address filter; filter.h describes it.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "filter.h"

struct podvs_filter *podvs_filter_alloc(void)
{
	struct podvs_filter *f;

	f = kvzalloc(struct_size(f, cnt, 1U << PODVS_FILTER_BITS), GFP_KERNEL);
	if (f)
		f->seed = get_random_u32();
	return f;
}

void podvs_filter_free(struct podvs_filter *f)
{
	/* a counter left over is a count taken and never given back */
	WARN_ON_ONCE(memchr_inv(f->cnt, 0,
				sizeof(f->cnt[0]) << PODVS_FILTER_BITS));
	kvfree(f);
}
