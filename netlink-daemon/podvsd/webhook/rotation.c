// SPDX-License-Identifier: GPL-2.0
/* The webhook CA and leaf rotation rule (see rotation.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "webhook/rotation.h"

/* What a servable set is made of. */
struct rot_view {
	gnutls_x509_crt_t *cas;
	unsigned int n_ca;
	unsigned int leaf_by;		/* index of the CA that signed it */
	bool signer_ok;			/* ca.key is the newest CA's key */
	time_t leaf_until, newest_until;
};

static bool key_of(gnutls_x509_crt_t crt, const char *pem)
{
	gnutls_datum_t d = { (unsigned char *)pem, pem ? strlen(pem) : 0 };
	unsigned char a[64], b[64];
	size_t alen = sizeof(a), blen = sizeof(b);
	gnutls_x509_privkey_t key;
	bool ok;

	if (!pem || gnutls_x509_privkey_init(&key))
		return false;
	ok = !gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL,
					  GNUTLS_PKCS_PLAIN) &&
	     !gnutls_x509_privkey_get_key_id(key, 0, b, &blen) &&
	     !gnutls_x509_crt_get_key_id(crt, 0, a, &alen) &&
	     alen == blen && !memcmp(a, b, alen);
	gnutls_x509_privkey_deinit(key);
	return ok;
}

static int view_init(struct rot_view *v, const struct pd_certs *c)
{
	gnutls_datum_t d = { (unsigned char *)c->tls_crt, strlen(c->tls_crt) };
	gnutls_x509_crt_t leaf;
	unsigned int i;

	memset(v, 0, sizeof(*v));
	if (pd_certs_bundle(c->ca_crt, &v->cas, &v->n_ca))
		return -EINVAL;
	if (gnutls_x509_crt_init(&leaf))
		return -ENOMEM;
	if (gnutls_x509_crt_import(leaf, &d, GNUTLS_X509_FMT_PEM)) {
		gnutls_x509_crt_deinit(leaf);
		return -EINVAL;
	}
	for (i = 0; i < v->n_ca && !pd_certs_issued_by(leaf, v->cas[i]); i++)
		;
	v->leaf_by = i;
	v->leaf_until = gnutls_x509_crt_get_expiration_time(leaf);
	gnutls_x509_crt_deinit(leaf);
	v->newest_until = gnutls_x509_crt_get_expiration_time(
						v->cas[v->n_ca - 1]);
	v->signer_ok = key_of(v->cas[v->n_ca - 1], c->ca_key);
	return i < v->n_ca ? 0 : -EINVAL;
}

static void view_fini(struct rot_view *v)
{
	pd_certs_bundle_free(v->cas, v->n_ca);
	memset(v, 0, sizeof(*v));
}

long long pd_rot_overlap_s(unsigned int period_s)
{
	long long three = 3LL * period_s;

	return three > PD_CA_OVERLAP_S ? three : PD_CA_OVERLAP_S;
}

/* Two CAs published: publish -> switch -> drop, each after the overlap. */
static enum pd_rot_act two_cas(const struct pd_certs *c,
			       const struct rot_view *v, time_t now,
			       long long overlap, char *why, size_t whylen)
{
	bool old_leaf = v->leaf_by != v->n_ca - 1;
	long long since = now - c->phase_since;
	const char *phase = old_leaf ? "publish" : "switch";

	if (!v->signer_ok) {
		snprintf(why, whylen, "ca.key is not the key of the newest CA, "
			 "publishing another");
		return PD_ROT_PUBLISH;
	}
	/* a start somewhat ahead of our clock (another leader's clock) still
	 * waits; one absurdly far ahead is ignored rather than obeyed */
	if (!strcmp(c->phase, phase) && since > -overlap && since < overlap) {
		snprintf(why, whylen, "CA rotation: %s for %lld s of %lld s",
			 phase, since, overlap);
		return PD_ROT_KEEP;
	}
	snprintf(why, whylen, "CA rotation: %s overlap over", phase);
	return old_leaf ? PD_ROT_SWITCH : PD_ROT_DROP;
}

static enum pd_rot_act one_ca(const struct rot_view *v, time_t now,
			      char *why, size_t whylen)
{
	bool leaf_due = v->leaf_until - now < PD_CERT_RENEW_S;

	if (!v->signer_ok && leaf_due) {
		snprintf(why, whylen, "tls.crt expires in %lld s and the CA "
			 "key is unknown: publishing a new CA",
			 (long long)(v->leaf_until - now));
		return PD_ROT_PUBLISH;
	}
	if (v->signer_ok && v->newest_until - now < PD_CA_RENEW_S) {
		snprintf(why, whylen, "ca.crt expires in %lld s: publishing "
			 "a new CA", (long long)(v->newest_until - now));
		return PD_ROT_PUBLISH;
	}
	if (leaf_due) {
		snprintf(why, whylen, "tls.crt expires in %lld s: new "
			 "certificate from the same CA",
			 (long long)(v->leaf_until - now));
		return PD_ROT_NEW_LEAF;
	}
	snprintf(why, whylen, "valid");
	return PD_ROT_KEEP;
}

