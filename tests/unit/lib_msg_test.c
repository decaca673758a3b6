// SPDX-License-Identifier: GPL-2.0
/*
 * libpodvs message building and parsing, without a kernel: messages built
 * with the builders are parsed back with the parsers, and crafted replies
 * (extack errors, malformed attributes, unknown attributes) are fed to the
 * parsers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <cmocka.h>
#include "lib/handle.h"

#define FAMILY	0x1d

static char buf[8192];

static struct nlmsghdr *start(uint8_t cmd)
{
	memset(buf, 0, sizeof(buf));
	return lpv_msg_start(buf, FAMILY, cmd, 0, 7);
}

static void svc_full(struct lpv_service *s, const char *addr)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(lpv_addr_parse(addr, &s->af, &s->addr), 0);
	s->protocol = IPPROTO_TCP;
	s->port = 8080;
	snprintf(s->sched, sizeof(s->sched), "mh");
	s->flags = PODVS_SVC_F_PERSISTENT | PODVS_SVC_F_HASH_PORT;
	s->flags_mask = PODVS_SVC_F_ALL;
	s->timeout = 10800;
	s->netmask = 24;
	s->mh_table_size = 251;
	snprintf(s->owner, sizeof(s->owner), "podvsd/default/web");
	s->present = LPV_SVC_HAS_SCHED | LPV_SVC_HAS_FLAGS |
		     LPV_SVC_HAS_FLAGS_MASK | LPV_SVC_HAS_TIMEOUT |
		     LPV_SVC_HAS_NETMASK | LPV_SVC_HAS_MH_TABLE_SIZE |
		     LPV_SVC_HAS_OWNER;
}

static const struct nlattr *top(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *tb[PODVS_A_MAX + 1];

	assert_int_equal(lpv_parse_top(nlh, tb), 0);
	return tb[type];
}

static int count_nested(const struct nlattr *nest)
{
	const struct nlattr *a;
	int n = 0;

	mnl_attr_for_each_nested(a, nest)
		n++;
	return n;
}

static void test_header(void **state)
{
	struct nlmsghdr *nlh = start(PODVS_CMD_GET_INFO);
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	(void)state;
	assert_int_equal(nlh->nlmsg_type, FAMILY);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(nlh->nlmsg_seq, 7);
	assert_int_equal(nlh->nlmsg_len, LPV_HDRLEN);
	assert_int_equal(g->cmd, PODVS_CMD_GET_INFO);
	assert_int_equal(g->version, PODVS_GENL_VERSION);
}

static void test_service_round_trip(void **state)
{
	static const char *const addrs[] = { "192.0.2.1", "2001:db8::1" };
	struct lpv_service in, out;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct nlmsghdr *nlh = start(PODVS_CMD_NEW_SERVICE);

		svc_full(&in, addrs[i]);
		assert_int_equal(lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE,
						 &in, false), 0);
		assert_int_equal(lpv_parse_service(top(nlh, PODVS_A_SERVICE), &out), 0);
		assert_int_equal(out.af, in.af);
		assert_int_equal(out.protocol, IPPROTO_TCP);
		assert_memory_equal(out.addr.raw, in.addr.raw, 16);
		assert_int_equal(out.port, 8080);
		assert_string_equal(out.sched, "mh");
		assert_int_equal(out.flags, in.flags);
		assert_int_equal(out.flags_mask, PODVS_SVC_F_ALL);
		assert_int_equal(out.timeout, 10800);
		assert_int_equal(out.netmask, 24);
		assert_int_equal(out.mh_table_size, 251);
		assert_string_equal(out.owner, "podvsd/default/web");
		assert_int_equal(out.present, in.present);
	}
}

/* SNAT_FROM: prefixes round-trip in order; the wire form is address
 * bytes then the length byte; an empty list is an empty nest (it clears);
 * without the present bit nothing is sent.
 */
static void test_service_snat_from(void **state)
{
	const struct nlattr *nest, *a;
	struct lpv_service in, out;
	struct nlmsghdr *nlh;
	uint16_t af;
	int n = 0;

	(void)state;
	svc_full(&in, "2001:db8::1");
	in.present |= LPV_SVC_HAS_SNAT_FROM;
	in.nsnat = 2;
	assert_int_equal(lpv_addr_parse("2001:db8:1::", &af, &in.snat_from[0].addr), 0);
	in.snat_from[0].plen = 48;
	assert_int_equal(lpv_addr_parse("fd00::", &af, &in.snat_from[1].addr), 0);
	in.snat_from[1].plen = 8;
	nlh = start(PODVS_CMD_NEW_SERVICE);
	assert_int_equal(lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, &in,
					 false), 0);
	assert_int_equal(lpv_parse_service(top(nlh, PODVS_A_SERVICE), &out), 0);
	assert_true(out.present & LPV_SVC_HAS_SNAT_FROM);
	assert_int_equal(out.nsnat, 2);
	assert_memory_equal(out.snat_from[0].addr.raw, in.snat_from[0].addr.raw, 16);
	assert_int_equal(out.snat_from[0].plen, 48);
	assert_int_equal(out.snat_from[1].plen, 8);
	mnl_attr_for_each_nested(nest, top(nlh, PODVS_A_SERVICE)) {
		if (mnl_attr_get_type(nest) != PODVS_SVC_A_SNAT_FROM)
			continue;
		mnl_attr_for_each_nested(a, nest) {
			const uint8_t *d = mnl_attr_get_payload(a);

			assert_int_equal(mnl_attr_get_type(a), PODVS_RANGE_A_PREFIX);
			assert_int_equal(mnl_attr_get_payload_len(a), 17);
			assert_int_equal(d[16], n ? 8 : 48);
			n++;
		}
	}
	assert_int_equal(n, 2);

	/* v4: 5 bytes; empty list: an empty nest, parsed as present, 0 */
	svc_full(&in, "192.0.2.1");
	in.present |= LPV_SVC_HAS_SNAT_FROM;
	nlh = start(PODVS_CMD_SET_SERVICE);
	assert_int_equal(lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, &in,
					 false), 0);
	assert_int_equal(lpv_parse_service(top(nlh, PODVS_A_SERVICE), &out), 0);
	assert_true(out.present & LPV_SVC_HAS_SNAT_FROM);
	assert_int_equal(out.nsnat, 0);

	/* not present: not sent, not parsed */
	in.present &= ~LPV_SVC_HAS_SNAT_FROM;
	in.nsnat = 1;
	nlh = start(PODVS_CMD_SET_SERVICE);
	assert_int_equal(lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, &in,
					 false), 0);
	assert_int_equal(lpv_parse_service(top(nlh, PODVS_A_SERVICE), &out), 0);
	assert_false(out.present & LPV_SVC_HAS_SNAT_FROM);

	/* too long a prefix, too many: refused before sending */
	in.present |= LPV_SVC_HAS_SNAT_FROM;
	in.snat_from[0].plen = 33;
	nlh = start(PODVS_CMD_SET_SERVICE);
	assert_int_equal(lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, &in,
					 false), -EINVAL);
	in.snat_from[0].plen = 8;
	in.nsnat = PODVS_SNAT_RANGES_MAX + 1;
	assert_int_equal(lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, &in,
					 false), -EINVAL);
}

