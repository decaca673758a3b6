// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: per-CPU counters, ZERO baselines, the EWMA rate estimator.
 */
#include "podvs_test.h"

static void podvs_stats_test_sum_zero(struct kunit *test)
{
	struct podvs_stats s;
	struct podvs_stats_snap v;
	int i;

	KUNIT_ASSERT_EQ(test, podvs_stats_init(&s), 0);
	for (i = 0; i < 10; i++) {
		podvs_stats_conn(&s);
		podvs_stats_in(&s, 100);
		podvs_stats_out(&s, 1500);
	}
	podvs_stats_read(&s, &v);
	KUNIT_EXPECT_EQ(test, v.conns, 10ULL);
	KUNIT_EXPECT_EQ(test, v.inpkts, 10ULL);
	KUNIT_EXPECT_EQ(test, v.inbytes, 1000ULL);
	KUNIT_EXPECT_EQ(test, v.outpkts, 10ULL);
	KUNIT_EXPECT_EQ(test, v.outbytes, 15000ULL);
	podvs_stats_zero(&s);
	podvs_stats_read(&s, &v);
	KUNIT_EXPECT_EQ(test, v.conns + v.inpkts + v.inbytes + v.outpkts +
			v.outbytes, 0ULL);
	podvs_stats_in(&s, 60);
	podvs_stats_read(&s, &v);
	KUNIT_EXPECT_EQ(test, v.inpkts, 1ULL);
	KUNIT_EXPECT_EQ(test, v.inbytes, 60ULL);
	podvs_stats_free(&s);
}

/* 1000 connections and 2000 packets of 100 bytes per 2 s tick: the rates
 * converge on 500/s, 1000 pps, 100000 Bps and nothing on the other side.
 */
static void podvs_stats_test_rates(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_stats_snap v;
	struct podvs_stats s;
	int tick, i;

	KUNIT_ASSERT_EQ(test, podvs_stats_init(&s), 0);
	podvs_est_add(&pn->est, &s);
	/* the test ticks by hand, the 2 s work must not */
	cancel_delayed_work_sync(&pn->est.work);
	for (tick = 0; tick < 30; tick++) {
		for (i = 0; i < 1000; i++)
			podvs_stats_conn(&s);
		for (i = 0; i < 2000; i++)
			podvs_stats_in(&s, 100);
		podvs_est_tick(&pn->est);
		if (!tick) {
			podvs_stats_read(&s, &v);
			/* a quarter of the way after one tick */
			KUNIT_EXPECT_EQ(test, v.cps, 125ULL);
		}
	}
	podvs_stats_read(&s, &v);
	KUNIT_EXPECT_GE(test, v.cps, 495ULL);
	KUNIT_EXPECT_LE(test, v.cps, 500ULL);
	KUNIT_EXPECT_GE(test, v.inpps, 990ULL);
	KUNIT_EXPECT_LE(test, v.inpps, 1000ULL);
	KUNIT_EXPECT_GE(test, v.inbps, 99000ULL);
	KUNIT_EXPECT_LE(test, v.inbps, 100000ULL);
	KUNIT_EXPECT_EQ(test, v.outpps + v.outbps, 0ULL);
	/* idle ticks decay the rates; ZERO clears them */
	podvs_est_tick(&pn->est);
	podvs_stats_read(&s, &v);
	KUNIT_EXPECT_LT(test, v.cps, 400ULL);
	podvs_stats_zero(&s);
	podvs_stats_read(&s, &v);
	KUNIT_EXPECT_EQ(test, v.cps + v.inpps + v.inbps, 0ULL);
	podvs_est_del(&pn->est, &s);
	podvs_stats_free(&s);
}

static void podvs_stats_test_drops(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	u64 d[PODVS_CNT_MAX];

	podvs_drop(pn, PODVS_DROP_A_NO_DEST);
	podvs_drop(pn, PODVS_DROP_A_NO_DEST);
	podvs_drop(pn, PODVS_DROP_A_MALFORMED);
	podvs_drops_read(pn, d);
	KUNIT_EXPECT_EQ(test, d[PODVS_DROP_A_NO_DEST], 2ULL);
	KUNIT_EXPECT_EQ(test, d[PODVS_DROP_A_MALFORMED], 1ULL);
	KUNIT_EXPECT_EQ(test, d[PODVS_DROP_A_NO_SERVICE], 0ULL);
	mutex_lock(&pn->lock);
	podvs_svc_zero(pn, NULL);
	mutex_unlock(&pn->lock);
	podvs_drops_read(pn, d);
	KUNIT_EXPECT_EQ(test, d[PODVS_DROP_A_NO_DEST], 0ULL);
	podvs_drop(pn, PODVS_DROP_A_NO_DEST);
	podvs_drops_read(pn, d);
	KUNIT_EXPECT_EQ(test, d[PODVS_DROP_A_NO_DEST], 1ULL);
}

static struct kunit_case podvs_stats_cases[] = {
	KUNIT_CASE(podvs_stats_test_sum_zero),
	KUNIT_CASE(podvs_stats_test_rates),
	KUNIT_CASE(podvs_stats_test_drops),
	{}
};

static struct kunit_suite podvs_stats_suite = {
	.name = "podvs_stats",
	.suite_init = podvs_test_suite_init,
	.suite_exit = podvs_test_suite_exit,
	.init = podvs_test_init,
	.exit = podvs_test_exit,
	.test_cases = podvs_stats_cases,
};

kunit_test_suite(podvs_stats_suite);
