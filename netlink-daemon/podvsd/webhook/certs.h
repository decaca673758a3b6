/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The webhook's serving certificate (GnuTLS x509): a self-signed CA and a
 * serving certificate signed by it, both ECDSA P-256, PEM encoded as the
 * kubernetes.io/tls Secret holds them (ca.crt, tls.crt, tls.key).
 *
 * pd_certs_check() says why a stored set cannot be served: unparsable,
 * expired or expiring within PD_CERT_RENEW_S, tls.crt not signed by ca.crt,
 * tls.key not the key of tls.crt, a DNS name missing from the SANs.
 */
#ifndef PODVSD_CERTS_H
#define PODVSD_CERTS_H

#include <stddef.h>
#include <time.h>

#define PD_CERT_DAYS		365
#define PD_CERT_RENEW_S		(30 * 24 * 3600)	/* renew this early */
#define PD_CERT_MAX_NAMES	4

struct pd_certs {
	char *ca_crt;		/* PEM, malloc'd */
	char *tls_crt;
	char *tls_key;		/* PKCS#8 PEM */
};

/*
 * pd_certs_generate - a new CA and serving certificate for @names (DNS
 * SANs; names[0] is also the subject CN), valid from @now - 5 min for
 * @days.  0, or -errno with @err set.
 */
int pd_certs_generate(struct pd_certs *out, const char *const *names,
		      size_t n, time_t now, unsigned int days, char *err,
		      size_t errlen);
/* 0 if @c can be served at @now for @names, else -EINVAL and @why. */
int pd_certs_check(const struct pd_certs *c, const char *const *names,
		   size_t n, time_t now, char *why, size_t whylen);
void pd_certs_fini(struct pd_certs *c);

/* The DNS names of Service @svc in @ns ("svc", "svc.ns", "svc.ns.svc",
 * "svc.ns.svc.cluster.local") into @buf; returns the count. */
size_t pd_certs_service_names(const char *svc, const char *ns,
			      char buf[PD_CERT_MAX_NAMES][256],
			      const char *names[PD_CERT_MAX_NAMES]);

#endif /* PODVSD_CERTS_H */
