// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd desired state: which Services are selected, their VIPs, one VS
 * per VIP and TCP/UDP port, dests per family, targetPort resolution, the
 * endpoint-state rules, session affinity, scheduler annotations, owner tags.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "podvsd/sync/desired.h"

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };

static cJSON *json(const char *sq)
{
	char *s = strdup(sq);
	cJSON *j;

	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(s);
	free(s);
	return j;
}

/* A Service: @meta_extra inside metadata, @spec_extra inside spec. */
static struct k8s_service *svc(const char *meta_extra, const char *spec,
			       const char *ingress)
{
	char buf[4096], err[256];
	cJSON *j;
	struct k8s_service *s;

	snprintf(buf, sizeof(buf),
		 "{'metadata': {'name': 'web', 'namespace': 'shop', "
		 "'uid': 'u1', 'resourceVersion': '1'%s%s}, 'spec': {%s}, "
		 "'status': {'loadBalancer': {'ingress': [%s]}}}",
		 *meta_extra ? ", " : "", meta_extra, spec, ingress);
	j = json(buf);
	assert_non_null(j);
	s = k8s_service_parse(j, err, sizeof(err));
	if (!s)
		fail_msg("service: %s", err);
	cJSON_Delete(j);
	return s;
}

#define CLASS	"'type': 'LoadBalancer', 'loadBalancerClass': 'podvs.io/direct'"
#define HTTP	"'ports': [{'name': 'http', 'port': 80, 'targetPort': 8080}]"
#define VIP4	"{'ip': '192.0.2.1'}"
#define VIP6	"{'ip': '2001:db8::1'}"

static struct k8s_slice *slice(const char *name, const char *type,
			       const char *endpoints, const char *ports)
{
	char buf[4096], err[256];
	cJSON *j;
	struct k8s_slice *s;

	snprintf(buf, sizeof(buf),
		 "{'metadata': {'name': '%s', 'namespace': 'shop', 'uid': 'x',"
		 " 'resourceVersion': '1', 'labels': "
		 "{'kubernetes.io/service-name': 'web'}}, 'addressType': '%s',"
		 " 'endpoints': [%s], 'ports': [%s]}",
		 name, type, endpoints, ports);
	j = json(buf);
	assert_non_null(j);
	s = k8s_slice_parse(j, err, sizeof(err));
	if (!s)
		fail_msg("slice: %s", err);
	cJSON_Delete(j);
	return s;
}

#define READY(ip)	"{'addresses': ['" ip "'], 'conditions': {'ready': true, "\
			"'serving': true, 'terminating': false}}"
#define TERM(ip)	"{'addresses': ['" ip "'], 'conditions': {'ready': false, "\
			"'serving': true, 'terminating': true}}"
#define GONE(ip)	"{'addresses': ['" ip "'], 'conditions': {'ready': false, "\
			"'serving': false, 'terminating': true}}"
#define UNREADY(ip)	"{'addresses': ['" ip "'], 'conditions': {'ready': false, "\
			"'serving': false, 'terminating': false}}"
#define P_HTTP(n)	"{'name': 'http', 'port': " #n ", 'protocol': 'TCP'}"

struct fixture {
	struct k8s_service *s;
	struct k8s_slice *sl[4];
	size_t n;
	struct pd_addr alloc[2];
	size_t n_alloc;
	struct pd_plan plan;
	char err[256];
};

static int run(struct fixture *f)
{
	struct pd_desired_in in = {
		.svc = f->s,
		.slices = (const struct k8s_slice *const *)f->sl,
		.n_slices = f->n,
		.alloc = f->alloc,
		.n_alloc = f->n_alloc,
		.log = &quiet,
	};

	return pd_desired_service(&in, &f->plan, f->err, sizeof(f->err));
}

static void fixture_free(struct fixture *f)
{
	pd_plan_fini(&f->plan);
	k8s_service_free(f->s);
	for (size_t i = 0; i < f->n; i++)
		k8s_slice_free(f->sl[i]);
}

