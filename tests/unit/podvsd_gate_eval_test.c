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

#include "podvsd/daemon.h"
#include "podvsd/k8s/informer.h"

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };

static void on_recompute(void *ctx, const char *key)
{
	pd_gate_recompute(ctx, key);
}

static struct podvsd *env_new(void)
{
	struct podvsd *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	d->log = quiet;
	pd_memkernel_init(&d->mem, NULL);
	pd_memkernel_backend(&d->mem, &d->be);
	pd_rec_init(&d->rec, &d->log, &d->be, 0);
	d->rec.hooks.recompute = on_recompute;
	pd_gate_attach(d);
	assert_int_equal(pd_health_init(&d->health, NULL, &d->log, NULL, NULL),
			 0);
	pd_gate_maps_init(&d->gate);
	d->caches_synced = true;
	d->gate.synced = true;
	d->cluster.up = true;	/* not leader: no patches */
	return d;
}

static void env_free(struct podvsd *d)
{
	pd_gate_fini(d);
	pd_health_fini(&d->health);
	pd_rec_fini(&d->rec);
	pd_memkernel_fini(&d->mem);
	cJSON_Delete(d->cluster.gw.ann);
	free(d);
}

/* Service ns/sN on 192.0.2.N:80, no health checks. */
static void service(struct podvsd *d, int n)
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
static void slice(struct podvsd *d, int n, const char *rv, const char *eps)
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
static void pod(struct podvsd *d, char name, int ip, const char *rv,
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
	pd_gate_pod_ops.upsert(d, j);
	cJSON_Delete(j);
}

/* Sync, evaluate, publish (a tick); how many Pods were evaluated. */
static unsigned long step(struct podvsd *d)
{
	unsigned long before = d->gate.stats.evals;

	assert_int_equal(pd_rec_sync(&d->rec, 1000), 0);
	pd_gate_eval(d);
	pd_gate_publish(d);
	return d->gate.stats.evals - before;
}

static const char *report(const struct podvsd *d)
{
	return d->gate.report ? d->gate.report : "(none)";
}

/* pa, pb in s1; pc in s2 (with non-gated px); pd in s3; pe in s1 and s4 */
static struct podvsd *populated(void)
{
	struct podvsd *d = env_new();

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
	struct podvsd *d = populated();

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
	struct podvsd *d = populated();

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
	struct podvsd *d = populated();

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
	struct podvsd *d = populated();
	struct pd_hmap keep;

	(void)state;
	pd_rec_request_full(&d->rec);
	assert_int_equal(step(d), 5);
	assert_int_equal(d->gate.stats.full_evals, 2);
	pd_hmap_init(&keep);
	assert_int_equal(pd_hmap_sput(&keep, "ns/pa", (void *)1, NULL), 0);
	pd_gate_pod_ops.prune(d, &keep);	/* relist: only pa left */
	assert_int_equal(step(d), 1);
	assert_int_equal(d->gate.stats.full_evals, 3);
	assert_string_equal(report(d), "[\"ua\"]");
	pd_hmap_fini(&keep);
	env_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slice_change),
		cmocka_unit_test(test_across_services),
		cmocka_unit_test(test_pod_event),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
