// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd Kubernetes object parsing: valid Service / EndpointSlice / Pod
 * JSON parses into the expected structs; every required field missing and
 * every field of the wrong type or value is rejected with one precise
 * message naming the field, and nothing else is affected.
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

#include "podvsd_json.h"

#include "podvsd/k8s/k8s.h"

static const char svc_json[] =
"{'metadata': {'name': 'web', 'namespace': 'shop', 'uid': 'u-1',"
"  'resourceVersion': '42', 'labels': {'app': 'web'},"
"  'annotations': {'podvs.io/scheduler': 'rr'}},"
" 'spec': {'type': 'LoadBalancer', 'loadBalancerClass': 'podvs.io/direct',"
"  'ports': [{'name': 'http', 'port': 80, 'targetPort': 8080,"
"             'protocol': 'TCP'},"
"            {'name': 'dns', 'port': 53, 'targetPort': 'dns-port',"
"             'protocol': 'UDP'},"
"            {'port': 443}],"
"  'sessionAffinity': 'ClientIP',"
"  'sessionAffinityConfig': {'clientIP': {'timeoutSeconds': 600}},"
"  'externalIPs': ['198.51.100.7'],"
"  'ipFamilies': ['IPv4', 'IPv6']},"
" 'status': {'loadBalancer': {'ingress': [{'ip': '203.0.113.10'},"
"  {'hostname': 'lb.example'}, {'ip': '2001:db8::10'}]}}}";

static const char slice_json[] =
"{'metadata': {'name': 'web-abc', 'namespace': 'shop', 'uid': 'u-2',"
"  'resourceVersion': '43',"
"  'labels': {'kubernetes.io/service-name': 'web'}},"
" 'addressType': 'IPv4',"
" 'endpoints': [{'addresses': ['10.0.0.1'],"
"   'conditions': {'ready': true, 'serving': true, 'terminating': false},"
"   'targetRef': {'kind': 'Pod', 'namespace': 'shop', 'name': 'web-1',"
"                 'uid': 'p-1'},"
"   'nodeName': 'n1', 'zone': 'z1'},"
"  {'addresses': ['10.0.0.2'],"
"   'conditions': {'ready': false, 'serving': true, 'terminating': true}},"
"  {'addresses': ['10.0.0.3']}],"
" 'ports': [{'name': 'http', 'port': 8080, 'protocol': 'TCP'},"
"           {'name': 'dns', 'protocol': 'UDP'}]}";

static const char pod_json[] =
"{'metadata': {'name': 'web-1', 'namespace': 'shop', 'uid': 'p-1',"
"  'resourceVersion': '44', 'deletionTimestamp': '2024-01-01T00:00:00Z'},"
" 'spec': {'nodeName': 'n1',"
"  'readinessGates': [{'conditionType': 'podvs.io/programmed'}]},"
" 'status': {'phase': 'Running', 'podIP': '10.0.0.1',"
"  'podIPs': [{'ip': '10.0.0.1'}, {'ip': 'fd00::1'}],"
"  'conditions': [{'type': 'Ready', 'status': 'True'},"
"   {'type': 'podvs.io/programmed', 'status': 'False', 'reason': 'x',"
"    'lastTransitionTime': '2024-01-01T00:00:00Z'}]}}";