/* Render the plan: "TCP 192.0.2.1:80 mh 0 -> 10.0.0.1:8080 w1 f0, ..." */
static const char *render(const struct pd_plan *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		const struct pd_vs *vs = p->vs[i];
		char k[PD_VS_KEY_STRLEN];

		o += snprintf(buf + o, len - o, "%s%s %s f%u", i ? "; " : "",
			      pd_vs_key_str(&vs->key, k), vs->sched,
			      vs->flags);
		if (vs->flags & PODVS_SVC_F_PERSISTENT)
			o += snprintf(buf + o, len - o, " t%u/%u", vs->timeout,
				      vs->netmask);
		for (size_t j = 0; j < vs->n_dests; j++) {
			char d[PD_ADDR_STRLEN + 8];

			o += snprintf(buf + o, len - o, " %s%s",
				      pd_dest_str(&vs->key, &vs->dests[j], d),
				      vs->dests[j].flags & PODVS_DEST_F_DRAIN ?
				      "(drain)" : "");
		}
	}
	return buf;
}

static void expect_plan(struct fixture *f, const char *want)
{
	char buf[4096];

	assert_int_equal(run(f), 0);
	assert_string_equal(render(&f->plan, buf, sizeof(buf)), want);
	fixture_free(f);
}

static void test_selection(void **state)
{
	static const struct {
		const char *meta, *spec;
		enum pd_selection sel;
	} cases[] = {
		{ "", CLASS, PD_SEL_CLASS },
		{ "", "'loadBalancerClass': 'other.io/lb'", PD_SEL_NONE },
		{ "'annotations': {'podvs.io/direct-access': 'true'}", "",
		  PD_SEL_ANNOTATION },
		{ "'annotations': {'podvs.io/direct-access': 'false'}", "",
		  PD_SEL_NONE },
		{ "'annotations': {'podvs.io/direct-access': 'TRUE'}", "",
		  PD_SEL_NONE },
		{ "", "", PD_SEL_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct k8s_service *s = svc(cases[i].meta, cases[i].spec, "");

		assert_int_equal(pd_svc_selected(s), cases[i].sel);
		k8s_service_free(s);
	}
}

static void test_not_selected_wants_nothing(void **state)
{
	struct fixture f = { .s = svc("", HTTP, VIP4) };

	(void)state;
	f.sl[f.n++] = slice("a", "IPv4", READY("10.0.0.1"), P_HTTP(8080));
	expect_plan(&f, "");
}

static void test_deleting_and_external_name(void **state)
{
	struct fixture f = {
		.s = svc("'deletionTimestamp': '2024-01-01T00:00:00Z'",
			 CLASS ", " HTTP, VIP4),
	};
	struct fixture g = {
		.s = svc("'annotations': {'podvs.io/direct-access': 'true'}",
			 "'type': 'ExternalName', " HTTP, VIP4),
	};

	(void)state;
	f.sl[f.n++] = slice("a", "IPv4", READY("10.0.0.1"), P_HTTP(8080));
	expect_plan(&f, "");
	expect_plan(&g, "");
}

static void test_basic(void **state)
{
	struct fixture f = { .s = svc("", CLASS ", " HTTP, VIP4) };

	(void)state;
	f.sl[f.n++] = slice("a", "IPv4",
			    READY("10.0.0.2") "," READY("10.0.0.1"),
			    P_HTTP(8080));
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0 10.0.0.1:8080 10.0.0.2:8080");
}

static void test_annotation_selected_external_ips(void **state)
{
	struct fixture f = {
		.s = svc("'annotations': {'podvs.io/direct-access': 'true'}",
			 HTTP ", 'externalIPs': ['198.51.100.9', '192.0.2.1']",
			 VIP4),
	};

	(void)state;
	f.sl[f.n++] = slice("a", "IPv4", READY("10.0.0.1"), P_HTTP(8080));
	/* 192.0.2.1 is both ingress and external: one VS */
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0 10.0.0.1:8080; "
			"TCP 198.51.100.9:80 mh f0 10.0.0.1:8080");
}