enum pd_rot_act pd_rot_decide(const struct pd_certs *c,
			      const char *const *names, size_t n, time_t now,
			      unsigned int period_s, char *why, size_t whylen)
{
	struct rot_view v;
	enum pd_rot_act act;

	if (pd_certs_check(c, names, n, now, why, whylen))
		return PD_ROT_REBUILD;
	if (view_init(&v, c)) {
		view_fini(&v);
		snprintf(why, whylen, "ca.crt or tls.crt unreadable");
		return PD_ROT_REBUILD;
	}
	if (v.n_ca > 1)
		act = two_cas(c, &v, now, pd_rot_overlap_s(period_s), why,
			      whylen);
	else
		act = one_ca(&v, now, why, whylen);
	view_fini(&v);
	return act;
}

static char *crt_pem(gnutls_x509_crt_t crt)
{
	gnutls_datum_t d = { 0 };
	char *s;

	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d))
		return NULL;
	s = strndup((char *)d.data, d.size);
	gnutls_free(d.data);
	return s;
}

static char *join(const char *a, const char *b)
{
	char *s = NULL;

	if (a && b && asprintf(&s, "%s%s", a, b) < 0)
		s = NULL;
	return s;
}

static void set_phase(struct pd_certs *out, const char *phase, time_t now)
{
	snprintf(out->phase, sizeof(out->phase), "%s", phase);
	out->phase_since = *phase ? now : 0;
}

/* A leaf from the newest CA, never outliving it. */
static int new_leaf(const struct pd_certs *c, const struct rot_view *v,
		    const char *const *names, size_t n, time_t now,
		    struct pd_certs *out, char *err, size_t errlen)
{
	long long left = (v->newest_until - now) / (24 * 3600);
	unsigned int days = left < PD_CERT_DAYS ? (unsigned int)left :
			    PD_CERT_DAYS;
	char *ca = crt_pem(v->cas[v->n_ca - 1]);
	int ret = ca ? pd_certs_new_leaf(ca, c->ca_key, names, n, now, days,
					 &out->tls_crt, &out->tls_key, err,
					 errlen) : -ENOMEM;

	free(ca);
	out->ca_crt = strdup(c->ca_crt);
	out->ca_key = strdup(c->ca_key);
	return ret ?: out->ca_crt && out->ca_key ? 0 : -ENOMEM;
}

/* The leaf's CA and a new one; the leaf kept. */
static int publish(const struct pd_certs *c, const struct rot_view *v,
		   const char *cn, time_t now, struct pd_certs *out,
		   char *err, size_t errlen)
{
	char *old = crt_pem(v->cas[v->leaf_by]), *ca = NULL;
	int ret = old ? pd_certs_new_ca(cn, now, PD_CA_DAYS, &ca,
					&out->ca_key, err, errlen) : -ENOMEM;

	out->ca_crt = ret ? NULL : join(old, ca);
	free(old);
	free(ca);
	out->tls_crt = strdup(c->tls_crt);
	out->tls_key = strdup(c->tls_key);
	return ret ?: out->ca_crt && out->tls_crt && out->tls_key ? 0 :
	       -ENOMEM;
}

/* The newest CA alone. */
static int drop(const struct pd_certs *c, const struct rot_view *v,
		struct pd_certs *out)
{
	out->ca_crt = crt_pem(v->cas[v->n_ca - 1]);
	out->ca_key = strdup(c->ca_key);
	out->tls_crt = strdup(c->tls_crt);
	out->tls_key = strdup(c->tls_key);
	return out->ca_crt && out->ca_key && out->tls_crt && out->tls_key ?
	       0 : -ENOMEM;
}

int pd_rot_apply(const struct pd_certs *c, enum pd_rot_act act,
		 const char *const *names, size_t n, time_t now,
		 struct pd_certs *out, char *err, size_t errlen)
{
	struct rot_view v;
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(err, errlen, "out of memory");
	ret = view_init(&v, c);
	if (!ret && !v.signer_ok && act != PD_ROT_PUBLISH)
		ret = -EINVAL;		/* no key to sign with */
	if (ret || !n) {
		snprintf(err, errlen, "the stored certificates are unusable");
		view_fini(&v);
		return -EINVAL;
	}
	switch (act) {
	case PD_ROT_NEW_LEAF:
	case PD_ROT_SWITCH:
		ret = new_leaf(c, &v, names, n, now, out, err, errlen);
		set_phase(out, act == PD_ROT_SWITCH ? "switch" : "", now);
		break;
	case PD_ROT_PUBLISH:
		ret = publish(c, &v, names[0], now, out, err, errlen);
		set_phase(out, "publish", now);
		break;
	case PD_ROT_DROP:
		ret = drop(c, &v, out);
		set_phase(out, "", now);
		break;
	default:
		snprintf(err, errlen, "nothing to apply");
		ret = -EINVAL;
	}
	view_fini(&v);
	if (ret)
		pd_certs_fini(out);
	return ret;
}

const char *pd_rot_act_name(enum pd_rot_act act)
{
	static const char *const name[] = {
		[PD_ROT_KEEP] = "keep", [PD_ROT_NEW_LEAF] = "new-leaf",
		[PD_ROT_PUBLISH] = "publish-ca", [PD_ROT_SWITCH] = "switch",
		[PD_ROT_DROP] = "drop-old-ca", [PD_ROT_REBUILD] = "rebuild",
	};

	return act <= PD_ROT_REBUILD ? name[act] : "?";
}
