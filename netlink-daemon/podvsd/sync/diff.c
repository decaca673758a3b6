// SPDX-License-Identifier: GPL-2.0
/* Desired vs actual -> minimal, canonically ordered operations. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sync/diff.h"

static int push(struct pd_ops *ops, uint8_t cmd, uint32_t mask,
		const struct pd_vs_key *key, const struct pd_vs *vs,
		const struct pd_dest *d)
{
	struct pd_op op = { .cmd = cmd, .mask = mask, .key = *key, .vs = vs };

	if (d)
		op.dest = *d;
	return pd_ops_push(ops, &op);
}

static int add_all(const struct pd_vs *want, struct pd_ops *ops)
{
	int err = push(ops, PODVS_CMD_NEW_SERVICE, 0, &want->key, want, NULL);

	for (size_t i = 0; !err && i < want->n_dests; i++)
		err = push(ops, PODVS_CMD_NEW_DEST, 0, &want->key, want,
			   &want->dests[i]);
	return err;
}

static uint32_t svc_changes(const struct pd_vs *want, const struct pd_vs *have)
{
	uint32_t m = 0;

	if (strncmp(want->sched, have->sched, sizeof(want->sched)))
		m |= PD_CHG_SCHED;
	if ((want->flags ^ have->flags) & PODVS_SVC_F_ALL)
		m |= PD_CHG_FLAGS;
	if (strncmp(want->owner, have->owner, sizeof(want->owner)))
		m |= PD_CHG_OWNER;
	if (!pd_snat_eq(want, have))
		m |= PD_CHG_SNAT;
	if (want->flags & PODVS_SVC_F_PERSISTENT) {
		if (want->timeout != have->timeout)
			m |= PD_CHG_TIMEOUT;
		if (want->netmask != have->netmask)
			m |= PD_CHG_NETMASK;
	}
	return m;
}

static uint32_t dest_changes(const struct pd_dest *want,
			     const struct pd_dest *have)
{
	return (want->weight != have->weight ? PD_CHG_WEIGHT : 0) |
	       ((want->flags ^ have->flags) & PODVS_DEST_F_ALL ?
		PD_CHG_DFLAGS : 0);
}

/* An owned dest that is not desired: drain it for its flows or delete. */
static int undesired_dest(const struct pd_vs *want, const struct pd_vs *have,
			  const struct pd_dest *d,
			  const struct pd_diff_policy *pol, struct pd_ops *ops)
{
	struct pd_dest drained = *d;

	if (!pol || !pol->linger || !pol->linger(pol->ctx, have, d))
		return push(ops, PODVS_CMD_DEL_DEST, 0, &have->key, NULL, d);
	if (d->flags & PODVS_DEST_F_DRAIN)
		return 0;
	drained.flags |= PODVS_DEST_F_DRAIN;
	return push(ops, PODVS_CMD_SET_DEST, PD_CHG_DFLAGS, &have->key, want,
		    &drained);
}

static int diff_dest_pair(const struct pd_vs *want, const struct pd_vs *have,
			  const struct pd_dest *w, const struct pd_dest *h,
			  const struct pd_diff_policy *pol, struct pd_ops *ops)
{
	uint32_t m;

	if (h && h->foreign)
		return 0;	/* not ours, even if we want that key */
	if (!h)
		return push(ops, PODVS_CMD_NEW_DEST, 0, &want->key, want, w);
	if (!w)
		return undesired_dest(want, have, h, pol, ops);
	m = dest_changes(w, h);
	if (!m)
		return 0;
	return push(ops, PODVS_CMD_SET_DEST, m, &want->key, want, w);
}

