// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the rr, wrr, lc and sh schedulers, and what all schedulers share.
 */
#include "podvs_test.h"

/* 10.0.0.1 < 10.0.0.2 < 10.0.0.3 after sorting, whatever the add order */
static struct podvs_service *podvs_sched_svc(struct kunit *test,
					     const char *sched,
					     const u32 *weights, u32 n)
{
	static const char *const ips[] = { "10.0.0.3", "10.0.0.1", "10.0.0.2" };
	static const u32 idx[] = { 2, 0, 1 };
	struct podvs_service *svc;
	u32 i;

	svc = podvs_test_svc(test->priv, IPPROTO_TCP, "192.0.2.1", 80, sched, 0);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, ips[i], 80,
						      weights[idx[i]]), 0);
	return svc;
}

static struct podvs_dest *podvs_d(struct podvs_service *svc, int i)
{
	char ip[16];

	snprintf(ip, sizeof(ip), "10.0.0.%d", i);
	return podvs_test_find(svc, ip, 80);
}

struct podvs_seq_case {
	const char *sched;
	u32 weights[3];
	const char *seq;	/* dest numbers picked in turn */
};

static const struct podvs_seq_case podvs_seq_cases[] = {
	{ "rr", { 1, 1, 1 }, "123123123" },
	{ "rr", { 5, 1, 1 }, "123123" },		/* rr ignores weights */
	{ "wrr", { 1, 1, 1 }, "123123" },
	{ "wrr", { 3, 1, 1 }, "11123111231112" },
	{ "wrr", { 4, 2, 1 }, "1112123111212311" },
	{ "lc", { 1, 1, 1 }, "111" },		/* no conns: first in order */
};

static void podvs_seq_desc(const struct podvs_seq_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %u:%u:%u", c->sched,
		 c->weights[0], c->weights[1], c->weights[2]);
}

KUNIT_ARRAY_PARAM(podvs_seq, podvs_seq_cases, podvs_seq_desc);

static void podvs_sched_test_sequence(struct kunit *test)
{
	const struct podvs_seq_case *c = test->param_value;
	struct podvs_service *svc = podvs_sched_svc(test, c->sched, c->weights, 3);
	const char *p;

	for (p = c->seq; *p; p++)
		KUNIT_EXPECT_PTR_EQ_MSG(test, podvs_test_pick(svc, "198.51.100.1", 1),
					podvs_d(svc, *p - '0'), "pick %ld of %s",
					(long)(p - c->seq), c->seq);
}

/* A drained dest is skipped before the rebuild by every scheduler. */
static const char *const podvs_all_scheds[] = { "mh", "sh", "rr", "wrr", "lc" };

