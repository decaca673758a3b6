// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd gateway report (gate/report.c) and the rule on which gateways
 * count (gate/leader.c), the pure parts: resourceVersions as numbers, a
 * watermark covers another stream by stream, the report round-trips and
 * its size does not grow with the Pods, the horizon holds the Pods left
 * out, and a gateway that may be in the data path counts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "podvsd/cluster.h"
#include "podvsd/gate/gate.h"

static void test_rv_parse(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(pd_gate_rv_parse("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(pd_gate_rv_parse("18446744073709551", &v), 0);
	assert_int_equal(v, 18446744073709551ULL);
	/* opaque ones are not guessed at: the view is unknown */
	assert_int_equal(pd_gate_rv_parse("", &v), -EINVAL);
	assert_int_equal(pd_gate_rv_parse("12a", &v), -EINVAL);
	assert_int_equal(pd_gate_rv_parse("-1", &v), -EINVAL);
	assert_int_equal(pd_gate_rv_parse("+1", &v), -EINVAL);
	assert_int_equal(pd_gate_rv_parse("99999999999999999999", &v),
			 -EINVAL);
	assert_int_equal(pd_gate_rv_parse(NULL, &v), -EINVAL);
}

static void test_covers(void **state)
{
	struct pd_gate_mark need = { { 10, 20, 30 }, true };
	struct pd_gate_mark have = { { 10, 20, 30 }, true };

	(void)state;
	assert_true(pd_gate_mark_covers(&have, &need));
	have.rv[PD_GS_PODS] = 29;	/* one stream behind: not covered */
	assert_false(pd_gate_mark_covers(&have, &need));
	have.rv[PD_GS_PODS] = 31;
	have.rv[PD_GS_SERVICES] = 9;
	assert_false(pd_gate_mark_covers(&have, &need));
	have.rv[PD_GS_SERVICES] = 99;
	assert_true(pd_gate_mark_covers(&have, &need));
	have.valid = false;		/* unknown covers nothing */
	assert_false(pd_gate_mark_covers(&have, &need));
	have.valid = true;
	need.valid = false;		/* nor is anything covered */
	assert_false(pd_gate_mark_covers(&have, &need));
}

static void parse_ok(const char *s, struct pd_gw_report *r)
{
	char err[128];

	pd_hmap_init(&r->unsettled);
	if (pd_gate_report_parse(s, r, err, sizeof(err)))
		fail_msg("%s: %s", s, err);
}

static void test_round_trip(void **state)
{
	const struct pd_gate_mark m = { { 5, 6, 7 }, true };
	const char *uids[] = { "u1", "u2" };
	struct pd_gw_report r;
	char *s = pd_gate_report_fmt(&m, false, 60, uids, 2, 42);

	(void)state;
	assert_non_null(s);
	assert_string_equal(s, "{\"v\":1,\"rv\":{\"services\":\"5\","
			    "\"endpointslices\":\"6\",\"pods\":\"7\"},"
			    "\"serving\":false,\"hold\":60,\"unsettled\":"
			    "[\"u1\",\"u2\"],\"horizon\":\"42\"}");
	parse_ok(s, &r);
	assert_true(r.mark.valid);
	assert_int_equal(r.mark.rv[PD_GS_SLICES], 6);
	assert_false(r.serving);
	assert_int_equal(r.hold_s, 60);
	assert_int_equal(r.horizon, 42);
	assert_int_equal(r.unsettled.n, 2);
	assert_non_null(pd_hmap_sget(&r.unsettled, "u2"));
	pd_hmap_fini(&r.unsettled);
	free(s);
}

/* Bad reports say nothing (no mark: cover nothing), with a reason. */
static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{\"v\":2,\"serving\":true,\"hold\":1,"
		"\"unsettled\":[]}",
		"{\"v\":1,\"hold\":1,\"unsettled\":[]}",
		"{\"v\":1,\"serving\":true,\"hold\":1,\"unsettled\":[1]}",
		"{\"v\":1,\"serving\":true,\"hold\":1,\"unsettled\":[],"
		"\"rv\":{\"services\":\"1\",\"pods\":\"2\"}}",
		"{\"v\":1,\"serving\":true,\"hold\":1,\"unsettled\":[],"
		"\"rv\":{\"services\":\"1\",\"endpointslices\":\"x\","
		"\"pods\":\"2\"}}",
		"{\"v\":1,\"serving\":true,\"hold\":1,\"unsettled\":[],"
		"\"horizon\":5}",
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct pd_gw_report r;

		pd_hmap_init(&r.unsettled);
		err[0] = '\0';
		assert_int_equal(pd_gate_report_parse(bad[i], &r, err,
						      sizeof(err)), -EINVAL);
		assert_false(r.mark.valid);
		assert_int_equal(r.unsettled.n, 0);
		assert_true(err[0] != '\0');
		pd_hmap_fini(&r.unsettled);
	}
}

/* D9: the report does not grow with the Pods: 128 UIDs at most. */
static void test_size_bounded(void **state)
{
	const struct pd_gate_mark m = {
		{ UINT64_MAX / 10, UINT64_MAX / 10, UINT64_MAX / 10 }, true };
	static char uid[PD_GATE_UNSETTLED_MAX][40];
	const char *uids[PD_GATE_UNSETTLED_MAX + 1];
	char *s;

	(void)state;
	for (int i = 0; i < PD_GATE_UNSETTLED_MAX; i++) {
		snprintf(uid[i], sizeof(uid[i]),
			 "0b1f6a62-3c3e-4d7a-9f%014d", i);
		uids[i] = uid[i];
	}
	s = pd_gate_report_fmt(&m, true, 3600, uids, PD_GATE_UNSETTLED_MAX,
			       UINT64_MAX / 10);
	assert_non_null(s);
	/* whatever the number of Pods: a few KiB, far from 256 KiB */
	assert_true(strlen(s) < 6 * 1024);
	free(s);
	/* a report listing more than the bound is not ours */
	uids[PD_GATE_UNSETTLED_MAX] = "extra";
	s = pd_gate_report_fmt(&m, true, 60, uids, PD_GATE_UNSETTLED_MAX + 1,
			       0);
	{
		struct pd_gw_report r;
		char err[128];

		pd_hmap_init(&r.unsettled);
		assert_int_equal(pd_gate_report_parse(s, &r, err,
						      sizeof(err)), -EINVAL);
		pd_hmap_fini(&r.unsettled);
	}
	free(s);
}

/* The leader's test of one gateway's report for one Pod. */
static void test_agrees(void **state)
{
	const struct pd_gate_mark need = { { 5, 6, 7 }, true };
	struct pd_gw_report r;

	(void)state;
	parse_ok("{\"v\":1,\"rv\":{\"services\":\"5\",\"endpointslices\":"
		 "\"6\",\"pods\":\"7\"},\"serving\":true,\"hold\":60,"
		 "\"unsettled\":[\"ub\"]}", &r);
	assert_true(pd_gw_report_agrees(&r, "ua", 7, &need));
	assert_false(pd_gw_report_agrees(&r, "ub", 7, &need)); /* listed */
	r.mark.rv[PD_GS_SLICES] = 5;	/* has not seen the slice yet */
	assert_false(pd_gw_report_agrees(&r, "ua", 7, &need));
	r.mark.rv[PD_GS_SLICES] = 6;
	/* candidates from Pod version 40 on were left out: held */
	r.horizon = 40;
	assert_true(pd_gw_report_agrees(&r, "ua", 39, &need));
	assert_false(pd_gw_report_agrees(&r, "ua", 40, &need));
	assert_false(pd_gw_report_agrees(&r, "ua", 0, &need));
	pd_hmap_fini(&r.unsettled);
	/* no watermark (a list in progress there): nothing agrees */
	parse_ok("{\"v\":1,\"serving\":true,\"hold\":60,\"unsettled\":[]}",
		 &r);
	assert_false(pd_gw_report_agrees(&r, "ua", 7, &need));
	pd_hmap_fini(&r.unsettled);
}

/* D7: a gateway counts while it may be in the data path. */
static void test_counted(void **state)
{
	struct pd_gw_seen s = {
		.live = true, .has_report = true, .serving = true,
		.hold_s = 60, .seen_ms = 1000,
	};

	(void)state;
	assert_true(pd_gw_counted(&s, 2000));
	/* stopped announcing: counts while routers may still send */
	s.serving = false;
	s.quiet_since_ms = 2000;
	assert_true(pd_gw_counted(&s, 2000 + PD_GW_SETTLE_MS - 1));
	assert_false(pd_gw_counted(&s, 2000 + PD_GW_SETTLE_MS));
	/* live but no report yet (restarting): counts */
	s.has_report = false;
	assert_true(pd_gw_counted(&s, 1000000));
	/* Lease lapsed or released: forwards from frozen tables until its
	 * announcement grace ran out, then out of the path */
	s.live = false;
	s.has_report = true;
	assert_true(pd_gw_counted(&s, 1000 + 60000 + PD_GW_SETTLE_MS - 1));
	assert_false(pd_gw_counted(&s, 1000 + 60000 + PD_GW_SETTLE_MS));
	/* a longer grace reported: counts longer */
	s.hold_s = 600;
	assert_true(pd_gw_counted(&s, 1000 + 60000 + PD_GW_SETTLE_MS));
	/* no hold known: the default grace */
	s.hold_s = 0;
	assert_true(pd_gw_counted(&s, 1000 + 60000 + PD_GW_SETTLE_MS - 1));
	assert_false(pd_gw_counted(&s, 1000 + 60000 + PD_GW_SETTLE_MS));
}

/* The caches' view is known only between lists (cluster.c). */
static void test_view_rv(void **state)
{
	struct pd_cluster *c = calloc(1, sizeof(*c));
	struct pd_informer *inf[] = { &c->services, &c->slices, &c->pods };
	uint64_t rv[3];

	(void)state;
	assert_non_null(c);
	for (int i = 0; i < 3; i++) {
		inf[i]->synced = true;
		inf[i]->state = PD_INF_WATCHING;
		snprintf(inf[i]->rv, sizeof(inf[i]->rv), "%d", 100 + i);
	}
	assert_int_equal(pd_cluster_view_rv(c, rv), 0);
	assert_int_equal(rv[0], 100);
	assert_int_equal(rv[2], 102);
	/* a relist in progress: its pages are in, its version is not */
	c->slices.state = PD_INF_LISTING;
	assert_int_equal(pd_cluster_view_rv(c, rv), -EAGAIN);
	/* a stream cut by a malformed line may have lost events */
	c->slices.state = PD_INF_BACKOFF;
	c->slices.relist = true;
	assert_int_equal(pd_cluster_view_rv(c, rv), -EAGAIN);
	/* waiting to re-watch from a good version: known */
	c->slices.relist = false;
	assert_int_equal(pd_cluster_view_rv(c, rv), 0);
	/* an opaque version is not compared */
	snprintf(c->pods.rv, sizeof(c->pods.rv), "abc");
	assert_int_equal(pd_cluster_view_rv(c, rv), -EINVAL);
	c->pods.synced = false;
	assert_int_equal(pd_cluster_view_rv(c, rv), -EAGAIN);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rv_parse),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_size_bounded),
		cmocka_unit_test(test_agrees),
		cmocka_unit_test(test_counted),
		cmocka_unit_test(test_view_rv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
