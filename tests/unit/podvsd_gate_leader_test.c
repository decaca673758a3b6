// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd readiness gate, the leader across gateways.  Against the
 * in-memory kernel with the gate, reconciler and (probe-less) health wired
 * as in daemon.c, this podvsd the leader and the other gateways' Leases
 * handed in as a list would be:
 *  - D8: a new leader decides nothing before a Lease list sent after its
 *    election is in, nor once its last good list is a leaseDuration old
 *    (a failing list holds, it never fails open);
 *  - D9: a Pod turns True only when every other gateway's watermark
 *    covers the view at which the Pod became usable here, and the
 *    gateway does not list it as unsettled; our own report is a
 *    watermark whatever the number of Pods;
 *  - D7: a gateway whose Lease was released (restarting, fail-static)
 *    still counts; a gateway lagging never turns a True gate False;
 *  - D18: a PATCH answered 429 with Retry-After waits at least that long,
 *    and holds the PATCHes of other Pods too;
 *  - D10: Pods of a podvs Service in an enabled namespace without the
 *    gate are counted (podvsd_ungated_pods).
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

#include "podvsd/gate/gate_int.h"
#include "podvsd/k8s/informer.h"
#include "podvsd/sync/backend.h"

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };

struct env {
	struct pd_log log;
	struct pd_memkernel mem;
	struct pd_backend be;
	struct pd_reconciler rec;
	struct pd_health health;
	struct pd_gate gate;
	struct pd_elector gw;		/* fake: only carries our report */
	bool leader;
};

static void on_recompute(void *ctx, const char *key)
{
	struct env *d = ctx;

	pd_gate_recompute(&d->gate, key);
}

static uint64_t on_grace(void *ctx, const struct pd_vs *have,
			 const struct pd_dest *dst)
{
	struct env *d = ctx;

	return pd_gate_grace_ms(&d->gate, have, dst);
}

static bool is_leader(void *ctx)
{
	struct env *d = ctx;

	return d->leader;
}

static struct env *env_new(void)
{
	struct env *d = calloc(1, sizeof(*d));
	struct pd_gate_hooks hooks = { .leader = is_leader };

	assert_non_null(d);
	hooks.ctx = d;
	d->log = quiet;
	d->leader = true;
	snprintf(d->gw.name, sizeof(d->gw.name), "podvsd-gw-a");
	pd_memkernel_init(&d->mem, NULL);
	pd_memkernel_backend(&d->mem, &d->be);
	pd_rec_init(&d->rec, &d->log, &d->be, 0);
	d->rec.hooks.recompute = on_recompute;
	d->rec.hooks.grace_ms = on_grace;
	d->rec.hooks.ctx = d;
	pd_gate_init(&d->gate, &d->log, &d->rec, &d->health, &hooks);
	assert_int_equal(pd_health_init(&d->health, NULL, &d->log, NULL, NULL),
			 0);
	pd_gate_connect(&d->gate, NULL, &d->gw);
	d->gate.synced = true;
	d->gate.hold_s = 60;
	return d;
}

static void env_free(struct env *d)
{
	pd_gate_fini(&d->gate);
	pd_health_fini(&d->health);
	pd_rec_fini(&d->rec);
	pd_memkernel_fini(&d->mem);
	cJSON_Delete(d->gw.ann);
	free(d);
}

/* Service ns/s1 on 192.0.2.1:80, no health checks; its slice at @rv with
 * gated Pods pa (203.0.113.1) and, if @b, pb (.2), not ready. */
static void service(struct env *d, const char *rv, bool b)
{
	char buf[2048], err[256];
	struct k8s_service *s;
	struct k8s_slice *sl;
	cJSON *j = json("{'metadata': {'name': 's1', 'namespace': 'ns', "
		"'uid': 'su1', 'resourceVersion': '1', 'annotations': "
		"{'podvs.io/health-check': 'none'}}, 'spec': {'type': "
		"'LoadBalancer', 'loadBalancerClass': 'podvs.io/direct', "
		"'ports': [{'name': 'http', 'port': 80, 'targetPort': 8080}]},"
		" 'status': {'loadBalancer': {'ingress': [{'ip': "
		"'192.0.2.1'}]}}}");

	s = k8s_service_parse(j, err, sizeof(err));
	cJSON_Delete(j);
	assert_non_null(s);
	assert_int_equal(pd_rec_service_upsert(&d->rec, s), 0);
	snprintf(buf, sizeof(buf), "{'metadata': {'name': 's1-1', "
		 "'namespace': 'ns', 'uid': 'x', 'resourceVersion': '%s', "
		 "'labels': {'kubernetes.io/service-name': 's1'}}, "
		 "'addressType': 'IPv4', 'ports': [{'name': 'http', 'port': "
		 "8080}], 'endpoints': [{'addresses': ['203.0.113.1'], "
		 "'conditions': {'ready': false}, 'targetRef': {'kind': 'Pod',"
		 " 'namespace': 'ns', 'name': 'pa'}}%s]}", rv,
		 b ? ", {'addresses': ['203.0.113.2'], 'conditions': "
		 "{'ready': false}, 'targetRef': {'kind': 'Pod', 'namespace':"
		 " 'ns', 'name': 'pb'}}" : "");
	j = json(buf);
	sl = k8s_slice_parse(j, err, sizeof(err));
	cJSON_Delete(j);
	assert_non_null(sl);
	assert_int_equal(pd_rec_slice_upsert(&d->rec, sl), 0);
}

