// SPDX-License-Identifier: GPL-2.0
/*
 * The webhook's objects and options: the MutatingWebhookConfiguration
 * podvsd writes and how it judges a stored one, the Secret round trip,
 * and the --webhook-* options with their rejections.
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

#include "podvsd/options.h"
#include "podvsd/webhook/webhook_config.h"

#define CA	"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

static const char *get_str(const cJSON *o, const char *path)
{
	char buf[256], *tok, *save;
	const cJSON *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v;
	     tok = strtok_r(NULL, ".", &save))
		v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, atoi(tok)) :
				       cJSON_GetObjectItemCaseSensitive(v, tok);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_config_fields(void **state)
{
	cJSON *c = pd_wh_config("podvs-webhook", "podvs-system", CA);
	char *b64 = pd_base64(CA);

	(void)state;
	assert_non_null(c);
	assert_string_equal(get_str(c, "metadata.name"), "podvs-readiness-gate");
	assert_string_equal(get_str(c, "webhooks.0.name"),
			    "readiness-gate.podvs.io");
	assert_string_equal(get_str(c, "webhooks.0.failurePolicy"), "Ignore");
	assert_string_equal(get_str(c, "webhooks.0.sideEffects"), "None");
	assert_string_equal(get_str(c, "webhooks.0.admissionReviewVersions.0"),
			    "v1");
	assert_string_equal(get_str(c, "webhooks.0.clientConfig.service.name"),
			    "podvs-webhook");
	assert_string_equal(get_str(c,
			    "webhooks.0.clientConfig.service.namespace"),
			    "podvs-system");
	assert_string_equal(get_str(c, "webhooks.0.clientConfig.service.path"),
			    "/mutate");
	assert_string_equal(get_str(c, "webhooks.0.clientConfig.caBundle"),
			    b64);
	assert_string_equal(get_str(c, "webhooks.0.rules.0.operations.0"),
			    "CREATE");
	assert_string_equal(get_str(c, "webhooks.0.rules.0.resources.0"),
			    "pods");
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(c,
		"webhooks"), 0), "namespaceSelector"), "matchLabels"),
		"podvs.io/readiness-gate-inject"));
	free(b64);
	cJSON_Delete(c);
}

/* A stored copy with server-side additions passes; each damage is named. */
static void test_config_check(void **state)
{
	cJSON *want = pd_wh_config("podvs-webhook", "podvs-system", CA);
	cJSON *have = cJSON_Duplicate(want, true), *w;
	char why[200];

	(void)state;
	w = cJSON_GetArrayItem(cJSON_GetObjectItem(have, "webhooks"), 0);
	cJSON_AddStringToObject(w, "matchPolicy", "Equivalent");
	cJSON_AddStringToObject(cJSON_GetObjectItem(have, "metadata"),
				"resourceVersion", "12");
	assert_int_equal(pd_wh_config_check(have, want, why, sizeof(why)), 0);

	cJSON_ReplaceItemInObject(w, "failurePolicy",
				  cJSON_CreateString("Fail"));
	assert_int_equal(pd_wh_config_check(have, want, why, sizeof(why)), -1);
	assert_string_equal(why, "webhooks[0].failurePolicy differs");
	cJSON_ReplaceItemInObject(w, "failurePolicy",
				  cJSON_CreateString("Ignore"));

	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(w, "clientConfig"),
				  "caBundle", cJSON_CreateString("AAAA"));
	assert_int_equal(pd_wh_config_check(have, want, why, sizeof(why)), -1);
	assert_string_equal(why, "webhooks[0].clientConfig.caBundle differs");

	cJSON_DeleteItemFromObject(w, "clientConfig");
	assert_int_equal(pd_wh_config_check(have, want, why, sizeof(why)), -1);
	assert_string_equal(why, "webhooks[0].clientConfig differs");

	cJSON_AddItemToArray(cJSON_GetObjectItem(have, "webhooks"),
			     cJSON_CreateObject());
	assert_int_equal(pd_wh_config_check(have, want, why, sizeof(why)), -1);
	assert_string_equal(why, "webhooks differs");
	cJSON_Delete(have);
	cJSON_Delete(want);
}

static void test_contains(void **state)
{
	cJSON *a = cJSON_Parse("{\"x\":[1,{\"y\":\"z\",\"e\":2}],\"n\":null}");
	cJSON *b = cJSON_Parse("{\"x\":[1,{\"y\":\"z\"}]}");
	cJSON *c = cJSON_Parse("{\"x\":[1,{\"y\":\"q\"}]}");
	cJSON *d = cJSON_Parse("{\"x\":[1]}");
	char where[128];

	(void)state;
	assert_int_equal(pd_json_contains(a, b, where, sizeof(where)), 0);
	assert_int_equal(pd_json_contains(a, c, where, sizeof(where)), -1);
	assert_string_equal(where, "x[1].y");
	assert_int_equal(pd_json_contains(a, d, where, sizeof(where)), -1);
	assert_string_equal(where, "x");
	assert_int_equal(pd_json_contains(NULL, b, where, sizeof(where)), -1);
	assert_string_equal(where, "(root)");
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
	cJSON_Delete(d);
}

