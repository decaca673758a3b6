// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: request parsing and batches of the genl family (netlink.c's
 * parsers, static unless PODVS_KUNIT: podvs_kunit.h).
 */
#include <net/netlink.h>

#include "podvs_test.h"

static void podvs_t_key(struct sk_buff *skb, u16 af, const char *vip, u16 port)
{
	union nf_inet_addr a = podvs_test_addr(vip);

	nla_put_u16(skb, PODVS_SVC_A_AF, af);
	nla_put_u8(skb, PODVS_SVC_A_PROTOCOL, IPPROTO_TCP);
	nla_put(skb, PODVS_SVC_A_ADDR, podvs_test_af(vip) == AF_INET ? 4 : 16, &a);
	nla_put_be16(skb, PODVS_SVC_A_PORT, htons(port));
}

static void podvs_t_v4(struct sk_buff *skb)
{
	podvs_t_key(skb, AF_INET, "192.0.2.1", 80);
}

static void podvs_t_ok(struct sk_buff *skb)
{
	podvs_t_v4(skb);
	nla_put_string(skb, PODVS_SVC_A_SCHED, "rr");
	nla_put_u32(skb, PODVS_SVC_A_FLAGS, PODVS_SVC_F_PERSISTENT);
	nla_put_string(skb, PODVS_SVC_A_OWNER, "podvsd");
}

static void podvs_t_v6_short(struct sk_buff *skb)
{
	podvs_t_key(skb, AF_INET6, "192.0.2.1", 80);
}

static void podvs_t_no_af(struct sk_buff *skb)
{
	union nf_inet_addr a = podvs_test_addr("192.0.2.1");

	nla_put_u8(skb, PODVS_SVC_A_PROTOCOL, IPPROTO_TCP);
	nla_put(skb, PODVS_SVC_A_ADDR, 4, &a);
	nla_put_be16(skb, PODVS_SVC_A_PORT, htons(80));
}

static void podvs_t_not_prime(struct sk_buff *skb)
{
	podvs_t_v4(skb);
	nla_put_u32(skb, PODVS_SVC_A_MH_TABLE_SIZE, 1000);
}

static void podvs_t_sched(struct sk_buff *skb)
{
	podvs_t_v4(skb);
	nla_put_string(skb, PODVS_SVC_A_SCHED, "wlc");
}

static void podvs_t_netmask(struct sk_buff *skb)
{
	podvs_t_v4(skb);
	nla_put_u8(skb, PODVS_SVC_A_NETMASK, 64);
}

static void podvs_t_reply_only(struct sk_buff *skb)
{
	podvs_t_v4(skb);
	nla_put_u32(skb, PODVS_SVC_A_DESTS, 3);
}

static void podvs_t_flags(struct sk_buff *skb)
{
	podvs_t_v4(skb);
	nla_put_u32(skb, PODVS_SVC_A_FLAGS, 1U << 7);
}

static void podvs_t_mask_only(struct sk_buff *skb)
{
	podvs_t_v4(skb);
	nla_put_u32(skb, PODVS_SVC_A_FLAGS_MASK, PODVS_SVC_F_PERSISTENT);
}

static void podvs_t_port0(struct sk_buff *skb)
{
	podvs_t_key(skb, AF_INET, "192.0.2.1", 0);
}

struct podvs_nl_case {
	const char *name;
	void (*fill)(struct sk_buff *skb);
	int err;
	const char *msg;	/* substring of the extack message */
};

static const struct podvs_nl_case podvs_nl_svc_cases[] = {
	{ "valid", podvs_t_ok, 0, NULL },
	{ "v6 with 4 bytes", podvs_t_v6_short, -EINVAL,
	  "service address is 4 bytes, AF_INET6 needs 16" },
	{ "no af", podvs_t_no_af, -EINVAL, "service needs af" },
	{ "not prime", podvs_t_not_prime, -EINVAL,
	  "mh table size 1000 is not a prime" },
	{ "unknown scheduler", podvs_t_sched, -ENOENT,
	  "scheduler \"wlc\" unknown (mh sh rr wrr lc)" },
	{ "netmask", podvs_t_netmask, -EINVAL, "netmask /64 is longer" },
	{ "reply only", podvs_t_reply_only, -EINVAL, "attribute only in replies" },
	{ "unknown flag", podvs_t_flags, -EINVAL, NULL },
	{ "mask only", podvs_t_mask_only, -EINVAL, "flags mask given without" },
	{ "port 0", podvs_t_port0, -ERANGE, NULL },
};