/* Gated Pod ns/p@name (uid u@name) at @rv, containers ready; @cond: its
 * gate condition ("True", "False" or NULL). */
static void pod(struct env *d, char name, int ip, const char *rv,
		const char *cond)
{
	char buf[1024], c[200] = "";
	cJSON *j;

	if (cond)
		snprintf(c, sizeof(c), ", {'type': 'podvs.io/backend-ready', "
			 "'status': '%s', 'reason': 'Programmed'}", cond);
	snprintf(buf, sizeof(buf),
		 "{'metadata': {'name': 'p%c', 'namespace': 'ns', 'uid': "
		 "'u%c', 'resourceVersion': '%s'}, 'spec': "
		 "{'readinessGates': [{'conditionType': "
		 "'podvs.io/backend-ready'}]}, 'status': {'podIPs': [{'ip': "
		 "'203.0.113.%d'}], 'conditions': [{'type': "
		 "'ContainersReady', 'status': 'True'}%s]}}", name, name, rv,
		 ip, c);
	j = json(buf);
	pd_gate_pod_ops.upsert(&d->gate, j);
	cJSON_Delete(j);
}

/* Our view is (services, slices, pods) and all of it is applied. */
static void view(struct env *d, uint64_t s, uint64_t e, uint64_t p)
{
	const struct pd_gate_mark m = { { s, e, p }, true };

	pd_gate_viewed(&d->gate, &m, true);
}

static void step(struct env *d)
{
	assert_int_equal(pd_rec_sync(&d->rec, 1000), 0);
	pd_gate_eval(&d->gate);
	pd_gate_publish(&d->gate);
}

/* Gateway b's Lease with @report (NULL: none) held by @holder. */
static cJSON *lease_b(const char *holder, const char *renew,
		      const char *report)
{
	cJSON *l = json("{'metadata': {'name': 'podvsd-gw-b', "
			"'resourceVersion': '3', 'annotations': {}}, 'spec': "
			"{'leaseDurationSeconds': 15}}");
	cJSON *md = cJSON_GetObjectItem(l, "metadata");
	cJSON *spec = cJSON_GetObjectItem(l, "spec");

	cJSON_AddStringToObject(spec, "holderIdentity", holder);
	cJSON_AddStringToObject(spec, "renewTime", renew);
	if (report)
		cJSON_AddStringToObject(cJSON_GetObjectItem(md, "annotations"),
					PD_ANN_PROGRAMMED, report);
	return l;
}

/* Hand in a list of gateway b (and our own Lease, which is skipped). */
static void listed(struct env *d, const char *holder, const char *renew,
		   const char *report, uint64_t sent_ms)
{
	cJSON *items = cJSON_CreateArray();
	cJSON *ours = json("{'metadata': {'name': 'podvsd-gw-a'}, 'spec': "
			   "{'holderIdentity': 'a'}}");

	cJSON_AddItemToArray(items, ours);
	cJSON_AddItemToArray(items, lease_b(holder, renew, report));
	pd_gate_gateways_listed(&d->gate, items, sent_ms);
	cJSON_Delete(items);
}

static char *b_report(uint64_t pods_rv, const char *unsettled)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "{\"v\":1,\"rv\":{\"services\":\"1\","
		 "\"endpointslices\":\"2\",\"pods\":\"%llu\"},\"serving\":"
		 "true,\"hold\":60,\"unsettled\":[%s]}",
		 (unsigned long long)pods_rv, unsettled);
	return buf;
}

static enum gate_verdict verdict(struct env *d, const char *key)
{
	struct gate_pod *gp = pd_hmap_sget(&d->gate.pods, key);

