// SPDX-License-Identifier: GPL-2.0
/*
 * What the cluster-wide Pod watch costs a gateway (issue 12, D18), and
 * that it keeps only what the gate needs.  Every gateway receives every
 * Pod update of the cluster: the informer parses the event line (cJSON)
 * and the gate parses the Pod (k8s_pod_parse) before it knows whether the
 * Pod carries the gate.  Measured here on a Pod object of the size a
 * Deployment's Pod has in a real cluster (managedFields, two containers,
 * env, volumes, status: about 6 KiB of JSON), for an ungated Pod (the
 * common case, dropped) and a gated one (kept); the figures are printed
 * as TAP comments, and the test asserts what is kept and a bound loose
 * enough for a loaded CI machine (so a regression by an order of
 * magnitude fails it).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "podvsd/gate/gate_int.h"
#include "podvsd/k8s/informer.h"
#include "podvsd/sync/backend.h"

#define UPDATES		4000
#define BOUND_US	1000	/* per update: ~20 us measured, ~130 under ASan */

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };

struct env {
	struct pd_log log;
	struct pd_memkernel mem;
	struct pd_backend be;
	struct pd_reconciler rec;
	struct pd_health health;
	struct pd_gate gate;
	struct pd_elector gw;
};

static struct env *env_new(void)
{
	struct env *d = calloc(1, sizeof(*d));
	struct pd_gate_hooks hooks = { 0 };

	assert_non_null(d);
	d->log = quiet;
	pd_memkernel_init(&d->mem, NULL);
	pd_memkernel_backend(&d->mem, &d->be);
	pd_rec_init(&d->rec, &d->log, &d->be, 0);
	pd_gate_init(&d->gate, &d->log, &d->rec, &d->health, &hooks);
	assert_int_equal(pd_health_init(&d->health, NULL, &d->log, NULL, NULL),
			 0);
	pd_gate_connect(&d->gate, NULL, &d->gw);
	return d;
}

static void env_free(struct env *d)
{
	pd_gate_fini(&d->gate);
	pd_health_fini(&d->health);
	pd_rec_fini(&d->rec);
	pd_memkernel_fini(&d->mem);
	free(d);
}