static void test_no_vip_no_vs(void **state)
{
	struct fixture f = { .s = svc("", CLASS ", " HTTP, "") };

	(void)state;
	f.sl[f.n++] = slice("a", "IPv4", READY("10.0.0.1"), P_HTTP(8080));
	expect_plan(&f, "");
}

static void test_allocated_vip(void **state)
{
	struct fixture f = { .s = svc("", CLASS ", " HTTP, "") };

	(void)state;
	pd_addr_parse("203.0.113.5", &f.alloc[0]);
	f.n_alloc = 1;
	f.sl[f.n++] = slice("a", "IPv4", READY("10.0.0.1"), P_HTTP(8080));
	expect_plan(&f, "TCP 203.0.113.5:80 mh f0 10.0.0.1:8080");
}

static void test_ports_tcp_udp_sctp(void **state)
{
	struct fixture f = {
		.s = svc("", CLASS ", 'ports': ["
			 "{'name': 'dns', 'port': 53, 'protocol': 'UDP'},"
			 "{'name': 'dnst', 'port': 53, 'protocol': 'TCP'},"
			 "{'name': 's', 'port': 9, 'protocol': 'SCTP'}]", VIP4),
	};

	(void)state;
	f.sl[f.n++] = slice("a", "IPv4", READY("10.0.0.1"),
			    "{'name': 'dns', 'port': 5353, 'protocol': 'UDP'},"
			    "{'name': 'dnst', 'port': 5354, 'protocol': 'TCP'},"
			    "{'name': 's', 'port': 9, 'protocol': 'SCTP'}");
	/* sorted by VIP, port, then protocol (TCP=6 < UDP=17) */
	expect_plan(&f, "TCP 192.0.2.1:53 mh f0 10.0.0.1:5354; "
			"UDP 192.0.2.1:53 mh f0 10.0.0.1:5353");
}

static void test_dual_stack(void **state)
{
	struct fixture f = {
		.s = svc("", CLASS ", " HTTP ", 'ipFamilies': ['IPv4','IPv6']",
			 VIP6 "," VIP4),
	};

	(void)state;
	f.sl[f.n++] = slice("v4", "IPv4", READY("10.0.0.1"), P_HTTP(8080));
	f.sl[f.n++] = slice("v6", "IPv6", READY("fd00::1"), P_HTTP(8080));
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0 10.0.0.1:8080; "
			"TCP [2001:db8::1]:80 mh f0 [fd00::1]:8080");
}

static void test_target_port_by_name(void **state)
{
	struct fixture f = {
		.s = svc("", CLASS ", 'ports': [{'name': 'http', 'port': 80,"
			 " 'targetPort': 'web'}]", VIP4),
	};

	(void)state;
	/* two Pod templates during a rollout: 'web' resolves differently */
	f.sl[f.n++] = slice("a", "IPv4", READY("10.0.0.1"), P_HTTP(8080));
	f.sl[f.n++] = slice("b", "IPv4", READY("10.0.0.2"), P_HTTP(9090));
	/* a slice without the port name serves nothing for it */
	f.sl[f.n++] = slice("c", "IPv4", READY("10.0.0.3"),
			    "{'name': 'metrics', 'port': 9100}");
	/* named targetPort and a slice without ports: unresolvable */
	f.sl[f.n++] = slice("d", "IPv4", READY("10.0.0.4"), "");
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0 10.0.0.1:8080 10.0.0.2:9090");
}

static void test_target_port_numeric_fallback(void **state)
{
	struct fixture f = { .s = svc("", CLASS ", " HTTP, VIP4) };

	(void)state;
	/* no ports in the slice, or a port without number: numeric target */
	f.sl[f.n++] = slice("a", "IPv4", READY("10.0.0.1"), "");
	f.sl[f.n++] = slice("b", "IPv4", READY("10.0.0.2"),
			    "{'name': 'http'}");
	/* protocol must match too */
	f.sl[f.n++] = slice("c", "IPv4", READY("10.0.0.3"),
			    "{'name': 'http', 'port': 7, 'protocol': 'UDP'}");
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0 10.0.0.1:8080 10.0.0.2:8080");
}