	assert_non_null(gp);
	return gp->verdict;
}

/* pa usable here at view (1, 2, 10). */
static struct env *one_pod(void)
{
	struct env *d = env_new();

	pod(d, 'a', 1, "10", NULL);
	service(d, "2", false);
	view(d, 1, 2, 10);
	return d;
}

/* D8: nothing before a list newer than the election; then the rule. */
static void test_new_leader_waits(void **state)
{
	struct env *d = one_pod();
	uint64_t t0;

	(void)state;
	step(d);
	/* no list yet: held, no verdict, no patch */
	assert_int_equal(verdict(d, "ns/pa"), GATE_UNDECIDED);
	assert_true(d->gate.stats.held > 0);
	assert_int_equal(d->gate.stats.patch_failures, 0);
	t0 = d->gate.lead_since_ms;
	assert_true(t0 > 0);
	/* a list sent before the election does not count either */
	listed(d, "b", "t1", b_report(10, ""), t0 - 1);
	step(d);
	assert_int_equal(verdict(d, "ns/pa"), GATE_UNDECIDED);
	/* one sent after it: decided (b has pa) */
	listed(d, "b", "t2", b_report(10, ""), pd_now_ms());
	step(d);
	assert_int_equal(verdict(d, "ns/pa"), GATE_TRUE);
	env_free(d);
}

/* D8: lists failing for a leaseDuration hold every decision. */
static void test_failing_list_holds(void **state)
{
	struct env *d = one_pod();
	unsigned long held;

	(void)state;
	step(d);
	/* the last good list is older than a leaseDuration */
	listed(d, "b", "t1", b_report(10, ""),
	       pd_now_ms() - PD_LEASE_DURATION_S * 1000ULL);
	pd_gate_gateways_listed(&d->gate, NULL, pd_now_ms());
	held = d->gate.stats.held;
	step(d);
	assert_int_equal(verdict(d, "ns/pa"), GATE_UNDECIDED);
	assert_int_equal(d->gate.stats.held, held + 1);
	assert_int_equal(d->gate.stats.gw_list_failures, 1);
	env_free(d);
}

/* D9: the other gateway's watermark must cover pa's view, stream by
 * stream, and b must not list pa as unsettled. */
static void test_watermark(void **state)
{
	struct env *d = one_pod();
	struct gate_pod *gp;

	(void)state;
	step(d);
	listed(d, "b", "t1", b_report(9, ""), pd_now_ms());
	step(d);
	assert_int_equal(verdict(d, "ns/pa"), GATE_FALSE);
	gp = pd_hmap_sget(&d->gate.pods, "ns/pa");
	assert_int_equal(gp->need.rv[PD_GS_PODS], 10);
	/* b caught up but its health check of pa has not passed there */
	listed(d, "b", "t2", b_report(11, "\"ua\""), pd_now_ms());
	step(d);
	assert_int_equal(verdict(d, "ns/pa"), GATE_FALSE);
	listed(d, "b", "t3", b_report(11, ""), pd_now_ms());
	step(d);
	assert_int_equal(verdict(d, "ns/pa"), GATE_TRUE);
	env_free(d);
}

/* D7: a released Lease (podvsd restarting, tables in place) counts. */
static void test_released_counts(void **state)
{
	struct env *d = one_pod();

	(void)state;
	step(d);
	listed(d, "", "t1", b_report(9, ""), pd_now_ms());
	step(d);
	assert_int_equal(verdict(d, "ns/pa"), GATE_FALSE);
	assert_int_equal(d->gate.stats.live_gateways, 1);
	/* and its last report is what it holds: enough once it covers */
	listed(d, "", "t1", b_report(10, ""), pd_now_ms());
	step(d);
	assert_int_equal(verdict(d, "ns/pa"), GATE_TRUE);
	env_free(d);
}

/* A gateway behind (here: one just added) never turns True to False. */
static void test_lagging_keeps_true(void **state)
{
	struct env *d = env_new();

	(void)state;
	pod(d, 'a', 1, "10", "True");
	service(d, "2", false);
	view(d, 1, 2, 10);
	step(d);
	listed(d, "b", "t1", NULL, pd_now_ms());	/* no report yet */
	step(d);
	assert_int_equal(d->gate.stats.patch_failures, 0);	/* no patch */
	env_free(d);
}

/*
 * D17: a failed PATCH (here: no API connection) is retried after a
 * backoff, not at every evaluation, the backoff doubling; with
 * PD_GATE_PATCH_INFLIGHT in flight a PATCH waits for a slot instead.
 */