static void test_secret_round_trip(void **state)
{
	struct pd_certs in = { .ca_crt = "ca\n", .tls_crt = "crt\n",
			       .tls_key = "key\n" }, out;
	char *json = pd_wh_secret_json("podvs-webhook-tls", "podvs-system",
				       &in, "42");
	cJSON *s = cJSON_Parse(json);
	char why[128];

	(void)state;
	assert_non_null(s);
	assert_string_equal(get_str(s, "type"), "kubernetes.io/tls");
	assert_string_equal(get_str(s, "metadata.resourceVersion"), "42");
	assert_string_equal(get_str(s, "metadata.namespace"), "podvs-system");
	assert_int_equal(pd_wh_secret_parse(s, &out, why, sizeof(why)), 0);
	assert_string_equal(out.ca_crt, "ca\n");
	assert_string_equal(out.tls_crt, "crt\n");
	assert_string_equal(out.tls_key, "key\n");
	pd_certs_fini(&out);
	/* a key missing stays NULL; garbage is reported */
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(s, "data"), "tls.key");
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s, "data"), "ca.crt",
				  cJSON_CreateString("!!!"));
	assert_int_equal(pd_wh_secret_parse(s, &out, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "data.ca.crt is not base64");
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(s, "data"), "ca.crt");
	assert_int_equal(pd_wh_secret_parse(s, &out, why, sizeof(why)), 0);
	assert_null(out.ca_crt);
	assert_null(out.tls_key);
	assert_string_equal(out.tls_crt, "crt\n");
	pd_certs_fini(&out);
	cJSON_Delete(s);
	free(json);
}

static int parse(struct pd_opts *o, char *err, const char *a1,
		 const char *a2, const char *a3, const char *a4)
{
	char *argv[6] = { "podvsd", (char *)a1, (char *)a2, (char *)a3,
			  (char *)a4, NULL };
	int argc = 1;

	while (argc < 5 && argv[argc])
		argc++;
	return pd_opts_parse(o, argc, argv, "gw", "host", err, 256);
}

static void test_options(void **state)
{
	struct pd_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, NULL, NULL, NULL, NULL), 0);
	assert_false(o.webhook.on);
	assert_string_equal(o.webhook.service, "podvs-webhook");
	assert_string_equal(o.webhook.ns, "podvs-system");
	assert_int_equal(o.webhook.period, 60);
	assert_int_equal(parse(&o, err, "--webhook-address", "[::1]:9443",
			       "--webhook-service", "hook/sys"), 0);
	assert_true(o.webhook.on);
	assert_int_equal(o.webhook.address.port, 9443);
	assert_string_equal(o.webhook.service, "hook");
	assert_string_equal(o.webhook.ns, "sys");
	assert_int_equal(parse(&o, err, "--webhook-cert", "c",
			       "--webhook-key", "k"), 0);
	assert_string_equal(o.webhook.cert, "c");
	assert_int_equal(parse(&o, err, "--webhook-check-period", "0", NULL,
			       NULL), 0);
	assert_int_equal(o.webhook.period, 0);
}

static const struct {
	const char *a1, *a2, *a3, *a4, *err;
} bad_opts[] = {
	{ "--webhook-address", "nope", NULL, NULL,
	  "--webhook-address: 'nope' is not ADDRESS:PORT" },
	{ "--webhook-service", "hook", NULL, NULL,
	  "--webhook-service: 'hook' is not NAME/NAMESPACE" },
	{ "--webhook-service", "Hook/sys", NULL, NULL,
	  "--webhook-service: 'Hook/sys' is not NAME/NAMESPACE" },
	{ "--webhook-service", "hook/-sys", NULL, NULL,
	  "--webhook-service: 'hook/-sys' is not NAME/NAMESPACE" },
	{ "--webhook-service", "/sys", NULL, NULL,
	  "--webhook-service: '/sys' is not NAME/NAMESPACE" },
	{ "--webhook-cert", "c", NULL, NULL,
	  "--webhook-cert and --webhook-key go together" },
	{ "--webhook-key", "k", NULL, NULL,
	  "--webhook-cert and --webhook-key go together" },
	{ "--webhook-ca", "a", NULL, NULL,
	  "--webhook-ca needs --webhook-cert and --webhook-key" },
	{ "--webhook-cert", "", NULL, NULL, "--webhook-cert: empty path" },
	{ "--webhook-check-period", "-1", NULL, NULL,
	  "--webhook-check-period: '-1' is not a number of seconds" },
	{ "--webhook-check-period", "9999999", NULL, NULL,
	  "--webhook-check-period: '9999999' is not a number of seconds" },
};

static void test_option_rejections(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_opts) / sizeof(*bad_opts); i++) {
		struct pd_opts o;
		char err[256] = "";

		assert_int_equal(parse(&o, err, bad_opts[i].a1, bad_opts[i].a2,
				       bad_opts[i].a3, bad_opts[i].a4),
				 -EINVAL);
		if (strncmp(err, bad_opts[i].err, strlen(bad_opts[i].err)))
			fail_msg("case %zu: '%s', want '%s'", i, err,
				 bad_opts[i].err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_fields),
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_secret_round_trip),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_option_rejections),
	};

	return cmocka_run_group_tests_name("podvsd_webhook", tests, NULL, NULL);
}
