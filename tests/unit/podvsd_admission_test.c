// SPDX-License-Identifier: GPL-2.0
/*
 * The admission decision: AdmissionReview in, response out.  Patches are
 * decoded from base64 and compared as JSON; every rejection names its
 * field; nothing a client sends crashes it.
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
#include <gnutls/gnutls.h>

#include "podvsd/webhook/admission.h"

/* The test cluster: namespace "on" is labelled, "off" is not; Service
 * "web" of "on" selects app=web,tier=fe. */
static bool ns_enabled(void *ctx, const char *ns)
{
	(void)ctx;
	return !strcmp(ns, "on");
}

static const char *service_for(void *ctx, const char *ns,
			       const struct k8s_kv *labels, size_t n)
{
	static const struct k8s_kv sel[] = {
		{ "app", "web" }, { "tier", "fe" },
	};

	(void)ctx;
	if (strcmp(ns, "on") && strcmp(ns, "off"))
		return NULL;
	return pd_selector_match(sel, 2, labels, n) ? "web" : NULL;
}

static const struct pd_admit_view view = {
	.ns_enabled = ns_enabled,
	.service_for = service_for,
};

#define LABELS_WEB	"{\"app\":\"web\",\"tier\":\"fe\",\"x\":\"y\"}"

static char *review_json(const char *api, const char *ns, const char *op,
			 const char *labels, const char *spec)
{
	char *s;

	if (asprintf(&s, "{\"apiVersion\":\"%s\",\"kind\":\"AdmissionReview\","
		     "\"request\":{\"uid\":\"u-1\",\"kind\":{\"group\":\"\","
		     "\"version\":\"v1\",\"kind\":\"Pod\"},\"operation\":"
		     "\"%s\",\"namespace\":\"%s\",\"object\":{\"metadata\":"
		     "{\"generateName\":\"web-\",\"labels\":%s},\"spec\":%s}}}",
		     api, op, ns, labels, spec) < 0)
		fail_msg("asprintf");
	return s;
}

static void admit(const char *body, struct pd_admit_out *out)
{
	assert_int_equal(pd_admit(body, strlen(body), &view, out), 0);
	assert_non_null(out->body);
	assert_int_equal(out->len, strlen(out->body));
}

/* The response, checked for the fields every 200 carries. */
static cJSON *response_of(const struct pd_admit_out *out)
{
	cJSON *root = cJSON_Parse(out->body), *resp;

	assert_int_equal(out->status, 200);
	assert_string_equal(out->content_type, "application/json");
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(root, "apiVersion")->valuestring,
			    "admission.k8s.io/v1");
	assert_string_equal(cJSON_GetObjectItem(root, "kind")->valuestring,
			    "AdmissionReview");
	resp = cJSON_GetObjectItem(root, "response");
	assert_string_equal(cJSON_GetObjectItem(resp, "uid")->valuestring,
			    "u-1");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(resp, "allowed")));
	return root;
}

/* The decoded patch of a 200, as compact JSON (NULL: no patch). */
static char *patch_of(const struct pd_admit_out *out)
{
	cJSON *root = response_of(out);
	cJSON *resp = cJSON_GetObjectItem(root, "response");
	cJSON *p = cJSON_GetObjectItem(resp, "patch"), *json;
	gnutls_datum_t in, dec;
	char *s;

	if (!p) {
		assert_null(cJSON_GetObjectItem(resp, "patchType"));
		cJSON_Delete(root);
		return NULL;
	}
	assert_string_equal(cJSON_GetObjectItem(resp, "patchType")->valuestring,
			    "JSONPatch");
	in.data = (unsigned char *)p->valuestring;
	in.size = strlen(p->valuestring);
	assert_int_equal(gnutls_base64_decode2(&in, &dec), 0);
	json = cJSON_ParseWithLength((char *)dec.data, dec.size);
	assert_non_null(json);
	s = cJSON_PrintUnformatted(json);
	gnutls_free(dec.data);
	cJSON_Delete(json);
	cJSON_Delete(root);
	return s;
}

static void expect_patch(const char *labels, const char *spec,
			 const char *want)
{
	char *body = review_json("admission.k8s.io/v1", "on", "CREATE",
				 labels, spec);
	struct pd_admit_out out;
	char *got;

	admit(body, &out);
	got = patch_of(&out);
	if (!want) {
		assert_null(got);
		assert_true(out.verdict == PD_ADMIT_UNCHANGED);
	} else {
		assert_non_null(got);
		assert_string_equal(got, want);
		assert_int_equal(out.verdict, PD_ADMIT_PATCHED);
	}
	free(got);
	pd_admit_out_fini(&out);
	free(body);
}