static void test_patch_backoff_and_cap(void **state)
{
	struct env *d = one_pod();
	struct gate_pod *gp;
	uint64_t now;

	(void)state;
	step(d);
	listed(d, "b", "t1", b_report(10, ""), pd_now_ms());
	step(d);
	assert_int_equal(verdict(d, "ns/pa"), GATE_TRUE);
	assert_int_equal(d->gate.stats.patch_failures, 1);
	gp = pd_hmap_sget(&d->gate.pods, "ns/pa");
	now = pd_now_ms();
	assert_true(gp->retry_ms > now &&
		    gp->retry_ms <= now + PD_GATE_RETRY_MIN_MS);
	assert_true(d->gate.wake_ms && d->gate.wake_ms <= gp->retry_ms);
	/* evaluated again within the backoff: nothing sent */
	gate_pod_dirty(&d->gate, gp);
	step(d);
	assert_int_equal(d->gate.stats.patch_failures, 1);
	/* the backoff passed (set back here): retried, twice as long */
	gp->retry_ms = pd_now_ms() - 1;
	gate_pod_dirty(&d->gate, gp);
	step(d);
	assert_int_equal(d->gate.stats.patch_failures, 2);
	now = pd_now_ms();
	assert_true(gp->retry_ms > now + PD_GATE_RETRY_MIN_MS);
	assert_true(gp->retry_ms <= now + 2 * PD_GATE_RETRY_MIN_MS);
	/* every slot taken: it waits, nothing sent, nothing failed */
	gp->retry_ms = 0;
	d->gate.patching = PD_GATE_PATCH_INFLIGHT;
	gate_pod_dirty(&d->gate, gp);
	step(d);
	assert_int_equal(d->gate.stats.patch_failures, 2);
	assert_int_equal(d->gate.stats.patch_waits, 1);
	assert_ptr_equal(pd_hmap_sget(&d->gate.patch_wait, "ns/pa"), gp);
	d->gate.patching = 0;
	env_free(d);
}

/* A fake API connection: keeps the requests, answered by hand. */
static struct pd_http_req *reqs[8];
static int sent;

static int fake_start(struct pd_http *h, struct pd_http_req *r)
{
	(void)h;
	assert_true(sent < 8);
	reqs[sent++] = r;
	return 0;
}

/* Answer request @i (in the order sent since @sent was last zeroed). */
static void answer(int i, long status, long retry_after_s)
{
	struct pd_http_req *r = reqs[i];

	reqs[i] = NULL;
	assert_non_null(r);
	r->active = false;
	r->retry_after_s = retry_after_s;
	r->on_done(r, 0, status, "{}", 2, "");
}

/* D18: Retry-After stretches one Pod's backoff and holds every PATCH. */
static void test_patch_retry_after(void **state)
{
	struct pd_http http = { .fake_start = fake_start };
	struct env *d = env_new();
	struct gate_pod *ga, *gb, *thr, *other;
	uint64_t now;

	(void)state;
	pd_gate_connect(&d->gate, &http, &d->gw);
	pod(d, 'a', 1, "10", NULL);
	pod(d, 'b', 2, "11", NULL);
	service(d, "2", true);
	view(d, 1, 2, 11);
	step(d);
	listed(d, "b", "t1", b_report(11, ""), pd_now_ms());
	sent = 0;
	step(d);
	assert_int_equal(sent, 2);		/* both PATCHes went out */
	ga = pd_hmap_sget(&d->gate.pods, "ns/pa");
	gb = pd_hmap_sget(&d->gate.pods, "ns/pb");
	assert_true(ga->inflight && gb->inflight);
	thr = strstr(reqs[1]->path, "/pods/pa/") ? ga : gb;
	other = thr == ga ? gb : ga;
	/* the second is answered 429 "wait 7 s" */
	answer(1, 429, 7);
	now = pd_now_ms();
	assert_int_equal(d->gate.stats.patch_throttled, 1);
	assert_true(thr->retry_ms >= now + 6900);	/* not 1 s */
	assert_true(thr->retry_ms <= now + 7000);
	assert_true(d->gate.patch_hold_ms >= now + 6900);
	/* the first fails without the header; decided again once its own
	 * backoff is over, it is still held by the other's Retry-After */
	answer(0, 500, 0);
	assert_true(other->retry_ms <= pd_now_ms() + PD_GATE_RETRY_MIN_MS);
	other->retry_ms = 0;
	gate_pod_dirty(&d->gate, other);
	sent = 0;
	step(d);
	assert_int_equal(sent, 0);
	assert_true(other->wake_ms && other->wake_ms <= d->gate.patch_hold_ms);
	/* the hold over: sent again; a 500 without the header backs off
	 * by the ordinary doubling and sets no hold */
	d->gate.patch_hold_ms = 0;
	gate_pod_dirty(&d->gate, other);
	step(d);
	assert_int_equal(sent, 1);
	answer(0, 500, 0);
	now = pd_now_ms();
	assert_true(other->retry_ms <= now + 2 * PD_GATE_RETRY_MIN_MS);
	assert_int_equal(d->gate.patch_hold_ms, 0);
	assert_int_equal(d->gate.patching, 0);
	env_free(d);
}