/* A reply whose SNAT_FROM prefix has the other family's length. */
static void test_service_snat_malformed(void **state)
{
	struct nlmsghdr *nlh = start(PODVS_CMD_GET_SERVICE);
	struct nlattr *svc, *snat;
	struct lpv_service out;
	uint8_t p6[17] = { 0x20, 0x01, 0x0d, 0xb8, [16] = 32 };
	uint32_t a4 = htonl(0xc0000201);

	(void)state;
	svc = mnl_attr_nest_start(nlh, PODVS_A_SERVICE);
	mnl_attr_put_u16(nlh, PODVS_SVC_A_AF, AF_INET);
	mnl_attr_put_u8(nlh, PODVS_SVC_A_PROTOCOL, IPPROTO_TCP);
	mnl_attr_put(nlh, PODVS_SVC_A_ADDR, 4, &a4);
	mnl_attr_put_u16(nlh, PODVS_SVC_A_PORT, htons(80));
	snat = mnl_attr_nest_start(nlh, PODVS_SVC_A_SNAT_FROM);
	mnl_attr_put(nlh, PODVS_RANGE_A_PREFIX, sizeof(p6), p6);
	mnl_attr_nest_end(nlh, snat);
	mnl_attr_nest_end(nlh, svc);
	assert_int_equal(lpv_parse_service(top(nlh, PODVS_A_SERVICE), &out),
			 -EPROTO);
}

/* The wire form: be16 port, raw address of the family's length. */
static void test_service_wire_form(void **state)
{
	const struct nlattr *a, *nest;
	struct lpv_service in;
	struct nlmsghdr *nlh = start(PODVS_CMD_DEL_SERVICE);
	int seen = 0;

	(void)state;
	svc_full(&in, "192.0.2.1");
	assert_int_equal(lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, &in,
					 true), 0);
	nest = top(nlh, PODVS_A_SERVICE);
	assert_int_equal(count_nested(nest), 4);
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case PODVS_SVC_A_AF:
			assert_int_equal(mnl_attr_get_u16(a), AF_INET);
			break;
		case PODVS_SVC_A_PROTOCOL:
			assert_int_equal(mnl_attr_get_payload_len(a), 1);
			break;
		case PODVS_SVC_A_ADDR:
			assert_int_equal(mnl_attr_get_payload_len(a), 4);
			break;
		case PODVS_SVC_A_PORT:
			assert_int_equal(mnl_attr_get_u16(a), htons(8080));
			break;
		}
		seen++;
	}
	assert_int_equal(seen, 4);
}

static void test_service_build_errors(void **state)
{
	struct lpv_service in;
	struct nlmsghdr *nlh;
	uint32_t len;

	(void)state;
	svc_full(&in, "192.0.2.1");
	in.af = 99;
	nlh = start(PODVS_CMD_NEW_SERVICE);
	assert_int_equal(lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, &in,
					 false), -EINVAL);
	/* a cancelled nest leaves the message as it was */
	assert_int_equal(nlh->nlmsg_len, LPV_HDRLEN);
	svc_full(&in, "192.0.2.1");
	memset(in.owner, 'x', sizeof(in.owner));
	assert_int_equal(lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, &in,
					 false), -EINVAL);
	memset(in.sched, 'x', sizeof(in.sched));
	in.present &= ~LPV_SVC_HAS_OWNER;
	assert_int_equal(lpv_put_service(nlh, sizeof(buf), PODVS_A_SERVICE, &in,
					 false), -EINVAL);
	svc_full(&in, "192.0.2.1");
	len = nlh->nlmsg_len;
	assert_int_equal(lpv_put_service(nlh, LPV_HDRLEN + 40, PODVS_A_SERVICE,
					 &in, false), -EMSGSIZE);
	assert_int_equal(nlh->nlmsg_len, len);
}