static void podvs_nl_case_desc(const struct podvs_nl_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(podvs_nl_svc, podvs_nl_svc_cases, podvs_nl_case_desc);

/* An skb holding one nest filled by fill; the nest is returned. */
static struct nlattr *podvs_t_nest(struct kunit *test, struct sk_buff **skb,
				   int type, void (*fill)(struct sk_buff *))
{
	struct nlattr *nest;

	*skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *skb);
	nest = nla_nest_start(*skb, type);
	KUNIT_ASSERT_NOT_NULL(test, nest);
	fill(*skb);
	nla_nest_end(*skb, nest);
	return nest;
}

static void podvs_expect_msg(struct kunit *test, struct netlink_ext_ack *ext,
			     const char *msg)
{
	if (!msg)
		return;
	KUNIT_ASSERT_NOT_NULL(test, ext->_msg);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ext->_msg, msg), "message \"%s\"",
				  ext->_msg);
}

static void podvs_nl_test_parse_svc(struct kunit *test)
{
	const struct podvs_nl_case *c = test->param_value;
	struct netlink_ext_ack ext = {};
	struct podvs_svc_conf conf = {};
	struct sk_buff *skb;
	struct nlattr *nest;

	nest = podvs_t_nest(test, &skb, PODVS_A_SERVICE, c->fill);
	KUNIT_ASSERT_EQ(test, podvs_nl_parse_svc(nest, &conf, &ext), c->err);
	podvs_expect_msg(test, &ext, c->msg);
	if (!c->err) {
		KUNIT_EXPECT_STREQ(test, conf.sched->name, "rr");
		KUNIT_EXPECT_EQ(test, conf.flags, (u32)PODVS_SVC_F_PERSISTENT);
		KUNIT_EXPECT_STREQ(test, conf.owner, "podvsd");
		KUNIT_EXPECT_EQ(test, conf.present, (u32)(BIT(PODVS_SVC_A_SCHED) |
			BIT(PODVS_SVC_A_FLAGS) | BIT(PODVS_SVC_A_OWNER)));
		KUNIT_EXPECT_EQ(test, ntohs(conf.key.port), 80);
	} else {
		KUNIT_EXPECT_TRUE(test, ext._msg || ext.bad_attr || ext.miss_nest);
	}
	if (c->fill == podvs_t_no_af) {
		KUNIT_EXPECT_PTR_EQ(test, (const struct nlattr *)ext.miss_nest, nest);
		KUNIT_EXPECT_EQ(test, ext.miss_type, (u16)PODVS_SVC_A_AF);
	}
	kfree_skb(skb);
}

static void podvs_t_dest_weight(struct sk_buff *skb)
{
	union nf_inet_addr a = podvs_test_addr("10.0.0.1");

	nla_put(skb, PODVS_DEST_A_ADDR, 4, &a);
	nla_put_be16(skb, PODVS_DEST_A_PORT, htons(80));
	nla_put_u32(skb, PODVS_DEST_A_WEIGHT, 3);
}

static void podvs_nl_test_parse_dest(struct kunit *test)
{
	struct netlink_ext_ack ext = {};
	struct podvs_dest_conf conf = {};
	struct sk_buff *skb;
	struct nlattr *nest;

	nest = podvs_t_nest(test, &skb, PODVS_A_DEST, podvs_t_dest_weight);
	KUNIT_EXPECT_EQ(test, podvs_nl_parse_dest(nest, AF_INET, false, &conf,
						  &ext), 0);
	KUNIT_EXPECT_EQ(test, conf.weight, 3U);
	KUNIT_EXPECT_EQ(test, conf.present, (u32)BIT(PODVS_DEST_A_WEIGHT));
	/* a delete takes the key only */
	KUNIT_EXPECT_EQ(test, podvs_nl_parse_dest(nest, AF_INET, true, &conf,
						  &ext), -EINVAL);
	podvs_expect_msg(test, &ext, "only the dest key");
	/* IPv4 dest in an IPv6 service */
	KUNIT_EXPECT_EQ(test, podvs_nl_parse_dest(nest, AF_INET6, false, &conf,
						  &ext), -EINVAL);
	podvs_expect_msg(test, &ext, "dest address is 4 bytes, AF_INET6 needs 16");
	kfree_skb(skb);
}