static bool ns_on(const void *ctx, const char *ns)
{
	return !strcmp(ctx, ns);
}

/* D10: pb is in the Service's slice but carries no gate (a webhook call
 * failed open): counted once its namespace is enabled, pa (gated) never. */
static void test_ungated(void **state)
{
	struct env *d = env_new();
	char err[256];
	struct k8s_slice *sl;
	cJSON *j;

	(void)state;
	pod(d, 'a', 1, "10", NULL);
	service(d, "2", true);
	assert_int_equal(pd_gate_ungated(&d->gate, ns_on, "other"), 0);
	assert_int_equal(pd_gate_ungated(&d->gate, ns_on, "ns"), 1);
	/* pb seen by the Pod informer without the gate: still counted */
	j = json("{'metadata': {'name': 'pb', 'namespace': 'ns', 'uid': 'ub',"
		 " 'resourceVersion': '12'}, 'spec': {}, 'status': {'podIPs':"
		 " [{'ip': '203.0.113.2'}]}}");
	pd_gate_pod_ops.upsert(&d->gate, j);
	cJSON_Delete(j);
	assert_int_equal(pd_gate_ungated(&d->gate, ns_on, "ns"), 1);
	/* gone from the slice (terminating): not counted */
	j = json("{'metadata': {'name': 's1-1', 'namespace': 'ns', 'uid': 'x',"
		 " 'resourceVersion': '3', 'labels': {'kubernetes.io/service-"
		 "name': 's1'}}, 'addressType': 'IPv4', 'ports': [{'name': "
		 "'http', 'port': 8080}], 'endpoints': [{'addresses': "
		 "['203.0.113.1'], 'conditions': {'ready': false}, "
		 "'targetRef': {'kind': 'Pod', 'namespace': 'ns', 'name': "
		 "'pa'}}, {'addresses': ['203.0.113.2'], 'conditions': "
		 "{'ready': false, 'terminating': true}, 'targetRef': {'kind': "
		 "'Pod', 'namespace': 'ns', 'name': 'pb'}}]}");
	sl = k8s_slice_parse(j, err, sizeof(err));
	cJSON_Delete(j);
	assert_non_null(sl);
	assert_int_equal(pd_rec_slice_upsert(&d->rec, sl), 0);
	assert_int_equal(pd_gate_ungated(&d->gate, ns_on, "ns"), 0);
	env_free(d);
}

/* Our report is a watermark plus the unsettled candidates only. */
static void test_our_report(void **state)
{
	struct env *d = env_new();
	struct pd_gw_report r;
	const cJSON *v;
	char err[128];

	(void)state;
	d->leader = false;
	pod(d, 'a', 1, "10", NULL);
	pod(d, 'b', 2, "11", NULL);
	service(d, "2", true);
	view(d, 1, 2, 11);
	step(d);
	v = cJSON_GetObjectItem(d->gw.ann, PD_ANN_PROGRAMMED);
	assert_non_null(v);
	pd_hmap_init(&r.unsettled);
	assert_int_equal(pd_gate_report_parse(v->valuestring, &r, err,
					      sizeof(err)), 0);
	assert_true(r.mark.valid);
	assert_int_equal(r.mark.rv[PD_GS_PODS], 11);
	assert_int_equal(r.unsettled.n, 0);	/* both programmed */
	assert_int_equal(r.hold_s, 60);
	pd_hmap_fini(&r.unsettled);
	env_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_leader_waits),
		cmocka_unit_test(test_failing_list_holds),
		cmocka_unit_test(test_watermark),
		cmocka_unit_test(test_released_counts),
		cmocka_unit_test(test_lagging_keeps_true),
		cmocka_unit_test(test_patch_backoff_and_cap),
		cmocka_unit_test(test_patch_retry_after),
		cmocka_unit_test(test_ungated),
		cmocka_unit_test(test_our_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
