// SPDX-License-Identifier: GPL-2.0
/*
 * libpodvs: one function per podvs command.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "handle.h"

/* Requests other than batches are small: a service, a dest, filters. */
#define REQ_LEN	1024

static int build_err(struct lpv_handle *h, int err)
{
	if (err == -EMSGSIZE)
		return lpv_set_err(h, err, "request too large");
	return lpv_set_err(h, err, "invalid request: bad address family, "
			   "command or over-long string");
}

/* A growable array of fixed-size items for dumps. */
struct vec {
	void *items;
	size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
	void *p;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;

		p = realloc(v->items, cap * v->size);
		if (!p)
			return NULL;
		v->items = p;
		v->cap = cap;
	}
	p = (char *)v->items + v->n++ * v->size;
	memset(p, 0, v->size);
	return p;
}

static void vec_reset(void *data)
{
	((struct vec *)data)->n = 0;
}

static int vec_done(struct vec *v, int err, void **out, size_t *n)
{
	if (err || !v->n) {
		free(v->items);
		v->items = NULL;
		v->n = 0;
	}
	*out = v->items;
	*n = v->n;
	return err;
}

/* ---- info and config --------------------------------------------------- */

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[PODVS_A_MAX + 1];

	if (lpv_parse_top(nlh, tb) || !tb[PODVS_A_INFO])
		return -EPROTO;
	return lpv_parse_info(tb[PODVS_A_INFO], data);
}

int lpv_info_get(struct lpv_handle *h, struct lpv_info *info)
{
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;

	memset(info, 0, sizeof(*info));
	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_GET_INFO, 0, 0);
	return lpv_xfer(h, nlh, info_cb, info);
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[PODVS_A_MAX + 1];

	if (lpv_parse_top(nlh, tb) || !tb[PODVS_A_CONFIG])
		return -EPROTO;
	return lpv_parse_config(tb[PODVS_A_CONFIG], data);
}

int lpv_config_get(struct lpv_handle *h, struct lpv_config *cfg)
{
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;

	memset(cfg, 0, sizeof(*cfg));
	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_GET_CONFIG, 0, 0);
	return lpv_xfer(h, nlh, config_cb, cfg);
}

int lpv_config_set(struct lpv_handle *h, const struct lpv_config *cfg)
{
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;
	int err;

	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_SET_CONFIG, 0, 0);
	err = lpv_put_config(nlh, sizeof(buf), cfg);
	if (err)
		return build_err(h, err);
	return lpv_xfer(h, nlh, NULL, NULL);
}

/* ---- announcement ------------------------------------------------------ */

static int announce_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[PODVS_A_MAX + 1];

	if (lpv_parse_top(nlh, tb) || !tb[PODVS_A_ANNOUNCE])
		return -EPROTO;
	return lpv_parse_announce(tb[PODVS_A_ANNOUNCE], data);
}

int lpv_announce_get(struct lpv_handle *h, struct lpv_announce *ann)
{
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;

	memset(ann, 0, sizeof(*ann));
	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_GET_ANNOUNCE, 0, 0);
	return lpv_xfer(h, nlh, announce_cb, ann);
}

int lpv_announce_set(struct lpv_handle *h, const struct lpv_announce *ann)
{
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;
	int err;

	if (!ann->has_hold && !ann->has_ready && !ann->has_decommissioned)
		return lpv_set_err(h, -EINVAL, "announce: nothing to set "
				   "(hold, ready or decommissioned)");
	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_SET_ANNOUNCE, 0, 0);
	err = lpv_put_announce(nlh, sizeof(buf), ann);
	if (err)
		return build_err(h, err);
	return lpv_xfer(h, nlh, NULL, NULL);
}

/* ---- services ---------------------------------------------------------- */

static int svc_cmd(struct lpv_handle *h, uint8_t cmd,
		   const struct lpv_service *svc, bool key_only)
{
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;
	int err;

	nlh = lpv_msg_start(buf, h->family, cmd, 0, 0);
	err = lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, svc, key_only);
	if (err)
		return build_err(h, err);
	return lpv_xfer(h, nlh, NULL, NULL);
}

int lpv_service_add(struct lpv_handle *h, const struct lpv_service *svc)
{
	return svc_cmd(h, PODVS_CMD_NEW_SERVICE, svc, false);
}

int lpv_service_edit(struct lpv_handle *h, const struct lpv_service *svc)
{
	return svc_cmd(h, PODVS_CMD_SET_SERVICE, svc, false);
}

int lpv_service_del(struct lpv_handle *h, const struct lpv_service *svc)
{
	return svc_cmd(h, PODVS_CMD_DEL_SERVICE, svc, true);
}

