// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd, issue 12 D18: every API write path honours Retry-After (429 from
 * API Priority and Fairness, 503).  Against a fake API connection whose
 * requests the test answers by hand:
 *  - the shared rule: the header wins over a shorter backoff, capped;
 *  - Events: none is posted before the header's time, the dropped ones
 *    are counted;
 *  - Lease renewals and reads: the next tick waits, at most a
 *    leaseDuration;
 *  - Service status (--vip-pool): the patch waits, the allocation stays.
 * The gate's PATCHes are in podvsd_gate_leader_test.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "podvsd/k8s/events.h"
#include "podvsd/k8s/lease.h"
#include "podvsd/sync/backend.h"
#include "podvsd/sync/vippool_pass.h"

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };
static struct pd_http_req *reqs[8];
static int sent;

static int fake_start(struct pd_http *h, struct pd_http_req *r)
{
	(void)h;
	assert_true(sent < 8);
	reqs[sent++] = r;
	return 0;
}

static void answer(int i, long status, long retry_after_s, const char *body)
{
	struct pd_http_req *r = reqs[i];

	reqs[i] = NULL;
	assert_non_null(r);
	r->active = false;
	r->retry_after_s = retry_after_s;
	r->on_done(r, 0, status, body, strlen(body), "");
}

static void test_rule(void **state)
{
	(void)state;
	assert_int_equal(pd_http_retry_ms(0, 500), 500);
	assert_int_equal(pd_http_retry_ms(3, 500), 3000);
	assert_int_equal(pd_http_retry_ms(3, 8000), 8000);
	assert_int_equal(pd_http_retry_ms(-1, 500), 500);
	assert_int_equal(pd_http_retry_ms(1L << 40, 0), PD_RETRY_AFTER_MAX_MS);
}

static void test_events(void **state)
{
	struct pd_http http = { .fake_start = fake_start };
	struct pd_events ev;
	uint64_t now;

	(void)state;
	sent = 0;
	pd_events_init(&ev, &http, &quiet, "node-a");
	pd_event_service(&ev, "ns", "s", "u", "Invalid", "bad");
	assert_int_equal(sent, 1);
	answer(0, 429, 4, "{\"message\": \"too many requests\"}");
	now = pd_now_ms();
	assert_int_equal(ev.failed, 1);
	assert_true(ev.quiet_until_ms >= now + 3900 &&
		    ev.quiet_until_ms <= now + 4000);
	/* within the wait: not posted, counted */
	pd_event_service(&ev, "ns", "s", "u", "Invalid", "bad");
	assert_int_equal(sent, 1);
	assert_int_equal(ev.throttled, 1);
	/* after it: posted again */
	ev.quiet_until_ms = pd_now_ms() - 1;
	pd_event_service(&ev, "ns", "s", "u", "Invalid", "bad");
	assert_int_equal(sent, 2);
	answer(1, 201, 0, "{}");
	assert_int_equal(ev.posted, 1);
}

static void test_lease(void **state)
{
	struct pd_http http = { .fake_start = fake_start };
	struct pd_elector e;
	uint64_t now;

	(void)state;
	sent = 0;
	pd_elector_init(&e, &http, &quiet, "kube-system", "podvsd-leader",
			"gw-a", NULL, NULL);
	now = pd_now_ms();
	pd_elector_tick(&e, now);
	assert_int_equal(sent, 1);
	/* the read answered 429 "wait 3 s": no request before */
	answer(0, 429, 3, "{}");
	assert_int_equal(e.stats.throttled, 1);
	pd_elector_tick(&e, now + 2000);
	assert_int_equal(sent, 1);
	pd_elector_tick(&e, pd_now_ms() + 3001);
	assert_int_equal(sent, 2);
	/* a huge header is capped at a leaseDuration */
	answer(1, 503, 3600, "{}");
	now = pd_now_ms();
	assert_true(e.hold_until_ms <= now + PD_LEASE_HOLD_MAX_MS);
	assert_true(e.hold_until_ms >= now + PD_LEASE_HOLD_MAX_MS - 100);
	pd_elector_tick(&e, now + PD_LEASE_HOLD_MAX_MS - 200);
	assert_int_equal(sent, 2);
	pd_elector_tick(&e, now + PD_LEASE_HOLD_MAX_MS + 1);
	assert_int_equal(sent, 3);
	/* a 404 with no header: create it at once (no hold) */
	answer(2, 404, 0, "{}");
	assert_int_equal(sent, 4);
	assert_string_equal(reqs[3]->method, "POST");
	answer(3, 500, 0, "{}");
	pd_elector_fini(&e);
}

static struct k8s_service *lb_service(void)
{
	const char *j = "{\"metadata\": {\"name\": \"a\", \"namespace\": "
		"\"b\", \"uid\": \"u\", \"resourceVersion\": \"1\"}, \"spec\": "
		"{\"type\": \"LoadBalancer\", \"loadBalancerClass\": "
		"\"podvs.io/direct\", \"ipFamilies\": [\"IPv4\"]}}";
	cJSON *o = cJSON_Parse(j);
	char err[256];
	struct k8s_service *s = k8s_service_parse(o, err, sizeof(err));

	cJSON_Delete(o);
	assert_non_null(s);
	return s;
}

static void test_vip_status(void **state)
{
	struct pd_http http = { .fake_start = fake_start };
	struct pd_memkernel mem;
	struct pd_backend be;
	struct pd_reconciler rec;
	struct pd_pool_pass p;
	struct pd_cidr pool;
	char err[128];

	(void)state;
	sent = 0;
	pd_memkernel_init(&mem, NULL);
	pd_memkernel_backend(&mem, &be);
	pd_rec_init(&rec, &quiet, &be, 0);
	assert_int_equal(pd_cidr_parse("192.0.2.0/30", &pool, err,
				       sizeof(err)), 0);
	pd_pool_pass_init(&p, &rec, &http, &quiet, &pool, 1);
	assert_int_equal(pd_rec_service_upsert(&rec, lb_service()), 0);
	pd_pool_pass(&p);
	assert_int_equal(sent, 1);
	answer(0, 429, 5, "{\"message\": \"slow down\"}");
	assert_int_equal(p.busy.n, 0);
	assert_true(p.hold_until_ms >= pd_now_ms() + 4900);
	/* passes within the wait keep the VIP and write nothing */
	pd_pool_pass(&p);
	pd_pool_pass(&p);
	assert_int_equal(sent, 1);
	assert_int_equal(rec.allocs.n, 1);
	/* after it: written */
	p.hold_until_ms = pd_now_ms() - 1;
	pd_pool_pass(&p);
	assert_int_equal(sent, 2);
	answer(1, 200, 0, "{}");
	assert_int_equal(p.busy.n, 1);
	pd_pool_pass_fini(&p);
	pd_rec_fini(&rec);
	pd_memkernel_fini(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_lease),
		cmocka_unit_test(test_vip_status),
	};

	return cmocka_run_group_tests_name("podvsd_retry_after", tests, NULL,
					   NULL);
}