/* Batches: append ops to an skb; each op's nest is returned. */
static struct nlattr *podvs_t_op(struct sk_buff *skb, u8 cmd, const char *dest,
				 u16 dport)
{
	struct nlattr *op = nla_nest_start(skb, PODVS_A_OP), *n;
	union nf_inet_addr a;

	nla_put_u8(skb, PODVS_OP_A_CMD, cmd);
	n = nla_nest_start(skb, PODVS_OP_A_SERVICE);
	podvs_t_v4(skb);
	nla_nest_end(skb, n);
	if (dest) {
		a = podvs_test_addr(dest);
		n = nla_nest_start(skb, PODVS_OP_A_DEST);
		nla_put(skb, PODVS_DEST_A_ADDR, 4, &a);
		nla_put_be16(skb, PODVS_DEST_A_PORT, htons(dport));
		nla_nest_end(skb, n);
	}
	nla_nest_end(skb, op);
	return op;
}

static int podvs_t_batch(struct podvs_net *pn, struct sk_buff *skb,
			 struct netlink_ext_ack *ext)
{
	memset(ext, 0, sizeof(*ext));
	return podvs_nl_batch_run(pn, (struct nlattr *)skb->data, skb->len, ext);
}

static void podvs_nl_test_batch(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct netlink_ext_ack ext;
	struct nlattr *op2, *op0;
	struct sk_buff *skb;
	u32 gen;

	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	podvs_t_op(skb, PODVS_CMD_NEW_SERVICE, NULL, 0);
	podvs_t_op(skb, PODVS_CMD_NEW_DEST, "10.0.0.1", 80);
	op2 = podvs_t_op(skb, PODVS_CMD_NEW_DEST, "10.0.0.1", 80);
	gen = pn->generation;
	KUNIT_EXPECT_EQ(test, podvs_t_batch(pn, skb, &ext), -EEXIST);
	podvs_expect_msg(test, &ext,
			 "op 2: dest 10.0.0.1:80 already exists in TCP 192.0.2.1:80");
	KUNIT_EXPECT_PTR_EQ(test, ext.bad_attr, (const struct nlattr *)op2);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->nsvc, 0U);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->ndests, 0U);
	KUNIT_EXPECT_EQ(test, pn->generation, gen);

	/* without the duplicate it commits */
	skb_trim(skb, (u8 *)op2 - skb->data);
	KUNIT_EXPECT_EQ(test, podvs_t_batch(pn, skb, &ext), 0);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->nsvc, 1U);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->ndests, 1U);
	KUNIT_EXPECT_NE(test, pn->generation, gen);

	/* a GET in a batch; an empty batch */
	skb_trim(skb, 0);
	op0 = podvs_t_op(skb, PODVS_CMD_GET_SERVICE, NULL, 0);
	KUNIT_EXPECT_EQ(test, podvs_t_batch(pn, skb, &ext), -EOPNOTSUPP);
	podvs_expect_msg(test, &ext, "op 0: command 5 is not");
	KUNIT_EXPECT_PTR_EQ(test, ext.bad_attr, (const struct nlattr *)op0);
	skb_trim(skb, 0);
	KUNIT_EXPECT_EQ(test, podvs_t_batch(pn, skb, &ext), -EINVAL);
	kfree_skb(skb);
}

/* SNAT_FROM: a nest of PODVS_RANGE_A_PREFIX (address, prefix length). */
static void podvs_t_prefix(struct sk_buff *skb, const char *addr, u8 plen)
{
	union nf_inet_addr a = podvs_test_addr(addr);
	int len = podvs_test_af(addr) == AF_INET ? 4 : 16;
	u8 buf[17];

	memcpy(buf, &a, len);
	buf[len] = plen;
	nla_put(skb, PODVS_RANGE_A_PREFIX, len + 1, buf);
}

static void podvs_t_snat_ok(struct sk_buff *skb)
{
	struct nlattr *n;

	podvs_t_v4(skb);
	n = nla_nest_start(skb, PODVS_SVC_A_SNAT_FROM);
	podvs_t_prefix(skb, "10.1.0.0", 16);
	podvs_t_prefix(skb, "203.0.113.0", 24);
	nla_nest_end(skb, n);
}

static void podvs_t_snat_empty(struct sk_buff *skb)
{
	podvs_t_v4(skb);
	nla_nest_end(skb, nla_nest_start(skb, PODVS_SVC_A_SNAT_FROM));
}

static void podvs_t_snat_host(struct sk_buff *skb)
{
	struct nlattr *n;

	podvs_t_v4(skb);
	n = nla_nest_start(skb, PODVS_SVC_A_SNAT_FROM);
	podvs_t_prefix(skb, "10.1.0.1", 16);
	nla_nest_end(skb, n);
}

