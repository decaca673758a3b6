// SPDX-License-Identifier: GPL-2.0
/*
 * libpodvs: the socket, family lookup and the request/reply loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "handle.h"

int lpv_set_err(struct lpv_handle *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

const char *lpv_errmsg(const struct lpv_handle *h)
{
	return h->errmsg;
}

static ssize_t sock_send(void *priv, const void *buf, size_t len)
{
	ssize_t ret = mnl_socket_sendto(priv, buf, len);

	return ret < 0 ? -errno : ret;
}

static ssize_t sock_recv(void *priv, void *buf, size_t len)
{
	ssize_t ret;

	do {
		ret = mnl_socket_recvfrom(priv, buf, len);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

static const struct lpv_transport sock_transport = {
	.send = sock_send,
	.recv = sock_recv,
};

/* An error ack: keep the kernel's message, else describe the errno. */
static int ack_error(struct lpv_handle *h, const struct nlmsghdr *nlh)
{
	if (lpv_parse_ack(nlh, &h->ack))
		return lpv_set_err(h, -EPROTO, "malformed ack from the kernel");
	if (!h->ack.error)
		return 0;
	if (h->ack.has_msg)
		return lpv_set_err(h, h->ack.error, "%s", h->ack.msg);
	return lpv_set_err(h, h->ack.error, "%s", strerror(-h->ack.error));
}

struct rx {
	lpv_msg_cb cb;
	void *data;
	int cb_err;		/* first error of @cb; later messages skipped */
	bool done;
};

/* One message of the reply; returns < 0 on an error ack. */
static int rx_one(struct lpv_handle *h, const struct nlmsghdr *nlh,
		  struct rx *rx)
{
	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
	case NLMSG_OVERRUN:
		return 0;
	case NLMSG_ERROR:
	case NLMSG_DONE:
		rx->done = true;
		return ack_error(h, nlh);
	}
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		h->dump_intr = true;
	if (rx->cb && !rx->cb_err) {
		int err = rx->cb(nlh, rx->data);

		if (err < 0)
			rx->cb_err = err;
	}
	return 0;
}

static int rx_buf(struct lpv_handle *h, int len, uint32_t seq,
		  struct rx *rx)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)h->rbuf;
	int err;

	while (lpv_nlmsg_ok(nlh, len)) {
		if (nlh->nlmsg_seq == seq &&
		    (!h->portid || mnl_nlmsg_portid_ok(nlh, h->portid))) {
			err = rx_one(h, nlh, rx);
			if (err || rx->done)
				return err;
		}
		nlh = mnl_nlmsg_next(nlh, &len);
	}
	/* the kernel sends whole, aligned messages: anything left is broken */
	if (len > 0)
		return lpv_set_err(h, -EPROTO, "malformed reply from the kernel");
	return 0;
}

int lpv_xfer(struct lpv_handle *h, struct nlmsghdr *req,
	     lpv_msg_cb cb, void *data)
{
	struct rx rx = { .cb = cb, .data = data };
	ssize_t len;

	h->errmsg[0] = '\0';
	h->dump_intr = false;
	memset(&h->ack, 0, sizeof(h->ack));
	req->nlmsg_seq = ++h->seq;
	if (!(req->nlmsg_flags & NLM_F_DUMP))
		req->nlmsg_flags |= NLM_F_ACK;
	len = h->tr->send(h->tr_priv, req, req->nlmsg_len);
	if (len < 0)
		return lpv_set_err(h, (int)len, "sending to the kernel: %s",
				   strerror((int)-len));
	while (!rx.done) {
		int err;

		len = h->tr->recv(h->tr_priv, h->rbuf, sizeof(h->rbuf));
		if (len < 0)
			return lpv_set_err(h, (int)len, "reading from the kernel: %s",
					   strerror((int)-len));
		if (len == 0)
			return lpv_set_err(h, -EPROTO, "the kernel closed the reply");
		err = rx_buf(h, (int)len, req->nlmsg_seq, &rx);
		if (err)
			return err;
	}
	if (rx.cb_err == -ENOMEM)
		return lpv_set_err(h, rx.cb_err, "out of memory reading the reply");
	if (rx.cb_err)
		return lpv_set_err(h, rx.cb_err, "malformed reply from the kernel");
	return 0;
}