static void test_dest_round_trip(void **state)
{
	struct lpv_dest in = { 0 }, out;
	struct nlmsghdr *nlh;
	uint16_t af;

	(void)state;
	assert_int_equal(lpv_addr_parse("2001:db8::10", &af, &in.addr), 0);
	in.port = 443;
	in.weight = 65535;
	in.flags = PODVS_DEST_F_DRAIN;
	in.flags_mask = PODVS_DEST_F_DRAIN;
	in.fwd = PODVS_FWD_MASQ;
	snprintf(in.owner, sizeof(in.owner), "pod/web-1");
	in.present = LPV_DEST_HAS_WEIGHT | LPV_DEST_HAS_FLAGS |
		     LPV_DEST_HAS_FLAGS_MASK | LPV_DEST_HAS_FWD |
		     LPV_DEST_HAS_OWNER;
	nlh = start(PODVS_CMD_SET_DEST);
	assert_int_equal(lpv_put_dest(nlh, sizeof(buf), PODVS_A_DEST, af, &in,
				      false), 0);
	assert_int_equal(lpv_parse_dest(top(nlh, PODVS_A_DEST), &out), 0);
	assert_memory_equal(out.addr.raw, in.addr.raw, 16);
	assert_int_equal(out.port, 443);
	assert_int_equal(out.weight, 65535);
	assert_int_equal(out.flags, PODVS_DEST_F_DRAIN);
	assert_int_equal(out.flags_mask, PODVS_DEST_F_DRAIN);
	assert_string_equal(out.owner, "pod/web-1");
	assert_int_equal(out.present, in.present);

	nlh = start(PODVS_CMD_DEL_DEST);
	assert_int_equal(lpv_put_dest(nlh, sizeof(buf), PODVS_A_DEST, af, &in,
				      true), 0);
	assert_int_equal(count_nested(top(nlh, PODVS_A_DEST)), 2);
	/* the address length follows the service's family */
	nlh = start(PODVS_CMD_DEL_DEST);
	assert_int_equal(lpv_put_dest(nlh, sizeof(buf), PODVS_A_DEST, AF_INET,
				      &in, true), 0);
	assert_int_equal(lpv_parse_dest(top(nlh, PODVS_A_DEST), &out), 0);
	assert_memory_equal(out.addr.raw, in.addr.raw, 4);
	assert_int_equal(out.addr.raw[4], 0);
}

static void test_config_round_trip(void **state)
{
	struct lpv_config in = { .tcp_timeout = 900, .udp_timeout = 300,
				   .conn_max = 1 << 20 }, out;
	struct nlmsghdr *nlh = start(PODVS_CMD_SET_CONFIG);

	(void)state;
	assert_int_equal(lpv_put_config(nlh, sizeof(buf), &in), 0);
	/* zero means "keep": not sent */
	assert_int_equal(count_nested(top(nlh, PODVS_A_CONFIG)), 3);
	assert_int_equal(lpv_parse_config(top(nlh, PODVS_A_CONFIG), &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
}

static void test_announce_round_trip(void **state)
{
	struct lpv_announce in = { .hold = 60, .ready = true,
				   .has_hold = true, .has_ready = true }, out;
	struct nlmsghdr *nlh = start(PODVS_CMD_SET_ANNOUNCE);

	(void)state;
	assert_int_equal(lpv_put_announce(nlh, sizeof(buf), &in), 0);
	/* DECOMMISSIONED has no has_*: not sent, the kernel keeps it */
	assert_int_equal(count_nested(top(nlh, PODVS_A_ANNOUNCE)), 2);
	assert_int_equal(lpv_parse_announce(top(nlh, PODVS_A_ANNOUNCE), &out), 0);
	assert_int_equal(out.hold, 60);
	assert_true(out.ready);
	assert_false(out.decommissioned);
	/* has_* are request-only: a parse leaves them false */
	assert_false(out.has_hold);

	in = (struct lpv_announce){ .decommissioned = false,
				    .has_decommissioned = true };
	nlh = start(PODVS_CMD_SET_ANNOUNCE);
	assert_int_equal(lpv_put_announce(nlh, sizeof(buf), &in), 0);
	assert_int_equal(count_nested(top(nlh, PODVS_A_ANNOUNCE)), 1);
}

/* A reply as the kernel builds it, and one whose READY is not 0/1. */
static void test_announce_reply(void **state)
{
	struct nlmsghdr *nlh = start(PODVS_CMD_GET_ANNOUNCE);
	struct lpv_announce a;
	struct nlattr *n;

	(void)state;
	n = mnl_attr_nest_start(nlh, PODVS_A_ANNOUNCE);
	mnl_attr_put_u32(nlh, PODVS_ANN_A_HOLD, 60);
	mnl_attr_put_u8(nlh, PODVS_ANN_A_READY, 1);
	mnl_attr_put_u8(nlh, PODVS_ANN_A_DECOMMISSIONED, 0);
	mnl_attr_put_u8(nlh, PODVS_ANN_A_UP, 1);
	mnl_attr_put_u32(nlh, PODVS_ANN_A_REMAINING_MS, 59500);
	mnl_attr_put_u32(nlh, PODVS_ANN_A_EXPIRIES, 3);
	mnl_attr_put_u32(nlh, PODVS_ANN_A_LINKS, 2);
	mnl_attr_put_u32(nlh, PODVS_ANN_A_MAX + 1, 7);	/* newer kernel */
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_announce(top(nlh, PODVS_A_ANNOUNCE), &a), 0);
	assert_int_equal(a.hold, 60);
	assert_true(a.ready && a.up && !a.decommissioned);
	assert_int_equal(a.remaining_ms, 59500);
	assert_int_equal(a.expiries, 3);
	assert_int_equal(a.links, 2);

	nlh = start(PODVS_CMD_GET_ANNOUNCE);
	n = mnl_attr_nest_start(nlh, PODVS_A_ANNOUNCE);
	mnl_attr_put_u8(nlh, PODVS_ANN_A_READY, 2);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_announce(top(nlh, PODVS_A_ANNOUNCE), &a),
			 -EPROTO);

	nlh = start(PODVS_CMD_GET_ANNOUNCE);
	n = mnl_attr_nest_start(nlh, PODVS_A_ANNOUNCE);
	mnl_attr_put_u16(nlh, PODVS_ANN_A_HOLD, 60);	/* wrong size */
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_announce(top(nlh, PODVS_A_ANNOUNCE), &a),
			 -EPROTO);
}