static void test_service_valid(void **state)
{
	cJSON *j = json(svc_json);
	char err[256] = "";
	struct k8s_service *s = k8s_service_parse(j, err, sizeof(err));
	char buf[PD_ADDR_STRLEN], key[K8S_KEY_LEN];

	(void)state;
	assert_non_null(s);
	assert_string_equal(k8s_key(&s->meta, key), "shop/web");
	assert_string_equal(s->meta.uid, "u-1");
	assert_string_equal(s->meta.resource_version, "42");
	assert_false(s->meta.deleting);
	assert_string_equal(k8s_label(&s->meta, "app"), "web");
	assert_string_equal(k8s_annotation(&s->meta, "podvs.io/scheduler"),
			    "rr");
	assert_null(k8s_annotation(&s->meta, "nope"));
	assert_int_equal(s->type, K8S_SVC_LOAD_BALANCER);
	assert_string_equal(s->lb_class, "podvs.io/direct");
	assert_int_equal(s->n_ports, 3);
	assert_string_equal(s->ports[0].name, "http");
	assert_int_equal(s->ports[0].port, 80);
	assert_int_equal(s->ports[0].target_port, 8080);
	assert_null(s->ports[0].target_name);
	assert_int_equal(s->ports[1].proto, K8S_PROTO_UDP);
	assert_string_equal(s->ports[1].target_name, "dns-port");
	assert_int_equal(s->ports[1].target_port, 0);
	/* defaults: name "", TCP, targetPort = port */
	assert_string_equal(s->ports[2].name, "");
	assert_int_equal(s->ports[2].proto, K8S_PROTO_TCP);
	assert_int_equal(s->ports[2].target_port, 443);
	assert_true(s->affinity_client_ip);
	assert_int_equal(s->affinity_timeout, 600);
	assert_int_equal(s->n_external_ips, 1);
	assert_string_equal(pd_addr_str(&s->external_ips[0], buf),
			    "198.51.100.7");
	assert_int_equal(s->n_families, 2);
	assert_int_equal(s->families[0], AF_INET);
	assert_int_equal(s->families[1], AF_INET6);
	/* the hostname-only ingress entry is skipped */
	assert_int_equal(s->n_ingress_ips, 2);
	assert_string_equal(pd_addr_str(&s->ingress_ips[1], buf),
			    "2001:db8::10");
	k8s_service_free(s);
	cJSON_Delete(j);
}

/* podvs.io/snat-from: absent (0), a list (1), "" (1, none), bad (-EINVAL) */
static void test_service_snat_from(void **state)
{
	static const struct {
		const char *ann;
		int ret;
		size_t n;
		const char *err;
	} cases[] = {
		{ NULL, 0, 0, "" },
		{ "'10.0.0.0/8, fd00::/8'", 1, 2, "" },
		{ "''", 1, 0, "" },
		{ "' , '", -EINVAL, 0, "annotation podvs.io/snat-from: item 1 is "
		  "empty" },
		{ "'10.0.0.0/8,x'", -EINVAL, 0, "annotation podvs.io/snat-from: "
		  "'x' is not a prefix (ADDRESS/LENGTH)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char buf[512], err[256] = "";
		struct pd_cidr v[4];
		size_t n = 99;
		struct k8s_service *s;
		cJSON *j;

		snprintf(buf, sizeof(buf), "{'metadata': {'name': 'a', "
			 "'namespace': 'b', 'uid': 'u', 'resourceVersion': '1'"
			 "%s%s%s}, 'spec': {}}", cases[i].ann ?
			 ", 'annotations': {'podvs.io/snat-from': " : "",
			 cases[i].ann ? cases[i].ann : "",
			 cases[i].ann ? "}" : "");
		j = json(buf);
		s = k8s_service_parse(j, err, sizeof(err));
		assert_non_null(s);
		assert_int_equal(k8s_service_snat_from(s, v, 4, &n, err,
						       sizeof(err)),
				 cases[i].ret);
		if (cases[i].ret > 0)
			assert_int_equal(n, cases[i].n);
		if (cases[i].ret < 0)
			assert_string_equal(err, cases[i].err);
		k8s_service_free(s);
		cJSON_Delete(j);
	}
}

static void test_service_minimal(void **state)
{
	cJSON *j = json("{'metadata': {'name': 'a', 'namespace': 'b', "
			"'uid': 'c', 'resourceVersion': '1'}, 'spec': {}}");
	char err[256];
	struct k8s_service *s = k8s_service_parse(j, err, sizeof(err));

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->type, K8S_SVC_CLUSTER_IP);
	assert_null(s->lb_class);
	assert_int_equal(s->n_ports, 0);
	assert_false(s->affinity_client_ip);
	assert_int_equal(s->affinity_timeout, 0);
	assert_int_equal(s->n_ingress_ips + s->n_external_ips, 0);
	k8s_service_free(s);
	cJSON_Delete(j);
}

