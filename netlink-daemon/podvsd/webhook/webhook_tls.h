/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The webhook's serving credential, replaced under a running server.
 *
 * libmicrohttpd 0.9.75 reads MHD_OPTION_HTTPS_MEM_KEY/_CERT once, at
 * MHD_start_daemon(): a new certificate that way needs a new daemon, and
 * MHD_stop_daemon() closes every connection of the old one (requests in
 * flight get a reset).  MHD_OPTION_HTTPS_CERT_CALLBACK instead hands
 * GnuTLS a retrieve function that is asked for the certificate in each
 * handshake: a swap here takes effect at the next handshake, established
 * connections keep their session and are never closed, and no listening
 * socket is reopened (no SYN backlog lost either).
 *
 * The callback gets no context argument, so the credential in use is one
 * process-wide slot (one webhook per podvsd).  GnuTLS keeps the pointers
 * the callback returns for the handshake without copying them, so a
 * replaced credential is freed only PD_WH_TLS_KEEP_MS after it was
 * replaced (a handshake needs them for one flight; MHD times out an idle
 * connection after 10 s).
 */
#ifndef PODVSD_WEBHOOK_TLS_H
#define PODVSD_WEBHOOK_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <gnutls/abstract.h>

#define PD_WH_TLS_CHAIN		8	/* leaf + intermediates served */
#define PD_WH_TLS_KEEP_MS	600000

/*
 * pd_wh_tls_load - serve @crt_pem (leaf first, then any intermediates,
 * as cert-manager writes tls.crt) with @key_pem from the next handshake
 * on.  Refused, with the current one kept and @err set: unparsable PEM,
 * a key that is not the leaf's, a leaf not valid at @now.  0 or -EINVAL.
 */
int pd_wh_tls_load(const char *crt_pem, const char *key_pem, time_t now,
		   char *err, size_t errlen);
/* A credential is loaded (the server may start). */
bool pd_wh_tls_loaded(void);
/* The leaf served now, as PEM (malloc'ed), or NULL: for tests. */
char *pd_wh_tls_current_pem(void);
/* Free every credential, current and replaced (at shutdown). */
void pd_wh_tls_clear(void);

/* For MHD_OPTION_HTTPS_CERT_CALLBACK. */
gnutls_certificate_retrieve_function2 pd_wh_tls_retrieve;

#endif /* PODVSD_WEBHOOK_TLS_H */