static void test_endpoint_states(void **state)
{
	struct fixture f = { .s = svc("", CLASS ", " HTTP, VIP4) };

	(void)state;
	f.sl[f.n++] = slice("a", "IPv4",
			    READY("10.0.0.1") "," TERM("10.0.0.2") ","
			    GONE("10.0.0.3") "," UNREADY("10.0.0.4"),
			    P_HTTP(8080));
	/* ready: active; serving+terminating: draining; others: absent */
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0 10.0.0.1:8080 "
			"10.0.0.2:8080(drain)");
}

static void test_fallback_to_terminating(void **state)
{
	struct fixture f = { .s = svc("", CLASS ", " HTTP, VIP4) };

	(void)state;
	f.sl[f.n++] = slice("a", "IPv4",
			    TERM("10.0.0.2") "," TERM("10.0.0.1") ","
			    UNREADY("10.0.0.4"), P_HTTP(8080));
	/* none ready: serving-terminating endpoints take traffic */
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0 10.0.0.1:8080 10.0.0.2:8080");
}

static void test_fallback_per_family(void **state)
{
	struct fixture f = {
		.s = svc("", CLASS ", " HTTP, VIP4 "," VIP6),
	};

	(void)state;
	f.sl[f.n++] = slice("v4", "IPv4", READY("10.0.0.1") ","
			    TERM("10.0.0.2"), P_HTTP(8080));
	f.sl[f.n++] = slice("v6", "IPv6", TERM("fd00::2"), P_HTTP(8080));
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0 10.0.0.1:8080 "
			"10.0.0.2:8080(drain); "
			"TCP [2001:db8::1]:80 mh f0 [fd00::2]:8080");
}

static void test_duplicates_best_state(void **state)
{
	struct fixture f = { .s = svc("", CLASS ", " HTTP, VIP4) };

	(void)state;
	/* the same Pod in two slices (slice churn): counted once, ready */
	f.sl[f.n++] = slice("a", "IPv4", TERM("10.0.0.1") "," READY("10.0.0.2"),
			    P_HTTP(8080));
	f.sl[f.n++] = slice("b", "IPv4", READY("10.0.0.1"), P_HTTP(8080));
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0 10.0.0.1:8080 10.0.0.2:8080");
}

static void test_first_address_only(void **state)
{
	struct fixture f = { .s = svc("", CLASS ", " HTTP, VIP4) };

	(void)state;
	f.sl[f.n++] = slice("a", "IPv4",
			    "{'addresses': ['10.0.0.1', '10.0.0.9']}",
			    P_HTTP(8080));
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0 10.0.0.1:8080");
}

static void test_no_endpoints_keeps_vs(void **state)
{
	struct fixture f = { .s = svc("", CLASS ", " HTTP, VIP4) };

	(void)state;
	f.sl[f.n++] = slice("a", "IPv4", UNREADY("10.0.0.1"), P_HTTP(8080));
	expect_plan(&f, "TCP 192.0.2.1:80 mh f0");
}

static void test_affinity(void **state)
{
	struct fixture f = {
		.s = svc("", CLASS ", " HTTP ", 'sessionAffinity': 'ClientIP'",
			 VIP4 "," VIP6),
	};
	struct fixture g = {
		.s = svc("", CLASS ", " HTTP ", 'sessionAffinity': 'ClientIP',"
			 " 'sessionAffinityConfig': {'clientIP': "
			 "{'timeoutSeconds': 60}}", VIP4),
	};
	struct fixture h = {
		.s = svc("", CLASS ", " HTTP ", 'sessionAffinity': 'None',"
			 " 'sessionAffinityConfig': {'clientIP': "
			 "{'timeoutSeconds': 60}}", VIP4),
	};

	(void)state;
	expect_plan(&f, "TCP 192.0.2.1:80 mh f1 t10800/32; "
			"TCP [2001:db8::1]:80 mh f1 t10800/128");
	expect_plan(&g, "TCP 192.0.2.1:80 mh f1 t60/32");
	expect_plan(&h, "TCP 192.0.2.1:80 mh f0");
}

