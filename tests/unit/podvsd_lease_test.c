// SPDX-License-Identifier: GPL-2.0
/* podvsd leader election: observing Leases, the decision table, the
 * bodies written, the renew deadline. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "podvsd/k8s/lease.h"

static void observe(struct pd_lease_obs *o, const char *json, uint64_t now)
{
	cJSON *obj = json ? cJSON_Parse(json) : NULL;
	char err[128];

	if (json)
		assert_non_null(obj);
	assert_int_equal(pd_lease_observe(o, obj, now, err, sizeof(err)), 0);
	cJSON_Delete(obj);
}

#define LEASE(holder, renew) \
	"{\"metadata\":{\"name\":\"podvsd-leader\",\"resourceVersion\":" \
	"\"7\"},\"spec\":{\"holderIdentity\":\"" holder "\"," \
	"\"leaseDurationSeconds\":15,\"renewTime\":\"" renew "\"," \
	"\"leaseTransitions\":3}}"

static void test_decide(void **state)
{
	struct pd_lease_obs o = { 0 };

	(void)state;
	observe(&o, NULL, 1000);
	assert_int_equal(pd_lease_decide(&o, "gw-a", 1000), PD_LEASE_CREATE);
	observe(&o, LEASE("gw-b", "t1"), 1000);
	assert_int_equal(pd_lease_decide(&o, "gw-a", 1000), PD_LEASE_WAIT);
	assert_int_equal(pd_lease_decide(&o, "gw-b", 1000), PD_LEASE_RENEW);
	/* unchanged for 14.999 s: still live; at 15 s: expired */
	observe(&o, LEASE("gw-b", "t1"), 15999);
	assert_int_equal(pd_lease_decide(&o, "gw-a", 15999), PD_LEASE_WAIT);
	assert_int_equal(pd_lease_decide(&o, "gw-a", 16000), PD_LEASE_TAKE);
	/* a renewal seen restarts our clock, whatever renewTime says */
	observe(&o, LEASE("gw-b", "t0"), 16000);
	assert_int_equal(pd_lease_decide(&o, "gw-a", 30000), PD_LEASE_WAIT);
	assert_int_equal(pd_lease_decide(&o, "gw-a", 31000), PD_LEASE_TAKE);
	/* released: free at once */
	observe(&o, LEASE("", "t2"), 32000);
	assert_int_equal(pd_lease_decide(&o, "gw-a", 32000), PD_LEASE_TAKE);
}

static void test_observe_bad(void **state)
{
	struct pd_lease_obs o = { 0 };
	cJSON *obj = cJSON_Parse("{\"metadata\":{\"resourceVersion\":7},"
				 "\"spec\":{}}");
	char err[128];

	(void)state;
	assert_int_equal(pd_lease_observe(&o, obj, 1, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "Lease resourceVersion: expected a string "
			    "shorter than 64");
	assert_false(o.exists);	/* nothing half-recorded */
	cJSON_Delete(obj);
}

static const char *field(cJSON *l, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(l, a), b);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(cJSON *l, const char *b)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(l, "spec"),
				   b)->valuedouble;
}

static void test_body(void **state)
{
	struct pd_lease_obs o = { 0 };
	char *s;
	cJSON *l;

	(void)state;
	observe(&o, LEASE("gw-b", "t1"), 1000);
	/* take over: transitions + 1, our rv, acquireTime = renewTime */
	s = pd_lease_body(&o, "kube-system", "podvsd-leader", "gw-a", NULL,
			  1700000000123456LL);
	l = cJSON_Parse(s);
	assert_string_equal(field(l, "metadata", "resourceVersion"), "7");
	assert_string_equal(field(l, "spec", "holderIdentity"), "gw-a");
	assert_string_equal(field(l, "spec", "renewTime"),
			    "2023-11-14T22:13:20.123456Z");
	assert_string_equal(field(l, "spec", "acquireTime"),
			    field(l, "spec", "renewTime"));
	assert_int_equal((int)num(l, "leaseTransitions"), 4);
	assert_int_equal((int)num(l, "leaseDurationSeconds"), 15);
	cJSON_Delete(l);
	free(s);
	/* release: empty holder, no transition counted, duration 1 s */
	observe(&o, LEASE("gw-a", "t2"), 2000);
	s = pd_lease_body(&o, "kube-system", "podvsd-leader", "", NULL,
			  1700000001000000LL);
	l = cJSON_Parse(s);
	assert_string_equal(field(l, "spec", "holderIdentity"), "");
	assert_int_equal((int)num(l, "leaseTransitions"), 3);
	assert_int_equal((int)num(l, "leaseDurationSeconds"), 1);
	cJSON_Delete(l);
	free(s);
}

static void test_deadline(void **state)
{
	(void)state;
	assert_false(pd_lease_deadline_passed(1000, 10999));
	assert_true(pd_lease_deadline_passed(1000, 11000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_observe_bad),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_deadline),
	};

	return cmocka_run_group_tests_name("podvsd_lease", tests, NULL, NULL);
}