static void test_conn_filter(void **state)
{
	struct lpv_conn_filter f = { 0 };
	struct lpv_service s;
	struct lpv_dest d;
	struct lpv_conn c;
	struct nlmsghdr *nlh = start(PODVS_CMD_GET_CONN);
	uint16_t af;

	(void)state;
	assert_int_equal(lpv_addr_parse("192.0.2.1", &f.svc.af, &f.svc.addr), 0);
	f.svc.protocol = IPPROTO_UDP;
	f.svc.port = 53;
	assert_int_equal(lpv_addr_parse("10.0.0.9", &af, &f.daddr), 0);
	assert_int_equal(lpv_addr_parse("198.51.100.4", &af, &f.caddr), 0);
	f.cport = 40000;
	f.present = LPV_CONN_FILTER_SERVICE | LPV_CONN_FILTER_DADDR |
		    LPV_CONN_FILTER_CADDR | LPV_CONN_FILTER_CPORT;
	assert_int_equal(lpv_put_conn_filter(nlh, sizeof(buf), &f), 0);
	assert_int_equal(lpv_parse_service(top(nlh, PODVS_A_SERVICE), &s), 0);
	assert_int_equal(s.port, 53);
	assert_int_equal(lpv_parse_dest(top(nlh, PODVS_A_DEST), &d), 0);
	assert_memory_equal(d.addr.raw, f.daddr.raw, 4);
	assert_int_equal(d.port, 0);
	assert_int_equal(count_nested(top(nlh, PODVS_A_DEST)), 1);
	assert_int_equal(lpv_parse_conn(top(nlh, PODVS_A_CONN), &c), 0);
	assert_memory_equal(c.caddr.raw, f.caddr.raw, 4);
	assert_int_equal(c.cport, 40000);
	/* only CADDR and CPORT: the kernel rejects AF and the rest there */
	assert_int_equal(count_nested(top(nlh, PODVS_A_CONN)), 2);

	/* no filters: no attributes at all */
	nlh = start(PODVS_CMD_GET_CONN);
	f.present = 0;
	assert_int_equal(lpv_put_conn_filter(nlh, sizeof(buf), &f), 0);
	assert_int_equal(nlh->nlmsg_len, LPV_HDRLEN);
}

/* Parse one PODVS_A_OP back into its parts. */
static void parse_op(const struct nlattr *op, uint8_t *cmd,
		     const struct nlattr **svc, const struct nlattr **dest)
{
	const struct nlattr *a;

	*svc = *dest = NULL;
	*cmd = 0;
	mnl_attr_for_each_nested(a, op) {
		if (mnl_attr_get_type(a) == PODVS_OP_A_CMD)
			*cmd = mnl_attr_get_u8(a);
		if (mnl_attr_get_type(a) == PODVS_OP_A_SERVICE)
			*svc = a;
		if (mnl_attr_get_type(a) == PODVS_OP_A_DEST)
			*dest = a;
	}
}

static void test_ops(void **state)
{
	const struct nlattr *sa, *da;
	struct lpv_service in, out;
	struct lpv_dest d = { .port = 80, .weight = 3,
				.present = LPV_DEST_HAS_WEIGHT }, dout;
	struct nlmsghdr *nlh = start(PODVS_CMD_BATCH);
	uint8_t cmd;

	(void)state;
	svc_full(&in, "192.0.2.1");
	assert_int_equal(lpv_addr_parse("10.0.0.1", &in.af, &d.addr), 0);
	assert_int_equal(lpv_put_op(nlh, sizeof(buf), PODVS_CMD_NEW_DEST, &in, &d), 0);
	parse_op(top(nlh, PODVS_A_OP), &cmd, &sa, &da);
	assert_int_equal(cmd, PODVS_CMD_NEW_DEST);
	/* dest ops carry the service key only */
	assert_int_equal(lpv_parse_service(sa, &out), 0);
	assert_int_equal(out.present, 0);
	assert_int_equal(lpv_parse_dest(da, &dout), 0);
	assert_int_equal(dout.weight, 3);

	nlh = start(PODVS_CMD_BATCH);
	assert_int_equal(lpv_put_op(nlh, sizeof(buf), PODVS_CMD_NEW_SERVICE, &in,
				    NULL), 0);
	parse_op(top(nlh, PODVS_A_OP), &cmd, &sa, &da);
	assert_null(da);
	assert_int_equal(lpv_parse_service(sa, &out), 0);
	assert_string_equal(out.sched, "mh");

	nlh = start(PODVS_CMD_BATCH);
	assert_int_equal(lpv_put_op(nlh, sizeof(buf), PODVS_CMD_DEL_SERVICE, &in,
				    NULL), 0);
	parse_op(top(nlh, PODVS_A_OP), &cmd, &sa, &da);
	assert_int_equal(count_nested(sa), 4);

	nlh = start(PODVS_CMD_BATCH);
	assert_int_equal(lpv_put_op(nlh, sizeof(buf), PODVS_CMD_GET_INFO, &in,
				    NULL), -EINVAL);
	assert_int_equal(lpv_put_op(nlh, sizeof(buf), PODVS_CMD_SET_DEST, &in,
				    NULL), -EINVAL);
	assert_int_equal(lpv_put_op(nlh, sizeof(buf), PODVS_CMD_SET_SERVICE, &in,
				    &d), -EINVAL);
	assert_int_equal(lpv_put_op(nlh, sizeof(buf), PODVS_CMD_BATCH, &in,
				    NULL), -EINVAL);
	assert_int_equal(nlh->nlmsg_len, LPV_HDRLEN);
}

/* ---- crafted replies ------------------------------------------------------ */

static struct nlmsghdr *reply(uint8_t cmd)
{
	return start(cmd);
}

