// SPDX-License-Identifier: GPL-2.0
/*
 * libpodvs request/reply loop, dumps and batches against a fake kernel: the
 * transport hands each request to a handler that queues crafted replies
 * (acks with extack text and offsets, dumps marked NLM_F_DUMP_INTR, stale
 * sequence numbers), so error mapping and batch splitting are checked
 * without a module.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "lib/handle.h"

#define FAMILY	0x21
#define MAXRX	64

struct fake;
typedef void (*kernel_fn)(struct fake *f, const struct nlmsghdr *req);

struct fake {
	kernel_fn kernel;
	/* requests seen */
	char **sent;
	size_t *sent_len;
	int nsent;
	/* queued datagrams */
	char *rx[MAXRX];
	size_t rx_len[MAXRX];
	int nrx, rxpos;
	/* per-test knobs */
	int calls;
	int fail_msg;		/* batch: which message fails (-1: none) */
	int fail_op;		/* batch: op index within it */
	bool with_offs, with_text;
	int error;
};

static ssize_t fake_send(void *priv, const void *buf, size_t len)
{
	struct fake *f = priv;

	f->sent = realloc(f->sent, (size_t)(f->nsent + 1) * sizeof(*f->sent));
	f->sent_len = realloc(f->sent_len, (size_t)(f->nsent + 1) * sizeof(size_t));
	assert_non_null(f->sent);
	assert_non_null(f->sent_len);
	f->sent[f->nsent] = malloc(len);
	assert_non_null(f->sent[f->nsent]);
	memcpy(f->sent[f->nsent], buf, len);
	f->sent_len[f->nsent++] = len;
	f->kernel(f, buf);
	return (ssize_t)len;
}

static ssize_t fake_recv(void *priv, void *buf, size_t len)
{
	struct fake *f = priv;
	size_t n;

	if (f->rxpos == f->nrx)
		return -EAGAIN;
	n = f->rx_len[f->rxpos];
	assert_true(n <= len);
	memcpy(buf, f->rx[f->rxpos], n);
	free(f->rx[f->rxpos++]);
	return (ssize_t)n;
}

static const struct lpv_transport fake_tr = { fake_send, fake_recv };

/* Start a new datagram; messages are appended with put_msg(). */
static void new_dgram(struct fake *f)
{
	assert_true(f->nrx < MAXRX);
	f->rx[f->nrx] = calloc(1, 65536);
	f->rx_len[f->nrx++] = 0;
}

static struct nlmsghdr *put_msg(struct fake *f, uint16_t type, uint16_t flags,
				uint32_t seq)
{
	char *d = f->rx[f->nrx - 1] + f->rx_len[f->nrx - 1];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(d);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

static void end_msg(struct fake *f, struct nlmsghdr *nlh)
{
	f->rx_len[f->nrx - 1] += MNL_ALIGN(nlh->nlmsg_len);
}

static void put_ack(struct fake *f, const struct nlmsghdr *req, int error,
		    const char *msg, int offs)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	nlh = put_msg(f, NLMSG_ERROR, NLM_F_CAPPED |
		      (msg || offs >= 0 ? NLM_F_ACK_TLVS : 0), req->nlmsg_seq);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg = *req;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	if (offs >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, (uint32_t)offs);
	end_msg(f, nlh);
}

static void put_done(struct fake *f, const struct nlmsghdr *req, int error)
{
	struct nlmsghdr *nlh = put_msg(f, NLMSG_DONE, NLM_F_MULTI, req->nlmsg_seq);

	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(int)), &error, sizeof(int));
	end_msg(f, nlh);
}

static void put_service(struct fake *f, const struct nlmsghdr *req, uint16_t port,
			uint16_t flags)
{
	struct nlmsghdr *nlh = put_msg(f, FAMILY, flags, req->nlmsg_seq);
	struct lpv_service s = { .af = AF_INET, .protocol = IPPROTO_TCP,
				   .port = port, .sched = "mh",
				   .present = LPV_SVC_HAS_SCHED };
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = PODVS_CMD_GET_SERVICE;
	s.addr.raw[0] = 192;
	s.addr.raw[3] = 1;
	assert_int_equal(lpv_put_service(nlh, 4096, PODVS_A_SERVICE, &s, false), 0);
	end_msg(f, nlh);
}

static struct lpv_handle *fake_open(struct fake *f, kernel_fn k, size_t max_msg)
{
	struct lpv_handle *h;

