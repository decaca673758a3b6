// SPDX-License-Identifier: GPL-2.0
/*
 * The webhook certificate: a generated set passes its own check; every
 * kind of damage (missing, garbage, expired, foreign key, foreign CA, a
 * name missing) is caught with its reason.
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

#include "podvsd/webhook/certs.h"

#define NOW	((time_t)1800000000)	/* 2027-01-15 */
#define DAY	(24 * 3600)

static char nbuf[PD_CERT_MAX_NAMES][256];
static const char *names[PD_CERT_MAX_NAMES];
static size_t n_names;

static struct pd_certs a, b;	/* two independent sets */

static int setup(void **state)
{
	char err[256];

	(void)state;
	n_names = pd_certs_service_names("podvs-webhook", "podvs-system", nbuf,
					 names);
	if (pd_certs_generate(&a, names, n_names, NOW, 365, err, sizeof(err)) ||
	    pd_certs_generate(&b, names, n_names, NOW, 365, err, sizeof(err))) {
		fprintf(stderr, "# generate: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pd_certs_fini(&a);
	pd_certs_fini(&b);
	return 0;
}

static void expect_bad(const struct pd_certs *c, time_t now, const char *want)
{
	char why[256] = "";

	assert_int_equal(pd_certs_check(c, names, n_names, now, why,
					sizeof(why)), -EINVAL);
	if (!strstr(why, want))
		fail_msg("reason '%s' lacks '%s'", why, want);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(n_names, 4);
	assert_string_equal(names[0], "podvs-webhook.podvs-system.svc");
	assert_string_equal(names[1],
			    "podvs-webhook.podvs-system.svc.cluster.local");
	assert_string_equal(names[2], "podvs-webhook.podvs-system");
	assert_string_equal(names[3], "podvs-webhook");
}

static void test_generated_is_valid(void **state)
{
	char why[256] = "";

	(void)state;
	assert_non_null(strstr(a.ca_crt, "-----BEGIN CERTIFICATE-----"));
	assert_non_null(strstr(a.tls_crt, "-----BEGIN CERTIFICATE-----"));
	assert_non_null(strstr(a.tls_key, "-----BEGIN PRIVATE KEY-----"));
	assert_string_not_equal(a.ca_crt, b.ca_crt);
	assert_int_equal(pd_certs_check(&a, names, n_names, NOW, why,
					sizeof(why)), 0);
	/* still fine a day before the renewal window */
	assert_int_equal(pd_certs_check(&a, names, n_names,
					NOW + 334 * DAY, why, sizeof(why)), 0);
}

/* Expired or not yet valid; expiring soon is still servable (the
 * renewal is podvsd_rotation_test's business).  The CA lives ten years,
 * the leaf one. */
static void test_time(void **state)
{
	char why[256] = "";

	(void)state;
	expect_bad(&a, NOW + 400 * DAY, "tls.crt has expired");
	expect_bad(&a, NOW + (PD_CA_DAYS + 1) * DAY, "ca.crt has expired");
	assert_int_equal(pd_certs_check(&a, names, n_names, NOW + 340 * DAY,
					why, sizeof(why)), 0);
	expect_bad(&a, NOW - DAY, "ca.crt is not valid yet");
}

static void test_missing_or_garbage(void **state)
{
	struct pd_certs c = a;

	(void)state;
	c.ca_crt = NULL;
	expect_bad(&c, NOW, "ca.crt is missing or not a PEM certificate");
	c = a;
	c.tls_crt = "-----BEGIN CERTIFICATE-----\nAAAA\n"
		    "-----END CERTIFICATE-----\n";
	expect_bad(&c, NOW, "tls.crt is missing or not a PEM certificate");
	c = a;
	c.tls_key = "";
	expect_bad(&c, NOW, "tls.key is missing or not a PEM private key");
	c = a;
	c.tls_key = a.tls_crt;
	expect_bad(&c, NOW, "tls.key is missing or not a PEM private key");
}

static void test_mixed_sets(void **state)
{
	struct pd_certs c = a;

	(void)state;
	c.tls_key = b.tls_key;
	expect_bad(&c, NOW, "tls.key is not the key of tls.crt");
	c = a;
	c.ca_crt = b.ca_crt;
	expect_bad(&c, NOW, "tls.crt is not signed by ca.crt");
	/* the CA certificate served as its own leaf: not our key */
	c = a;
	c.tls_crt = a.ca_crt;
	expect_bad(&c, NOW, "tls.key is not the key of tls.crt");
}

static void test_names_checked(void **state)
{
	const char *other[] = { "other.podvs-system.svc" };
	char why[256] = "";
	struct pd_certs c;
	char err[256];

	(void)state;
	assert_int_equal(pd_certs_generate(&c, other, 1, NOW, 365, err,
					   sizeof(err)), 0);
	expect_bad(&c, NOW, "tls.crt does not name "
		   "podvs-webhook.podvs-system.svc");
	assert_int_equal(pd_certs_check(&c, other, 1, NOW, why, sizeof(why)),
			 0);
	pd_certs_fini(&c);
	assert_int_equal(pd_certs_generate(&c, names, 0, NOW, 365, err,
					   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no DNS name"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_generated_is_valid),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_missing_or_garbage),
		cmocka_unit_test(test_mixed_sets),
		cmocka_unit_test(test_names_checked),
	};

	return cmocka_run_group_tests_name("podvsd_certs", tests, setup,
					   teardown);
}
