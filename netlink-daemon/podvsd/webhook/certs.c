// SPDX-License-Identifier: GPL-2.0
/* Self-signed CA and serving certificate with GnuTLS's x509 API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "webhook/certs.h"

#define CURVE_BITS	GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1)

struct cert_kp {
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
};

static int tls_fail(char *err, size_t errlen, const char *what, int ret)
{
	snprintf(err, errlen, "%s: %s", what, gnutls_strerror(ret));
	return -EIO;
}

static void kp_fini(struct cert_kp *kp)
{
	if (kp->crt)
		gnutls_x509_crt_deinit(kp->crt);
	if (kp->key)
		gnutls_x509_privkey_deinit(kp->key);
	kp->crt = NULL;
	kp->key = NULL;
}

/* Key, version, serial, validity, subject key id: what both have. */
static int cert_base(struct cert_kp *kp, const char *cn, time_t now,
		     unsigned int days)
{
	unsigned char serial[16], id[64];
	size_t id_len = sizeof(id);
	int ret;

	ret = gnutls_x509_privkey_init(&kp->key);
	ret = ret ?: gnutls_x509_privkey_generate(kp->key, GNUTLS_PK_ECDSA,
						  CURVE_BITS, 0);
	ret = ret ?: gnutls_x509_crt_init(&kp->crt);
	ret = ret ?: gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	if (ret)
		return ret;
	serial[0] &= 0x7f;	/* a positive serial */
	ret = gnutls_x509_crt_set_key(kp->crt, kp->key);
	ret = ret ?: gnutls_x509_crt_set_version(kp->crt, 3);
	ret = ret ?: gnutls_x509_crt_set_serial(kp->crt, serial,
						sizeof(serial));
	ret = ret ?: gnutls_x509_crt_set_activation_time(kp->crt, now - 300);
	ret = ret ?: gnutls_x509_crt_set_expiration_time(kp->crt,
				now + (time_t)days * 24 * 3600);
	ret = ret ?: gnutls_x509_crt_set_dn_by_oid(kp->crt,
				GNUTLS_OID_X520_COMMON_NAME, 0, cn,
				strlen(cn));
	ret = ret ?: gnutls_x509_crt_get_key_id(kp->crt, 0, id, &id_len);
	return ret ?: gnutls_x509_crt_set_subject_key_id(kp->crt, id, id_len);
}

static int make_ca(struct cert_kp *ca, const char *cn, time_t now,
		   unsigned int days)
{
	char name[300];
	int ret;

	/* the start in the name: two CAs side by side (rotation.h) never
	 * share a subject */
	snprintf(name, sizeof(name), "podvs webhook CA for %.200s since %lld",
		 cn, (long long)now);
	ret = cert_base(ca, name, now, days);
	ret = ret ?: gnutls_x509_crt_set_basic_constraints(ca->crt, 1, 0);
	ret = ret ?: gnutls_x509_crt_set_key_usage(ca->crt,
				GNUTLS_KEY_KEY_CERT_SIGN |
				GNUTLS_KEY_CRL_SIGN |
				GNUTLS_KEY_DIGITAL_SIGNATURE);
	return ret ?: gnutls_x509_crt_sign2(ca->crt, ca->crt, ca->key,
					    GNUTLS_DIG_SHA256, 0);
}

static int make_leaf(struct cert_kp *leaf, const struct cert_kp *ca,
		     const char *const *names, size_t n, time_t now,
		     unsigned int days)
{
	unsigned char id[64];
	size_t id_len = sizeof(id);
	int ret = cert_base(leaf, names[0], now, days);

	for (size_t i = 0; !ret && i < n; i++)
		ret = gnutls_x509_crt_set_subject_alt_name(leaf->crt,
				GNUTLS_SAN_DNSNAME, names[i],
				strlen(names[i]), GNUTLS_FSAN_APPEND);
	ret = ret ?: gnutls_x509_crt_set_basic_constraints(leaf->crt, 0, -1);
	ret = ret ?: gnutls_x509_crt_set_key_usage(leaf->crt,
				GNUTLS_KEY_DIGITAL_SIGNATURE |
				GNUTLS_KEY_KEY_ENCIPHERMENT);
	ret = ret ?: gnutls_x509_crt_set_key_purpose_oid(leaf->crt,
				GNUTLS_KP_TLS_WWW_SERVER, 0);
	ret = ret ?: gnutls_x509_crt_get_subject_key_id(ca->crt, id, &id_len,
							NULL);
	ret = ret ?: gnutls_x509_crt_set_authority_key_id(leaf->crt, id,
							  id_len);
	return ret ?: gnutls_x509_crt_sign2(leaf->crt, ca->crt, ca->key,
					    GNUTLS_DIG_SHA256, 0);
}

static char *datum_str(gnutls_datum_t *d)
{
	char *s = strndup((char *)d->data, d->size);

	gnutls_free(d->data);
	d->data = NULL;
	return s;
}

