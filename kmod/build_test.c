// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: building scheduler states for a batch: one build per touched
 * service, the same tables however many CPUs fill them, and a batch whose
 * builds fail changes nothing and leaks nothing.
 */
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "podvs_test.h"

#define PODVS_BT_M	4093
#define PODVS_BT_SVCS	6U

/* Service s: 192.0.2.1:(100 + s), mh of size m, with n dests
 * 10.(s).(j / 250).(j % 250 + 1):8080 of weight j % 3 + 1.
 */
static int podvs_bt_dests(struct podvs_txn *t, struct podvs_service *svc,
			  u32 s, u32 first, u32 n)
{
	struct podvs_dest_conf c;
	u32 j;
	int ret = 0;

	for (j = first; !ret && j < first + n; j++) {
		memset(&c, 0, sizeof(c));
		c.addr.ip = htonl(0x0a000001 + (s << 16) + (j / 250 << 8) +
				  j % 250);
		c.port = htons(8080);
		c.weight = j % 3 + 1;
		c.present = BIT(PODVS_DEST_A_WEIGHT);
		ret = podvs_dest_new(t, svc, &c);
	}
	return ret;
}

static struct podvs_service *podvs_bt_svc(struct kunit *test, u32 s, u32 m,
					  u32 n)
{
	struct podvs_service *svc;
	struct podvs_txn t;
	int ret;

	svc = podvs_test_svc(test->priv, IPPROTO_TCP, "192.0.2.1", 100 + s,
			     "mh", m);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(svc->pn, &t, n));
	ret = podvs_bt_dests(&t, svc, s, 0, n);
	if (ret)
		podvs_txn_abort(&t);
	else
		ret = podvs_txn_commit(&t);
	mutex_unlock(&svc->pn->lock);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, podvs_test_state(svc)->n, n);
	return svc;
}

static bool podvs_bt_same(const struct podvs_sched_state *a,
			  const struct podvs_sched_state *b)
{
	u32 i;

	if (podvs_mh_size(a) != podvs_mh_size(b) || a->n != b->n)
		return false;
	for (i = 0; i < podvs_mh_size(a); i++)
		if (podvs_mh_entry(a, i) != podvs_mh_entry(b, i))
			return false;
	return true;
}

/* Sizes that take both small table widths (1 and 2 bytes), one dest. */
static const u32 podvs_bt_ns[PODVS_BT_SVCS] = { 1, 10, 254, 255, 256, 600 };

static void podvs_bt_make(struct kunit *test, struct podvs_service **svc)
{
	u32 i;

	for (i = 0; i < PODVS_BT_SVCS; i++)
		svc[i] = podvs_bt_svc(test, i, PODVS_BT_M, podvs_bt_ns[i]);
}

/* New states of svc[] filled with `workers` helpers equal the current
 * (committed, filled by the caller alone) ones.
 */
static void podvs_bt_refill(struct kunit *test, struct podvs_service **svc,
			    u32 workers)
{
	struct podvs_net *pn = svc[0]->pn;
	struct workqueue_struct *wq;
	void *st[PODVS_BT_SVCS];
	u32 i, n = 0;

	/* the suites run before module init: the module's queue is not there */
	wq = alloc_workqueue("podvs_build_test", WQ_UNBOUND, 0);
	KUNIT_ASSERT_NOT_NULL(test, wq);
	mutex_lock(&pn->lock);
	while (n < PODVS_BT_SVCS && !podvs_sched_alloc(svc[n], &st[n]))
		n++;
	if (n == PODVS_BT_SVCS)
		podvs_sched_fill_with(st, n, workers, wq);
	for (i = 0; n == PODVS_BT_SVCS && i < n; i++)
		KUNIT_EXPECT_TRUE_MSG(test, podvs_bt_same(st[i],
							  podvs_test_state(svc[i])),
				      "%u helpers, %u dests", workers,
				      podvs_bt_ns[i]);
	for (i = 0; i < n; i++)
		podvs_sched_abort(svc[i], st[i]);
	mutex_unlock(&pn->lock);
	destroy_workqueue(wq);
	KUNIT_EXPECT_EQ_MSG(test, n, PODVS_BT_SVCS, "out of memory");
}

/* However many CPUs fill the tables, they are the same tables. */
static void podvs_build_test_parallel(struct kunit *test)
{
	struct podvs_service *svc[PODVS_BT_SVCS];
	u32 w;

	podvs_bt_make(test, svc);
	for (w = 0; w <= 4; w++)
		podvs_bt_refill(test, svc, w);
}

/* Ops touching three services, one of them new, 22 dest changes: three
 * builds, at commit, none before.
 */
