/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diff: the minimal operations that make the actual tables (the kernel's)
 * equal to the desired ones, in a canonical order that depends only on the
 * two sets, never on the order they were given in:
 *
 *   1. delete services   2. add services   3. edit services
 *   4. delete dests      5. edit dests     6. add dests
 *
 * each sorted by VS key, then dest key.  Rules:
 *  - entries whose owner tag is not podvsd's are left alone; a desired VS
 *    whose key is held by such an entry is reported through ->conflict and
 *    not touched;
 *  - owned VSes not desired are deleted, with their dests;
 *  - an owned dest no longer desired is deleted, unless ->linger says it
 *    still has flows to finish: then it is set draining and kept;
 *  - service attributes compared: scheduler, flags, owner, and timeout and
 *    netmask only when the desired VS is persistent; dests: weight, flags.
 */
#ifndef PODVSD_DIFF_H
#define PODVSD_DIFF_H

#include "sync/table.h"

struct pd_diff_policy {
	/* Keep this actual, owned, undesired dest (drained)?  NULL: never. */
	bool (*linger)(void *ctx, const struct pd_vs *have,
		       const struct pd_dest *d);
	/* @want's key is held by a foreign entry @have.  May be NULL. */
	void (*conflict)(void *ctx, const struct pd_vs *want,
			 const struct pd_vs *have);
	void *ctx;
};

/* Ops for one key; @want and/or @have may be NULL.  Appends to @ops. */
int pd_diff_vs(const struct pd_vs *want, const struct pd_vs *have,
	       const struct pd_diff_policy *pol, struct pd_ops *ops);

/*
 * pd_diff - ops turning the set @have into the set @want (arrays in any
 * order, keys unique within each), appended to @ops then sorted canonically
 * (pd_ops_sort).  0 or -ENOMEM.
 */
int pd_diff(struct pd_vs *const *want, size_t nw, struct pd_vs *const *have,
	    size_t nh, const struct pd_diff_policy *pol, struct pd_ops *ops);

/* Sort @ops into the canonical order above. */
void pd_ops_sort(struct pd_ops *ops);

#endif /* PODVSD_DIFF_H */
