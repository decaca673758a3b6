// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd readiness gate: the condition patch (lastTransitionTime moves only
 * with status), when no patch is needed, the Pod predicates, and the
 * desired-state rules the gate relies on: a gated Pod with ready containers
 * is programmed before Kubernetes calls it ready (else nothing could ever
 * turn Ready), a deleting Pod is drained at once, an unhealthy dest is
 * drained with its weight kept, and health never drains every ready dest.
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

#include "podvsd_json.h"

#include "podvsd/gate/gate.h"

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };

static struct k8s_pod *pod(const char *gates, const char *conds)
{
	char buf[2048], err[256];
	struct k8s_pod *p;
	cJSON *j;

	snprintf(buf, sizeof(buf), "{'metadata': {'name': 'p1', 'namespace': "
		 "'shop', 'uid': 'u1', 'resourceVersion': '5'}, 'spec': "
		 "{'readinessGates': [%s]}, 'status': {'conditions': [%s]}}",
		 gates, conds);
	j = json(buf);
	p = k8s_pod_parse(j, err, sizeof(err));
	cJSON_Delete(j);
	if (!p)
		fail_msg("pod: %s", err);
	return p;
}

#define GATE	"{'conditionType': 'podvs.io/backend-ready'}"
#define OTHER	"{'conditionType': 'example.com/other'}"
#define CR	"{'type': 'ContainersReady', 'status': 'True'}"
#define COND(st, why, t) "{'type': 'podvs.io/backend-ready', 'status': '" st \
	"', 'reason': '" why "', 'lastTransitionTime': '" t "'}"

static void test_predicates(void **state)
{
	struct k8s_pod *p = pod(OTHER ", " GATE, CR);

	(void)state;
	assert_true(pd_pod_gated(p));
	assert_true(pd_pod_containers_ready(p));
	k8s_pod_free(p);
	p = pod(OTHER, "{'type': 'ContainersReady', 'status': 'False'}");
	assert_false(pd_pod_gated(p));
	assert_false(pd_pod_containers_ready(p));
	k8s_pod_free(p);
}

static void test_patch_new(void **state)
{
	struct k8s_pod *p = pod(GATE, CR);
	char *s = pd_gate_cond_patch(p, true, "Programmed", "m",
				     "2026-01-01T00:00:00Z");

	(void)state;
	assert_string_equal(s, "{\"status\":{\"conditions\":[{\"type\":"
			    "\"podvs.io/backend-ready\",\"status\":\"True\","
			    "\"reason\":\"Programmed\",\"message\":\"m\","
			    "\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"}]},"
			    /* D17: never patches a re-created Pod */
			    "\"metadata\":{\"uid\":\"u1\"}}");
	free(s);
	k8s_pod_free(p);
}

/* same status, other reason: the transition time stays the Pod's */
static void test_patch_keeps_time(void **state)
{
	struct k8s_pod *p = pod(GATE, CR ", " COND("False", "NotProgrammed",
						   "2025-05-05T05:05:05Z"));
	char *s;

	(void)state;
	s = pd_gate_cond_patch(p, false, "HealthCheckFailed", "x",
			       "2026-01-01T00:00:00Z");
	assert_non_null(strstr(s, "\"lastTransitionTime\":"
			       "\"2025-05-05T05:05:05Z\""));
	free(s);
	s = pd_gate_cond_patch(p, true, "Programmed", "x",
			       "2026-01-01T00:00:00Z");
	assert_non_null(strstr(s, "\"lastTransitionTime\":"
			       "\"2026-01-01T00:00:00Z\""));
	free(s);
	k8s_pod_free(p);
}

static void test_current(void **state)
{
	struct k8s_pod *p = pod(GATE, COND("True", "Programmed", "t"));
	char buf[32];

	(void)state;
	assert_true(pd_gate_current(p, true, "Programmed"));
	assert_false(pd_gate_current(p, false, "Programmed"));
	assert_false(pd_gate_current(p, true, "Other"));
	k8s_pod_free(p);
	p = pod(GATE, CR);
	assert_false(pd_gate_current(p, false, "NotProgrammed"));
	k8s_pod_free(p);
	assert_string_equal(pd_gate_reason_word("HealthCheckFailed: connect: "
						"refused", buf, sizeof(buf)),
			    "HealthCheckFailed");
	assert_string_equal(pd_gate_reason_word("Programmed", buf,
						sizeof(buf)), "Programmed");
}

/* ---- desired state with a view ---------------------------------------- */

/* Pods by endpoint name (target): g = gated+containers ready, d = deleting,
 * s = sick (health fails), in the target name's letters after 'p'. */
static bool has(const struct k8s_endpoint *e, char c)
{
	return e->target_name && strchr(e->target_name + 1, c);
}

