// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd readiness gate, evaluation after a sync: incremental.  Against
 * the in-memory kernel, with the daemon's gate, reconciler and (probe-less)
 * health wired as in daemon.c: a Pod whose Service was recomputed is
 * evaluated again and its result shows in our report (the sorted UIDs of
 * the gated Pods programmed here), including a Pod that left the Service;
 * a Pod in several Services is judged across all of them; a Pod event
 * re-evaluates that Pod's Services' Pods only; Pods of untouched Services
 * are not evaluated (counted in the gate's stats); a full sync, or a Pod
 * relist, evaluates every Pod; a call with nothing marked evaluates none.
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

/* The gate and what it uses, wired as daemon.c wires them. */
struct env {
	struct pd_log log;
	struct pd_memkernel mem;
	struct pd_backend be;
	struct pd_reconciler rec;
	struct pd_health health;
	struct pd_gate gate;
	struct pd_elector gw;		/* fake: only carries the report */
	unsigned long changes;		/* hook calls seen */
	unsigned long synced;
	unsigned long rejected;
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

static void on_changed(void *ctx)
{
	struct env *d = ctx;

	d->changes++;
}

static void on_synced(void *ctx)
{
	struct env *d = ctx;

	d->synced++;
}

static void on_rejected(void *ctx)
{
	struct env *d = ctx;

	d->rejected++;
}

static bool never_leader(void *ctx)
{
	(void)ctx;
	return false;	/* not leader: no patches */
}

static struct env *env_new(void)
{
	struct env *d = calloc(1, sizeof(*d));
	struct pd_gate_hooks hooks = {
		.changed = on_changed, .synced = on_synced,
		.rejected = on_rejected, .leader = never_leader,
	};

	assert_non_null(d);
	hooks.ctx = d;
	d->log = quiet;
	pd_memkernel_init(&d->mem, NULL);
	pd_memkernel_backend(&d->mem, &d->be);
	pd_rec_init(&d->rec, &d->log, &d->be, 0);
	d->rec.hooks.recompute = on_recompute;
	d->rec.hooks.grace_ms = on_grace;
	d->rec.hooks.ctx = d;
	pd_gate_init(&d->gate, &d->log, &d->rec, &d->health, &hooks);
	assert_ptr_equal(d->rec.view, &d->gate.view);
	assert_int_equal(pd_health_init(&d->health, NULL, &d->log, NULL, NULL),
			 0);
	pd_gate_connect(&d->gate, NULL, &d->gw);
	d->gate.synced = true;
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

/* Service ns/sN on 192.0.2.N:80, no health checks. */
static void service(struct env *d, int n)
{
	char buf[1024], err[256];
	struct k8s_service *s;
	cJSON *j;

	snprintf(buf, sizeof(buf),
		 "{'metadata': {'name': 's%d', 'namespace': 'ns', 'uid': "
		 "'su%d', 'resourceVersion': '1', 'annotations': "
		 "{'podvs.io/health-check': 'none'}}, 'spec': {'type': "
		 "'LoadBalancer', 'loadBalancerClass': 'podvs.io/direct', "
		 "'ports': [{'name': 'http', 'port': 80, 'targetPort': 8080}]},"
		 " 'status': {'loadBalancer': {'ingress': [{'ip': "
		 "'192.0.2.%d'}]}}}", n, n, n);
	j = json(buf);
	s = k8s_service_parse(j, err, sizeof(err));
	cJSON_Delete(j);
	if (!s)
		fail_msg("%s", err);
	assert_int_equal(pd_rec_service_upsert(&d->rec, s), 0);
}

/*
 * The slice of ns/sN at @rv; @eps: "a1 x9" = Pod pa on 203.0.113.1, Pod
 * px on .9, all not ready (gated Pods are programmed ahead of ready).
 */
static void slice(struct env *d, int n, const char *rv, const char *eps)
{
	char buf[4096], err[256], name;
	size_t o;
	int ip, k;
	struct k8s_slice *s;
	cJSON *j;

	o = snprintf(buf, sizeof(buf),
		     "{'metadata': {'name': 's%d-1', 'namespace': 'ns', "
		     "'uid': 'x', 'resourceVersion': '%s', 'labels': "
		     "{'kubernetes.io/service-name': 's%d'}}, 'addressType':"
		     " 'IPv4', 'ports': [{'name': 'http', 'port': 8080}], "
		     "'endpoints': [", n, rv, n);
	for (const char *p = eps; sscanf(p, " %c%d%n", &name, &ip, &k) == 2;
	     p += k)
		o += snprintf(buf + o, sizeof(buf) - o,
			      "%s{'addresses': ['203.0.113.%d'], 'conditions':"
			      " {'ready': false, 'serving': false}, "
			      "'targetRef': {'kind': 'Pod', 'namespace': 'ns',"
			      " 'name': 'p%c'}}", p == eps ? "" : ",", ip,
			      name);
	snprintf(buf + o, sizeof(buf) - o, "]}");
	j = json(buf);
	s = k8s_slice_parse(j, err, sizeof(err));
	cJSON_Delete(j);
	if (!s)
		fail_msg("%s", err);
	assert_int_equal(pd_rec_slice_upsert(&d->rec, s), 0);
}

/* Gated Pod ns/pX (uid uX) on 203.0.113.@ip, containers ready. */
static void pod(struct env *d, char name, int ip, const char *rv,
		bool deleting)
{
	char buf[1024];
	cJSON *j;

	snprintf(buf, sizeof(buf),
		 "{'metadata': {'name': 'p%c', 'namespace': 'ns', 'uid': "
		 "'u%c', 'resourceVersion': '%s'%s}, 'spec': "
		 "{'readinessGates': [{'conditionType': "
		 "'podvs.io/backend-ready'}]}, 'status': {'podIPs': [{'ip': "
		 "'203.0.113.%d'}], 'conditions': [{'type': "
		 "'ContainersReady', 'status': 'True'}]}}", name, name, rv,
		 deleting ? ", 'deletionTimestamp': '2026-01-01T00:00:00Z'" :
		 "", ip);
	j = json(buf);
	pd_gate_pod_ops.upsert(&d->gate, j);
	cJSON_Delete(j);
}

/* Sync, evaluate, publish (a tick); how many Pods were evaluated. */
static unsigned long step(struct env *d)
{
	unsigned long before = d->gate.stats.evals;

	assert_int_equal(pd_rec_sync(&d->rec, 1000), 0);
	pd_gate_eval(&d->gate);
	pd_gate_publish(&d->gate);
	return d->gate.stats.evals - before;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted UIDs of the gated Pods programmed here (the report itself
 * carries a watermark: podvsd_gate_report_test.c). */
static const char *report(const struct env *d)
{
	static char buf[512];
	const char *v[16];
	struct pd_hmap_iter it;
	size_t n = 0, o = 0;

	for (struct pd_hmap_ent *e = pd_hmap_first(&d->gate.pods, &it);
	     e && n < 16; e = pd_hmap_next(&d->gate.pods, &it)) {
		const struct gate_pod *gp = e->val;

		if (gp->local_ok && pd_pod_gated(gp->pod))
			v[n++] = gp->pod->meta.uid;
	}
	qsort(v, n, sizeof(*v), str_cmp);
	o += snprintf(buf + o, sizeof(buf) - o, "[");
	for (size_t i = 0; i < n; i++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s\"%s\"",
			      i ? "," : "", v[i]);
	snprintf(buf + o, sizeof(buf) - o, "]");
	return buf;
}

/* pa, pb in s1; pc in s2 (with non-gated px); pd in s3; pe in s1 and s4 */
static struct env *populated(void)
{
	struct env *d = env_new();

	pod(d, 'a', 1, "1", false);
	pod(d, 'b', 2, "1", false);
	pod(d, 'c', 3, "1", false);
	pod(d, 'd', 4, "1", false);
	pod(d, 'e', 5, "1", false);
	for (int i = 1; i <= 4; i++)
		service(d, i);
	slice(d, 1, "1", "a1 b2 e5");
	slice(d, 2, "1", "c3 x9");
	slice(d, 3, "1", "d4");
	slice(d, 4, "1", "e5");
	assert_int_equal(step(d), 5);	/* the first: every Pod */
	assert_int_equal(d->gate.stats.full_evals, 1);
	assert_string_equal(report(d), "[\"ua\",\"ub\",\"uc\",\"ud\",\"ue\"]");
	return d;
}

/* A slice change: that Service's Pods only, the one that left included. */
static void test_slice_change(void **state)
{
	struct env *d = populated();

	(void)state;
	assert_int_equal(step(d), 0);	/* nothing marked: nothing done */
	slice(d, 2, "2", "x9");
	assert_int_equal(step(d), 1);
	assert_string_equal(report(d), "[\"ua\",\"ub\",\"ud\",\"ue\"]");
	slice(d, 2, "3", "c3 x9");
	assert_int_equal(step(d), 1);
	assert_string_equal(report(d), "[\"ua\",\"ub\",\"uc\",\"ud\",\"ue\"]");
	assert_int_equal(d->gate.stats.full_evals, 1);
	env_free(d);
}

/* A Pod in two Services is judged across both, whichever was recomputed. */
static void test_across_services(void **state)
{
	struct env *d = populated();

	(void)state;
	slice(d, 4, "2", "");		/* still in s1: programmed */
	assert_int_equal(step(d), 1);
	assert_string_equal(report(d), "[\"ua\",\"ub\",\"uc\",\"ud\",\"ue\"]");
	slice(d, 1, "2", "a1 b2");	/* in none now */
	assert_int_equal(step(d), 3);
	assert_string_equal(report(d), "[\"ua\",\"ub\",\"uc\",\"ud\"]");
	slice(d, 4, "3", "e5");		/* back through s4 only */
	assert_int_equal(step(d), 1);
	assert_string_equal(report(d), "[\"ua\",\"ub\",\"uc\",\"ud\",\"ue\"]");
	env_free(d);
}

/* A Pod event: its Services' Pods again, no others. */
static void test_pod_event(void **state)
{
	struct env *d = populated();

	(void)state;
	pod(d, 'a', 1, "2", true);	/* being deleted: out of the report */
	assert_int_equal(step(d), 3);	/* pa, pb, pe (s1) */
	assert_string_equal(report(d), "[\"ub\",\"uc\",\"ud\",\"ue\"]");
	pod(d, 'd', 4, "2", false);	/* a new version, nothing moved */
	assert_int_equal(step(d), 1);
	assert_string_equal(report(d), "[\"ub\",\"uc\",\"ud\",\"ue\"]");
	env_free(d);
}

/* A full sync and a Pod relist evaluate every Pod. */
static void test_full(void **state)
{
	struct env *d = populated();
	struct pd_hmap keep;

	(void)state;
	pd_rec_request_full(&d->rec);
	assert_int_equal(step(d), 5);
	assert_int_equal(d->gate.stats.full_evals, 2);
	pd_hmap_init(&keep);
	assert_int_equal(pd_hmap_sput(&keep, "ns/pa", (void *)1, NULL), 0);
	pd_gate_pod_ops.prune(&d->gate, &keep);	/* relist: only pa left */
	assert_int_equal(step(d), 1);
	assert_int_equal(d->gate.stats.full_evals, 3);
	assert_string_equal(report(d), "[\"ua\"]");
	pd_hmap_fini(&keep);
	env_free(d);
}

/* The Pod informer's callbacks reach the owner through the gate's hooks. */
static void test_hooks(void **state)
{
	struct env *d = env_new();
	cJSON *j = json("{'metadata': {'name': 'bad'}}");

	(void)state;
	d->gate.synced = false;
	pd_gate_pod_ops.changed(&d->gate);
	assert_int_equal(d->changes, 1);
	pd_gate_pod_ops.upsert(&d->gate, j);	/* no namespace: rejected */
	assert_int_equal(d->rejected, 1);
	assert_int_equal(d->gate.pods.n, 0);
	pd_gate_pod_ops.synced(&d->gate);
	assert_int_equal(d->synced, 1);
	assert_true(d->gate.synced);
	cJSON_Delete(j);
	env_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slice_change),
		cmocka_unit_test(test_across_services),
		cmocka_unit_test(test_pod_event),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_hooks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