static void test_scheduler_annotation(void **state)
{
	static const char *const ok[] = { "mh", "rr", "wrr", "lc", "sh" };

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		char meta[128], want[128];
		struct fixture f;

		snprintf(meta, sizeof(meta),
			 "'annotations': {'podvs.io/scheduler': '%s'}", ok[i]);
		memset(&f, 0, sizeof(f));
		f.s = svc(meta, CLASS ", " HTTP, VIP4);
		snprintf(want, sizeof(want), "TCP 192.0.2.1:80 %s f0", ok[i]);
		expect_plan(&f, want);
	}
}

/*
 * D14: a bad annotation is reported (PD_DESIRED_BAD and @msg, the Warning
 * Event's text) but freezes nothing: that attribute takes its default
 * (no plan in force here) and the dests still follow the endpoints
 * (@want, the plan with 10.0.0.1 ready).
 */
static void expect_invalid(const char *ann, const char *msg,
			   const char *want)
{
	char meta[256], buf[4096];
	struct fixture f = { 0 };

	snprintf(meta, sizeof(meta), "'annotations': {%s}", ann);
	f.s = svc(meta, CLASS ", " HTTP, VIP4);
	f.sl[f.n++] = slice("a", "IPv4", READY("10.0.0.1"), P_HTTP(8080));
	assert_int_equal(run(&f), PD_DESIRED_BAD);
	assert_string_equal(f.err, msg);
	assert_string_equal(render(&f.plan, buf, sizeof(buf)), want);
	fixture_free(&f);
}

#define DEST1 " 10.0.0.1:8080"

static void test_scheduler_invalid(void **state)
{
	(void)state;
	expect_invalid("'podvs.io/scheduler': 'wlc'",
		       "annotation podvs.io/scheduler: 'wlc' is not one of mh, "
		       "sh, rr, wrr, lc", "TCP 192.0.2.1:80 mh f0" DEST1);
	expect_invalid("'podvs.io/scheduler': ''",
		       "annotation podvs.io/scheduler: '' is not one of mh, "
		       "sh, rr, wrr, lc", "TCP 192.0.2.1:80 mh f0" DEST1);
	expect_invalid("'podvs.io/scheduler-flags': 'sh-port'",
		       "annotation podvs.io/scheduler-flags: 'sh-port' needs "
		       "scheduler sh, not mh", "TCP 192.0.2.1:80 mh f0" DEST1);
	/* the scheduler and its flags are one attribute: both fall back */
	expect_invalid("'podvs.io/scheduler': 'rr', "
		       "'podvs.io/scheduler-flags': 'mh-port'",
		       "annotation podvs.io/scheduler-flags: 'mh-port' needs "
		       "scheduler mh, not rr", "TCP 192.0.2.1:80 mh f0" DEST1);
	expect_invalid("'podvs.io/scheduler-flags': 'mh-port,bogus'",
		       "annotation podvs.io/scheduler-flags: 'bogus' is not "
		       "one of mh-port, mh-fallback, sh-port, sh-fallback",
		       "TCP 192.0.2.1:80 mh f0" DEST1);
}

/*
 * D14: with a plan in force, a bad scheduler keeps the one programmed
 * (rr), not the default, while a new endpoint still gets its dest.
 */
static void test_invalid_keeps_last(void **state)
{
	struct fixture f = { 0 }, g = { 0 };
	struct pd_desired_in in = { .log = &quiet };
	char buf[4096];

	(void)state;
	f.s = svc("'annotations': {'podvs.io/scheduler': 'rr'}",
		  CLASS ", " HTTP, VIP4);
	f.sl[f.n++] = slice("a", "IPv4", READY("10.0.0.1"), P_HTTP(8080));
	assert_int_equal(run(&f), 0);
	g.s = svc("'annotations': {'podvs.io/scheduler': 'wlc'}",
		  CLASS ", " HTTP, VIP4);
	g.sl[g.n++] = slice("a", "IPv4", READY("10.0.0.1") ", "
			    READY("10.0.0.2"), P_HTTP(8080));
	in.svc = g.s;
	in.slices = (const struct k8s_slice *const *)g.sl;
	in.n_slices = g.n;
	in.last = &f.plan;
	assert_int_equal(pd_desired_service(&in, &g.plan, g.err,
					    sizeof(g.err)), PD_DESIRED_BAD);
	assert_non_null(strstr(g.err, "podvs.io/scheduler"));
	assert_string_equal(render(&g.plan, buf, sizeof(buf)),
			    "TCP 192.0.2.1:80 rr f0" DEST1
			     " 10.0.0.2:8080");
	fixture_free(&f);
	fixture_free(&g);
}