	memset(f, 0, sizeof(*f));
	f->kernel = k;
	f->fail_msg = -1;
	h = lpv_handle_fake(&fake_tr, f, FAMILY, max_msg);
	assert_non_null(h);
	return h;
}

static void fake_close(struct fake *f, struct lpv_handle *h)
{
	int i;

	for (i = 0; i < f->nsent; i++)
		free(f->sent[i]);
	free(f->sent);
	free(f->sent_len);
	for (i = f->rxpos; i < f->nrx; i++)
		free(f->rx[i]);
	lpv_close(h);
}

static uint8_t req_cmd(const struct nlmsghdr *req)
{
	return ((const struct genlmsghdr *)mnl_nlmsg_get_payload(req))->cmd;
}

/* ---- single requests ---------------------------------------------------- */

static void k_exists(struct fake *f, const struct nlmsghdr *req)
{
	new_dgram(f);
	put_ack(f, req, -EEXIST, "service TCP 192.0.2.1:80 already exists", 20);
}

static void svc80(struct lpv_service *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(lpv_addr_parse("192.0.2.1", &s->af, &s->addr), 0);
	s->protocol = IPPROTO_TCP;
	s->port = 80;
}

static void test_extack_message_kept(void **state)
{
	struct lpv_service s;
	struct lpv_handle *h;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_exists, 0);
	svc80(&s);
	assert_int_equal(lpv_service_add(h, &s), -EEXIST);
	assert_string_equal(lpv_errmsg(h), "service TCP 192.0.2.1:80 already exists");
	/* the request asked for an ack and went to the podvs family */
	assert_int_equal(f.nsent, 1);
	assert_true(((struct nlmsghdr *)f.sent[0])->nlmsg_flags & NLM_F_ACK);
	assert_int_equal(((struct nlmsghdr *)f.sent[0])->nlmsg_type, FAMILY);
	assert_int_equal(req_cmd((struct nlmsghdr *)f.sent[0]), PODVS_CMD_NEW_SERVICE);
	fake_close(&f, h);
}

static void k_eperm(struct fake *f, const struct nlmsghdr *req)
{
	new_dgram(f);
	put_ack(f, req, -EPERM, NULL, -1);
}

static void test_errno_without_extack(void **state)
{
	struct lpv_handle *h;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_eperm, 0);
	assert_int_equal(lpv_flush(h), -EPERM);
	assert_string_equal(lpv_errmsg(h), "Operation not permitted");
	fake_close(&f, h);
}

/* A stale reply (older seq) and a NOOP come first; both are skipped. */
static void k_info(struct fake *f, const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh, stale = *req;
	struct nlattr *n;

	stale.nlmsg_seq--;
	new_dgram(f);
	put_ack(f, &stale, -ENOENT, "stale", -1);
	nlh = put_msg(f, NLMSG_NOOP, 0, req->nlmsg_seq);
	end_msg(f, nlh);
	new_dgram(f);
	nlh = put_msg(f, FAMILY, 0, req->nlmsg_seq);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	n = mnl_attr_nest_start(nlh, PODVS_A_INFO);
	mnl_attr_put_strz(nlh, PODVS_INFO_A_VERSION, "9.8.7");
	mnl_attr_put_u32(nlh, PODVS_INFO_A_GENERATION, 42);
	mnl_attr_nest_end(nlh, n);
	end_msg(f, nlh);
	put_ack(f, req, 0, NULL, -1);
}

static void test_reply_then_ack(void **state)
{
	struct lpv_handle *h;
	struct lpv_info info;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_info, 0);
	assert_int_equal(lpv_info_get(h, &info), 0);
	assert_string_equal(info.version, "9.8.7");
	assert_int_equal(info.generation, 42);
	assert_int_equal(f.rxpos, f.nrx);
	assert_string_equal(lpv_errmsg(h), "");
	fake_close(&f, h);
}

static void k_garbage_info(struct fake *f, const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh;

	new_dgram(f);
	nlh = put_msg(f, FAMILY, 0, req->nlmsg_seq);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	mnl_attr_put_u32(nlh, PODVS_A_CONFIG, 1);	/* no PODVS_A_INFO */
	end_msg(f, nlh);
	put_ack(f, req, 0, NULL, -1);
}

static void test_malformed_reply(void **state)
{
	struct lpv_handle *h;
	struct lpv_info info;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_garbage_info, 0);
	assert_int_equal(lpv_info_get(h, &info), -EPROTO);
	assert_string_equal(lpv_errmsg(h), "malformed reply from the kernel");
	/* the loop still read up to the ack: nothing left behind */
	assert_int_equal(f.rxpos, f.nrx);
	fake_close(&f, h);
}

