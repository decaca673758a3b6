// SPDX-License-Identifier: GPL-2.0
/*
 * The webhook certificate rotation rule (webhook/rotation.h), issue 12
 * D10, on fixed clocks:
 *  - a leaf due for renewal is re-issued by the same CA: ca.crt, and so
 *    the caBundle, do not change;
 *  - a CA due for replacement (or unknown key, from an older podvsd) is
 *    first published next to the old one; the leaf moves to the new CA
 *    only after the overlap; the old CA leaves the bundle only after a
 *    second overlap; each step's set is servable and verifies;
 *  - the overlap is PD_CA_OVERLAP_S or three check periods;
 *  - an unusable set is rebuilt; the Secret carries ca.key and the phase.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "podvsd/webhook/rotation.h"
#include "podvsd/webhook/webhook_config.h"

#define NOW	((time_t)1800000000)	/* 2027-01-15 */
#define DAY	(24 * 3600)
#define PERIOD	60			/* --webhook-check-period default */

static char nbuf[PD_CERT_MAX_NAMES][256];
static const char *names[PD_CERT_MAX_NAMES];
static size_t n_names;

static int setup(void **state)
{
	(void)state;
	n_names = pd_certs_service_names("podvs-webhook", "podvs-system", nbuf,
					 names);
	return 0;
}

static void gen(struct pd_certs *c, time_t now)
{
	char err[256];

	assert_int_equal(pd_certs_generate(c, names, n_names, now,
					   PD_CERT_DAYS, err, sizeof(err)), 0);
}

static enum pd_rot_act decide(const struct pd_certs *c, time_t now,
			      char *why)
{
	return pd_rot_decide(c, names, n_names, now, PERIOD, why, 256);
}

static void apply(const struct pd_certs *c, enum pd_rot_act act, time_t now,
		  struct pd_certs *out)
{
	char err[256], why[256];

	assert_int_equal(pd_rot_apply(c, act, names, n_names, now, out, err,
				      sizeof(err)), 0);
	if (pd_certs_check(out, names, n_names, now, why, sizeof(why)))
		fail_msg("after %s: %s", pd_rot_act_name(act), why);
}

static int n_certs(const char *pem)
{
	int n = 0;

	for (const char *p = pem; (p = strstr(p, "BEGIN CERTIFICATE")); p++)
		n++;
	return n;
}

/* Does a client trusting only @ca_pem accept @leaf_pem? */
static bool trusts(const char *ca_pem, const char *leaf_pem)
{
	gnutls_x509_crt_t *cas, *leaf;
	unsigned int n_ca, n_leaf;
	bool ok = false;

	assert_int_equal(pd_certs_bundle(ca_pem, &cas, &n_ca), 0);
	assert_int_equal(pd_certs_bundle(leaf_pem, &leaf, &n_leaf), 0);
	for (unsigned int i = 0; i < n_ca; i++)
		ok = ok || pd_certs_issued_by(leaf[0], cas[i]);
	pd_certs_bundle_free(cas, n_ca);
	pd_certs_bundle_free(leaf, n_leaf);
	return ok;
}

static void test_fresh_keeps(void **state)
{
	struct pd_certs a;
	char why[256];

	(void)state;
	gen(&a, NOW);
	assert_non_null(a.ca_key);
	assert_int_equal(decide(&a, NOW, why), PD_ROT_KEEP);
	/* a day before the leaf's renewal window: still kept */
	assert_int_equal(decide(&a, NOW + 334 * DAY, why), PD_ROT_KEEP);
	pd_certs_fini(&a);
}

