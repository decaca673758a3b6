// SPDX-License-Identifier: GPL-2.0
/* The webhook's swappable serving credential (see webhook_tls.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "base/loop.h"
#include "webhook/webhook_tls.h"

struct wh_cred {
	gnutls_pcert_st pcert[PD_WH_TLS_CHAIN];
	unsigned int n;
	gnutls_privkey_t key;
	char *leaf_pem;
	uint64_t retired_ms;		/* replaced at; 0: current */
	struct wh_cred *next;		/* replaced ones, newest first */
};

static struct wh_cred *current;
static struct wh_cred *retired;

static void cred_free(struct wh_cred *c)
{
	for (unsigned int i = 0; i < c->n; i++)
		gnutls_pcert_deinit(&c->pcert[i]);
	if (c->key)
		gnutls_privkey_deinit(c->key);
	free(c->leaf_pem);
	free(c);
}

static int fail(char *err, size_t errlen, const char *what, int ret)
{
	snprintf(err, errlen, "%s: %s", what, gnutls_strerror(ret));
	return -EINVAL;
}

/* The key of the leaf?  Compared by key id (SHA-1 of the public key). */
static int same_key(struct wh_cred *c, gnutls_x509_privkey_t xk, char *err,
		    size_t errlen)
{
	unsigned char a[64], b[64];
	size_t alen = sizeof(a), blen = sizeof(b);

	if (gnutls_pubkey_get_key_id(c->pcert[0].pubkey, 0, a, &alen) ||
	    gnutls_x509_privkey_get_key_id(xk, 0, b, &blen) || alen != blen ||
	    memcmp(a, b, alen)) {
		snprintf(err, errlen, "the key is not the key of the "
			 "certificate");
		return -EINVAL;
	}
	return 0;
}

static int leaf_time(const char *pem, time_t now, char *err, size_t errlen)
{
	gnutls_datum_t d = { (unsigned char *)pem, strlen(pem) };
	gnutls_x509_crt_t crt;
	time_t from, until;
	int ret = gnutls_x509_crt_init(&crt);

	ret = ret ?: gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
	if (ret)
		return fail(err, errlen, "the certificate", ret);
	from = gnutls_x509_crt_get_activation_time(crt);
	until = gnutls_x509_crt_get_expiration_time(crt);
	gnutls_x509_crt_deinit(crt);
	if (from == (time_t)-1 || from > now) {
		snprintf(err, errlen, "the certificate is not valid yet");
		return -EINVAL;
	}
	if (until == (time_t)-1 || until <= now) {
		snprintf(err, errlen, "the certificate has expired");
		return -EINVAL;
	}
	return 0;
}

static int import_key(struct wh_cred *c, const char *key_pem, char *err,
		      size_t errlen)
{
	gnutls_datum_t d = { (unsigned char *)key_pem, strlen(key_pem) };
	gnutls_x509_privkey_t xk;
	int ret = gnutls_x509_privkey_init(&xk);

	ret = ret ?: gnutls_x509_privkey_import2(xk, &d, GNUTLS_X509_FMT_PEM,
						 NULL, GNUTLS_PKCS_PLAIN);
	if (ret) {
		gnutls_x509_privkey_deinit(xk);
		return fail(err, errlen, "the key", ret);
	}
	if (same_key(c, xk, err, errlen)) {
		gnutls_x509_privkey_deinit(xk);
		return -EINVAL;
	}
	ret = gnutls_privkey_init(&c->key);
	ret = ret ?: gnutls_privkey_import_x509(c->key, xk,
					GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE);
	if (ret) {
		gnutls_x509_privkey_deinit(xk);
		return fail(err, errlen, "the key", ret);
	}
	return 0;
}

static struct wh_cred *cred_new(const char *crt_pem, const char *key_pem,
				time_t now, char *err, size_t errlen)
{
	gnutls_datum_t d = { (unsigned char *)crt_pem,
			     crt_pem ? strlen(crt_pem) : 0 };
	struct wh_cred *c = calloc(1, sizeof(*c));
	int ret;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->n = PD_WH_TLS_CHAIN;
	ret = crt_pem && key_pem ? gnutls_pcert_list_import_x509_raw(c->pcert,
			&c->n, &d, GNUTLS_X509_FMT_PEM, 0) :
			GNUTLS_E_BASE64_DECODING_ERROR;
	if (ret) {
		c->n = 0;
		fail(err, errlen, "the certificate", ret);
	} else if (!c->n) {
		snprintf(err, errlen, "the certificate: no PEM certificate");
		ret = -EINVAL;
	}
	ret = ret ?: leaf_time(crt_pem, now, err, errlen);
	ret = ret ?: import_key(c, key_pem, err, errlen);
	c->leaf_pem = ret ? NULL : strdup(crt_pem);
	if (ret || !c->leaf_pem) {
		cred_free(c);
		return NULL;
	}
	return c;
}

/* Replaced credentials no handshake can still be using. */
static void reap(uint64_t now_ms)
{
	struct wh_cred **pp = &retired;

	while (*pp) {
		struct wh_cred *c = *pp;

		if (now_ms - c->retired_ms >= PD_WH_TLS_KEEP_MS) {
			*pp = c->next;
			cred_free(c);
		} else {
			pp = &c->next;
		}
	}
}

int pd_wh_tls_load(const char *crt_pem, const char *key_pem, time_t now,
		   char *err, size_t errlen)
{
	struct wh_cred *c = cred_new(crt_pem, key_pem, now, err, errlen);
	uint64_t now_ms = pd_now_ms();

	if (!c)
		return -EINVAL;
	reap(now_ms);
	if (current) {
		current->retired_ms = now_ms ? now_ms : 1;
		current->next = retired;
		retired = current;
	}
	current = c;
	return 0;
}

bool pd_wh_tls_loaded(void)
{
	return current != NULL;
}

char *pd_wh_tls_current_pem(void)
{
	return current ? strdup(current->leaf_pem) : NULL;
}

void pd_wh_tls_clear(void)
{
	if (current)
		cred_free(current);
	current = NULL;
	while (retired) {
		struct wh_cred *c = retired;

		retired = c->next;
		cred_free(c);
	}
}

int pd_wh_tls_retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_rdn,
		       int nreqs, const gnutls_pk_algorithm_t *pk_algos,
		       int pk_algos_length, gnutls_pcert_st **pcert,
		       unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
	(void)s;
	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	if (!current)
		return -1;	/* the handshake fails; nothing to serve */
	*pcert = current->pcert;
	*pcert_length = current->n;
	*pkey = current->key;
	return 0;
}