static void put_stats(struct nlmsghdr *nlh, uint16_t type, uint64_t base)
{
	struct nlattr *st = mnl_attr_nest_start(nlh, type);
	uint16_t i;

	for (i = PODVS_STATS_A_CONNS; i <= PODVS_STATS_A_OUTBPS; i++)
		mnl_attr_put_u64(nlh, i, base + i);
	mnl_attr_nest_end(nlh, st);
}

static void test_service_reply_with_stats(void **state)
{
	struct nlmsghdr *nlh = reply(PODVS_CMD_GET_SERVICE);
	struct lpv_service s;
	struct nlattr *n;
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	(void)state;
	n = mnl_attr_nest_start(nlh, PODVS_A_SERVICE);
	mnl_attr_put_u16(nlh, PODVS_SVC_A_AF, AF_INET6);
	mnl_attr_put_u8(nlh, PODVS_SVC_A_PROTOCOL, IPPROTO_UDP);
	mnl_attr_put(nlh, PODVS_SVC_A_ADDR, 16, v6);
	mnl_attr_put_u16(nlh, PODVS_SVC_A_PORT, htons(53));
	mnl_attr_put_strz(nlh, PODVS_SVC_A_SCHED, "sh");
	mnl_attr_put_u32(nlh, PODVS_SVC_A_DESTS, 12);
	mnl_attr_put_u32(nlh, 200, 0xdead);	/* from a newer kernel: ignored */
	put_stats(nlh, PODVS_SVC_A_STATS, 1ULL << 40);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_service(top(nlh, PODVS_A_SERVICE), &s), 0);
	assert_int_equal(s.af, AF_INET6);
	assert_int_equal(s.protocol, IPPROTO_UDP);
	assert_int_equal(s.port, 53);
	assert_int_equal(s.ndests, 12);
	assert_int_equal(s.present, LPV_SVC_HAS_SCHED | LPV_SVC_HAS_NDESTS |
			 LPV_SVC_HAS_STATS);
	assert_true(s.stats.conns == (1ULL << 40) + PODVS_STATS_A_CONNS);
	assert_true(s.stats.outbps == (1ULL << 40) + PODVS_STATS_A_OUTBPS);

	/* no AF attribute: the family follows the address length */
	nlh = reply(PODVS_CMD_GET_SERVICE);
	n = mnl_attr_nest_start(nlh, PODVS_A_SERVICE);
	mnl_attr_put(nlh, PODVS_SVC_A_ADDR, 16, v6);
	mnl_attr_put_u16(nlh, PODVS_SVC_A_PORT, htons(53));
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_service(top(nlh, PODVS_A_SERVICE), &s), 0);
	assert_int_equal(s.af, AF_INET6);
}

/* One malformed attribute inside a service nest makes the reply -EPROTO. */
static int svc_with(uint16_t type, const void *data, size_t len)
{
	struct nlmsghdr *nlh = reply(PODVS_CMD_GET_SERVICE);
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	struct lpv_service s;
	struct nlattr *n;

	n = mnl_attr_nest_start(nlh, PODVS_A_SERVICE);
	if (type != PODVS_SVC_A_AF)
		mnl_attr_put_u16(nlh, PODVS_SVC_A_AF, AF_INET);
	if (type != PODVS_SVC_A_ADDR)
		mnl_attr_put(nlh, PODVS_SVC_A_ADDR, 4, v4);
	mnl_attr_put(nlh, type, len, data);
	mnl_attr_nest_end(nlh, n);
	return lpv_parse_service(top(nlh, PODVS_A_SERVICE), &s);
}

static void test_malformed_replies(void **state)
{
	char long_owner[40];
	uint8_t five[5] = { 0 }, v6[16] = { 0 };
	uint16_t two = 1;
	uint32_t four = 1;
	uint16_t af6 = AF_INET6;
	const uint8_t u32_conns[8] = { 8, 0, PODVS_STATS_A_CONNS, 0, 1, 0, 0, 0 };

	(void)state;
	memset(long_owner, 'a', sizeof(long_owner));
	assert_int_equal(svc_with(PODVS_SVC_A_ADDR, five, 5), -EPROTO);
	assert_int_equal(svc_with(PODVS_SVC_A_PORT, five, 1), -EPROTO);
	assert_int_equal(svc_with(PODVS_SVC_A_PORT, &four, 4), -EPROTO);
	assert_int_equal(svc_with(PODVS_SVC_A_TIMEOUT, &two, 2), -EPROTO);
	assert_int_equal(svc_with(PODVS_SVC_A_NETMASK, &two, 2), -EPROTO);
	assert_int_equal(svc_with(PODVS_SVC_A_OWNER, long_owner, 40), -EPROTO);
	assert_int_equal(svc_with(PODVS_SVC_A_SCHED, long_owner, 16), -EPROTO);
	/* a stats nest whose counter is 4 bytes instead of 8 */
	assert_int_equal(svc_with(PODVS_SVC_A_STATS, u32_conns, 8), -EPROTO);
	/* AF says IPv6, address has 4 bytes */
	assert_int_equal(svc_with(PODVS_SVC_A_AF, &af6, 2), -EPROTO);
	/* AF says IPv4, address has 16 bytes */
	assert_int_equal(svc_with(PODVS_SVC_A_ADDR, v6, 16), -EPROTO);
	/* a short but NUL-terminated owner is fine */
	assert_int_equal(svc_with(PODVS_SVC_A_OWNER, "ok", 3), 0);
}