/* "VIP: p1 p2; VIP: ..." for each VS's SNAT prefixes. */
static const char *snat_str(const struct pd_plan *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		char a[PD_ADDR_STRLEN];

		o += snprintf(buf + o, len - o, "%s%s:", i ? "; " : "",
			      pd_addr_str(&p->vs[i]->key.vip, a));
		for (size_t j = 0; j < p->vs[i]->n_snat; j++)
			o += snprintf(buf + o, len - o, " %s/%u",
				      pd_addr_str(&p->vs[i]->snat[j].addr, a),
				      p->vs[i]->snat[j].plen);
	}
	return buf;
}

/* @ann: the Service's annotations; @dflt: --snat-from. */
static int run_snat(const char *ann, const char *dflt, char *out, size_t len,
		    char *err)
{
	struct pd_cidr def[PODVS_SNAT_RANGES_MAX];
	size_t n_def = 0;
	char meta[512], why[160];
	struct fixture f = { 0 };
	struct pd_desired_in in = { .log = &quiet };
	int ret;

	assert_int_equal(pd_prefix_list_parse(dflt, def, PODVS_SNAT_RANGES_MAX,
					      &n_def, why, sizeof(why)), 0);
	snprintf(meta, sizeof(meta), "'annotations': {%s}", ann);
	f.s = svc(meta, CLASS ", " HTTP ", 'ipFamilies': ['IPv4','IPv6']",
		  VIP6 "," VIP4);
	in.svc = f.s;
	in.snat_from = def;
	in.n_snat_from = n_def;
	ret = pd_desired_service(&in, &f.plan, err, 256);
	snat_str(&f.plan, out, len);
	fixture_free(&f);
	return ret;
}

static void test_snat_from(void **state)
{
	char out[512], err[256];

	(void)state;
	/* the option, per family, sorted */
	assert_int_equal(run_snat("", "10.0.0.0/8,fd00::/8,10.0.0.0/16", out,
				  sizeof(out), err), 0);
	assert_string_equal(out, "192.0.2.1: 10.0.0.0/8 10.0.0.0/16; "
			    "2001:db8::1: fd00::/8");
	/* the annotation replaces it */
	assert_int_equal(run_snat("'podvs.io/snat-from': '192.168.0.0/16'",
				  "10.0.0.0/8", out, sizeof(out), err), 0);
	assert_string_equal(out, "192.0.2.1: 192.168.0.0/16; 2001:db8::1:");
	/* "" means none */
	assert_int_equal(run_snat("'podvs.io/snat-from': ''", "10.0.0.0/8",
				  out, sizeof(out), err), 0);
	assert_string_equal(out, "192.0.2.1:; 2001:db8::1:");
	/* none by default */
	assert_int_equal(run_snat("", "", out, sizeof(out), err), 0);
	assert_string_equal(out, "192.0.2.1:; 2001:db8::1:");
}