static void podvs_t_snat_family(struct sk_buff *skb)
{
	struct nlattr *n;

	podvs_t_v4(skb);
	n = nla_nest_start(skb, PODVS_SVC_A_SNAT_FROM);
	podvs_t_prefix(skb, "2001:db8::", 32);
	nla_nest_end(skb, n);
}

static void podvs_t_snat_plen(struct sk_buff *skb)
{
	struct nlattr *n;

	podvs_t_v4(skb);
	n = nla_nest_start(skb, PODVS_SVC_A_SNAT_FROM);
	podvs_t_prefix(skb, "10.0.0.0", 33);
	nla_nest_end(skb, n);
}

static void podvs_t_snat_many(struct sk_buff *skb)
{
	struct nlattr *n;
	char a[16];
	int i;

	podvs_t_v4(skb);
	n = nla_nest_start(skb, PODVS_SVC_A_SNAT_FROM);
	for (i = 0; i <= PODVS_SNAT_RANGES_MAX; i++) {
		snprintf(a, sizeof(a), "10.%d.0.0", i);
		podvs_t_prefix(skb, a, 16);
	}
	nla_nest_end(skb, n);
}

static void podvs_t_snat_type(struct sk_buff *skb)
{
	struct nlattr *n;

	podvs_t_v4(skb);
	n = nla_nest_start(skb, PODVS_SVC_A_SNAT_FROM);
	nla_put_u32(skb, 7, 0);
	nla_nest_end(skb, n);
}

static const struct podvs_nl_case podvs_nl_snat_cases[] = {
	{ "two prefixes", podvs_t_snat_ok, 0, NULL },
	{ "empty clears", podvs_t_snat_empty, 0, NULL },
	{ "host bits", podvs_t_snat_host, -EINVAL,
	  "snat_from prefix 10.1.0.1/16 has host bits set" },
	{ "v6 prefix in a v4 service", podvs_t_snat_family, -EINVAL,
	  "snat_from prefix is 17 bytes, an IPv4 prefix is 5" },
	{ "prefix length", podvs_t_snat_plen, -EINVAL,
	  "snat_from prefix length /33 is longer than 32 bits" },
	{ "too many", podvs_t_snat_many, -E2BIG,
	  "snat_from has more than 16 prefixes" },
	{ "not a prefix", podvs_t_snat_type, -EINVAL,
	  "snat_from holds attribute type 7, not a prefix" },
};

KUNIT_ARRAY_PARAM(podvs_nl_snat, podvs_nl_snat_cases, podvs_nl_case_desc);

static void podvs_nl_test_parse_snat(struct kunit *test)
{
	const struct podvs_nl_case *c = test->param_value;
	struct netlink_ext_ack ext = {};
	struct podvs_svc_conf conf = {};
	struct sk_buff *skb;
	struct nlattr *nest;

	nest = podvs_t_nest(test, &skb, PODVS_A_SERVICE, c->fill);
	KUNIT_EXPECT_EQ(test, podvs_nl_parse_svc(nest, &conf, &ext), c->err);
	podvs_expect_msg(test, &ext, c->msg);
	if (c->err)
		KUNIT_EXPECT_NOT_NULL(test, ext.bad_attr);
	if (c->fill == podvs_t_snat_ok) {
		struct podvs_snat *sn;

		KUNIT_EXPECT_EQ(test, conf.nsnat, 2U);
		sn = podvs_snat_alloc(conf.snat, AF_INET, conf.nsnat);
		KUNIT_ASSERT_NOT_NULL(test, sn);
		KUNIT_EXPECT_EQ(test, sn->n, 2U);
		KUNIT_EXPECT_EQ(test, sn->p[1].plen, 24);
		KUNIT_EXPECT_EQ(test, ntohl(sn->p[1].addr.ip), 0xcb007100U);
		podvs_snat_free(sn);
	}
	if (!c->err)
		KUNIT_EXPECT_TRUE(test, conf.present & BIT(PODVS_SVC_A_SNAT_FROM));
	kfree_skb(skb);
}

/* A batch op of cmd on the v4 service, with SNAT_FROM prefix/plen
 * (plen > 32: an empty list).
 */
