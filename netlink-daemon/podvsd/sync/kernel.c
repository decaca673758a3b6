// SPDX-License-Identifier: GPL-2.0
/* The podvs module as a backend: read-back and batches through libpodvs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libpodvs.h"
#include "sync/backend.h"

int pd_kernel_open(struct pd_kernel *k, char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	return lpv_open(&k->h, err, errlen);
}

void pd_kernel_close(struct pd_kernel *k)
{
	if (k->h)
		lpv_close(k->h);
	k->h = NULL;
}

void pd_kernel_failed(struct pd_kernel *k, int ret)
{
	(void)ret;
	k->stale = true;
}

struct lpv_handle *pd_kernel_handle(struct pd_kernel *k, char *err,
				    size_t errlen)
{
	struct lpv_handle *h;

	if (!k->stale && k->h)
		return k->h;
	if (lpv_open(&h, err, errlen))
		return NULL;
	if (k->h)
		lpv_close(k->h);
	k->h = h;
	k->stale = false;
	k->reopens++;
	return h;
}

static void vs_from_lib(const struct lpv_service *s, struct pd_vs *vs)
{
	struct pd_addr a = { .af = s->af };

	memcpy(a.b, s->addr.raw, sizeof(a.b));
	pd_vs_key_init(&vs->key, &a, s->protocol, s->port);
	if (s->present & LPV_SVC_HAS_SCHED)
		memcpy(vs->sched, s->sched, sizeof(vs->sched));
	vs->sched[sizeof(vs->sched) - 1] = '\0';
	vs->flags = s->present & LPV_SVC_HAS_FLAGS ? s->flags : 0;
	vs->timeout = s->present & LPV_SVC_HAS_TIMEOUT ? s->timeout : 0;
	vs->netmask = s->present & LPV_SVC_HAS_NETMASK ? s->netmask : 0;
	if (s->present & LPV_SVC_HAS_OWNER)
		memcpy(vs->owner, s->owner, sizeof(vs->owner));
	vs->owner[sizeof(vs->owner) - 1] = '\0';
}

static void dest_from_lib(const struct lpv_dest *d, struct pd_dest *pd)
{
	memset(pd, 0, sizeof(*pd));
	memcpy(pd->addr, d->addr.raw, sizeof(pd->addr));
	pd->port = d->port;
	pd->weight = d->present & LPV_DEST_HAS_WEIGHT ? d->weight : 1;
	pd->flags = d->present & LPV_DEST_HAS_FLAGS ? d->flags : 0;
	pd->foreign = !(d->present & LPV_DEST_HAS_OWNER) ||
		      !pd_owned(d->owner);
	pd->conns = d->active_conns + d->inactive_conns;
}

static void key_to_lib(const struct pd_vs_key *k, struct lpv_service *s)
{
	memset(s, 0, sizeof(*s));
	s->af = k->vip.af;
	s->protocol = k->proto;
	memcpy(s->addr.raw, k->vip.b, sizeof(s->addr.raw));
	s->port = k->port;
}

static int read_dests(struct lpv_handle *h, const struct lpv_service *s,
		      struct pd_vs *vs)
{
	struct lpv_dest *d = NULL;
	size_t n = 0;
	int err = lpv_dest_list(h, s, &d, &n);

	for (size_t i = 0; !err && i < n; i++) {
		struct pd_dest pd;

		dest_from_lib(&d[i], &pd);
		err = pd_vs_dest_append(vs, &pd);
	}
	free(d);
	pd_vs_dest_sort(vs);
	return err;
}

/* One service and its dests into @t; a service deleted meanwhile by
 * someone else (-ENOENT) is skipped.
 */
static int read_service(struct lpv_handle *h, const struct lpv_service *s,
			struct pd_table *t)
{
	struct pd_vs *vs = calloc(1, sizeof(*vs));
	int ret;

	if (!vs)
		return -ENOMEM;
	vs_from_lib(s, vs);
	ret = read_dests(h, s, vs);
	if (!ret)
		ret = pd_table_put(t, vs);
	if (ret)
		pd_vs_free(vs);
	return ret == -ENOENT ? 0 : ret;
}

static int k_read(void *ctx, struct pd_table *t, char *err, size_t errlen)
{
	struct pd_kernel *k = ctx;
	struct lpv_handle *h = pd_kernel_handle(k, err, errlen);
	struct lpv_service *s = NULL;
	size_t n = 0;
	int ret;

	if (!h)
		return -ENOENT;
	ret = lpv_service_list(h, &s, &n);
	for (size_t i = 0; !ret && i < n; i++)
		ret = read_service(h, &s[i], t);
	free(s);
	if (ret) {
		snprintf(err, errlen, "reading the kernel tables: %s",
			 ret == -ENOMEM ? "out of memory" : lpv_errmsg(h));
		pd_kernel_failed(k, ret);
	}
	return ret;
}