static void test_snat_from_invalid(void **state)
{
	char out[512], err[256];

	(void)state;
	expect_invalid("'podvs.io/snat-from': '10.0.0.0/8,,10.1.0.0/16'",
		       "annotation podvs.io/snat-from: item 2 is empty",
		       "TCP 192.0.2.1:80 mh f0" DEST1);
	expect_invalid("'podvs.io/snat-from': '10.0.0.1/8'",
		       "annotation podvs.io/snat-from: '10.0.0.1/8': host bits "
		       "set after /8", "TCP 192.0.2.1:80 mh f0" DEST1);
	expect_invalid("'podvs.io/snat-from': 'pods'",
		       "annotation podvs.io/snat-from: 'pods' is not a prefix "
		       "(ADDRESS/LENGTH)", "TCP 192.0.2.1:80 mh f0" DEST1);
	/* the bad value falls back to the default, --snat-from */
	assert_int_equal(run_snat("'podvs.io/snat-from': 'pods'",
				  "10.0.0.0/8", out, sizeof(out), err),
			 PD_DESIRED_BAD);
	assert_string_equal(out, "192.0.2.1: 10.0.0.0/8; 2001:db8::1:");
}

static void test_scheduler_flags(void **state)
{
	struct fixture f = {
		.s = svc("'annotations': {'podvs.io/scheduler': 'sh', "
			 "'podvs.io/scheduler-flags': 'sh-port,sh-fallback'}",
			 CLASS ", " HTTP, VIP4),
	};
	struct fixture g = {
		.s = svc("'annotations': {'podvs.io/scheduler-flags': "
			 "'mh-port'}", CLASS ", " HTTP, VIP4),
	};

	(void)state;
	expect_plan(&f, "TCP 192.0.2.1:80 sh f6");
	expect_plan(&g, "TCP 192.0.2.1:80 mh f2");
}

static void test_owner_tag(void **state)
{
	struct fixture f = { .s = svc("", CLASS ", " HTTP, VIP4) };
	char a[PODVS_OWNER_LEN], b[PODVS_OWNER_LEN], c[PODVS_OWNER_LEN];

	(void)state;
	assert_int_equal(run(&f), 0);
	assert_string_equal(f.plan.vs[0]->owner, "podvsd:shop/web");
	assert_true(pd_owned(f.plan.vs[0]->owner));
	fixture_free(&f);
	/* long names: prefix, truncated key, hash; distinct, fit, stable */
	pd_owner_tag("a-very-long-namespace", "frontend-web-1", a);
	pd_owner_tag("a-very-long-namespace", "frontend-web-2", b);
	pd_owner_tag("a-very-long-namespace", "frontend-web-1", c);
	assert_true(strlen(a) < PODVS_OWNER_LEN);
	assert_true(pd_owned(a));
	assert_string_not_equal(a, b);
	assert_string_equal(a, c);
	assert_memory_equal(a, "podvsd:a-very-long-nam~", 23);
	/* exactly 24 characters of "ns/name" still fit unhashed */
	pd_owner_tag("abcdefghijk", "lmnopqrstuvw", a);
	assert_string_equal(a, "podvsd:abcdefghijk/lmnopqrstuvw");
	assert_false(pd_owned("admin"));
	assert_false(pd_owned("podvs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_not_selected_wants_nothing),
		cmocka_unit_test(test_deleting_and_external_name),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_annotation_selected_external_ips),
		cmocka_unit_test(test_no_vip_no_vs),
		cmocka_unit_test(test_allocated_vip),
		cmocka_unit_test(test_ports_tcp_udp_sctp),
		cmocka_unit_test(test_dual_stack),
		cmocka_unit_test(test_target_port_by_name),
		cmocka_unit_test(test_target_port_numeric_fallback),
		cmocka_unit_test(test_endpoint_states),
		cmocka_unit_test(test_fallback_to_terminating),
		cmocka_unit_test(test_fallback_per_family),
		cmocka_unit_test(test_duplicates_best_state),
		cmocka_unit_test(test_first_address_only),
		cmocka_unit_test(test_no_endpoints_keeps_vs),
		cmocka_unit_test(test_affinity),
		cmocka_unit_test(test_scheduler_annotation),
		cmocka_unit_test(test_scheduler_invalid),
		cmocka_unit_test(test_invalid_keeps_last),
		cmocka_unit_test(test_snat_from),
		cmocka_unit_test(test_snat_from_invalid),
		cmocka_unit_test(test_scheduler_flags),
		cmocka_unit_test(test_owner_tag),
	};

	return cmocka_run_group_tests_name("podvsd_desired", tests, NULL, NULL);
}