/* Merge the two sorted dest arrays. */
static int diff_dests(const struct pd_vs *want, const struct pd_vs *have,
		      const struct pd_diff_policy *pol, struct pd_ops *ops)
{
	size_t i = 0, j = 0;
	int err = 0;

	while (!err && (i < want->n_dests || j < have->n_dests)) {
		const struct pd_dest *w = i < want->n_dests ?
					  &want->dests[i] : NULL;
		const struct pd_dest *h = j < have->n_dests ?
					  &have->dests[j] : NULL;
		int c = !w ? 1 : !h ? -1 : pd_dest_cmp(w, h);

		err = diff_dest_pair(want, have, c <= 0 ? w : NULL,
				     c >= 0 ? h : NULL, pol, ops);
		i += c <= 0;
		j += c >= 0;
	}
	return err;
}

int pd_diff_vs(const struct pd_vs *want, const struct pd_vs *have,
	       const struct pd_diff_policy *pol, struct pd_ops *ops)
{
	uint32_t m;
	int err;

	if (have && !pd_owned(have->owner)) {
		if (want && pol && pol->conflict)
			pol->conflict(pol->ctx, want, have);
		return 0;
	}
	if (!have)
		return want ? add_all(want, ops) : 0;
	if (!want)
		return push(ops, PODVS_CMD_DEL_SERVICE, 0, &have->key, NULL,
			    NULL);
	m = svc_changes(want, have);
	err = m ? push(ops, PODVS_CMD_SET_SERVICE, m, &want->key, want, NULL) :
		  0;
	return err ?: diff_dests(want, have, pol, ops);
}

static int vs_ptr_cmp(const void *a, const void *b)
{
	const struct pd_vs *const *x = a, *const *y = b;

	return pd_vs_key_cmp(&(*x)->key, &(*y)->key);
}

static struct pd_vs **sorted_copy(struct pd_vs *const *v, size_t n)
{
	struct pd_vs **c = malloc((n ? n : 1) * sizeof(*c));

	if (!c)
		return NULL;
	if (n) {	/* @v may be NULL for an empty table */
		memcpy(c, v, n * sizeof(*c));
		qsort(c, n, sizeof(*c), vs_ptr_cmp);
	}
	return c;
}

int pd_diff(struct pd_vs *const *want, size_t nw, struct pd_vs *const *have,
	    size_t nh, const struct pd_diff_policy *pol, struct pd_ops *ops)
{
	struct pd_vs **w = sorted_copy(want, nw), **h = sorted_copy(have, nh);
	size_t i = 0, j = 0;
	int err = w && h ? 0 : -ENOMEM;

	while (!err && (i < nw || j < nh)) {
		int c = i == nw ? 1 : j == nh ? -1 :
			pd_vs_key_cmp(&w[i]->key, &h[j]->key);

		err = pd_diff_vs(c <= 0 ? w[i] : NULL, c >= 0 ? h[j] : NULL,
				 pol, ops);
		i += c <= 0;
		j += c >= 0;
	}
	free(w);
	free(h);
	if (!err)
		pd_ops_sort(ops);
	return err;
}

static int phase(uint8_t cmd)
{
	switch (cmd) {
	case PODVS_CMD_DEL_SERVICE:	return 0;
	case PODVS_CMD_NEW_SERVICE:	return 1;
	case PODVS_CMD_SET_SERVICE:	return 2;
	case PODVS_CMD_DEL_DEST:	return 3;
	case PODVS_CMD_SET_DEST:	return 4;
	default:			return 5;	/* NEW_DEST */
	}
}

static int op_cmp(const void *a, const void *b)
{
	const struct pd_op *x = a, *y = b;
	int c = phase(x->cmd) - phase(y->cmd);

	if (c)
		return c;
	c = pd_vs_key_cmp(&x->key, &y->key);
	if (c || x->cmd < PODVS_CMD_NEW_DEST)
		return c;
	return pd_dest_cmp(&x->dest, &y->dest);
}

void pd_ops_sort(struct pd_ops *ops)
{
	if (ops->n > 1)
		qsort(ops->v, ops->n, sizeof(*ops->v), op_cmp);
}