static void podvs_build_test_once(struct kunit *test)
{
	struct podvs_service *a, *b, *c;
	struct podvs_net *pn = test->priv;
	struct podvs_svc_conf conf = {};
	struct podvs_txn t;
	int before;

	a = podvs_bt_svc(test, 0, PODVS_BT_M, 3);
	b = podvs_bt_svc(test, 1, PODVS_BT_M, 3);
	before = atomic_read(&podvs_sched_test_hooks.builds);
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &t, 21));
	podvs_test_key(&conf.key, IPPROTO_TCP, "192.0.2.2", 80);
	KUNIT_EXPECT_EQ(test, podvs_svc_new(&t, &conf), 0);
	c = podvs_svc_find(pn, &conf.key);
	KUNIT_EXPECT_EQ(test, podvs_bt_dests(&t, c, 2, 0, 10), 0);
	KUNIT_EXPECT_EQ(test, podvs_bt_dests(&t, a, 0, 3, 5), 0);
	KUNIT_EXPECT_EQ(test, podvs_bt_dests(&t, b, 1, 3, 5), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&podvs_sched_test_hooks.builds), before);
	KUNIT_EXPECT_EQ(test, podvs_txn_commit(&t), 0);
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&podvs_sched_test_hooks.builds), before + 3);
	KUNIT_EXPECT_EQ(test, podvs_test_state(c)->n, 10U);
	KUNIT_EXPECT_EQ(test, podvs_test_state(a)->n, 8U);
}

static const u32 podvs_bt_fails[] = { 1, 4, PODVS_BT_SVCS + 1 };

static void podvs_bt_fail_desc(const u32 *k, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "build %u of %u fails", *k,
		 PODVS_BT_SVCS + 1);
}

KUNIT_ARRAY_PARAM(podvs_bt_fail, podvs_bt_fails, podvs_bt_fail_desc);

/* Two dests more for each service and a new service with three: seven
 * builds, one of which fails.
 */
static int podvs_bt_fail_batch(struct podvs_txn *t, struct podvs_service **svc)
{
	struct podvs_svc_conf conf = {};
	u32 i;
	int ret = 0;

	for (i = 0; !ret && i < PODVS_BT_SVCS; i++)
		ret = podvs_bt_dests(t, svc[i], i, podvs_bt_ns[i], 2);
	podvs_test_key(&conf.key, IPPROTO_TCP, "192.0.2.2", 80);
	conf.sched = podvs_sched_find("mh");
	conf.present = BIT(PODVS_SVC_A_SCHED);
	if (!ret)
		ret = podvs_svc_new(t, &conf);
	if (!ret)
		ret = podvs_bt_dests(t, podvs_svc_find(t->pn, &conf.key),
				     PODVS_BT_SVCS, 0, 3);
	return ret;
}

/* The batch fails with -ENOMEM and every service keeps its dests and the
 * very state it had; no state is left allocated.
 */
static void podvs_build_test_fail(struct kunit *test)
{
	struct podvs_sched_state *old[PODVS_BT_SVCS];
	struct podvs_service *svc[PODVS_BT_SVCS];
	struct podvs_net *pn = test->priv;
	struct podvs_txn t;
	int live, ret;
	u32 i;

	podvs_bt_make(test, svc);
	for (i = 0; i < PODVS_BT_SVCS; i++)
		old[i] = podvs_test_state(svc[i]);
	rcu_barrier();
	live = atomic_read(&podvs_sched_test_hooks.live);
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &t, 2 * PODVS_BT_SVCS + 4));
	ret = podvs_bt_fail_batch(&t, svc);
	atomic_set(&podvs_sched_test_hooks.fail_in, *(const u32 *)test->param_value);
	if (ret)
		podvs_txn_abort(&t);
	else
		ret = podvs_txn_commit(&t);
	atomic_set(&podvs_sched_test_hooks.fail_in, 0);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	for (i = 0; i < PODVS_BT_SVCS; i++) {
		KUNIT_EXPECT_PTR_EQ(test, podvs_test_state(svc[i]), old[i]);
		KUNIT_EXPECT_EQ(test, svc[i]->num_dests, podvs_bt_ns[i]);
		KUNIT_EXPECT_NULL(test, svc[i]->txn_state);
	}
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->nsvc, PODVS_BT_SVCS);
	mutex_unlock(&pn->lock);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, atomic_read(&podvs_sched_test_hooks.live), live);
	podvs_bt_refill(test, svc, 2);	/* the states still serve */
}

static struct kunit_case podvs_build_cases[] = {
	KUNIT_CASE(podvs_build_test_parallel),
	KUNIT_CASE(podvs_build_test_once),
	KUNIT_CASE_PARAM(podvs_build_test_fail, podvs_bt_fail_gen_params),
	{}
};

static struct kunit_suite podvs_build_suite = {
	.name = "podvs_build",
	.suite_init = podvs_test_suite_init,
	.suite_exit = podvs_test_suite_exit,
	.init = podvs_test_init,
	.exit = podvs_test_exit,
	.test_cases = podvs_build_cases,
};

kunit_test_suite(podvs_build_suite);