/* A reply whose header claims 2 GiB: mnl_nlmsg_ok() would pass it on. */
static void k_huge_len(struct fake *f, const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh;

	new_dgram(f);
	nlh = put_msg(f, FAMILY, 0, req->nlmsg_seq);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	end_msg(f, nlh);
	nlh->nlmsg_len = 0x80000000u | nlh->nlmsg_len;
	put_ack(f, req, 0, NULL, -1);
}

static void test_reply_overruns_datagram(void **state)
{
	struct lpv_handle *h;
	struct lpv_info info;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_huge_len, 0);
	assert_int_equal(lpv_info_get(h, &info), -EPROTO);
	assert_string_equal(lpv_errmsg(h), "malformed reply from the kernel");
	fake_close(&f, h);
}

/* ---- announcement --------------------------------------------------------- */

static void k_announce(struct fake *f, const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh;
	struct nlattr *n;

	new_dgram(f);
	if (req_cmd(req) == PODVS_CMD_SET_ANNOUNCE) {
		put_ack(f, req, -ERANGE, "announce: HOLD 0 out of range 1..3600",
			LPV_HDRLEN + 4);
		return;
	}
	nlh = put_msg(f, FAMILY, 0, req->nlmsg_seq);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	n = mnl_attr_nest_start(nlh, PODVS_A_ANNOUNCE);
	mnl_attr_put_u32(nlh, PODVS_ANN_A_HOLD, 60);
	mnl_attr_put_u8(nlh, PODVS_ANN_A_READY, 1);
	mnl_attr_put_u8(nlh, PODVS_ANN_A_DECOMMISSIONED, 1);
	mnl_attr_put_u8(nlh, PODVS_ANN_A_UP, 0);
	mnl_attr_put_u32(nlh, PODVS_ANN_A_REMAINING_MS, 1234);
	mnl_attr_put_u32(nlh, PODVS_ANN_A_LINKS, 1);
	mnl_attr_nest_end(nlh, n);
	end_msg(f, nlh);
	put_ack(f, req, 0, NULL, -1);
}

static void test_announce_get(void **state)
{
	struct lpv_announce a;
	struct lpv_handle *h;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_announce, 0);
	assert_int_equal(lpv_announce_get(h, &a), 0);
	assert_int_equal(req_cmd((struct nlmsghdr *)f.sent[0]),
			 PODVS_CMD_GET_ANNOUNCE);
	assert_int_equal(a.hold, 60);
	assert_true(a.ready && a.decommissioned && !a.up);
	assert_int_equal(a.remaining_ms, 1234);
	assert_int_equal(a.expiries, 0);
	assert_int_equal(a.links, 1);
	fake_close(&f, h);
}

static void test_announce_set(void **state)
{
	struct lpv_announce a = { .hold = 0, .has_hold = true };
	const struct nlattr *tb[PODVS_A_MAX + 1];
	const struct nlattr *ann;
	struct lpv_handle *h;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_announce, 0);
	/* the library leaves range checks to the kernel and keeps its text */
	assert_int_equal(lpv_announce_set(h, &a), -ERANGE);
	assert_string_equal(lpv_errmsg(h), "announce: HOLD 0 out of range 1..3600");
	assert_int_equal(f.nsent, 1);
	assert_int_equal(req_cmd((struct nlmsghdr *)f.sent[0]),
			 PODVS_CMD_SET_ANNOUNCE);
	assert_int_equal(lpv_parse_top((struct nlmsghdr *)f.sent[0], tb), 0);
	ann = tb[PODVS_A_ANNOUNCE];
	assert_non_null(ann);
	assert_int_equal(mnl_attr_get_type(mnl_attr_get_payload(ann)),
			 PODVS_ANN_A_HOLD);
	/* nothing to set: refused before anything is sent */
	a.has_hold = false;
	assert_int_equal(lpv_announce_set(h, &a), -EINVAL);
	assert_string_equal(lpv_errmsg(h), "announce: nothing to set "
			    "(hold, ready or decommissioned)");
	assert_int_equal(f.nsent, 1);
	fake_close(&f, h);
}

/* ---- dumps ---------------------------------------------------------------- */

/* 3 services over two datagrams; the first attempt is marked interrupted
 * when f->error says so.
 */