static void test_malformed_dest_and_stats(void **state)
{
	struct nlmsghdr *nlh = reply(PODVS_CMD_GET_DEST);
	struct lpv_dest d;
	struct nlattr *n, *st;
	uint8_t v4[4] = { 10, 0, 0, 1 };

	(void)state;
	n = mnl_attr_nest_start(nlh, PODVS_A_DEST);
	mnl_attr_put(nlh, PODVS_DEST_A_ADDR, 4, v4);
	mnl_attr_put_u16(nlh, PODVS_DEST_A_PORT, htons(80));
	mnl_attr_put_u32(nlh, PODVS_DEST_A_ACTIVE_CONNS, 5);
	st = mnl_attr_nest_start(nlh, PODVS_DEST_A_STATS);
	mnl_attr_put_u32(nlh, PODVS_STATS_A_CONNS, 1);	/* must be u64 */
	mnl_attr_nest_end(nlh, st);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_dest(top(nlh, PODVS_A_DEST), &d), -EPROTO);

	nlh = reply(PODVS_CMD_GET_DEST);
	n = mnl_attr_nest_start(nlh, PODVS_A_DEST);
	mnl_attr_put(nlh, PODVS_DEST_A_ADDR, 4, v4);
	mnl_attr_put_u16(nlh, PODVS_DEST_A_PORT, htons(80));
	mnl_attr_put_u32(nlh, PODVS_DEST_A_ACTIVE_CONNS, 5);
	mnl_attr_put_u32(nlh, PODVS_DEST_A_PERSIST_CONNS, 2);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_dest(top(nlh, PODVS_A_DEST), &d), 0);
	assert_int_equal(d.active_conns, 5);
	assert_int_equal(d.persist_conns, 2);
	assert_int_equal(d.present, LPV_DEST_HAS_CONNS);

	/* a nest whose length runs past the message */
	nlh = reply(PODVS_CMD_GET_DEST);
	n = mnl_attr_nest_start(nlh, PODVS_A_DEST);
	mnl_attr_put(nlh, PODVS_DEST_A_ADDR, 4, v4);
	mnl_attr_nest_end(nlh, n);
	((struct nlattr *)mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr)))
		[1].nla_len = 200;
	assert_int_equal(lpv_parse_dest(top(nlh, PODVS_A_DEST), &d), -EPROTO);
}

static void test_info_reply(void **state)
{
	struct nlmsghdr *nlh = reply(PODVS_CMD_GET_INFO);
	struct lpv_info info;
	struct nlattr *n, *dr;

	(void)state;
	n = mnl_attr_nest_start(nlh, PODVS_A_INFO);
	mnl_attr_put_strz(nlh, PODVS_INFO_A_VERSION, "9.8.7");
	mnl_attr_put_u32(nlh, PODVS_INFO_A_ABI, 1);
	mnl_attr_put_u32(nlh, PODVS_INFO_A_SERVICES, 3);
	mnl_attr_put_u32(nlh, PODVS_INFO_A_CONN_BUCKETS, 4096);
	mnl_attr_put_u32(nlh, PODVS_INFO_A_GENERATION, 99);
	mnl_attr_put_strz(nlh, PODVS_INFO_A_SCHEDULERS, "mh sh rr wrr lc");
	dr = mnl_attr_nest_start(nlh, PODVS_INFO_A_DROPS);
	mnl_attr_put_u64(nlh, PODVS_DROP_A_NO_DEST, 17);
	mnl_attr_put_u64(nlh, PODVS_DROP_A_DEST_GONE, 1ULL << 33);
	mnl_attr_put_u64(nlh, PODVS_DROP_A_AMBIGUOUS, 5);
	mnl_attr_put_u64(nlh, PODVS_DROP_A_SNAT_PORTS, 6);
	mnl_attr_nest_end(nlh, dr);
	mnl_attr_put_u64(nlh, PODVS_INFO_A_LEARNED, 1ULL << 34);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_info(top(nlh, PODVS_A_INFO), &info), 0);
	assert_string_equal(info.version, "9.8.7");
	assert_int_equal(info.abi, 1);
	assert_int_equal(info.services, 3);
	assert_int_equal(info.conn_buckets, 4096);
	assert_int_equal(info.generation, 99);
	assert_string_equal(info.schedulers, "mh sh rr wrr lc");
	assert_int_equal(info.drops.no_dest, 17);
	assert_true(info.drops.dest_gone == 1ULL << 33);
	assert_int_equal(info.drops.ambiguous, 5);
	assert_int_equal(info.drops.snat_ports, 6);
	assert_true(info.learned == 1ULL << 34);
	assert_int_equal(info.drops.no_service, 0);
}

/* LEARNED is a u64: any other size is a protocol error */
static void test_info_learned_size(void **state)
{
	struct nlmsghdr *nlh = reply(PODVS_CMD_GET_INFO);
	struct lpv_info info;
	struct nlattr *n;

	(void)state;
	n = mnl_attr_nest_start(nlh, PODVS_A_INFO);
	mnl_attr_put_u32(nlh, PODVS_INFO_A_LEARNED, 1);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_info(top(nlh, PODVS_A_INFO), &info), -EPROTO);
}

