/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libpodvs internals: the handle and its request/reply loop.
 *
 * The transport is a pair of function pointers so the unit tests can play
 * the kernel: a fake transport receives the request bytes and returns
 * crafted replies (acks with extack, dumps with NLM_F_DUMP_INTR, ...).
 */
#ifndef _LIBPODVS_HANDLE_H
#define _LIBPODVS_HANDLE_H

#include <sys/types.h>
#include "msg.h"

struct lpv_transport {
	/* Both return bytes or -errno. */
	ssize_t (*send)(void *priv, const void *buf, size_t len);
	ssize_t (*recv)(void *priv, void *buf, size_t len);
};

/* Receive buffer: larger than any dump message the kernel builds (32 KiB). */
#define LPV_RBUF_LEN		65536
/* Upper bound on one request message (batches). */
#define LPV_MAX_MSG		(4U << 20)
/* Socket buffers asked for (the kernel doubles the value). */
#define LPV_SNDBUF		(LPV_MAX_MSG + 65536)
#define LPV_RCVBUF		(4U << 20)
/* Retries of a dump the kernel marked NLM_F_DUMP_INTR. */
#define LPV_DUMP_RETRIES	10

struct lpv_handle {
	struct mnl_socket *nl;
	struct mnl_socket *mc;		/* notifications, after subscribe */
	const struct lpv_transport *tr;
	void *tr_priv;
	uint16_t family;
	uint32_t mcgrp;
	uint32_t seq;
	uint32_t portid;
	size_t max_msg;			/* largest request the socket takes */
	bool dump_intr;			/* the last dump saw NLM_F_DUMP_INTR */
	struct lpv_ack ack;		/* the last error ack */
	char rbuf[LPV_RBUF_LEN];
	char errmsg[LPV_ERRMSG_LEN];
};

/* Called for each data message of a reply; < 0 aborts with that error. */
typedef int (*lpv_msg_cb)(const struct nlmsghdr *nlh, void *data);
/* Called before each (re)try of a dump to drop partial results. */
typedef void (*lpv_reset_cb)(void *data);

/* A handle on a fake transport, for tests (family id @family). */
struct lpv_handle *lpv_handle_fake(const struct lpv_transport *tr,
				   void *priv, uint16_t family,
				   size_t max_msg);

/* Record an error message (printf-style) and return @err. */
int lpv_set_err(struct lpv_handle *h, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Send @req (seq is set here; NLM_F_ACK added unless it is a dump) and read
 * the reply up to its ack or NLMSG_DONE, calling @cb for data messages.
 */
int lpv_xfer(struct lpv_handle *h, struct nlmsghdr *req,
	     lpv_msg_cb cb, void *data);
/* As lpv_xfer for a dump request, retried while NLM_F_DUMP_INTR. */
int lpv_dump(struct lpv_handle *h, struct nlmsghdr *req,
	     lpv_msg_cb cb, lpv_reset_cb reset, void *data);

/*
 * batch.c, exported for its unit test: batch error mapping.  @kmsg is the kernel's message for a batch whose
 * first op has the caller's index @base; "op N: rest" becomes
 * "op N+base: rest" in @out.  Returns N (the kernel's index) or -1 when
 * @kmsg does not start with "op N:" (then it is copied unchanged).
 */
long lpv_rebase_op_msg(const char *kmsg, size_t base, char *out,
		       size_t outlen);

#endif /* _LIBPODVS_HANDLE_H */