static void podvs_t_snat_op(struct sk_buff *skb, u8 cmd, const char *prefix,
			    u8 plen)
{
	struct nlattr *op = nla_nest_start(skb, PODVS_A_OP), *n, *r;

	nla_put_u8(skb, PODVS_OP_A_CMD, cmd);
	n = nla_nest_start(skb, PODVS_OP_A_SERVICE);
	podvs_t_v4(skb);
	r = nla_nest_start(skb, PODVS_SVC_A_SNAT_FROM);
	if (plen <= 32)
		podvs_t_prefix(skb, prefix, plen);
	nla_nest_end(skb, r);
	nla_nest_end(skb, n);
	nla_nest_end(skb, op);
}

static u32 podvs_t_snat_of(struct podvs_net *pn, u8 *plen)
{
	struct podvs_svc_key k;
	struct podvs_service *svc;
	struct podvs_snat *s;
	u32 ip = 0;

	podvs_test_key(&k, IPPROTO_TCP, "192.0.2.1", 80);
	mutex_lock(&pn->lock);
	svc = podvs_svc_find(pn, &k);
	s = svc ? rcu_dereference_protected(svc->snat,
					    lockdep_is_held(&pn->lock)) : NULL;
	*plen = s ? s->p[0].plen : 0;
	if (s)
		ip = ntohl(s->p[0].addr.ip);
	mutex_unlock(&pn->lock);
	return ip;
}

/* A SET that replaces the list, in a batch that fails, leaves the old
 * list; a committed SET replaces it; an empty nest clears it.
 */
static void podvs_nl_test_batch_snat(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct netlink_ext_ack ext;
	struct sk_buff *skb;
	u8 plen;

	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	podvs_t_snat_op(skb, PODVS_CMD_NEW_SERVICE, "10.1.0.0", 16);
	KUNIT_ASSERT_EQ(test, podvs_t_batch(pn, skb, &ext), 0);
	KUNIT_EXPECT_EQ(test, podvs_t_snat_of(pn, &plen), 0x0a010000U);
	KUNIT_EXPECT_EQ(test, plen, 16);

	skb_trim(skb, 0);
	podvs_t_snat_op(skb, PODVS_CMD_SET_SERVICE, "10.2.0.0", 24);
	podvs_t_snat_op(skb, PODVS_CMD_SET_SERVICE, "10.3.0.0", 24);
	podvs_t_op(skb, PODVS_CMD_DEL_DEST, "10.0.0.9", 80);	/* no such */
	KUNIT_EXPECT_EQ(test, podvs_t_batch(pn, skb, &ext), -ENOENT);
	podvs_expect_msg(test, &ext, "op 2:");
	KUNIT_EXPECT_EQ(test, podvs_t_snat_of(pn, &plen), 0x0a010000U);
	KUNIT_EXPECT_EQ(test, plen, 16);

	skb_trim(skb, 0);
	podvs_t_snat_op(skb, PODVS_CMD_SET_SERVICE, "10.2.0.0", 24);
	podvs_t_snat_op(skb, PODVS_CMD_SET_SERVICE, "10.3.0.0", 24);
	KUNIT_EXPECT_EQ(test, podvs_t_batch(pn, skb, &ext), 0);
	KUNIT_EXPECT_EQ(test, podvs_t_snat_of(pn, &plen), 0x0a030000U);
	KUNIT_EXPECT_EQ(test, plen, 24);

	skb_trim(skb, 0);
	podvs_t_snat_op(skb, PODVS_CMD_SET_SERVICE, NULL, 33);
	KUNIT_EXPECT_EQ(test, podvs_t_batch(pn, skb, &ext), 0);
	KUNIT_EXPECT_EQ(test, podvs_t_snat_of(pn, &plen), 0U);
	KUNIT_EXPECT_EQ(test, plen, 0);
	kfree_skb(skb);
}

static struct kunit_case podvs_netlink_cases[] = {
	KUNIT_CASE_PARAM(podvs_nl_test_parse_snat, podvs_nl_snat_gen_params),
	KUNIT_CASE(podvs_nl_test_batch_snat),
	KUNIT_CASE_PARAM(podvs_nl_test_parse_svc, podvs_nl_svc_gen_params),
	KUNIT_CASE(podvs_nl_test_parse_dest),
	KUNIT_CASE(podvs_nl_test_batch),
	{}
};

static struct kunit_suite podvs_netlink_suite = {
	.name = "podvs_netlink",
	.suite_init = podvs_test_suite_init,
	.suite_exit = podvs_test_suite_exit,
	.init = podvs_test_init,
	.exit = podvs_test_exit,
	.test_cases = podvs_netlink_cases,
};

kunit_test_suite(podvs_netlink_suite);