static void test_conn_reply(void **state)
{
	struct nlmsghdr *nlh = reply(PODVS_CMD_GET_CONN);
	uint8_t c4[4] = { 198, 51, 100, 7 }, v4[4] = { 192, 0, 2, 1 },
		d4[4] = { 10, 0, 0, 1 };
	struct lpv_conn c;
	struct nlattr *n;

	(void)state;
	n = mnl_attr_nest_start(nlh, PODVS_A_CONN);
	mnl_attr_put_u16(nlh, PODVS_CONN_A_AF, AF_INET);
	mnl_attr_put_u8(nlh, PODVS_CONN_A_PROTOCOL, IPPROTO_TCP);
	mnl_attr_put(nlh, PODVS_CONN_A_CADDR, 4, c4);
	mnl_attr_put_u16(nlh, PODVS_CONN_A_CPORT, htons(40000));
	mnl_attr_put(nlh, PODVS_CONN_A_VADDR, 4, v4);
	mnl_attr_put_u16(nlh, PODVS_CONN_A_VPORT, htons(80));
	mnl_attr_put(nlh, PODVS_CONN_A_DADDR, 4, d4);
	mnl_attr_put_u16(nlh, PODVS_CONN_A_DPORT, htons(8080));
	mnl_attr_put_u8(nlh, PODVS_CONN_A_STATE, PODVS_CONN_S_ESTABLISHED);
	mnl_attr_put_u32(nlh, PODVS_CONN_A_EXPIRES, 899);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_conn(top(nlh, PODVS_A_CONN), &c), 0);
	assert_memory_equal(c.caddr.raw, c4, 4);
	assert_memory_equal(c.daddr.raw, d4, 4);
	assert_int_equal(c.cport, 40000);
	assert_int_equal(c.vport, 80);
	assert_int_equal(c.dport, 8080);
	assert_int_equal(c.state, PODVS_CONN_S_ESTABLISHED);
	assert_int_equal(c.expires, 899);
	/* an older module sends no FLAGS, LADDR, LPORT */
	assert_int_equal(c.flags, 0);
	assert_false(c.has_laddr);
}

/* FLAGS, LADDR and LPORT; a LADDR of the other family is refused. */
static void conn_put_base(struct nlmsghdr *nlh)
{
	uint8_t c4[4] = { 198, 51, 100, 7 }, v4[4] = { 192, 0, 2, 1 };

	mnl_attr_put_u16(nlh, PODVS_CONN_A_AF, AF_INET);
	mnl_attr_put_u8(nlh, PODVS_CONN_A_PROTOCOL, IPPROTO_TCP);
	mnl_attr_put(nlh, PODVS_CONN_A_CADDR, 4, c4);
	mnl_attr_put(nlh, PODVS_CONN_A_VADDR, 4, v4);
	mnl_attr_put(nlh, PODVS_CONN_A_DADDR, 4, v4);
}

static void test_conn_reply_flags(void **state)
{
	uint8_t l4[4] = { 10, 0, 0, 254 }, l6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct nlmsghdr *nlh = reply(PODVS_CMD_GET_CONN);
	struct lpv_conn c;
	struct nlattr *n;

	(void)state;
	n = mnl_attr_nest_start(nlh, PODVS_A_CONN);
	conn_put_base(nlh);
	mnl_attr_put_u32(nlh, PODVS_CONN_A_FLAGS,
			 PODVS_CONN_FL_LEARNED | PODVS_CONN_FL_SNAT);
	mnl_attr_put(nlh, PODVS_CONN_A_LADDR, 4, l4);
	mnl_attr_put_u16(nlh, PODVS_CONN_A_LPORT, htons(61000));
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_conn(top(nlh, PODVS_A_CONN), &c), 0);
	assert_int_equal(c.flags, PODVS_CONN_FL_LEARNED | PODVS_CONN_FL_SNAT);
	assert_true(c.has_laddr);
	assert_memory_equal(c.laddr.raw, l4, 4);
	assert_int_equal(c.lport, 61000);

	nlh = reply(PODVS_CMD_GET_CONN);
	n = mnl_attr_nest_start(nlh, PODVS_A_CONN);
	conn_put_base(nlh);
	mnl_attr_put(nlh, PODVS_CONN_A_LADDR, 16, l6);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_conn(top(nlh, PODVS_A_CONN), &c), -EPROTO);

	nlh = reply(PODVS_CMD_GET_CONN);
	n = mnl_attr_nest_start(nlh, PODVS_A_CONN);
	conn_put_base(nlh);
	mnl_attr_put_u16(nlh, PODVS_CONN_A_FLAGS, 1);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lpv_parse_conn(top(nlh, PODVS_A_CONN), &c), -EPROTO);
}

/* ---- acks ----------------------------------------------------------------- */

/* An NLMSG_ERROR for @req, capped or with the request echoed, with TLVs. */
static struct nlmsghdr *ack(char *out, const struct nlmsghdr *req, int error,
			    bool capped, const char *msg, int offs)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(out);
	size_t extra = capped ? 0 : req->nlmsg_len - sizeof(*req);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_flags = (capped ? NLM_F_CAPPED : 0) |
			   (msg || offs >= 0 ? NLM_F_ACK_TLVS : 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e) + extra);
	e->error = error;
	memcpy(&e->msg, req, capped ? sizeof(*req) : req->nlmsg_len);
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	if (offs >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, (uint32_t)offs);
	return nlh;
}

static void test_ack_parsing(void **state)
{
	char out[8192];
	struct lpv_service in;
	struct nlmsghdr *req;
	struct lpv_ack a;

	(void)state;
	svc_full(&in, "192.0.2.1");
	req = start(PODVS_CMD_NEW_SERVICE);
	lpv_put_service(req, sizeof(buf), PODVS_A_SERVICE, &in, false);

	assert_int_equal(lpv_parse_ack(ack(out, req, -EEXIST, true,
					   "service TCP 192.0.2.1:8080 exists", 20),
				       &a), 0);
	assert_int_equal(a.error, -EEXIST);
	assert_true(a.has_msg);
	assert_string_equal(a.msg, "service TCP 192.0.2.1:8080 exists");
	assert_true(a.has_offs);
	assert_int_equal(a.offs, 20);

	/* not capped: the whole request sits before the TLVs */
	assert_int_equal(lpv_parse_ack(ack(out, req, -EINVAL, false,
					   "bad scheduler", 44), &a), 0);
	assert_int_equal(a.error, -EINVAL);
	assert_string_equal(a.msg, "bad scheduler");
	assert_int_equal(a.offs, 44);

	assert_int_equal(lpv_parse_ack(ack(out, req, 0, true, NULL, -1), &a), 0);
	assert_int_equal(a.error, 0);
	assert_false(a.has_msg);
	assert_false(a.has_offs);

	assert_int_equal(lpv_parse_ack(ack(out, req, -EPERM, false, NULL, -1),
				       &a), 0);
	assert_int_equal(a.error, -EPERM);
	assert_false(a.has_msg);
}