static void podvs_sched_desc(const char *const *s, char *desc)
{
	strscpy(desc, *s, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(podvs_sched_all, podvs_all_scheds, podvs_sched_desc);

static void podvs_sched_test_skip_drained(struct kunit *test)
{
	static const u32 w[] = { 1, 1, 1 };
	const char *sched = *(const char *const *)test->param_value;
	struct podvs_service *svc = podvs_sched_svc(test, sched, w, 3);
	struct podvs_dest *d2 = podvs_d(svc, 2), *d;
	char client[16];
	int i;

	WRITE_ONCE(d2->flags, PODVS_DEST_F_DRAIN);
	for (i = 0; i < 300; i++) {
		snprintf(client, sizeof(client), "198.51.100.%d", i % 250);
		d = podvs_test_pick(svc, client, i);
		KUNIT_ASSERT_NOT_NULL(test, d);
		KUNIT_ASSERT_PTR_NE(test, d, d2);
	}
	/* after the rebuild the state no longer lists it */
	WRITE_ONCE(d2->flags, 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest_op(svc, "10.0.0.2", 80, false, 1,
						 PODVS_DEST_F_DRAIN), 0);
	KUNIT_EXPECT_EQ(test, podvs_test_state(svc)->n, 2U);
	/* all drained: no dest at all */
	KUNIT_ASSERT_EQ(test, podvs_test_dest_op(svc, "10.0.0.1", 80, false, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest_op(svc, "10.0.0.3", 80, false, 1,
						 PODVS_DEST_F_DRAIN), 0);
	KUNIT_EXPECT_EQ(test, podvs_test_state(svc)->n, 0U);
	KUNIT_EXPECT_NULL(test, podvs_test_pick(svc, "198.51.100.1", 1));
}

static void podvs_sched_test_empty(struct kunit *test)
{
	const char *sched = *(const char *const *)test->param_value;
	struct podvs_service *svc = podvs_sched_svc(test, sched, NULL, 0);

	KUNIT_EXPECT_NULL(test, podvs_test_pick(svc, "198.51.100.1", 1));
	KUNIT_EXPECT_NULL(test, podvs_test_pick(svc, "2001:db8::1", 1));
}

/* lc: fewest active * 256 + inactive, per unit of weight. */
static void podvs_sched_test_lc(struct kunit *test)
{
	static const u32 w[] = { 1, 1, 1 };
	struct podvs_service *svc = podvs_sched_svc(test, "lc", w, 3);
	struct podvs_dest *d1 = podvs_d(svc, 1), *d2 = podvs_d(svc, 2);
	struct podvs_dest *d3 = podvs_d(svc, 3);

	atomic_set(&d1->active_conns, 2);
	atomic_set(&d3->active_conns, 1);
	KUNIT_EXPECT_PTR_EQ(test, podvs_test_pick(svc, "198.51.100.1", 1), d2);
	atomic_set(&d2->active_conns, 1);
	atomic_set(&d2->inactive_conns, 3);
	KUNIT_EXPECT_PTR_EQ(test, podvs_test_pick(svc, "198.51.100.1", 1), d3);
	/* 300 inactive weigh more than one active */
	atomic_set(&d3->inactive_conns, 300);
	KUNIT_EXPECT_PTR_EQ(test, podvs_test_pick(svc, "198.51.100.1", 1), d2);
	/* weight 4 with 3 active (192 per unit) beats weight 1 with 1 (256) */
	KUNIT_ASSERT_EQ(test, podvs_test_dest_op(svc, "10.0.0.1", 80, false, 4, 0), 0);
	d1 = podvs_d(svc, 1);
	atomic_set(&d1->active_conns, 3);
	atomic_set(&d2->inactive_conns, 0);
	KUNIT_EXPECT_PTR_EQ(test, podvs_test_pick(svc, "198.51.100.1", 1), d1);
	atomic_set(&d1->active_conns, 0);
	atomic_set(&d2->active_conns, 0);
	atomic_set(&d3->active_conns, 0);
	atomic_set(&d3->inactive_conns, 0);
}

/* sh: a client always gets the same dest; buckets follow weights. */
static void podvs_sched_test_sh(struct kunit *test)
{
	struct podvs_service *svc = podvs_sched_svc(test, "sh", NULL, 0);
	struct podvs_dest *d1, *d;
	u32 i, on1 = 0;
	char client[16];

	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, "10.0.0.2", 80, 1), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, "10.0.0.1", 80, 2), 0);
	d1 = podvs_d(svc, 1);
	for (i = 0; i < 3000; i++) {
		snprintf(client, sizeof(client), "198.%u.%u.%u", 51 + i / 1000,
			 (i / 250) % 4, i % 250);
		d = podvs_test_pick(svc, client, 1);
		KUNIT_ASSERT_PTR_EQ(test, podvs_test_pick(svc, client, 2), d);
		on1 += d == d1;
	}
	/* 2/3 of the buckets: 2000 clients, give or take the hash */
	KUNIT_EXPECT_GE(test, on1, 1800U);
	KUNIT_EXPECT_LE(test, on1, 2200U);
}

/* Changing the scheduler of a service changes the picks at commit. */
static void podvs_sched_test_change(struct kunit *test)
{
	static const u32 w[] = { 1, 1, 1 };
	struct podvs_service *svc = podvs_sched_svc(test, "lc", w, 3);
	struct podvs_net *pn = test->priv;
	struct podvs_svc_conf c = {};
	struct podvs_txn t;

	KUNIT_EXPECT_PTR_EQ(test, podvs_test_pick(svc, "198.51.100.1", 1),
			    podvs_test_pick(svc, "198.51.100.1", 1));
	c.sched = podvs_sched_find("rr");
	c.present = BIT(PODVS_SVC_A_SCHED);
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &t, 1));
	KUNIT_EXPECT_EQ(test, podvs_svc_set(&t, svc, &c), 0);
	KUNIT_EXPECT_EQ(test, podvs_txn_commit(&t), 0);
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_STREQ(test, podvs_test_state(svc)->ops->name, "rr");
	KUNIT_EXPECT_PTR_NE(test, podvs_test_pick(svc, "198.51.100.1", 1),
			    podvs_test_pick(svc, "198.51.100.1", 1));
}

static void podvs_sched_test_names(struct kunit *test)
{
	char buf[64];

	podvs_sched_names(buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "mh sh rr wrr lc");
	KUNIT_EXPECT_NULL(test, podvs_sched_find("wlc"));
	KUNIT_EXPECT_NOT_NULL(test, podvs_sched_find("mh"));
}

static struct kunit_case podvs_sched_cases[] = {
	KUNIT_CASE_PARAM(podvs_sched_test_sequence, podvs_seq_gen_params),
	KUNIT_CASE_PARAM(podvs_sched_test_skip_drained, podvs_sched_all_gen_params),
	KUNIT_CASE_PARAM(podvs_sched_test_empty, podvs_sched_all_gen_params),
	KUNIT_CASE(podvs_sched_test_lc),
	KUNIT_CASE(podvs_sched_test_sh),
	KUNIT_CASE(podvs_sched_test_change),
	KUNIT_CASE(podvs_sched_test_names),
	{}
};

static struct kunit_suite podvs_sched_suite = {
	.name = "podvs_sched",
	.suite_init = podvs_test_suite_init,
	.suite_exit = podvs_test_suite_exit,
	.init = podvs_test_init,
	.exit = podvs_test_exit,
	.test_cases = podvs_sched_cases,
};

kunit_test_suite(podvs_sched_suite);
