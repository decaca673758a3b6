/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The webhook's serving certificate (GnuTLS x509): a self-signed CA and a
 * serving certificate signed by it, both ECDSA P-256, PEM encoded as the
 * kubernetes.io/tls Secret holds them (ca.crt, tls.crt, tls.key), plus
 * the CA's key (ca.key) so the leaf can be renewed under the same CA.
 * ca.crt is the bundle published in the caBundle: one CA, or two while
 * the CA is replaced (rotation.h).
 *
 * pd_certs_check() says why a stored set cannot be served: unparsable,
 * expired or not yet valid, tls.crt signed by no CA of ca.crt, tls.key not
 * the key of tls.crt, a DNS name missing from the SANs.  When to renew
 * what is rotation.h's business.
 */
#ifndef PODVSD_CERTS_H
#define PODVSD_CERTS_H

#include <stddef.h>
#include <time.h>
#include <gnutls/x509.h>

/* The serving certificate: a year, renewed a month before it ends. */
#define PD_CERT_DAYS		365
#define PD_CERT_RENEW_S		(30 * 24 * 3600)
/*
 * The CA: ten years.  It exists only in the Secret and the caBundle;
 * each replacement costs two overlap periods (rotation.h), while the
 * leaf, whose key is the one in use, rotates yearly under it.
 */
#define PD_CA_DAYS		3650
#define PD_CERT_MAX_NAMES	4

struct pd_certs {
	char *ca_crt;		/* PEM bundle (1 or 2 CAs), malloc'd */
	char *tls_crt;
	char *tls_key;		/* PKCS#8 PEM */
	char *ca_key;		/* the newest CA's key; NULL: unknown */
	char phase[16];		/* rotation.h: "", "publish", "switch" */
	long long phase_since;	/* unix time the phase began */
};

/*
 * pd_certs_generate - a new CA (PD_CA_DAYS, or @days if longer) and a
 * serving certificate for @names (DNS SANs; names[0] is also the subject
 * CN) valid for @days, both from @now - 5 min.  0, or -errno with @err.
 */
int pd_certs_generate(struct pd_certs *out, const char *const *names,
		      size_t n, time_t now, unsigned int days, char *err,
		      size_t errlen);
/* A new CA for @cn into @crt/@key (PEM, malloc'd).  0 or -EIO. */
int pd_certs_new_ca(const char *cn, time_t now, unsigned int days,
		    char **crt, char **key, char *err, size_t errlen);
/* A serving certificate for @names signed by CA @ca_crt (first PEM in
 * it) with @ca_key, into @crt/@key.  0, -EINVAL (bad CA), -EIO. */
int pd_certs_new_leaf(const char *ca_crt, const char *ca_key,
		      const char *const *names, size_t n, time_t now,
		      unsigned int days, char **crt, char **key, char *err,
		      size_t errlen);
/* 0 if @c can be served at @now for @names, else -EINVAL and @why. */
int pd_certs_check(const struct pd_certs *c, const char *const *names,
		   size_t n, time_t now, char *why, size_t whylen);
void pd_certs_fini(struct pd_certs *c);

/* The certificates of PEM @pem (one or more); -EINVAL if none. */
int pd_certs_bundle(const char *pem, gnutls_x509_crt_t **list,
		    unsigned int *n);
void pd_certs_bundle_free(gnutls_x509_crt_t *list, unsigned int n);
/* Did @ca sign @crt (validity times not looked at)? */
int pd_certs_issued_by(gnutls_x509_crt_t crt, gnutls_x509_crt_t ca);

/* The DNS names of Service @svc in @ns ("svc", "svc.ns", "svc.ns.svc",
 * "svc.ns.svc.cluster.local") into @buf; returns the count. */
size_t pd_certs_service_names(const char *svc, const char *ns,
			      char buf[PD_CERT_MAX_NAMES][256],
			      const char *names[PD_CERT_MAX_NAMES]);

#endif /* PODVSD_CERTS_H */