static void test_slice_valid(void **state)
{
	cJSON *j = json(slice_json);
	char err[256] = "", buf[PD_ADDR_STRLEN];
	struct k8s_slice *s = k8s_slice_parse(j, err, sizeof(err));

	(void)state;
	assert_non_null(s);
	assert_string_equal(s->service_name, "web");
	assert_int_equal(s->addr_type, K8S_ADDR_IPV4);
	assert_int_equal(s->n_endpoints, 3);
	assert_string_equal(pd_addr_str(&s->endpoints[0].addrs[0], buf),
			    "10.0.0.1");
	assert_true(s->endpoints[0].ready);
	assert_true(s->endpoints[0].serving);
	assert_false(s->endpoints[0].terminating);
	assert_string_equal(s->endpoints[0].target_kind, "Pod");
	assert_string_equal(s->endpoints[0].target_name, "web-1");
	assert_string_equal(s->endpoints[0].target_uid, "p-1");
	assert_string_equal(s->endpoints[0].node_name, "n1");
	assert_string_equal(s->endpoints[0].zone, "z1");
	assert_false(s->endpoints[1].ready);
	assert_true(s->endpoints[1].serving);
	assert_true(s->endpoints[1].terminating);
	/* no conditions: ready and serving unknown = true, not terminating */
	assert_true(s->endpoints[2].ready);
	assert_true(s->endpoints[2].serving);
	assert_false(s->endpoints[2].terminating);
	assert_null(s->endpoints[2].target_name);
	assert_int_equal(s->n_ports, 2);
	assert_int_equal(s->ports[0].port, 8080);
	assert_int_equal(s->ports[1].proto, K8S_PROTO_UDP);
	assert_int_equal(s->ports[1].port, 0);
	k8s_slice_free(s);
	cJSON_Delete(j);
}

static void test_slice_null_endpoints_and_fqdn(void **state)
{
	cJSON *j = json("{'metadata': {'name': 'a', 'namespace': 'b', "
			"'uid': 'c', 'resourceVersion': '1'}, "
			"'addressType': 'IPv6', 'endpoints': null}");
	cJSON *f = json("{'metadata': {'name': 'a', 'namespace': 'b', "
			"'uid': 'c', 'resourceVersion': '1'}, "
			"'addressType': 'FQDN', 'endpoints': "
			"[{'addresses': ['x.example']}]}");
	char err[256];
	struct k8s_slice *s = k8s_slice_parse(j, err, sizeof(err));
	struct k8s_slice *fs = k8s_slice_parse(f, err, sizeof(err));

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->n_endpoints, 0);
	assert_null(s->service_name);
	assert_non_null(fs);
	assert_int_equal(fs->n_endpoints, 1);
	assert_int_equal(fs->endpoints[0].n_addrs, 0);
	k8s_slice_free(s);
	k8s_slice_free(fs);
	cJSON_Delete(j);
	cJSON_Delete(f);
}

static void test_pod_valid(void **state)
{
	cJSON *j = json(pod_json);
	char err[256] = "", buf[PD_ADDR_STRLEN];
	struct k8s_pod *p = k8s_pod_parse(j, err, sizeof(err));

	(void)state;
	assert_non_null(p);
	assert_true(p->meta.deleting);
	assert_string_equal(p->node_name, "n1");
	assert_int_equal(p->n_gates, 1);
	assert_string_equal(p->gates[0], "podvs.io/programmed");
	assert_string_equal(p->phase, "Running");
	assert_int_equal(p->n_conds, 2);
	assert_string_equal(p->conds[1].type, "podvs.io/programmed");
	assert_string_equal(p->conds[1].status, "False");
	assert_string_equal(p->conds[1].reason, "x");
	assert_null(p->conds[0].reason);
	assert_int_equal(p->n_ips, 2);
	assert_string_equal(pd_addr_str(&p->ips[1], buf), "fd00::1");
	k8s_pod_free(p);
	cJSON_Delete(j);
}

static void test_pod_ip_fallback(void **state)
{
	cJSON *j = json("{'metadata': {'name': 'a', 'namespace': 'b', "
			"'uid': 'c', 'resourceVersion': '1'}, 'spec': {}, "
			"'status': {'podIP': '10.1.1.1'}}");
	char err[256], buf[PD_ADDR_STRLEN];
	struct k8s_pod *p = k8s_pod_parse(j, err, sizeof(err));

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->n_ips, 1);
	assert_string_equal(pd_addr_str(&p->ips[0], buf), "10.1.1.1");
	k8s_pod_free(p);
	cJSON_Delete(j);
}