static void test_gate_added(void **state)
{
	(void)state;
	expect_patch(LABELS_WEB, "{\"containers\":[]}",
		     "[{\"op\":\"add\",\"path\":\"/spec/readinessGates\","
		     "\"value\":[{\"conditionType\":\"podvs.io/backend-ready\"}]}]");
	expect_patch(LABELS_WEB, "{\"readinessGates\":null}",
		     "[{\"op\":\"add\",\"path\":\"/spec/readinessGates\","
		     "\"value\":[{\"conditionType\":\"podvs.io/backend-ready\"}]}]");
	expect_patch(LABELS_WEB, "{\"readinessGates\":[]}",
		     "[{\"op\":\"add\",\"path\":\"/spec/readinessGates\","
		     "\"value\":[{\"conditionType\":\"podvs.io/backend-ready\"}]}]");
}

static void test_gate_appended(void **state)
{
	(void)state;
	expect_patch(LABELS_WEB, "{\"readinessGates\":[{\"conditionType\":"
		     "\"example.com/other\"}]}",
		     "[{\"op\":\"add\",\"path\":\"/spec/readinessGates/-\","
		     "\"value\":{\"conditionType\":\"podvs.io/backend-ready\"}}]");
}

static void test_gate_present(void **state)
{
	(void)state;
	expect_patch(LABELS_WEB, "{\"readinessGates\":[{\"conditionType\":"
		     "\"example.com/other\"},{\"conditionType\":"
		     "\"podvs.io/backend-ready\"}]}", NULL);
}

static void test_not_matching(void **state)
{
	(void)state;
	/* a label missing, a value different, no labels at all */
	expect_patch("{\"app\":\"web\"}", "{}", NULL);
	expect_patch("{\"app\":\"web\",\"tier\":\"be\"}", "{}", NULL);
	expect_patch("null", "{}", NULL);
	expect_patch("{}", "{}", NULL);
}

static void expect_unchanged(const char *body, enum pd_admit_verdict v,
			     const char *why)
{
	struct pd_admit_out out;

	admit(body, &out);
	assert_null(patch_of(&out));
	assert_int_equal(out.verdict, v);
	if (!strstr(out.why, why))
		fail_msg("reason '%s' lacks '%s'", out.why, why);
	if (v == PD_ADMIT_WARNED && !strstr(out.body, "\"warnings\""))
		fail_msg("no warning in %s", out.body);
	pd_admit_out_fini(&out);
}

static void test_namespace_not_labelled(void **state)
{
	char *body = review_json("admission.k8s.io/v1", "off", "CREATE",
				 LABELS_WEB, "{}");

	(void)state;
	expect_unchanged(body, PD_ADMIT_UNCHANGED, "not labelled");
	free(body);
}

static void test_not_create(void **state)
{
	char *body = review_json("admission.k8s.io/v1", "on", "UPDATE",
				 LABELS_WEB, "{}");

	(void)state;
	expect_unchanged(body, PD_ADMIT_UNCHANGED, "only CREATE");
	free(body);
}

static void test_malformed_pod(void **state)
{
	char *a = review_json("admission.k8s.io/v1", "on", "CREATE",
			      "{\"app\":7}", "{}");
	char *b = review_json("admission.k8s.io/v1", "on", "CREATE",
			      LABELS_WEB, "{\"readinessGates\":{}}");
	char *c = review_json("admission.k8s.io/v1", "on", "CREATE",
			      LABELS_WEB, "[]");

	(void)state;
	expect_unchanged(a, PD_ADMIT_WARNED,
			 "request.object.metadata.labels.app: expected string");
	expect_unchanged(b, PD_ADMIT_WARNED,
			 "spec.readinessGates: expected array, got object");
	expect_unchanged(c, PD_ADMIT_WARNED, "spec: expected object");
	free(a);
	free(b);
	free(c);
}

