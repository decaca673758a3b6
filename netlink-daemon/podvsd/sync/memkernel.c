// SPDX-License-Identifier: GPL-2.0
/* In-memory backend: the dry run and the unit tests' fake kernel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/backend.h"

void pd_memkernel_init(struct pd_memkernel *mk, struct pd_log *log)
{
	memset(mk, 0, sizeof(*mk));
	pd_table_init(&mk->t);
	mk->log = log;
	mk->fail_at = -1;
}

void pd_memkernel_fini(struct pd_memkernel *mk)
{
	pd_table_fini(&mk->t);
}

static int mk_read(void *ctx, struct pd_table *t, char *err, size_t errlen)
{
	struct pd_memkernel *mk = ctx;
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(&mk->t.map, &it); e;
	     e = pd_hmap_next(&mk->t.map, &it)) {
		struct pd_vs *c = pd_vs_dup(e->val);

		if (!c || pd_table_put(t, c)) {
			pd_vs_free(c);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

static int mk_apply(void *ctx, const struct pd_ops *ops, char *err,
		    size_t errlen)
{
	struct pd_memkernel *mk = ctx;
	char desc[128];

	mk->batches++;
	for (size_t i = 0; i < ops->n; i++) {
		int ret = mk->fail_at == (int)i ? -EIO :
			  pd_table_apply(&mk->t, &ops->v[i]);

		if (ret) {
			snprintf(err, errlen, "op %zu: %s: %s", i,
				 pd_op_str(&ops->v[i], desc, sizeof(desc)),
				 strerror(-ret));
			return ret;
		}
		mk->applied++;
		if (mk->log)
			pd_info(mk->log, "msg=\"dry run\" op=\"%s\"",
				pd_op_str(&ops->v[i], desc, sizeof(desc)));
	}
	return 0;
}

static int mk_read_vs(void *ctx, struct pd_vs *vs, char *err, size_t errlen)
{
	struct pd_memkernel *mk = ctx;
	struct pd_vs *src = pd_table_get(&mk->t, &vs->key);
	struct pd_vs *c;

	if (!src) {
		snprintf(err, errlen, "no such service");
		return -ENOENT;
	}
	c = pd_vs_dup(src);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	free(vs->dests);
	vs->dests = c->dests;
	vs->n_dests = c->n_dests;
	vs->cap = c->cap;
	free(c);
	return 0;
}

void pd_memkernel_backend(struct pd_memkernel *mk, struct pd_backend *b)
{
	b->read = mk_read;
	b->read_vs = mk_read_vs;
	b->apply = mk_apply;
	b->ctx = mk;
}