/* The leaf renewed under the same CA: the caBundle does not move. */
static void test_leaf_keeps_ca(void **state)
{
	struct pd_certs a, b;
	time_t t = NOW + 340 * DAY;
	char why[256];

	(void)state;
	gen(&a, NOW);
	assert_int_equal(decide(&a, t, why), PD_ROT_NEW_LEAF);
	assert_non_null(strstr(why, "same CA"));
	apply(&a, PD_ROT_NEW_LEAF, t, &b);
	assert_string_equal(b.ca_crt, a.ca_crt);	/* the CA kept */
	assert_string_equal(b.ca_key, a.ca_key);
	assert_string_not_equal(b.tls_crt, a.tls_crt);
	assert_string_not_equal(b.tls_key, a.tls_key);
	assert_true(trusts(a.ca_crt, b.tls_crt));	/* old bundle: fine */
	assert_string_equal(b.phase, "");
	assert_int_equal(decide(&b, t, why), PD_ROT_KEEP);
	pd_certs_fini(&a);
	pd_certs_fini(&b);
}

/* The whole CA replacement: publish, overlap, switch, overlap, drop. */
static void walk_ca_rotation(struct pd_certs *a, time_t t0)
{
	long long ov = pd_rot_overlap_s(PERIOD);
	struct pd_certs p, s, d;
	char why[256];

	apply(a, PD_ROT_PUBLISH, t0, &p);
	assert_int_equal(n_certs(p.ca_crt), 2);		/* old + new */
	assert_ptr_equal(strstr(p.ca_crt, a->ca_crt), p.ca_crt);
	assert_string_equal(p.tls_crt, a->tls_crt);	/* leaf unchanged */
	assert_string_equal(p.phase, "publish");
	assert_int_equal(p.phase_since, t0);
	/* the overlap: the old leaf keeps being served */
	assert_int_equal(decide(&p, t0 + ov - 1, why), PD_ROT_KEEP);
	assert_int_equal(decide(&p, t0 + ov, why), PD_ROT_SWITCH);
	apply(&p, PD_ROT_SWITCH, t0 + ov, &s);
	assert_string_equal(s.ca_crt, p.ca_crt);	/* both still there */
	assert_false(trusts(a->ca_crt, s.tls_crt));	/* the new CA's */
	assert_true(trusts(s.ca_crt, s.tls_crt));
	assert_true(trusts(s.ca_crt, a->tls_crt));	/* a laggard's too */
	assert_string_equal(s.phase, "switch");
	/* the second overlap, then the old CA goes */
	assert_int_equal(decide(&s, t0 + 2 * ov - 1, why), PD_ROT_KEEP);
	assert_int_equal(decide(&s, t0 + 2 * ov, why), PD_ROT_DROP);
	apply(&s, PD_ROT_DROP, t0 + 2 * ov, &d);
	assert_int_equal(n_certs(d.ca_crt), 1);
	assert_false(trusts(d.ca_crt, a->tls_crt));
	assert_true(trusts(d.ca_crt, d.tls_crt));
	assert_string_equal(d.phase, "");
	assert_int_equal(decide(&d, t0 + 2 * ov, why), PD_ROT_KEEP);
	pd_certs_fini(&p);
	pd_certs_fini(&s);
	pd_certs_fini(&d);
}

/* A Secret of an older podvsd (no ca.key): a new CA, with the overlap. */
static void test_unknown_ca_key(void **state)
{
	struct pd_certs a;
	time_t t = NOW + 340 * DAY;
	char why[256];

	(void)state;
	gen(&a, NOW);
	free(a.ca_key);
	a.ca_key = NULL;
	assert_int_equal(decide(&a, NOW, why), PD_ROT_KEEP);	/* not yet */
	assert_int_equal(decide(&a, t, why), PD_ROT_PUBLISH);
	assert_non_null(strstr(why, "CA key is unknown"));
	walk_ca_rotation(&a, t);
	pd_certs_fini(&a);
}