static void k_dump(struct fake *f, const struct nlmsghdr *req)
{
	uint16_t intr = f->calls++ < f->error ? NLM_F_DUMP_INTR : 0;

	assert_true(req->nlmsg_flags & NLM_F_DUMP);
	new_dgram(f);
	put_service(f, req, 80, NLM_F_MULTI);
	put_service(f, req, 81, NLM_F_MULTI | intr);
	new_dgram(f);
	put_service(f, req, 82, NLM_F_MULTI);
	put_done(f, req, 0);
}

static void test_dump(void **state)
{
	struct lpv_service *s = NULL;
	struct lpv_handle *h;
	struct fake f;
	size_t n = 0;

	(void)state;
	h = fake_open(&f, k_dump, 0);
	assert_int_equal(lpv_service_list(h, &s, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(s[0].port, 80);
	assert_int_equal(s[2].port, 82);
	assert_string_equal(s[1].sched, "mh");
	assert_int_equal(f.nsent, 1);
	free(s);
	fake_close(&f, h);
}

static void test_dump_intr_retried(void **state)
{
	struct lpv_service *s = NULL;
	struct lpv_handle *h;
	struct fake f;
	size_t n = 0;

	(void)state;
	h = fake_open(&f, k_dump, 0);
	f.error = 2;	/* two interrupted attempts, then a clean one */
	assert_int_equal(lpv_service_list(h, &s, &n), 0);
	assert_int_equal(f.nsent, 3);
	/* only the clean attempt's entries, not 9 */
	assert_int_equal(n, 3);
	/* each retry is a new request with a new sequence number */
	assert_true(((struct nlmsghdr *)f.sent[2])->nlmsg_seq >
		    ((struct nlmsghdr *)f.sent[0])->nlmsg_seq);
	free(s);
	fake_close(&f, h);
}

static void test_dump_intr_gives_up(void **state)
{
	struct lpv_service *s = (void *)1;
	struct lpv_handle *h;
	struct fake f;
	size_t n = 5;

	(void)state;
	h = fake_open(&f, k_dump, 0);
	f.error = 1000;
	assert_int_equal(lpv_service_list(h, &s, &n), -EAGAIN);
	assert_int_equal(f.nsent, LPV_DUMP_RETRIES);
	assert_string_equal(lpv_errmsg(h), "the table kept changing during the "
			    "dump (10 tries)");
	assert_null(s);
	assert_int_equal(n, 0);
	fake_close(&f, h);
}

static void k_dump_error(struct fake *f, const struct nlmsghdr *req)
{
	new_dgram(f);
	put_service(f, req, 80, NLM_F_MULTI);
	put_ack(f, req, -ENOENT, "service TCP 192.0.2.1:80 not found", -1);
}

static void test_dest_dump_error(void **state)
{
	struct lpv_dest *d = NULL;
	struct lpv_service s;
	struct lpv_handle *h;
	struct lpv_service key;
	const struct nlattr *tb[PODVS_A_MAX + 1];
	struct fake f;
	size_t n = 0;

	(void)state;
	h = fake_open(&f, k_dump_error, 0);
	svc80(&s);
	assert_int_equal(lpv_dest_list(h, &s, &d, &n), -ENOENT);
	assert_string_equal(lpv_errmsg(h), "service TCP 192.0.2.1:80 not found");
	assert_null(d);
	/* the dump request names the service by its key */
	assert_int_equal(lpv_parse_top((struct nlmsghdr *)f.sent[0], tb), 0);
	assert_int_equal(lpv_parse_service(tb[PODVS_A_SERVICE], &key), 0);
	assert_int_equal(key.port, 80);
	assert_int_equal(req_cmd((struct nlmsghdr *)f.sent[0]), PODVS_CMD_GET_DEST);
	fake_close(&f, h);
}

/* ---- batches -------------------------------------------------------------- */

/*
 * Acks each batch message; message f->fail_msg fails at op f->fail_op
 * (offset of that op's dest attribute and/or "op N:" text).
 */
static void k_batch(struct fake *f, const struct nlmsghdr *req)
{
	const struct nlattr *op;
	int i = 0, offs = -1;
	char msg[128];

	assert_int_equal(req_cmd(req), PODVS_CMD_BATCH);
	new_dgram(f);
	if (f->calls++ != f->fail_msg) {
		put_ack(f, req, 0, NULL, -1);
		return;
	}
	mnl_attr_for_each(op, req, sizeof(struct genlmsghdr)) {
		if (i++ == f->fail_op)
			offs = (int)((const char *)mnl_attr_get_payload(op) -
				     (const char *)req) + 12;
	}
	snprintf(msg, sizeof(msg), "op %d: dest 10.0.0.5:80 already exists",
		 f->fail_op);
	put_ack(f, req, f->error, f->with_text ? msg : NULL,
		f->with_offs ? offs : -1);
}

static struct lpv_batch *dest_batch(size_t n)
{
	struct lpv_batch *b = lpv_batch_new();
	struct lpv_service s;
	struct lpv_dest d = { .weight = 1, .present = LPV_DEST_HAS_WEIGHT };
	size_t i;

	assert_non_null(b);
	svc80(&s);
	s.present = LPV_SVC_HAS_SCHED;
	snprintf(s.sched, sizeof(s.sched), "mh");
	assert_int_equal(lpv_batch_append(b, PODVS_CMD_NEW_SERVICE, &s, NULL), 0);
	for (i = 1; i < n; i++) {
		d.addr.raw[0] = 10;
		d.addr.raw[1] = (uint8_t)(i >> 16);
		d.addr.raw[2] = (uint8_t)(i >> 8);
		d.addr.raw[3] = (uint8_t)i;
		d.port = (uint16_t)(i % 65535 + 1);
		assert_int_equal(lpv_batch_append(b, PODVS_CMD_NEW_DEST, &s, &d),
				 (int)i);
	}
	return b;
}

/* Every op appears once, whole and in order, across the messages. */
static void check_split(struct fake *f, size_t nops, size_t max)
{
	size_t seen = 0;
	int m;

	for (m = 0; m < f->nsent; m++) {
		const struct nlmsghdr *req = (struct nlmsghdr *)f->sent[m];
		const struct nlattr *tb[PODVS_A_MAX + 1], *op;

		assert_true(f->sent_len[m] <= max);
		assert_int_equal(f->sent_len[m], req->nlmsg_len);
		assert_int_equal(lpv_parse_top(req, tb), 0);
		mnl_attr_for_each(op, req, sizeof(struct genlmsghdr)) {
			const struct nlattr *a;
			struct lpv_dest d;

			assert_int_equal(mnl_attr_get_type(op), PODVS_A_OP);
			mnl_attr_for_each_nested(a, op) {
				if (mnl_attr_get_type(a) != PODVS_OP_A_DEST)
					continue;
				assert_int_equal(lpv_parse_dest(a, &d), 0);
				assert_int_equal(d.addr.raw[3], (uint8_t)seen);
			}
			seen++;
		}
	}
	assert_int_equal(seen, nops);
}

static void test_batch_split(void **state)
{
	struct lpv_batch_result res;
	struct lpv_handle *h;
	struct lpv_batch *b;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_batch, 0);
	b = dest_batch(1000);
	lpv_batch_set_max_msg(b, 4096);
	assert_int_equal(lpv_batch_send(h, b, &res), 0);
	assert_true(f.nsent > 10);
	assert_int_equal(res.messages, (size_t)f.nsent);
	assert_int_equal(res.applied, 1000);
	assert_true(res.failed_op == SIZE_MAX);
	check_split(&f, 1000, 4096);
	lpv_batch_free(b);
	fake_close(&f, h);
}

static void test_batch_100k_handful(void **state)
{
	struct lpv_batch_result res;
	struct lpv_handle *h;
	struct lpv_batch *b;
	struct fake f;

	(void)state;
	/* a socket that took a raised send buffer: 4 MiB messages */
	h = fake_open(&f, k_batch, LPV_MAX_MSG);
	b = dest_batch(100001);
	assert_int_equal(lpv_batch_count(b), 100001);
	assert_int_equal(lpv_batch_send(h, b, &res), 0);
	assert_true(f.nsent >= 2 && f.nsent <= 4);
	check_split(&f, 100001, LPV_MAX_MSG);
	lpv_batch_free(b);
	fake_close(&f, h);
}

static void run_failing(struct fake *f, struct lpv_handle *h, bool offs,
			bool text, struct lpv_batch_result *res)
{
	struct lpv_batch *b = dest_batch(1000);

	lpv_batch_set_max_msg(b, 4096);
	f->fail_msg = 2;
	f->fail_op = 5;
	f->error = -EEXIST;
	f->with_offs = offs;
	f->with_text = text;
	assert_int_equal(lpv_batch_send(h, b, res), -EEXIST);
	lpv_batch_free(b);
}

/* Index of the first op of message @m, counted from the requests. */
static size_t first_op_of(struct fake *f, int m)
{
	size_t n = 0;
	int i;

	for (i = 0; i < m; i++) {
		const struct nlattr *op;

		mnl_attr_for_each(op, (struct nlmsghdr *)f->sent[i],
				  sizeof(struct genlmsghdr))
			n++;
	}
	return n;
}

static void test_batch_fail_by_offset(void **state)
{
	struct lpv_batch_result res;
	struct lpv_handle *h;
	struct fake f;
	size_t base;
	char want[128];

	(void)state;
	h = fake_open(&f, k_batch, 0);
	run_failing(&f, h, true, true, &res);
	base = first_op_of(&f, 2);
	assert_true(base > 0);
	assert_int_equal(f.nsent, 3);
	assert_int_equal(res.messages, 3);
	assert_int_equal(res.applied, base);
	assert_int_equal(res.failed_op, base + 5);
	snprintf(want, sizeof(want), "op %zu: dest 10.0.0.5:80 already exists",
		 base + 5);
	assert_string_equal(lpv_errmsg(h), want);
	fake_close(&f, h);
}

static void test_batch_fail_by_text(void **state)
{
	struct lpv_batch_result res;
	struct lpv_handle *h;
	struct fake f;
	size_t base;

	(void)state;
	h = fake_open(&f, k_batch, 0);
	run_failing(&f, h, false, true, &res);
	base = first_op_of(&f, 2);
	assert_int_equal(res.failed_op, base + 5);
	fake_close(&f, h);
}

static void test_batch_fail_by_offset_only(void **state)
{
	struct lpv_batch_result res;
	struct lpv_handle *h;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_batch, 0);
	run_failing(&f, h, true, false, &res);
	assert_int_equal(res.failed_op, first_op_of(&f, 2) + 5);
	assert_string_equal(lpv_errmsg(h), "File exists");
	fake_close(&f, h);
}