static bool v_gated(void *ctx, const char *svc, const struct k8s_endpoint *e)
{
	(void)ctx;
	(void)svc;
	return has(e, 'g');
}

static bool v_deleting(void *ctx, const char *svc,
		       const struct k8s_endpoint *e)
{
	(void)ctx;
	(void)svc;
	return has(e, 'd');
}

static bool v_unhealthy(void *ctx, const char *svc,
			const struct k8s_service *s, const struct pd_addr *a,
			uint8_t proto, uint16_t port, bool ready)
{
	const char *sick = ctx;

	(void)svc;
	(void)s;
	(void)proto;
	(void)port;
	(void)ready;
	return strchr(sick, '0' + a->b[3]) != NULL;
}

static const char *plan_str(const char *eps, const char *sick, char *out)
{
	struct pd_desired_view v = {
		.gated = v_gated, .deleting = v_deleting,
		.unhealthy = v_unhealthy, .ctx = (void *)sick,
	};
	char buf[4096], err[256];
	struct k8s_service *s;
	struct k8s_slice *sl;
	struct pd_plan plan = { 0 };
	cJSON *j;

	j = json("{'metadata': {'name': 'web', 'namespace': 'shop', 'uid': "
		 "'u', 'resourceVersion': '1'}, 'spec': {'type': "
		 "'LoadBalancer', 'loadBalancerClass': 'podvs.io/direct', "
		 "'ports': [{'port': 80, 'targetPort': 8080}]}, 'status': "
		 "{'loadBalancer': {'ingress': [{'ip': '192.0.2.1'}]}}}");
	s = k8s_service_parse(j, err, sizeof(err));
	cJSON_Delete(j);
	snprintf(buf, sizeof(buf), "{'metadata': {'name': 'web-1', "
		 "'namespace': 'shop', 'uid': 'x', 'resourceVersion': '1', "
		 "'labels': {'kubernetes.io/service-name': 'web'}}, "
		 "'addressType': 'IPv4', 'endpoints': [%s]}", eps);
	j = json(buf);
	sl = k8s_slice_parse(j, err, sizeof(err));
	cJSON_Delete(j);
	assert_non_null(s);
	assert_non_null(sl);
	{
		const struct k8s_slice *sls[] = { sl };
		struct pd_desired_in in = {
			.svc = s, .slices = sls, .n_slices = 1, .log = &quiet,
			.view = &v, .key = "shop/web",
		};

		assert_int_equal(pd_desired_service(&in, &plan, err,
						    sizeof(err)), 0);
	}
	out[0] = '\0';
	for (size_t i = 0; plan.n && i < plan.vs[0]->n_dests; i++) {
		const struct pd_dest *d = &plan.vs[0]->dests[i];

		sprintf(out + strlen(out), "%s%u%s", i ? " " : "", d->addr[3],
			d->flags & PODVS_DEST_F_DRAIN ? "d" : "");
	}
	pd_plan_fini(&plan);
	k8s_slice_free(sl);
	k8s_service_free(s);
	return out;
}

/* endpoint N (address 203.0.113.N) named pN<flags>, ready or not */
#define EP(n, flags, ready) "{'addresses': ['203.0.113." #n "'], " \
	"'conditions': {'ready': " ready ", 'serving': " ready "}, " \
	"'targetRef': {'kind': 'Pod', 'name': 'p" #n flags "'}}"

static void test_desired_rules(void **state)
{
	char out[256];

	(void)state;
	/* not ready: only the gated one (containers ready) is programmed;
	 * pending health keeps it drained */
	assert_string_equal(plan_str(EP(1, "", "true") ", "
				     EP(2, "g", "false") ", "
				     EP(3, "", "false"), "", out), "1 2");
	assert_string_equal(plan_str(EP(1, "", "true") ", "
				     EP(2, "g", "false"), "2", out), "1 2d");
	/* deleting but still ready in the slice: drained now */
	assert_string_equal(plan_str(EP(1, "", "true") ", "
				     EP(2, "d", "true"), "", out), "1 2d");
	/* a gated Pod that is terminating is not programmed ahead */
	assert_string_equal(plan_str(EP(1, "", "true") ", "
				     "{'addresses': ['203.0.113.2'], "
				     "'conditions': {'ready': false, 'serving':"
				     " false, 'terminating': true}, "
				     "'targetRef': {'kind': 'Pod', 'name': "
				     "'p2g'}}", "", out), "1");
	/* unhealthy ready dest: drained, weight kept */
	assert_string_equal(plan_str(EP(1, "", "true") ", "
				     EP(2, "", "true"), "1", out), "1d 2");
	/* every ready dest unhealthy: fail open, none drained; a pending
	 * gated one stays drained */
	assert_string_equal(plan_str(EP(1, "", "true") ", "
				     EP(2, "", "true") ", "
				     EP(3, "g", "false"), "123", out),
			    "1 2 3d");
}

