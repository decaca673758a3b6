// SPDX-License-Identifier: GPL-2.0
/* SET/GET_ANNOUNCE through libpodvs, or on the in-memory kernel. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libpodvs.h"
#include "kernel_announce.h"

static int k_get(void *ctx, struct pd_ann_state *st, char *err,
		 size_t errlen)
{
	struct pd_kernel *k = ctx;
	struct lpv_announce a = { 0 };
	struct lpv_handle *h = pd_kernel_handle(k, err, errlen);
	int ret;

	if (!h)
		return -ENOENT;
	ret = lpv_announce_get(h, &a);
	if (ret) {
		snprintf(err, errlen, "%s", lpv_errmsg(h));
		pd_kernel_failed(k, ret);
		return ret;
	}
	*st = (struct pd_ann_state){
		.hold = a.hold, .ready = a.ready, .up = a.up,
		.decommissioned = a.decommissioned,
		.expiries = a.expiries, .links = a.links,
	};
	return 0;
}

static int k_set(void *ctx, const struct pd_ann_req *req, char *err,
		 size_t errlen)
{
	struct pd_kernel *k = ctx;
	struct lpv_handle *h = pd_kernel_handle(k, err, errlen);
	struct lpv_announce a = {
		.hold = req->hold, .ready = req->ready,
		.decommissioned = req->decommissioned,
		.has_hold = req->has_hold, .has_ready = req->has_ready,
		.has_decommissioned = req->has_decommissioned,
	};
	int ret;

	if (!h)
		return -ENOENT;
	ret = lpv_announce_set(h, &a);
	if (ret) {
		snprintf(err, errlen, "%s", lpv_errmsg(h));
		pd_kernel_failed(k, ret);
	}
	return ret;
}

void pd_kernel_ann_ops(struct pd_kernel *k, struct pd_ann_ops *ops)
{
	ops->get = k_get;
	ops->set = k_set;
	ops->ctx = k;
}

static int mk_get(void *ctx, struct pd_ann_state *st, char *err,
		  size_t errlen)
{
	struct pd_memkernel *mk = ctx;

	if (mk->ann_fail) {
		snprintf(err, errlen, "%s", strerror(-mk->ann_fail));
		return mk->ann_fail;
	}
	*st = (struct pd_ann_state){
		.hold = mk->ann.hold, .ready = mk->ann.ready,
		.decommissioned = mk->ann.decommissioned,
		.up = mk->ann.running && mk->ann.ready &&
		      !mk->ann.decommissioned,
		.expiries = mk->ann.expiries,
	};
	return 0;
}

static int mk_set(void *ctx, const struct pd_ann_req *req, char *err,
		  size_t errlen)
{
	struct pd_memkernel *mk = ctx;

	if (mk->ann_fail) {
		snprintf(err, errlen, "%s", strerror(-mk->ann_fail));
		return mk->ann_fail;
	}
	if (req->has_hold) {
		mk->ann.hold = req->hold;
		mk->ann.running = true;
	}
	if (req->has_ready)
		mk->ann.ready = req->ready;
	if (req->has_decommissioned)
		mk->ann.decommissioned = req->decommissioned;
	mk->ann.sets++;
	return 0;
}

void pd_memkernel_ann_ops(struct pd_memkernel *mk, struct pd_ann_ops *ops)
{
	ops->get = mk_get;
	ops->set = mk_set;
	ops->ctx = mk;
}