int lpv_dump(struct lpv_handle *h, struct nlmsghdr *req,
	     lpv_msg_cb cb, lpv_reset_cb reset, void *data)
{
	int i;

	req->nlmsg_flags |= NLM_F_DUMP;
	for (i = 0; i < LPV_DUMP_RETRIES; i++) {
		int err;

		if (reset)
			reset(data);
		err = lpv_xfer(h, req, cb, data);
		if (err || !h->dump_intr)
			return err;
	}
	return lpv_set_err(h, -EAGAIN,
			   "the table kept changing during the dump (%d tries)", i);
}

/* ---- open/close -------------------------------------------------------- */

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct lpv_handle *h = data;

	return lpv_parse_family(nlh, PODVS_GENL_MCGRP, &h->family, &h->mcgrp);
}

static int resolve_family(struct lpv_handle *h)
{
	char buf[256];
	struct nlmsghdr *nlh;
	int err;

	nlh = lpv_msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, 0);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, PODVS_GENL_NAME);
	err = lpv_xfer(h, nlh, family_cb, h);
	if (err == -ENOENT)
		return lpv_set_err(h, err, "%s", LPV_ERR_NOT_LOADED);
	if (!err && !h->family)
		return lpv_set_err(h, -EPROTO, "no family id in the nlctrl reply");
	return err;
}

/* Ask for @size, forcing it past the sysctl limit when allowed; returns the
 * size the socket ended up with.
 */
static int raise_buf(int fd, int force_opt, int opt, int size)
{
	socklen_t len = sizeof(size);

	if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
	if (getsockopt(fd, SOL_SOCKET, opt, &size, &len) < 0)
		return 0;
	return size;
}

static int sock_setup(struct lpv_handle *h)
{
	int one = 1, fd, sndbuf;

	h->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!h->nl)
		return lpv_set_err(h, -errno, "netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return lpv_set_err(h, -errno, "netlink bind: %s", strerror(errno));
	/* Both exist since Linux 4.12; without them errors lose their text. */
	mnl_socket_setsockopt(h->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(h->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	fd = mnl_socket_get_fd(h->nl);
	sndbuf = raise_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, LPV_SNDBUF);
	raise_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, LPV_RCVBUF);
	/* netlink_sendmsg() refuses len > sk_sndbuf - 32 */
	h->max_msg = sndbuf > 4096 ? (size_t)sndbuf - 256 : 4096;
	if (h->max_msg > LPV_MAX_MSG)
		h->max_msg = LPV_MAX_MSG;
	h->portid = mnl_socket_get_portid(h->nl);
	h->tr = &sock_transport;
	h->tr_priv = h->nl;
	return 0;
}

int lpv_open(struct lpv_handle **hp, char *errmsg, size_t errlen)
{
	struct lpv_handle *h = calloc(1, sizeof(*h));
	int err;

	*hp = NULL;
	if (!h) {
		if (errmsg && errlen)
			snprintf(errmsg, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	err = sock_setup(h);
	err = err ?: resolve_family(h);
	if (err) {
		if (errmsg && errlen)
			snprintf(errmsg, errlen, "%s", h->errmsg);
		lpv_close(h);
		return err;
	}
	h->errmsg[0] = '\0';
	*hp = h;
	return 0;
}

struct lpv_handle *lpv_handle_fake(const struct lpv_transport *tr,
				   void *priv, uint16_t family,
				   size_t max_msg)
{
	struct lpv_handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->tr = tr;
	h->tr_priv = priv;
	h->family = family;
	h->max_msg = max_msg ? max_msg : LPV_MAX_MSG;
	return h;
}

void lpv_close(struct lpv_handle *h)
{
	if (!h)
		return;
	if (h->mc)
		mnl_socket_close(h->mc);
	if (h->nl)
		mnl_socket_close(h->nl);
	free(h);
}
