/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An HTTP or HTTPS server on the daemon's epoll loop: libmicrohttpd in
 * MHD_USE_EPOLL mode, its epoll descriptor watched by the loop and its
 * timeout kept on a loop timer, so requests are answered from the one
 * thread like every other event.  Both servers of podvsd use it: /metrics
 * (plain) and the admission webhook (TLS, its certificate from a callback
 * so it changes without a restart).
 *
 * pd_httpd_init() only prepares; pd_httpd_start() may run again after
 * pd_httpd_stop() (the timer is kept); pd_httpd_fini() undoes everything.
 */
#ifndef PODVSD_HTTP_SERVER_H
#define PODVSD_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <microhttpd.h>

#include "base/addr.h"
#include "base/loop.h"

struct pd_httpd {
	struct MHD_Daemon *mhd;		/* NULL: not serving */
	struct pd_loop *loop;
	struct pd_io io;		/* MHD's epoll fd */
	struct pd_timer timer;		/* MHD's timeout */
};

struct pd_httpd_cfg {
	const struct pd_hostport *at;		/* listening address */
	MHD_AccessHandlerCallback handler;
	MHD_RequestCompletedCallback completed;	/* NULL: none */
	void *ctx;				/* for both */
	const char *tls_key, *tls_crt;		/* PEM; NULL: plain HTTP */
	/* TLS with the certificate asked of this function at each
	 * handshake (gnutls_certificate_retrieve_function2 *), instead of
	 * tls_key/tls_crt: it may change without a restart */
	void *tls_cert_cb;
	bool reuse_port;			/* restarted on the same port */
};

void pd_httpd_init(struct pd_httpd *h, struct pd_loop *loop);
/* Listen and serve.  -EADDRINUSE (address in use, or TLS data MHD
 * refuses) or -EIO; the server is then stopped. */
int pd_httpd_start(struct pd_httpd *h, const struct pd_httpd_cfg *cfg);
void pd_httpd_stop(struct pd_httpd *h);
void pd_httpd_fini(struct pd_httpd *h);

/* Queue @body (malloc'ed, freed here) of @len bytes as the whole
 * response. */
enum MHD_Result pd_httpd_reply(struct MHD_Connection *c, unsigned int code,
			       const char *type, char *body, size_t len);

#endif /* PODVSD_HTTP_SERVER_H */