static void test_done_and_truncated(void **state)
{
	struct nlmsghdr *nlh;
	char out[256];
	struct lpv_ack a;
	int err = -EMSGSIZE;

	(void)state;
	nlh = mnl_nlmsg_put_header(out);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(int)), &err, sizeof(int));
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump failed");
	assert_int_equal(lpv_parse_ack(nlh, &a), 0);
	assert_int_equal(a.error, -EMSGSIZE);
	assert_string_equal(a.msg, "dump failed");

	nlh = mnl_nlmsg_put_header(out);
	nlh->nlmsg_type = NLMSG_DONE;
	err = 0;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(int)), &err, sizeof(int));
	assert_int_equal(lpv_parse_ack(nlh, &a), 0);
	assert_int_equal(a.error, 0);

	nlh = mnl_nlmsg_put_header(out);
	nlh->nlmsg_type = NLMSG_ERROR;
	mnl_nlmsg_put_extra_header(nlh, 8);	/* shorter than struct nlmsgerr */
	assert_int_equal(lpv_parse_ack(nlh, &a), -EPROTO);
}

static void test_family_reply(void **state)
{
	struct nlmsghdr *nlh = start(CTRL_CMD_NEWFAMILY);
	struct nlattr *grps, *g;
	uint16_t id = 0;
	uint32_t grp = 0;

	(void)state;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "podvs");
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x2a);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	g = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 5);
	mnl_attr_nest_end(nlh, g);
	g = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "changes");
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 9);
	mnl_attr_nest_end(nlh, g);
	mnl_attr_nest_end(nlh, grps);
	assert_int_equal(lpv_parse_family(nlh, "changes", &id, &grp), 0);
	assert_int_equal(id, 0x2a);
	assert_int_equal(grp, 9);
	assert_int_equal(lpv_parse_family(nlh, "absent", &id, &grp), 0);
	assert_int_equal(grp, 0);
}

static void test_rebase_op_msg(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(lpv_rebase_op_msg("op 17: dest 10.0.0.5:80 already exists",
					   1000, out, sizeof(out)), 17);
	assert_string_equal(out, "op 1017: dest 10.0.0.5:80 already exists");
	assert_int_equal(lpv_rebase_op_msg("op 0: x", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "op 0: x");
	assert_int_equal(lpv_rebase_op_msg("no such service", 5, out, sizeof(out)), -1);
	assert_string_equal(out, "no such service");
	assert_int_equal(lpv_rebase_op_msg("op x: y", 5, out, sizeof(out)), -1);
	assert_int_equal(lpv_rebase_op_msg("op 3 missing colon", 5, out,
					   sizeof(out)), -1);
	assert_string_equal(out, "op 3 missing colon");
	assert_int_equal(lpv_rebase_op_msg("op -3: y", 5, out, sizeof(out)), -1);
}

static void test_addr_helpers(void **state)
{
	union lpv_addr a;
	char s[INET6_ADDRSTRLEN];
	uint16_t af;

	(void)state;
	assert_int_equal(lpv_addr_parse("203.0.113.9", &af, &a), 0);
	assert_int_equal(af, AF_INET);
	assert_string_equal(lpv_addr_str(af, &a, s, sizeof(s)), "203.0.113.9");
	assert_int_equal(lpv_addr_parse("2001:DB8::A", &af, &a), 0);
	assert_int_equal(af, AF_INET6);
	assert_string_equal(lpv_addr_str(af, &a, s, sizeof(s)), "2001:db8::a");
	assert_int_equal(lpv_addr_parse("203.0.113", &af, &a), -EINVAL);
	assert_int_equal(lpv_addr_parse("", &af, &a), -EINVAL);
	assert_int_equal(lpv_addr_parse(" 1.2.3.4", &af, &a), -EINVAL);
	assert_int_equal(lpv_addr_len(AF_INET), 4);
	assert_int_equal(lpv_addr_len(AF_INET6), 16);
	assert_int_equal(lpv_addr_len(0), 0);
	assert_true(lpv_cmd_is_op(PODVS_CMD_DEL_DEST));
	assert_false(lpv_cmd_is_op(PODVS_CMD_FLUSH));
	assert_true(lpv_cmd_is_dest(PODVS_CMD_NEW_DEST));
	assert_false(lpv_cmd_is_dest(PODVS_CMD_NEW_SERVICE));
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_service_round_trip),
		cmocka_unit_test(test_service_wire_form),
		cmocka_unit_test(test_service_snat_from),
		cmocka_unit_test(test_service_snat_malformed),
		cmocka_unit_test(test_service_build_errors),
		cmocka_unit_test(test_dest_round_trip),
		cmocka_unit_test(test_config_round_trip),
		cmocka_unit_test(test_announce_round_trip),
		cmocka_unit_test(test_announce_reply),
		cmocka_unit_test(test_conn_filter),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_service_reply_with_stats),
		cmocka_unit_test(test_malformed_replies),
		cmocka_unit_test(test_malformed_dest_and_stats),
		cmocka_unit_test(test_info_reply),
		cmocka_unit_test(test_info_learned_size),
		cmocka_unit_test(test_conn_reply),
		cmocka_unit_test(test_conn_reply_flags),
		cmocka_unit_test(test_ack_parsing),
		cmocka_unit_test(test_done_and_truncated),
		cmocka_unit_test(test_family_reply),
		cmocka_unit_test(test_rebase_op_msg),
		cmocka_unit_test(test_addr_helpers),
	};

	return cmocka_run_group_tests_name("lib_msg", tests, NULL, NULL);
}