/* A CA within PD_CA_RENEW_S of its end is replaced the same way. */
static void test_ca_due(void **state)
{
	struct pd_certs a = { 0 };
	char err[256], why[256];

	(void)state;
	assert_int_equal(pd_certs_new_ca("t", NOW, 200, &a.ca_crt, &a.ca_key,
					 err, sizeof(err)), 0);
	assert_int_equal(pd_certs_new_leaf(a.ca_crt, a.ca_key, names,
					   n_names, NOW, 150, &a.tls_crt,
					   &a.tls_key, err, sizeof(err)), 0);
	assert_int_equal(decide(&a, NOW, why), PD_ROT_KEEP);
	assert_int_equal(decide(&a, NOW + 111 * DAY, why), PD_ROT_PUBLISH);
	assert_non_null(strstr(why, "ca.crt expires in"));
	walk_ca_rotation(&a, NOW + 111 * DAY);
	pd_certs_fini(&a);
}

static void test_overlap_period(void **state)
{
	long long ov = pd_rot_overlap_s(PERIOD);
	struct pd_certs a, p;
	char why[256];

	(void)state;
	/* a phase started a little ahead of our clock (another leader's)
	 * waits; one absurdly far ahead does not hold the rotation */
	gen(&a, NOW);
	apply(&a, PD_ROT_PUBLISH, NOW + 60, &p);
	assert_int_equal(decide(&p, NOW, why), PD_ROT_KEEP);
	p.phase_since = NOW + 10 * ov;
	assert_int_equal(decide(&p, NOW, why), PD_ROT_SWITCH);
	pd_certs_fini(&a);
	pd_certs_fini(&p);
	assert_int_equal(pd_rot_overlap_s(0), PD_CA_OVERLAP_S);
	assert_int_equal(pd_rot_overlap_s(60), PD_CA_OVERLAP_S);
	assert_int_equal(pd_rot_overlap_s(1000), 3000);
}

static void test_unusable_rebuilt(void **state)
{
	struct pd_certs a, b, c;
	char why[256];

	(void)state;
	gen(&a, NOW);
	gen(&b, NOW);
	c = a;
	c.tls_key = b.tls_key;
	assert_int_equal(decide(&c, NOW, why), PD_ROT_REBUILD);
	assert_string_equal(why, "tls.key is not the key of tls.crt");
	assert_int_equal(decide(&a, NOW + 400 * DAY, why), PD_ROT_REBUILD);
	assert_string_equal(why, "tls.crt has expired");
	pd_certs_fini(&a);
	pd_certs_fini(&b);
}

/* The Secret carries ca.key and the phase; a steady one no phase. */
static void test_secret_carries_state(void **state)
{
	struct pd_certs a, p, back;
	char *js, why[256];
	cJSON *j;

	(void)state;
	gen(&a, NOW);
	apply(&a, PD_ROT_PUBLISH, NOW, &p);
	js = pd_wh_secret_json("podvs-webhook-tls", "podvs-system", &p, "7");
	assert_non_null(js);
	assert_non_null(strstr(js, "\"" PD_ANN_CA_ROTATION
			       "\":\"publish 1800000000\""));
	assert_non_null(strstr(js, "\"ca.key\""));
	j = cJSON_Parse(js);
	assert_int_equal(pd_wh_secret_parse(j, &back, why, sizeof(why)), 0);
	assert_string_equal(back.ca_key, p.ca_key);
	assert_string_equal(back.ca_crt, p.ca_crt);
	assert_string_equal(back.phase, "publish");
	assert_int_equal(back.phase_since, NOW);
	cJSON_Delete(j);
	free(js);
	pd_certs_fini(&back);
	js = pd_wh_secret_json("podvs-webhook-tls", "podvs-system", &a, NULL);
	assert_null(strstr(js, PD_ANN_CA_ROTATION));
	free(js);
	pd_certs_fini(&a);
	pd_certs_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_keeps),
		cmocka_unit_test(test_leaf_keeps_ca),
		cmocka_unit_test(test_unknown_ca_key),
		cmocka_unit_test(test_ca_due),
		cmocka_unit_test(test_overlap_period),
		cmocka_unit_test(test_unusable_rebuilt),
		cmocka_unit_test(test_secret_carries_state),
	};

	return cmocka_run_group_tests_name("podvsd_rotation", tests, setup,
					   NULL);
}