static void svc_attrs(const struct pd_op *op, uint32_t mask,
		      struct lpv_service *s)
{
	const struct pd_vs *vs = op->vs;

	if (mask & PD_CHG_SCHED) {
		s->present |= LPV_SVC_HAS_SCHED;
		memcpy(s->sched, vs->sched, sizeof(s->sched));
	}
	if (mask & PD_CHG_FLAGS) {
		s->present |= LPV_SVC_HAS_FLAGS | LPV_SVC_HAS_FLAGS_MASK;
		s->flags = vs->flags;
		s->flags_mask = PODVS_SVC_F_ALL;
	}
	if ((mask & PD_CHG_TIMEOUT) && (vs->flags & PODVS_SVC_F_PERSISTENT)) {
		s->present |= LPV_SVC_HAS_TIMEOUT;
		s->timeout = vs->timeout;
	}
	if ((mask & PD_CHG_NETMASK) && (vs->flags & PODVS_SVC_F_PERSISTENT)) {
		s->present |= LPV_SVC_HAS_NETMASK;
		s->netmask = vs->netmask;
	}
	if (mask & PD_CHG_OWNER) {
		s->present |= LPV_SVC_HAS_OWNER;
		memcpy(s->owner, vs->owner, sizeof(s->owner));
	}
}

static void dest_attrs(const struct pd_op *op, uint32_t mask,
		       struct lpv_dest *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->addr.raw, op->dest.addr, sizeof(d->addr.raw));
	d->port = op->dest.port;
	if (mask & PD_CHG_WEIGHT) {
		d->present |= LPV_DEST_HAS_WEIGHT;
		d->weight = op->dest.weight;
	}
	if (mask & PD_CHG_DFLAGS) {
		d->present |= LPV_DEST_HAS_FLAGS | LPV_DEST_HAS_FLAGS_MASK;
		d->flags = op->dest.flags;
		d->flags_mask = PODVS_DEST_F_ALL;
	}
	if (op->cmd == PODVS_CMD_NEW_DEST) {
		d->present |= LPV_DEST_HAS_FWD | LPV_DEST_HAS_OWNER;
		d->fwd = PODVS_FWD_MASQ;
		memcpy(d->owner, op->vs->owner, sizeof(d->owner));
	}
}

static int append_op(struct lpv_batch *b, const struct pd_op *op)
{
	uint32_t mask = op->cmd == PODVS_CMD_NEW_SERVICE ||
			op->cmd == PODVS_CMD_NEW_DEST ? ~0U : op->mask;
	struct lpv_service s;
	struct lpv_dest d;
	int ret;

	key_to_lib(&op->key, &s);
	if (op->cmd == PODVS_CMD_NEW_SERVICE ||
	    op->cmd == PODVS_CMD_SET_SERVICE)
		svc_attrs(op, mask, &s);
	if (lpv_cmd_is_dest(op->cmd)) {
		dest_attrs(op, mask, &d);
		ret = lpv_batch_append(b, op->cmd, &s, &d);
	} else {
		ret = lpv_batch_append(b, op->cmd, &s, NULL);
	}
	return ret < 0 ? ret : 0;
}

static int k_apply(void *ctx, const struct pd_ops *ops, char *err,
		   size_t errlen)
{
	struct pd_kernel *k = ctx;
	struct lpv_batch *b = lpv_batch_new();
	struct lpv_batch_result res;
	int ret = b ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < ops->n; i++)
		ret = append_op(b, &ops->v[i]);
	if (ret) {
		snprintf(err, errlen, "encoding operations: %s", strerror(-ret));
		lpv_batch_free(b);
		return ret;
	}
	if (k->max_msg)
		lpv_batch_set_max_msg(b, k->max_msg);
	ret = ops->n ? lpv_batch_send(k->h, b, &res) : 0;
	if (ret) {
		snprintf(err, errlen, "%s (%zu of %zu ops committed)",
			 lpv_errmsg(k->h), res.applied, ops->n);
		pd_kernel_failed(k, ret);
	}
	lpv_batch_free(b);
	return ret;
}

static int k_read_vs(void *ctx, struct pd_vs *vs, char *err, size_t errlen)
{
	struct pd_kernel *k = ctx;
	struct lpv_service s;
	int ret;

	key_to_lib(&vs->key, &s);
	vs->n_dests = 0;
	ret = read_dests(k->h, &s, vs);
	if (ret) {
		snprintf(err, errlen, "reading dests: %s",
			 ret == -ENOMEM ? "out of memory" : lpv_errmsg(k->h));
		pd_kernel_failed(k, ret);
	}
	return ret;
}

void pd_kernel_backend(struct pd_kernel *k, struct pd_backend *b)
{
	b->read = k_read;
	b->read_vs = k_read_vs;
	b->apply = k_apply;
	b->ctx = k;
}