/* A watch event line for Pod web-@i at resourceVersion @rv. */
static int pod_event(char *buf, size_t len, int i, int rv, bool gated)
{
	return snprintf(buf, len,
	"{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":"
	"\"v1\",\"metadata\":{\"name\":\"web-7d4b9c8f6d-%05d\","
	"\"generateName\":\"web-7d4b9c8f6d-\",\"namespace\":\"shop\","
	"\"uid\":\"6f1c2a3e-0000-4000-8000-%012d\",\"resourceVersion\":"
	"\"%d\",\"creationTimestamp\":\"2026-12-01T10:00:00Z\",\"labels\":{"
	"\"app\":\"web\",\"pod-template-hash\":\"7d4b9c8f6d\",\"tier\":"
	"\"frontend\",\"version\":\"v42\"},\"annotations\":{"
	"\"kubectl.kubernetes.io/restartedAt\":\"2026-12-01T09:59:00Z\","
	"\"prometheus.io/scrape\":\"true\",\"prometheus.io/port\":\"9090\"},"
	"\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":"
	"\"ReplicaSet\",\"name\":\"web-7d4b9c8f6d\",\"uid\":"
	"\"0a0b0c0d-1111-4222-8333-444455556666\",\"controller\":true,"
	"\"blockOwnerDeletion\":true}],\"managedFields\":[{\"manager\":"
	"\"kube-controller-manager\",\"operation\":\"Update\",\"apiVersion\":"
	"\"v1\",\"time\":\"2026-12-01T10:00:00Z\",\"fieldsType\":\"FieldsV1\","
	"\"fieldsV1\":{\"f:metadata\":{\"f:generateName\":{},\"f:labels\":{"
	"\".\":{},\"f:app\":{},\"f:pod-template-hash\":{},\"f:tier\":{},"
	"\"f:version\":{}},\"f:ownerReferences\":{\".\":{},"
	"\"k:{\\\"uid\\\":\\\"0a0b0c0d\\\"}\":{}}},\"f:spec\":{"
	"\"f:containers\":{\"k:{\\\"name\\\":\\\"web\\\"}\":{\".\":{},"
	"\"f:env\":{},\"f:image\":{},\"f:imagePullPolicy\":{},\"f:name\":{},"
	"\"f:ports\":{},\"f:readinessProbe\":{},\"f:resources\":{}}},"
	"\"f:dnsPolicy\":{},\"f:enableServiceLinks\":{},\"f:restartPolicy\":"
	"{},\"f:schedulerName\":{},\"f:securityContext\":{},"
	"\"f:terminationGracePeriodSeconds\":{}}}},{\"manager\":\"kubelet\","
	"\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":"
	"\"2026-12-01T10:00:05Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{"
	"\"f:status\":{\"f:conditions\":{},\"f:containerStatuses\":{},"
	"\"f:hostIP\":{},\"f:phase\":{},\"f:podIP\":{},\"f:podIPs\":{},"
	"\"f:startTime\":{}}},\"subresource\":\"status\"}]},\"spec\":{"
	"%s\"volumes\":[{\"name\":\"config\",\"configMap\":{\"name\":"
	"\"web-config\",\"defaultMode\":420}},{\"name\":"
	"\"kube-api-access-abcde\",\"projected\":{\"sources\":[{"
	"\"serviceAccountToken\":{\"expirationSeconds\":3607,\"path\":"
	"\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\",\"items\":"
	"[{\"key\":\"ca.crt\",\"path\":\"ca.crt\"}]}}],\"defaultMode\":420}}],"
	"\"containers\":[{\"name\":\"web\",\"image\":"
	"\"registry.example/shop/web:v42\",\"ports\":[{\"name\":\"http\","
	"\"containerPort\":8080,\"protocol\":\"TCP\"}],\"env\":[{\"name\":"
	"\"LOG_LEVEL\",\"value\":\"info\"},{\"name\":\"POD_IP\",\"valueFrom\":"
	"{\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"status.podIP\"}}"
	"}],\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":"
	"\"128Mi\"},\"limits\":{\"memory\":\"256Mi\"}},\"volumeMounts\":[{"
	"\"name\":\"config\",\"mountPath\":\"/etc/web\"},{\"name\":"
	"\"kube-api-access-abcde\",\"readOnly\":true,\"mountPath\":"
	"\"/var/run/secrets/kubernetes.io/serviceaccount\"}],"
	"\"readinessProbe\":{\"httpGet\":{\"path\":\"/ready\",\"port\":8080,"
	"\"scheme\":\"HTTP\"},\"periodSeconds\":5,\"timeoutSeconds\":1,"
	"\"successThreshold\":1,\"failureThreshold\":3},"
	"\"imagePullPolicy\":\"IfNotPresent\"},{\"name\":\"sidecar\","
	"\"image\":\"registry.example/mesh/proxy:1.20\",\"resources\":{"
	"\"requests\":{\"cpu\":\"10m\",\"memory\":\"32Mi\"}},"
	"\"imagePullPolicy\":\"IfNotPresent\"}],\"restartPolicy\":\"Always\","
	"\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\","
	"\"serviceAccountName\":\"default\",\"nodeName\":\"node-17\","
	"\"securityContext\":{},\"schedulerName\":\"default-scheduler\","
	"\"tolerations\":[{\"key\":\"node.kubernetes.io/not-ready\","
	"\"operator\":\"Exists\",\"effect\":\"NoExecute\","
	"\"tolerationSeconds\":300}],\"priority\":0,\"enableServiceLinks\":"
	"true,\"preemptionPolicy\":\"PreemptLowerPriority\"},\"status\":{"
	"\"phase\":\"Running\",\"conditions\":[{\"type\":\"Initialized\","
	"\"status\":\"True\",\"lastTransitionTime\":\"2026-12-01T10:00:01Z\"},"
	"{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":"
	"\"2026-12-01T10:00:05Z\"},{\"type\":\"ContainersReady\",\"status\":"
	"\"True\",\"lastTransitionTime\":\"2026-12-01T10:00:05Z\"},{\"type\":"
	"\"PodScheduled\",\"status\":\"True\",\"lastTransitionTime\":"
	"\"2026-12-01T10:00:00Z\"}],\"hostIP\":\"10.0.3.17\",\"podIP\":"
	"\"10.244.%d.%d\",\"podIPs\":[{\"ip\":\"10.244.%d.%d\"}],"
	"\"startTime\":\"2026-12-01T10:00:00Z\",\"containerStatuses\":[{"
	"\"name\":\"web\",\"state\":{\"running\":{\"startedAt\":"
	"\"2026-12-01T10:00:02Z\"}},\"ready\":true,\"restartCount\":0,"
	"\"image\":\"registry.example/shop/web:v42\",\"imageID\":"
	"\"registry.example/shop/web@sha256:0123456789abcdef0123456789abcdef"
	"0123456789abcdef0123456789abcdef\",\"containerID\":\"containerd://"
	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\","
	"\"started\":true},{\"name\":\"sidecar\",\"state\":{\"running\":{"
	"\"startedAt\":\"2026-12-01T10:00:02Z\"}},\"ready\":true,"
	"\"restartCount\":0,\"image\":\"registry.example/mesh/proxy:1.20\","
	"\"imageID\":\"registry.example/mesh/proxy@sha256:abcdef0123456789"
	"abcdef0123456789abcdef0123456789abcdef0123456789\",\"containerID\":"
	"\"containerd://0011223344556677889900112233445566778899001122334455"
	"66778899aabb\",\"started\":true}],\"qosClass\":\"Burstable\"}}}",
	i, i, rv, gated ? "\"readinessGates\":[{\"conditionType\":"
	"\"podvs.io/backend-ready\"}]," : "", i / 250, i % 250 + 1,
	i / 250, i % 250 + 1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* @n updates of @n_pods Pods through the parse and the gate's upsert. */
static double run(struct env *d, int n, int n_pods, bool gated,
		  size_t *bytes)
{
	char buf[16384];
	double t0 = now_us();

	*bytes = 0;
	for (int i = 0; i < n; i++) {
		int len = pod_event(buf, sizeof(buf), i % n_pods, 100 + i,
				    gated);
		cJSON *ev;

		assert_true(len > 0 && (size_t)len < sizeof(buf));
		*bytes += len;
		ev = cJSON_ParseWithLength(buf, len);
		assert_non_null(ev);
		pd_gate_pod_ops.upsert(&d->gate,
				       cJSON_GetObjectItem(ev, "object"));
		cJSON_Delete(ev);
	}
	return (now_us() - t0) / n;
}

static void test_cost(void **state)
{
	struct env *d = env_new();
	size_t bytes;
	double us;

	(void)state;
	run(d, 500, 500, false, &bytes);	/* warm the caches up */
	/* the common case: a Pod without the gate, parsed and dropped */
	us = run(d, UPDATES, 500, false, &bytes);
	assert_int_equal(d->gate.pods.n, 0);
	printf("# pod watch: ungated Pod update %zu bytes, %.1f us each "
	       "(parse + gate), %.0f updates/s on one core\n",
	       bytes / UPDATES, us, 1e6 / us);
	assert_true(us < BOUND_US);
	/* a gated Pod: parsed and kept (500 distinct) */
	us = run(d, UPDATES, 500, true, &bytes);
	assert_int_equal(d->gate.pods.n, 500);
	printf("# pod watch: gated Pod update %.1f us each\n", us);
	assert_true(us < BOUND_US);
	env_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost),
	};

	return cmocka_run_group_tests_name("podvsd_pod_watch", tests, NULL,
					   NULL);
}