/* @kp as PEM certificate and PKCS#8 key, malloc'd. */
static int export_kp(const struct cert_kp *kp, char **crt, char **key)
{
	gnutls_datum_t a = { 0 }, b = { 0 };
	int ret;

	*crt = *key = NULL;
	ret = gnutls_x509_crt_export2(kp->crt, GNUTLS_X509_FMT_PEM, &a);
	ret = ret ?: gnutls_x509_privkey_export2_pkcs8(kp->key,
				GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
				&b);
	if (ret) {
		gnutls_free(a.data);
		gnutls_free(b.data);
		return ret;
	}
	*crt = datum_str(&a);
	*key = datum_str(&b);
	if (*crt && *key)
		return 0;
	free(*crt);
	free(*key);
	*crt = *key = NULL;
	return GNUTLS_E_MEMORY_ERROR;
}

static int export_pem(struct pd_certs *out, const struct cert_kp *ca,
		      const struct cert_kp *leaf)
{
	return export_kp(ca, &out->ca_crt, &out->ca_key) ?:
	       export_kp(leaf, &out->tls_crt, &out->tls_key);
}

int pd_certs_generate(struct pd_certs *out, const char *const *names,
		      size_t n, time_t now, unsigned int days, char *err,
		      size_t errlen)
{
	struct cert_kp ca = { 0 }, leaf = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	if (!n) {
		snprintf(err, errlen, "no DNS name for the certificate");
		return -EINVAL;
	}
	ret = make_ca(&ca, names[0], now, days > PD_CA_DAYS ? days :
		      PD_CA_DAYS);
	if (ret) {
		tls_fail(err, errlen, "generating the webhook CA", ret);
		goto out_free;
	}
	ret = make_leaf(&leaf, &ca, names, n, now, days);
	if (ret) {
		tls_fail(err, errlen, "generating the serving certificate",
			 ret);
		goto out_free;
	}
	ret = export_pem(out, &ca, &leaf);
	if (ret)
		tls_fail(err, errlen, "encoding the certificates", ret);
out_free:
	kp_fini(&leaf);
	kp_fini(&ca);
	if (ret)
		pd_certs_fini(out);
	return ret ? -EIO : 0;
}

int pd_certs_new_ca(const char *cn, time_t now, unsigned int days,
		    char **crt, char **key, char *err, size_t errlen)
{
	struct cert_kp ca = { 0 };
	int ret = make_ca(&ca, cn, now, days);

	ret = ret ?: export_kp(&ca, crt, key);
	kp_fini(&ca);
	return ret ? tls_fail(err, errlen, "generating the webhook CA", ret) :
		     0;
}

static int import_crt(gnutls_x509_crt_t *crt, const char *pem);
static int import_key(gnutls_x509_privkey_t *key, const char *pem);

int pd_certs_new_leaf(const char *ca_crt, const char *ca_key,
		      const char *const *names, size_t n, time_t now,
		      unsigned int days, char **crt, char **key, char *err,
		      size_t errlen)
{
	struct cert_kp ca = { 0 }, leaf = { 0 };
	int ret;

	*crt = *key = NULL;
	if (!n) {
		snprintf(err, errlen, "no DNS name for the certificate");
		return -EINVAL;
	}
	if (import_crt(&ca.crt, ca_crt) || import_key(&ca.key, ca_key)) {
		snprintf(err, errlen, "the webhook CA or its key is not PEM");
		kp_fini(&ca);
		return -EINVAL;
	}
	ret = make_leaf(&leaf, &ca, names, n, now, days);
	ret = ret ?: export_kp(&leaf, crt, key);
	kp_fini(&leaf);
	kp_fini(&ca);
	return ret ? tls_fail(err, errlen, "generating the serving "
			      "certificate", ret) : 0;
}

/* ---- checks ----------------------------------------------------------- */

static int import_crt(gnutls_x509_crt_t *crt, const char *pem)
{
	gnutls_datum_t d = { (unsigned char *)pem, pem ? strlen(pem) : 0 };
	int ret = gnutls_x509_crt_init(crt);

	return ret ?: gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_PEM);
}

static int import_key(gnutls_x509_privkey_t *key, const char *pem)
{
	gnutls_datum_t d = { (unsigned char *)pem, pem ? strlen(pem) : 0 };
	int ret = gnutls_x509_privkey_init(key);

	return ret ?: gnutls_x509_privkey_import2(*key, &d,
						  GNUTLS_X509_FMT_PEM, NULL,
						  GNUTLS_PKCS_PLAIN);
}

static int check_time(gnutls_x509_crt_t crt, const char *what, time_t now,
		      char *why, size_t whylen)
{
	time_t from = gnutls_x509_crt_get_activation_time(crt);
	time_t until = gnutls_x509_crt_get_expiration_time(crt);

	if (from == (time_t)-1 || until == (time_t)-1 || from > now) {
		snprintf(why, whylen, "%s is not valid yet", what);
		return -EINVAL;
	}
	if (until <= now) {
		snprintf(why, whylen, "%s has expired", what);
		return -EINVAL;
	}
	return 0;
}