static void test_batch_fail_whole_message(void **state)
{
	struct lpv_batch_result res;
	struct lpv_handle *h;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_batch, 0);
	run_failing(&f, h, false, false, &res);
	assert_true(res.failed_op == SIZE_MAX);
	assert_int_equal(res.applied, first_op_of(&f, 2));
	fake_close(&f, h);
}

static void test_batch_empty_and_invalid(void **state)
{
	struct lpv_batch_result res;
	struct lpv_service s;
	struct lpv_dest d = { 0 };
	struct lpv_handle *h;
	struct lpv_batch *b;
	struct fake f;

	(void)state;
	h = fake_open(&f, k_batch, 0);
	b = lpv_batch_new();
	svc80(&s);
	assert_int_equal(lpv_batch_send(h, b, &res), 0);
	assert_int_equal(f.nsent, 0);
	assert_int_equal(res.messages, 0);
	assert_int_equal(lpv_batch_append(b, PODVS_CMD_FLUSH, &s, NULL), -EINVAL);
	assert_int_equal(lpv_batch_append(b, PODVS_CMD_NEW_DEST, &s, NULL), -EINVAL);
	assert_int_equal(lpv_batch_append(b, PODVS_CMD_DEL_SERVICE, &s, &d), -EINVAL);
	s.af = 0;
	assert_int_equal(lpv_batch_append(b, PODVS_CMD_DEL_SERVICE, &s, NULL),
			 -EINVAL);
	assert_int_equal(lpv_batch_count(b), 0);
	lpv_batch_free(b);
	fake_close(&f, h);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extack_message_kept),
		cmocka_unit_test(test_errno_without_extack),
		cmocka_unit_test(test_reply_then_ack),
		cmocka_unit_test(test_malformed_reply),
		cmocka_unit_test(test_reply_overruns_datagram),
		cmocka_unit_test(test_announce_get),
		cmocka_unit_test(test_announce_set),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_dump_intr_retried),
		cmocka_unit_test(test_dump_intr_gives_up),
		cmocka_unit_test(test_dest_dump_error),
		cmocka_unit_test(test_batch_split),
		cmocka_unit_test(test_batch_100k_handful),
		cmocka_unit_test(test_batch_fail_by_offset),
		cmocka_unit_test(test_batch_fail_by_text),
		cmocka_unit_test(test_batch_fail_by_offset_only),
		cmocka_unit_test(test_batch_fail_whole_message),
		cmocka_unit_test(test_batch_empty_and_invalid),
	};

	return cmocka_run_group_tests_name("lib_nl", tests, NULL, NULL);
}