static int svc_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[PODVS_A_MAX + 1];

	if (lpv_parse_top(nlh, tb) || !tb[PODVS_A_SERVICE])
		return -EPROTO;
	return lpv_parse_service(tb[PODVS_A_SERVICE], data);
}

int lpv_service_get(struct lpv_handle *h, struct lpv_service *svc)
{
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;
	int err;

	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_GET_SERVICE, 0, 0);
	err = lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, svc, true);
	if (err)
		return build_err(h, err);
	return lpv_xfer(h, nlh, svc_cb, svc);
}

static int svc_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct lpv_service *svc = vec_push(data);

	return svc ? svc_cb(nlh, svc) : -ENOMEM;
}

int lpv_service_list(struct lpv_handle *h, struct lpv_service **svcs,
		     size_t *n)
{
	struct vec v = { .size = sizeof(**svcs) };
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;
	int err;

	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_GET_SERVICE, 0, 0);
	err = lpv_dump(h, nlh, svc_list_cb, vec_reset, &v);
	return vec_done(&v, err, (void **)svcs, n);
}

/* ---- dests ------------------------------------------------------------- */

static int dest_cmd(struct lpv_handle *h, uint8_t cmd,
		    const struct lpv_service *svc,
		    const struct lpv_dest *dest, bool key_only)
{
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;
	int err;

	nlh = lpv_msg_start(buf, h->family, cmd, 0, 0);
	err = lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, svc, true);
	err = err ?: lpv_put_dest(nlh, sizeof(buf), PODVS_A_DEST, svc->af, dest,
				  key_only);
	if (err)
		return build_err(h, err);
	return lpv_xfer(h, nlh, NULL, NULL);
}

int lpv_dest_add(struct lpv_handle *h, const struct lpv_service *svc,
		 const struct lpv_dest *dest)
{
	return dest_cmd(h, PODVS_CMD_NEW_DEST, svc, dest, false);
}

int lpv_dest_edit(struct lpv_handle *h, const struct lpv_service *svc,
		  const struct lpv_dest *dest)
{
	return dest_cmd(h, PODVS_CMD_SET_DEST, svc, dest, false);
}

int lpv_dest_del(struct lpv_handle *h, const struct lpv_service *svc,
		 const struct lpv_dest *dest)
{
	return dest_cmd(h, PODVS_CMD_DEL_DEST, svc, dest, true);
}

static int dest_list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[PODVS_A_MAX + 1];
	struct lpv_dest *d;

	if (lpv_parse_top(nlh, tb) || !tb[PODVS_A_DEST])
		return -EPROTO;
	d = vec_push(data);
	return d ? lpv_parse_dest(tb[PODVS_A_DEST], d) : -ENOMEM;
}

int lpv_dest_list(struct lpv_handle *h, const struct lpv_service *svc,
		  struct lpv_dest **dests, size_t *n)
{
	struct vec v = { .size = sizeof(**dests) };
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;
	int err;

	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_GET_DEST, 0, 0);
	err = lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, svc, true);
	if (err)
		return vec_done(&v, build_err(h, err), (void **)dests, n);
	err = lpv_dump(h, nlh, dest_list_cb, vec_reset, &v);
	return vec_done(&v, err, (void **)dests, n);
}

/* ---- flush, zero, connections ------------------------------------------ */

int lpv_flush(struct lpv_handle *h)
{
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;

	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_FLUSH, 0, 0);
	return lpv_xfer(h, nlh, NULL, NULL);
}

int lpv_zero(struct lpv_handle *h, const struct lpv_service *svc)
{
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;

	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_ZERO, 0, 0);
	if (svc) {
		int err = lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE,
					  svc, true);

		if (err)
			return build_err(h, err);
	}
	return lpv_xfer(h, nlh, NULL, NULL);
}

static int conn_list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[PODVS_A_MAX + 1];
	struct lpv_conn *c;

	if (lpv_parse_top(nlh, tb) || !tb[PODVS_A_CONN])
		return -EPROTO;
	c = vec_push(data);
	return c ? lpv_parse_conn(tb[PODVS_A_CONN], c) : -ENOMEM;
}

int lpv_conn_list(struct lpv_handle *h,
		  const struct lpv_conn_filter *filter,
		  struct lpv_conn **conns, size_t *n)
{
	struct vec v = { .size = sizeof(**conns) };
	char buf[REQ_LEN];
	struct nlmsghdr *nlh;
	int err = 0;

	nlh = lpv_msg_start(buf, h->family, PODVS_CMD_GET_CONN, 0, 0);
	if (filter)
		err = lpv_put_conn_filter(nlh, sizeof(buf), filter);
	if (err)
		return vec_done(&v, build_err(h, err), (void **)conns, n);
	err = lpv_dump(h, nlh, conn_list_cb, vec_reset, &v);
	return vec_done(&v, err, (void **)conns, n);
}