static int check_pair(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
		      char *why, size_t whylen)
{
	unsigned char a[64], b[64];
	size_t alen = sizeof(a), blen = sizeof(b);

	if (gnutls_x509_crt_get_key_id(crt, 0, a, &alen) ||
	    gnutls_x509_privkey_get_key_id(key, 0, b, &blen) ||
	    alen != blen || memcmp(a, b, alen)) {
		snprintf(why, whylen, "tls.key is not the key of tls.crt");
		return -EINVAL;
	}
	return 0;
}

int pd_certs_issued_by(gnutls_x509_crt_t crt, gnutls_x509_crt_t ca)
{
	unsigned int status = 0;

	return !gnutls_x509_crt_verify(crt, &ca, 1,
				       GNUTLS_VERIFY_DISABLE_TIME_CHECKS,
				       &status) && !status;
}

static int check_chain(gnutls_x509_crt_t ca, gnutls_x509_crt_t crt,
		       const char *const *names, size_t n, char *why,
		       size_t whylen)
{
	if (!pd_certs_issued_by(crt, ca)) {
		snprintf(why, whylen, "tls.crt is not signed by ca.crt");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!gnutls_x509_crt_check_hostname2(crt, names[i], 0)) {
			snprintf(why, whylen, "tls.crt does not name %.200s",
				 names[i]);
			return -EINVAL;
		}
	}
	return 0;
}

int pd_certs_bundle(const char *pem, gnutls_x509_crt_t **list,
		    unsigned int *n)
{
	gnutls_datum_t d = { (unsigned char *)pem, pem ? strlen(pem) : 0 };

	*list = NULL;
	*n = 0;
	if (!pem || gnutls_x509_crt_list_import2(list, n, &d,
						 GNUTLS_X509_FMT_PEM, 0) ||
	    !*n) {
		pd_certs_bundle_free(*list, *n);
		*list = NULL;
		*n = 0;
		return -EINVAL;
	}
	return 0;
}

void pd_certs_bundle_free(gnutls_x509_crt_t *list, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
	gnutls_free(list);
}

/* The CA of @bundle that signed @crt, or NULL. */
static gnutls_x509_crt_t issuer_of(gnutls_x509_crt_t crt,
				   gnutls_x509_crt_t *bundle, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (pd_certs_issued_by(crt, bundle[i]))
			return bundle[i];
	return NULL;
}

static int check_set(gnutls_x509_crt_t *cas, unsigned int n_ca,
		     gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
		     const char *const *names, size_t n, time_t now,
		     char *why, size_t whylen)
{
	gnutls_x509_crt_t ca = issuer_of(crt, cas, n_ca);

	if (!ca) {
		snprintf(why, whylen, "tls.crt is not signed by ca.crt");
		return -EINVAL;
	}
	if (check_time(ca, "ca.crt", now, why, whylen) ||
	    check_time(crt, "tls.crt", now, why, whylen) ||
	    check_pair(crt, key, why, whylen))
		return -EINVAL;
	return check_chain(ca, crt, names, n, why, whylen);
}

int pd_certs_check(const struct pd_certs *c, const char *const *names,
		   size_t n, time_t now, char *why, size_t whylen)
{
	gnutls_x509_crt_t *cas = NULL, crt = NULL;
	gnutls_x509_privkey_t key = NULL;
	unsigned int n_ca = 0;
	int ret = -EINVAL;

	if (pd_certs_bundle(c->ca_crt, &cas, &n_ca))
		snprintf(why, whylen, "ca.crt is missing or not a PEM "
			 "certificate");
	else if (import_crt(&crt, c->tls_crt))
		snprintf(why, whylen, "tls.crt is missing or not a PEM "
			 "certificate");
	else if (import_key(&key, c->tls_key))
		snprintf(why, whylen, "tls.key is missing or not a PEM "
			 "private key");
	else
		ret = check_set(cas, n_ca, crt, key, names, n, now, why,
				whylen);
	pd_certs_bundle_free(cas, n_ca);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return ret;
}

void pd_certs_fini(struct pd_certs *c)
{
	free(c->ca_crt);
	free(c->tls_crt);
	free(c->tls_key);
	free(c->ca_key);
	memset(c, 0, sizeof(*c));
}

size_t pd_certs_service_names(const char *svc, const char *ns,
			      char buf[PD_CERT_MAX_NAMES][256],
			      const char *names[PD_CERT_MAX_NAMES])
{
	snprintf(buf[0], 256, "%s.%s.svc", svc, ns);
	snprintf(buf[1], 256, "%s.%s.svc.cluster.local", svc, ns);
	snprintf(buf[2], 256, "%s.%s", svc, ns);
	snprintf(buf[3], 256, "%s", svc);
	for (size_t i = 0; i < PD_CERT_MAX_NAMES; i++)
		names[i] = buf[i];
	return PD_CERT_MAX_NAMES;
}