/* ---- the rule (verdict.c) ------------------------------------------- */

#define T0	"2026-12-03T07:00:00Z"
#define T0_S	1796281200LL
#define CR_AT(t) "{'type': 'ContainersReady', 'status': 'True', " \
	"'lastTransitionTime': '" t "'}"

static void verdict(const struct k8s_pod *p, bool in_svc, bool ok, bool own,
		    const char *why, int64_t now, struct pd_gate_decision *d)
{
	const struct pd_gate_facts f = {
		.in_service = in_svc, .ok = ok, .own = own, .why = why,
		.now_s = now, .timeout_s = PD_GATE_TIMEOUT_S,
	};

	pd_gate_verdict(p, &f, d);
}

/*
 * D1: a restart (every check UNKNOWN: pending, not the Pod's own), a
 * leader change or a lagging gateway never turn True False; a check
 * observed failing or the Pod leaving the dest set does.
 */
static void test_verdict_restart(void **state)
{
	struct k8s_pod *p = pod(GATE, CR_AT(T0) ", " COND("True", "Programmed",
							  T0));
	struct pd_gate_decision d;

	(void)state;
	verdict(p, true, false, false, "HealthCheckPending: 0 of 2 checks "
		"passed", T0_S + 5, &d);
	assert_true(d.status);
	assert_true(d.keep);
	verdict(p, true, false, false, "NotProgrammed: not yet on gateway "
		"podvsd-gw-b", T0_S + 5, &d);
	assert_true(d.status);
	verdict(p, true, false, true, "HealthCheckFailed: connect: refused",
		T0_S + 5, &d);
	assert_false(d.status);
	assert_false(d.keep);
	assert_string_equal(d.reason, "HealthCheckFailed");
	k8s_pod_free(p);
}

/* D2: a Pod in no podvs Service gets True with its own reason. */
static void test_verdict_not_lb(void **state)
{
	struct k8s_pod *p = pod(GATE, CR_AT(T0) ", " COND("False",
							  "NotProgrammed", T0));
	struct pd_gate_decision d;

	(void)state;
	verdict(p, false, false, false, "NotProgrammed: no endpoint in a "
		"podvs Service", T0_S + 1, &d);
	assert_true(d.status);
	assert_string_equal(d.reason, "NotLoadBalanced");
	/* in one, not programmed: False */
	verdict(p, true, false, false, "NotProgrammed: x", T0_S + 1, &d);
	assert_false(d.status);
	assert_string_equal(d.reason, "NotProgrammed");
	k8s_pod_free(p);
}

/*
 * The fail-safe: held by our gate alone PD_GATE_TIMEOUT_S (containers
 * ready, other gates True) lets it through, counted (timed_out); before,
 * False with a wake-up at the deadline; never while another readiness
 * gate holds it or its containers are not ready.
 */
static void test_verdict_timeout(void **state)
{
	struct k8s_pod *p = pod(GATE, CR_AT(T0) ", " COND("False",
							  "NotProgrammed", T0));
	struct k8s_pod *o = pod(GATE ", " OTHER, CR_AT(T0) ", " COND("False",
				"NotProgrammed", T0));
	struct pd_gate_decision d;

	(void)state;
	verdict(p, true, false, false, "NotProgrammed: x",
		T0_S + PD_GATE_TIMEOUT_S - 1, &d);
	assert_false(d.status);
	assert_int_equal(d.wake_s, T0_S + PD_GATE_TIMEOUT_S);
	verdict(p, true, false, false, "NotProgrammed: x",
		T0_S + PD_GATE_TIMEOUT_S, &d);
	assert_true(d.status);
	assert_true(d.timed_out);
	assert_string_equal(d.reason, PD_GATE_R_TIMEOUT);
	verdict(o, true, false, false, "NotProgrammed: x",
		T0_S + 10 * PD_GATE_TIMEOUT_S, &d);
	assert_false(d.status);
	assert_false(d.timed_out);
	k8s_pod_free(p);
	k8s_pod_free(o);
	/* let through, it stays through until it passes */
	p = pod(GATE, CR_AT(T0) ", " COND("True", PD_GATE_R_TIMEOUT, T0));
	verdict(p, true, false, true, "HealthCheckFailed: x", T0_S + 1, &d);
	assert_true(d.status);
	k8s_pod_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_predicates),
		cmocka_unit_test(test_patch_new),
		cmocka_unit_test(test_patch_keeps_time),
		cmocka_unit_test(test_current),
		cmocka_unit_test(test_desired_rules),
		cmocka_unit_test(test_verdict_restart),
		cmocka_unit_test(test_verdict_not_lb),
		cmocka_unit_test(test_verdict_timeout),
	};

	return cmocka_run_group_tests_name("podvsd_gate", tests, NULL, NULL);
}
