// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: podvs_filter, the address filter in front of the datapath's
 * lookups.  The filter's seed is fixed at 0 on each fresh namespace, so
 * that which addresses share a counter is the same on every run.
 */
#include "podvs_test.h"
#include "conn.h"
#include "filter.h"

struct podvs_filter_case {
	const char *name;
	const char *vip, *pod, *client;
};

static const struct podvs_filter_case podvs_filter_cases[] = {
	{ "IPv4", "192.0.2.1", "203.0.113.2", "198.51.100.7" },
	{ "IPv6", "2001:db8::1", "2001:db8:1::2", "2001:db8:2::7" },
};

static void podvs_filter_desc(const struct podvs_filter_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(podvs_filter, podvs_filter_cases, podvs_filter_desc);

static int podvs_filter_test_init(struct kunit *test)
{
	int ret = podvs_test_init(test);
	struct podvs_net *pn = test->priv;

	if (!ret)
		pn->filter->seed = 0;	/* nothing counted yet */
	return ret;
}

static int podvs_filter_cnt(struct podvs_net *pn, const char *text)
{
	union nf_inet_addr a = podvs_test_addr(text);

	return atomic_read(&pn->filter->cnt[podvs_filter_index(pn->filter,
							       podvs_test_af(text),
							       &a)]);
}

static bool podvs_filter_pkt(struct podvs_net *pn, const char *src,
			     const char *dst)
{
	union nf_inet_addr s = podvs_test_addr(src), d = podvs_test_addr(dst);

	return podvs_filter_match(pn->filter, podvs_test_af(src), &s, &d);
}

/* A TCP flow client:40000 -> VIP:80 on d, established. */
static struct podvs_conn *podvs_filter_flow(struct kunit *test,
					    const struct podvs_filter_case *fc,
					    struct podvs_dest *d)
{
	struct podvs_net *pn = test->priv;
	struct podvs_tuple t = {
		.af = podvs_test_af(fc->vip),
		.protocol = IPPROTO_TCP,
		.src = podvs_test_addr(fc->client),
		.dst = podvs_test_addr(fc->vip),
		.sport = htons(40000),
		.dport = htons(80),
	};
	struct podvs_conn *c;
	int err;

	c = podvs_conn_create(pn, &t, d, PODVS_CONN_S_ESTABLISHED, &err);
	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

/* Counts follow services and dests; a dest's last until its last flow. */
static void podvs_filter_test_lifetime(struct kunit *test)
{
	const struct podvs_filter_case *fc = test->param_value;
	struct podvs_net *pn = test->priv;
	struct podvs_service *svc;
	struct podvs_svc_key k;
	struct podvs_txn t;
	struct podvs_conn *c;

	/* with seed 0 these three do not share a counter */
	KUNIT_ASSERT_EQ(test, podvs_filter_cnt(pn, fc->vip), 0);
	KUNIT_EXPECT_FALSE(test, podvs_filter_pkt(pn, fc->client, fc->vip));
	svc = podvs_test_svc(pn, IPPROTO_TCP, fc->vip, 80, "rr", 0);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->vip), 1);
	KUNIT_EXPECT_TRUE(test, podvs_filter_pkt(pn, fc->client, fc->vip));
	KUNIT_EXPECT_FALSE(test, podvs_filter_pkt(pn, fc->pod, fc->client));
	KUNIT_EXPECT_FALSE(test, podvs_filter_pkt(pn, fc->client, fc->client));

	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, fc->pod, 8080, 1), 0);
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->vip), 2);
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->pod), 1);
	KUNIT_EXPECT_TRUE(test, podvs_filter_pkt(pn, fc->pod, fc->client));
	c = podvs_filter_flow(test, fc, podvs_test_find(svc, fc->pod, 8080));

	/* service and dest deleted: the flow's tombstone keeps both counts */
	podvs_test_key(&k, IPPROTO_TCP, fc->vip, 80);
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &t, 1));
	KUNIT_EXPECT_EQ(test, podvs_svc_del(&t, podvs_svc_find(pn, &k)), 0);
	KUNIT_EXPECT_EQ(test, podvs_txn_commit(&t), 0);
	mutex_unlock(&pn->lock);
	rcu_barrier();
	KUNIT_EXPECT_TRUE(test, c->flags & PODVS_CONN_F_GONE);
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->vip), 1);
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->pod), 1);
	KUNIT_EXPECT_TRUE(test, podvs_filter_pkt(pn, fc->client, fc->vip));
	KUNIT_EXPECT_TRUE(test, podvs_filter_pkt(pn, fc->pod, fc->client));

	/* the last flow goes: nothing is counted any more */
	podvs_conn_kill(c);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->vip), 0);
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->pod), 0);
	KUNIT_EXPECT_FALSE(test, podvs_filter_pkt(pn, fc->client, fc->vip));
	KUNIT_EXPECT_FALSE(test, podvs_filter_pkt(pn, fc->pod, fc->client));
}

/* A batch that adds and then fails gives back every count it took. */
static void podvs_filter_test_abort(struct kunit *test)
{
	const struct podvs_filter_case *fc = test->param_value;
	struct podvs_net *pn = test->priv;
	struct podvs_svc_conf c = {};
	struct podvs_dest_conf dc;
	struct podvs_txn t;

	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &t, 2));
	podvs_test_key(&c.key, IPPROTO_UDP, fc->vip, 53);
	KUNIT_EXPECT_EQ(test, podvs_svc_new(&t, &c), 0);
	podvs_test_dest_conf(&dc, fc->pod, 53, 1);
	KUNIT_EXPECT_EQ(test, podvs_dest_new(&t, podvs_svc_find(pn, &c.key), &dc), 0);
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->vip), 2);
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->pod), 1);
	podvs_txn_abort(&t);
	mutex_unlock(&pn->lock);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->vip), 0);
	KUNIT_EXPECT_EQ(test, podvs_filter_cnt(pn, fc->pod), 0);
}

static struct kunit_case podvs_filter_test_cases[] = {
	KUNIT_CASE_PARAM(podvs_filter_test_lifetime, podvs_filter_gen_params),
	KUNIT_CASE_PARAM(podvs_filter_test_abort, podvs_filter_gen_params),
	{}
};

static struct kunit_suite podvs_filter_test_suite = {
	.name = "podvs_filter",
	.suite_init = podvs_test_suite_init,
	.suite_exit = podvs_test_suite_exit,
	.init = podvs_filter_test_init,
	.exit = podvs_test_exit,
	.test_cases = podvs_filter_test_cases,
};

kunit_test_suite(podvs_filter_test_suite);