static void test_not_a_pod(void **state)
{
	(void)state;
	expect_unchanged("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":"
			 "\"AdmissionReview\",\"request\":{\"uid\":\"u-1\","
			 "\"kind\":{\"group\":\"apps\",\"version\":\"v1\","
			 "\"kind\":\"Deployment\"},\"operation\":\"CREATE\","
			 "\"namespace\":\"on\",\"object\":{}}}",
			 PD_ADMIT_WARNED, "'Deployment' is not a core/v1 Pod");
	expect_unchanged("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":"
			 "\"AdmissionReview\",\"request\":{\"uid\":\"u-1\","
			 "\"kind\":{\"group\":\"\",\"version\":\"v1\","
			 "\"kind\":\"Pod\"},\"operation\":\"CREATE\","
			 "\"namespace\":\"on\",\"object\":7}}",
			 PD_ADMIT_WARNED, "request.object: expected object");
	expect_unchanged("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":"
			 "\"AdmissionReview\",\"request\":{\"uid\":\"u-1\","
			 "\"kind\":{\"group\":\"\",\"version\":\"v1\","
			 "\"kind\":\"Pod\"},\"operation\":\"CREATE\","
			 "\"object\":{}}}",
			 PD_ADMIT_WARNED, "request.namespace: missing");
}

static const struct {
	const char *body;
	const char *why;
} bad[] = {
	{ "", "not valid JSON" },
	{ "{\"apiVersion\": ", "not valid JSON" },
	{ "[1,2]", "expected an AdmissionReview object, got array" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":"
	  "\"AdmissionReview\",\"request\":{\"uid\":\"u\"}}",
	  "apiVersion: 'admission.k8s.io/v1beta1' is not supported" },
	{ "{\"kind\":\"AdmissionReview\"}", "apiVersion: '(missing)'" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}",
	  "kind: 'Pod' is not AdmissionReview" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":"
	  "\"AdmissionReview\"}", "request: expected object, got nothing" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":"
	  "\"AdmissionReview\",\"request\":{}}", "request.uid: missing" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":"
	  "\"AdmissionReview\",\"request\":{\"uid\":5}}",
	  "request.uid: missing" },
};

static void test_bad_requests(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct pd_admit_out out;

		admit(bad[i].body, &out);
		assert_int_equal(out.status, 400);
		assert_int_equal(out.verdict, PD_ADMIT_BAD_REQUEST);
		if (!strstr(out.body, bad[i].why))
			fail_msg("case %zu: '%s' lacks '%s'", i, out.body,
				 bad[i].why);
		pd_admit_out_fini(&out);
	}
}

/* Truncations and byte flips of a valid review never crash and always
 * answer 200 or 400. */
static void test_mangled(void **state)
{
	char *body = review_json("admission.k8s.io/v1", "on", "CREATE",
				 LABELS_WEB, "{\"readinessGates\":[]}");
	size_t len = strlen(body);

	(void)state;
	for (size_t i = 0; i <= len; i++) {
		struct pd_admit_out out;
		char *m = strdup(body);

		assert_int_equal(pd_admit(m, i, &view, &out), 0);
		assert_true(out.status == 200 || out.status == 400);
		pd_admit_out_fini(&out);
		if (i < len) {
			m[i] ^= 0x5a;
			assert_int_equal(pd_admit(m, len, &view, &out), 0);
			assert_true(out.status == 200 || out.status == 400);
			pd_admit_out_fini(&out);
		}
		free(m);
	}
	free(body);
}

static void test_selector(void **state)
{
	static const struct k8s_kv sel[] = { { "a", "1" }, { "b", "2" } };
	static const struct k8s_kv l1[] = { { "b", "2" }, { "a", "1" } };
	static const struct k8s_kv l2[] = { { "a", "1" }, { "b", "3" } };

	(void)state;
	assert_true(pd_selector_match(sel, 2, l1, 2));
	assert_true(pd_selector_match(sel, 1, l2, 2));
	assert_false(pd_selector_match(sel, 2, l2, 2));
	assert_false(pd_selector_match(sel, 2, l1, 1));
	assert_false(pd_selector_match(sel, 0, l1, 2));	/* empty: none */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate_added),
		cmocka_unit_test(test_gate_appended),
		cmocka_unit_test(test_gate_present),
		cmocka_unit_test(test_not_matching),
		cmocka_unit_test(test_namespace_not_labelled),
		cmocka_unit_test(test_not_create),
		cmocka_unit_test(test_malformed_pod),
		cmocka_unit_test(test_not_a_pod),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_mangled),
		cmocka_unit_test(test_selector),
	};

	return cmocka_run_group_tests_name("podvsd_admission", tests, NULL,
					   NULL);
}