/* ---- mutations: each must be rejected with its message ---------------- */

enum kind { SVC, SLICE, POD };

struct mutation {
	enum kind kind;
	const char *path;	/* dotted, with [i] indexes */
	const char *value;	/* JSON (single quotes), NULL: delete */
	const char *err;	/* the exact message expected */
};

static const struct mutation mutations[] = {
	/* metadata, shared by all kinds */
	{ SVC, "metadata", NULL, "metadata: missing" },
	{ SVC, "metadata", "[]", "metadata: expected object, got array" },
	{ SVC, "metadata.name", NULL, "metadata.name: missing" },
	{ SVC, "metadata.name", "7", "metadata.name: expected string, got number" },
	{ SVC, "metadata.name", "''", "metadata.name: '' is not a valid name (1..253 characters, no '/')" },
	{ SVC, "metadata.name", "'a/b'", "metadata.name: 'a/b' is not a valid name (1..253 characters, no '/')" },
	{ SVC, "metadata.namespace", NULL, "metadata.namespace: missing" },
	{ SVC, "metadata.namespace", "true", "metadata.namespace: expected string, got boolean" },
	{ SVC, "metadata.uid", NULL, "metadata.uid: missing" },
	{ SVC, "metadata.uid", "{}", "metadata.uid: expected string, got object" },
	{ SVC, "metadata.resourceVersion", NULL, "metadata.resourceVersion: missing" },
	{ SVC, "metadata.resourceVersion", "42", "metadata.resourceVersion: expected string, got number" },
	{ SVC, "metadata.labels", "[]", "metadata.labels: expected object, got array" },
	{ SVC, "metadata.labels.app", "1", "metadata.labels.app: expected string, got number" },
	{ SVC, "metadata.annotations", "'x'", "metadata.annotations: expected object, got string" },
	{ SVC, "metadata.annotations.podvs.io/scheduler", "false", "metadata.annotations.podvs.io/scheduler: expected string, got boolean" },
	{ SVC, "metadata.deletionTimestamp", "5", "metadata.deletionTimestamp: expected string, got number" },
	/* Service spec */
	{ SVC, "spec", NULL, "spec: missing" },
	{ SVC, "spec", "'x'", "spec: expected object, got string" },
	{ SVC, "spec.type", "1", "spec.type: expected string, got number" },
	{ SVC, "spec.type", "'Balancer'", "spec.type: 'Balancer' is not one of ClusterIP, NodePort, LoadBalancer, ExternalName" },
	{ SVC, "spec.loadBalancerClass", "[]", "spec.loadBalancerClass: expected string, got array" },
	{ SVC, "spec.ports", "{}", "spec.ports: expected array, got object" },
	{ SVC, "spec.ports[1]", "'x'", "spec.ports[1]: expected object, got string" },
	{ SVC, "spec.ports[0].port", NULL, "spec.ports[0].port: missing" },
	{ SVC, "spec.ports[0].port", "'80'", "spec.ports[0].port: expected number, got string" },
	{ SVC, "spec.ports[0].port", "0", "spec.ports[0].port: 0 is out of range 1..65535" },
	{ SVC, "spec.ports[0].port", "65536", "spec.ports[0].port: 65536 is out of range 1..65535" },
	{ SVC, "spec.ports[0].port", "80.5", "spec.ports[0].port: expected integer, got 80.5" },
	{ SVC, "spec.ports[0].name", "3", "spec.ports[0].name: expected string, got number" },
	{ SVC, "spec.ports[0].protocol", "'ICMP'", "spec.ports[0].protocol: 'ICMP' is not one of TCP, UDP, SCTP" },
	{ SVC, "spec.ports[0].protocol", "6", "spec.ports[0].protocol: expected string, got number" },
	{ SVC, "spec.ports[2].targetPort", "true", "spec.ports[2].targetPort: expected number or string, got boolean" },
	{ SVC, "spec.ports[2].targetPort", "''", "spec.ports[2].targetPort: empty name" },
	{ SVC, "spec.ports[2].targetPort", "70000", "spec.ports[2].targetPort: 70000 is out of range 1..65535" },
	{ SVC, "spec.sessionAffinity", "'Sticky'", "spec.sessionAffinity: 'Sticky' is not one of None, ClientIP" },
	{ SVC, "spec.sessionAffinity", "1", "spec.sessionAffinity: expected string, got number" },
	{ SVC, "spec.sessionAffinityConfig", "1", "spec.sessionAffinityConfig: expected object, got number" },
	{ SVC, "spec.sessionAffinityConfig.clientIP", "[]", "spec.sessionAffinityConfig.clientIP: expected object, got array" },
	{ SVC, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", "'600'", "spec.sessionAffinityConfig.clientIP.timeoutSeconds: expected number, got string" },
	{ SVC, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", "0", "spec.sessionAffinityConfig.clientIP.timeoutSeconds: 0 is out of range 1..86400" },
	{ SVC, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", "86401", "spec.sessionAffinityConfig.clientIP.timeoutSeconds: 86401 is out of range 1..86400" },
	{ SVC, "spec.externalIPs", "'1.2.3.4'", "spec.externalIPs: expected array, got string" },
	{ SVC, "spec.externalIPs[0]", "5", "spec.externalIPs[0]: expected string, got number" },
	{ SVC, "spec.externalIPs[0]", "'1.2.3'", "spec.externalIPs[0]: '1.2.3' is not an IP address" },
	{ SVC, "spec.ipFamilies", "'IPv4'", "spec.ipFamilies: expected array, got string" },
	{ SVC, "spec.ipFamilies[1]", "'IPv5'", "spec.ipFamilies[1]: 'IPv5' is not one of IPv4, IPv6" },
	{ SVC, "spec.ipFamilies[1]", "'IPv4'", "spec.ipFamilies[1]: duplicate family IPv4" },
	{ SVC, "spec.ipFamilies[0]", "4", "spec.ipFamilies[0]: expected string, got number" },
	{ SVC, "status", "[]", "status: expected object, got array" },
	{ SVC, "status.loadBalancer", "'x'", "status.loadBalancer: expected object, got string" },
	{ SVC, "status.loadBalancer.ingress", "{}", "status.loadBalancer.ingress: expected array, got object" },
	{ SVC, "status.loadBalancer.ingress[0]", "'1.2.3.4'", "status.loadBalancer.ingress[0]: expected object, got string" },
	{ SVC, "status.loadBalancer.ingress[0].ip", "1", "status.loadBalancer.ingress[0].ip: expected string, got number" },
	{ SVC, "status.loadBalancer.ingress[2].ip", "'2001:db8::zz'", "status.loadBalancer.ingress[2].ip: '2001:db8::zz' is not an IP address" },
	/* EndpointSlice */
	{ SLICE, "metadata.name", NULL, "metadata.name: missing" },
	{ SLICE, "addressType", NULL, "addressType: missing" },
	{ SLICE, "addressType", "4", "addressType: expected string, got number" },
	{ SLICE, "addressType", "'IPv7'", "addressType: 'IPv7' is not one of IPv4, IPv6, FQDN" },
	{ SLICE, "endpoints", "{}", "endpoints: expected array, got object" },
	{ SLICE, "endpoints[1]", "[]", "endpoints[1]: expected object, got array" },
	{ SLICE, "endpoints[0].addresses", NULL, "endpoints[0].addresses: missing" },
	{ SLICE, "endpoints[0].addresses", "'10.0.0.1'", "endpoints[0].addresses: expected array, got string" },
	{ SLICE, "endpoints[0].addresses", "[]", "endpoints[0].addresses: empty" },
	{ SLICE, "endpoints[0].addresses[0]", "1", "endpoints[0].addresses[0]: expected string, got number" },
	{ SLICE, "endpoints[0].addresses[0]", "'fd00::1'", "endpoints[0].addresses[0]: 'fd00::1' is not an IPv4 address" },
	{ SLICE, "endpoints[2].addresses[0]", "'10.0.0.256'", "endpoints[2].addresses[0]: '10.0.0.256' is not an IP address" },
	{ SLICE, "endpoints[0].conditions", "true", "endpoints[0].conditions: expected object, got boolean" },
	{ SLICE, "endpoints[0].conditions.ready", "'true'", "endpoints[0].conditions.ready: expected boolean, got string" },
	{ SLICE, "endpoints[1].conditions.serving", "1", "endpoints[1].conditions.serving: expected boolean, got number" },
	{ SLICE, "endpoints[1].conditions.terminating", "{}", "endpoints[1].conditions.terminating: expected boolean, got object" },
	{ SLICE, "endpoints[0].targetRef", "'web-1'", "endpoints[0].targetRef: expected object, got string" },
	{ SLICE, "endpoints[0].targetRef.name", "1", "endpoints[0].targetRef.name: expected string, got number" },
	{ SLICE, "endpoints[0].targetRef.uid", "[]", "endpoints[0].targetRef.uid: expected string, got array" },
	{ SLICE, "endpoints[0].nodeName", "false", "endpoints[0].nodeName: expected string, got boolean" },
	{ SLICE, "endpoints[0].zone", "3", "endpoints[0].zone: expected string, got number" },
	{ SLICE, "ports", "'http'", "ports: expected array, got string" },
	{ SLICE, "ports[0]", "8080", "ports[0]: expected object, got number" },
	{ SLICE, "ports[0].port", "'8080'", "ports[0].port: expected number, got string" },
	{ SLICE, "ports[0].port", "-1", "ports[0].port: -1 is out of range 1..65535" },
	{ SLICE, "ports[0].name", "{}", "ports[0].name: expected string, got object" },
	{ SLICE, "ports[1].protocol", "'QUIC'", "ports[1].protocol: 'QUIC' is not one of TCP, UDP, SCTP" },
	/* Pod */
	{ POD, "metadata.uid", NULL, "metadata.uid: missing" },
	{ POD, "spec", NULL, "spec: missing" },
	{ POD, "spec.nodeName", "1", "spec.nodeName: expected string, got number" },
	{ POD, "spec.readinessGates", "{}", "spec.readinessGates: expected array, got object" },
	{ POD, "spec.readinessGates[0]", "'x'", "spec.readinessGates[0]: expected object, got string" },
	{ POD, "spec.readinessGates[0].conditionType", NULL, "spec.readinessGates[0].conditionType: missing" },
	{ POD, "spec.readinessGates[0].conditionType", "1", "spec.readinessGates[0].conditionType: expected string, got number" },
	{ POD, "status", "'Running'", "status: expected object, got string" },
	{ POD, "status.phase", "1", "status.phase: expected string, got number" },
	{ POD, "status.conditions", "{}", "status.conditions: expected array, got object" },
	{ POD, "status.conditions[1]", "1", "status.conditions[1]: expected object, got number" },
	{ POD, "status.conditions[0].type", NULL, "status.conditions[0].type: missing" },
	{ POD, "status.conditions[0].status", NULL, "status.conditions[0].status: missing" },
	{ POD, "status.conditions[0].status", "true", "status.conditions[0].status: expected string, got boolean" },
	{ POD, "status.conditions[0].status", "'Yes'", "status.conditions[0].status: 'Yes' is not one of True, False, Unknown" },
	{ POD, "status.conditions[1].reason", "1", "status.conditions[1].reason: expected string, got number" },
	{ POD, "status.conditions[1].lastTransitionTime", "1", "status.conditions[1].lastTransitionTime: expected string, got number" },
	{ POD, "status.podIPs", "'10.0.0.1'", "status.podIPs: expected array, got string" },
	{ POD, "status.podIPs[1]", "'fd00::1'", "status.podIPs[1]: expected object, got string" },
	{ POD, "status.podIPs[1].ip", NULL, "status.podIPs[1].ip: missing" },
	{ POD, "status.podIPs[0].ip", "'pod'", "status.podIPs[0].ip: 'pod' is not an IP address" },
	{ POD, "status.podIP", "1", "status.podIP: expected string, got number" },
};

/* Split "a.b[2].c" one component at a time; keys may contain '.' only in
 * annotation/label maps, handled by taking the rest after those maps. */
static cJSON *walk(cJSON *root, const char *path, char *last, size_t len)
{
	char buf[256], *p = buf, *dot;
	cJSON *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (;;) {
		bool map = cur != root && (!strcmp(cur->string ?: "", "labels") ||
			   !strcmp(cur->string ?: "", "annotations"));
		char *br;

		dot = map ? NULL : strchr(p, '.');
		if (dot)
			*dot = '\0';
		br = strchr(p, '[');
		if (!dot && !br) {
			snprintf(last, len, "%s", p);
			return cur;
		}
		if (br) {
			int i = atoi(br + 1);

			*br = '\0';
			cur = cJSON_GetObjectItemCaseSensitive(cur, p);
			if (!dot) {
				snprintf(last, len, "#%d", i);
				return cur;
			}
			cur = cJSON_GetArrayItem(cur, i);
		} else {
			cur = cJSON_GetObjectItemCaseSensitive(cur, p);
		}
		assert_non_null(cur);
		p = dot + 1;
	}
}

static void mutate(cJSON *root, const struct mutation *m)
{
	char last[256];
	cJSON *parent = walk(root, m->path, last, sizeof(last));
	cJSON *v = m->value ? json(m->value) : NULL;

	assert_non_null(parent);
	if (last[0] == '#') {
		int i = atoi(last + 1);

		assert_non_null(cJSON_GetArrayItem(parent, i));
		if (v)
			cJSON_ReplaceItemInArray(parent, i, v);
		else
			cJSON_DeleteItemFromArray(parent, i);
	} else if (v) {
		if (cJSON_GetObjectItemCaseSensitive(parent, last))
			cJSON_ReplaceItemInObjectCaseSensitive(parent, last, v);
		else
			cJSON_AddItemToObject(parent, last, v);
	} else {
		assert_non_null(cJSON_GetObjectItemCaseSensitive(parent, last));
		cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
	}
}

static bool parse_kind(enum kind k, cJSON *j, char *err, size_t len)
{
	switch (k) {
	case SVC: {
		struct k8s_service *s = k8s_service_parse(j, err, len);

		k8s_service_free(s);
		return s != NULL;
	}
	case SLICE: {
		struct k8s_slice *s = k8s_slice_parse(j, err, len);

		k8s_slice_free(s);
		return s != NULL;
	}
	case POD: {
		struct k8s_pod *p = k8s_pod_parse(j, err, len);

		k8s_pod_free(p);
		return p != NULL;
	}
	}
	return false;
}

static void test_mutations(void **state)
{
	static const char *const base[] = {
		[SVC] = svc_json, [SLICE] = slice_json, [POD] = pod_json,
	};
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(mutations) / sizeof(*mutations); i++) {
		const struct mutation *m = &mutations[i];
		cJSON *j = json(base[m->kind]);
		char err[256] = "";
		bool ok;

		mutate(j, m);
		ok = parse_kind(m->kind, j, err, sizeof(err));
		if (ok || strcmp(err, m->err)) {
			print_error("mutation %zu (%s): got %s '%s', want '%s'\n",
				    i, m->path, ok ? "success" : "error", err,
				    m->err);
			failures++;
		}
		cJSON_Delete(j);
	}
	assert_int_equal(failures, 0);
}

/* Each base object still parses (the mutations are what breaks them). */
static void test_not_object(void **state)
{
	cJSON *j = json("[1, 2]");
	char err[256];

	(void)state;
	assert_null(k8s_service_parse(j, err, sizeof(err)));
	assert_string_equal(err, "object: expected object, got array");
	assert_null(k8s_slice_parse(j, err, sizeof(err)));
	assert_null(k8s_pod_parse(j, err, sizeof(err)));
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_valid),
		cmocka_unit_test(test_service_minimal),
		cmocka_unit_test(test_service_snat_from),
		cmocka_unit_test(test_slice_valid),
		cmocka_unit_test(test_slice_null_endpoints_and_fqdn),
		cmocka_unit_test(test_pod_valid),
		cmocka_unit_test(test_pod_ip_fallback),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_not_object),
	};

	return cmocka_run_group_tests_name("podvsd_k8s", tests, NULL, NULL);
}
