// SPDX-License-Identifier: GPL-2.0
/*
 * libpodvs: batches of service/dest operations (PODVS_CMD_BATCH).
 *
 * Ops are encoded once, at append time, as PODVS_A_OP attributes laid end
 * to end in one buffer; sending copies runs of them behind a genl header,
 * as many as fit in one message.  The kernel's extack offset (or its
 * "op N:" text) then maps back to the caller's op index.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "handle.h"

/* One op is a few hundred bytes at most (two nests, two owner strings). */
#define OP_SCRATCH	512

struct lpv_batch {
	char *buf;		/* encoded ops */
	size_t len, cap;
	size_t *off;		/* start of each op in buf */
	size_t n, ncap;
	size_t max_msg;
};

struct lpv_batch *lpv_batch_new(void)
{
	return calloc(1, sizeof(struct lpv_batch));
}

void lpv_batch_free(struct lpv_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->off);
	free(b);
}

size_t lpv_batch_count(const struct lpv_batch *b)
{
	return b->n;
}

void lpv_batch_set_max_msg(struct lpv_batch *b, size_t bytes)
{
	b->max_msg = bytes;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 4096 / size;
	void *q;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	q = realloc(*p, ncap * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

int lpv_batch_append(struct lpv_batch *b, uint8_t cmd,
		     const struct lpv_service *svc,
		     const struct lpv_dest *dest)
{
	char scratch[OP_SCRATCH];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(scratch);
	size_t len;
	int err;

	err = lpv_put_op(nlh, sizeof(scratch), cmd, svc, dest);
	if (err)
		return err;
	len = nlh->nlmsg_len - MNL_NLMSG_HDRLEN;
	if (grow((void **)&b->buf, &b->cap, b->len + len, 1) ||
	    grow((void **)&b->off, &b->ncap, b->n + 1, sizeof(*b->off)))
		return -ENOMEM;
	memcpy(b->buf + b->len, scratch + MNL_NLMSG_HDRLEN, len);
	b->off[b->n] = b->len;
	b->len += len;
	if (b->n >= INT32_MAX)
		return -E2BIG;
	return (int)b->n++;
}

static size_t op_end(const struct lpv_batch *b, size_t i)
{
	return i + 1 < b->n ? b->off[i + 1] : b->len;
}

/* Ops [first, return value) fit in a payload of @room bytes. */
static size_t fit(const struct lpv_batch *b, size_t first, size_t room)
{
	size_t j = first;

	while (j < b->n && op_end(b, j) - b->off[first] <= room)
		j++;
	return j;
}

/* The op holding byte @rel of the encoded ops (within [first, last)). */
static size_t op_at(const struct lpv_batch *b, size_t first, size_t last,
		    size_t rel)
{
	size_t lo = first, hi = last;

	if (rel < b->off[first] || rel >= op_end(b, last - 1))
		return SIZE_MAX;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->off[mid] <= rel)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

long lpv_rebase_op_msg(const char *kmsg, size_t base, char *out,
		       size_t outlen)
{
	unsigned long n;
	char *end;

	if (strncmp(kmsg, "op ", 3) || kmsg[3] < '0' || kmsg[3] > '9')
		goto verbatim;
	errno = 0;
	n = strtoul(kmsg + 3, &end, 10);
	if (errno || *end != ':' || n > 0x7fffffff)
		goto verbatim;
	snprintf(out, outlen, "op %zu%s", (size_t)n + base, end);
	return (long)n;
verbatim:
	snprintf(out, outlen, "%s", kmsg);
	return -1;
}

/* Which op of message [first, last) failed; rewrite "op N:" in errmsg. */
static size_t failed_op(struct lpv_handle *h, const struct lpv_batch *b,
			size_t first, size_t last)
{
	size_t k = SIZE_MAX;
	long n = -1;

	if (h->ack.has_msg)
		n = lpv_rebase_op_msg(h->ack.msg, first, h->errmsg,
				      sizeof(h->errmsg));
	if (h->ack.has_offs && h->ack.offs >= LPV_HDRLEN)
		k = op_at(b, first, last, h->ack.offs - LPV_HDRLEN + b->off[first]);
	if (k == SIZE_MAX && n >= 0 && (size_t)n < last - first)
		k = first + (size_t)n;
	return k;
}

static size_t msg_limit(const struct lpv_handle *h, const struct lpv_batch *b)
{
	size_t max = h->max_msg;

	if (b->max_msg && b->max_msg < max)
		max = b->max_msg;
	if (max > b->len + LPV_HDRLEN)
		max = b->len + LPV_HDRLEN;
	return max;
}

static int send_one(struct lpv_handle *h, const struct lpv_batch *b,
		    char *msg, size_t first, size_t last)
{
	struct nlmsghdr *nlh;
	size_t len = op_end(b, last - 1) - b->off[first];

	nlh = lpv_msg_start(msg, h->family, PODVS_CMD_BATCH, 0, 0);
	memcpy(msg + nlh->nlmsg_len, b->buf + b->off[first], len);
	nlh->nlmsg_len += len;
	return lpv_xfer(h, nlh, NULL, NULL);
}

int lpv_batch_send(struct lpv_handle *h, struct lpv_batch *b,
		   struct lpv_batch_result *res)
{
	struct lpv_batch_result r = { .failed_op = SIZE_MAX };
	size_t max = msg_limit(h, b), first = 0;
	char *msg;
	int err = 0;

	msg = b->n ? malloc(max) : NULL;
	if (b->n && !msg)
		return lpv_set_err(h, -ENOMEM, "out of memory");
	while (first < b->n) {
		size_t last = fit(b, first, max - LPV_HDRLEN);

		if (last == first) {
			err = lpv_set_err(h, -EMSGSIZE, "op %zu does not fit in a message",
					  first);
			r.failed_op = first;
			break;
		}
		r.messages++;
		err = send_one(h, b, msg, first, last);
		if (err) {
			r.failed_op = failed_op(h, b, first, last);
			break;
		}
		first = last;
	}
	r.applied = first;
	free(msg);
	if (res)
		*res = r;
	return err;
}
