/* SPDX-License-Identifier: GPL-2.0 */
/*
 * podvsd's mutating admission webhook: HTTPS (libmicrohttpd + GnuTLS) on
 * --webhook-address, driven by the daemon's epoll loop like the metrics
 * server, answering POST /mutate with the decision of admission.h from
 * podvsd's caches (Services from the reconciler, Namespace labels from a
 * Namespace informer of its own).
 *
 * Disaster recovery and rotation (pd_webhook_ensure, at start, every
 * --webhook-check-period and at each change of the Secret, which is
 * watched): read the Secret SERVICE-tls and the
 * MutatingWebhookConfiguration (webhook_config.h); a missing or damaged
 * one is re-created (one warning line each), a certificate due is
 * renewed by the rule of rotation.h.  Every podvsd serves the
 * certificate of the Secret, swapped under the running server
 * (webhook_tls.h); only the leader (hooks.is_leader) writes, so gateways
 * never fight over the CA.  With --webhook-cert the Secret is not used,
 * the files are reloaded when they change (webhook_files.c) and only the
 * configuration is kept.
 *
 * The module owns its state (struct pd_webhook); the daemon lends it the
 * loop, the log, the API client and the reconciler's Service cache
 * (read only), and answers "are we the leader?" through the hooks.
 */
#ifndef PODVSD_WEBHOOK_H
#define PODVSD_WEBHOOK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/hmap.h"
#include "base/http_server.h"
#include "base/log.h"
#include "base/loop.h"
#include "k8s/events.h"
#include "k8s/http_client.h"
#include "k8s/informer.h"
#include "webhook/certs.h"
#include "webhook/webhook_opts.h"

#define PD_WH_RETRY_MS	2000	/* an unfinished check runs again after */
/* --webhook-cert files are checked for a change this often (files.c) */
#define PD_WH_FILES_POLL_MS	10000

/* What stat() said of a --webhook-* file: a change reloads them all. */
struct pd_wh_file_sig {
	uint64_t dev, ino;
	int64_t size, mtime_ns;
	int err;			/* stat's errno, else 0 */
};

struct pd_webhook_stats {
	unsigned long patched;		/* requests by verdict */
	unsigned long unchanged;
	unsigned long warned;
	unsigned long bad;
	unsigned long secret_writes;	/* Secrets (re)created */
	unsigned long config_writes;	/* configurations (re)created */
	unsigned long rotations;	/* rotation steps written */
	unsigned long secret_events;	/* Secret changes watched */
	unsigned long check_errors;	/* API errors during checks */
	unsigned long cert_loads;	/* serving pairs taken */
	unsigned long cert_refused;	/* new pairs refused, old kept */
};

enum pd_wh_step {
	PD_WH_IDLE,
	PD_WH_SECRET_GET,
	PD_WH_SECRET_WRITE,
	PD_WH_CONFIG_GET,
	PD_WH_CONFIG_WRITE,
};

struct pd_webhook_hooks {
	/* May this podvsd write the Secret and the configuration? */
	bool (*is_leader)(void *ctx);
	void *ctx;
	struct pd_events *events;	/* Warning Events; NULL: none */
};

struct pd_webhook {
	bool started;			/* init ran: fini has work */
	struct pd_loop *loop;
	struct pd_log *log;
	const struct pd_webhook_opts *opts;
	struct pd_http *http;		/* the API client */
	const struct pd_hmap *services;	/* "ns/name" -> struct k8s_service */
	struct pd_webhook_hooks hooks;
	struct pd_httpd httpd;		/* mhd NULL until a certificate */
	struct pd_timer check_timer;	/* the next pd_webhook_ensure() */
	struct pd_informer namespaces;
	struct pd_hmap ns_on;		/* labelled namespace names */
	struct pd_certs serving;	/* what MHD serves (webhook_tls.h) */
	char refused[256];		/* why the last new pair was refused */
	struct pd_timer files_timer;	/* --webhook-cert: the next look */
	struct pd_wh_file_sig files_loaded[3];	/* cert, key, ca served */
	struct pd_wh_file_sig files_tried[3];	/* ... last tried */
	struct pd_certs pending;	/* generated, being written */
	char *ca_bundle;		/* PEM for the configuration */
	enum pd_wh_step step;		/* the running check */
	struct pd_http_req req;
	char *req_body;
	char secret_name[80];
	bool checked_once;		/* a check ran to its end */
	bool recheck;			/* the Secret changed during a check */
	bool rotating;			/* the Secret write is a rotation */
	bool config_current;		/* the configuration has ca_bundle */
	bool bundle_moved;		/* ca_bundle changed since written */
	struct pd_informer secret;	/* our Secret (fieldSelector) */
	bool secret_on;			/* ... initialised */
	char secret_path[300];		/* ... its path (the informer's) */
	struct pd_webhook_stats stats;
};

/*
 * Start serving (if @o->on) and the first check.  @http, @services and
 * @o must outlive the module.  Errors go to stderr.
 */
int pd_webhook_init(struct pd_webhook *wh, struct pd_loop *loop,
		    struct pd_log *log, const struct pd_webhook_opts *o,
		    struct pd_http *http, const struct pd_hmap *services,
		    const struct pd_webhook_hooks *hooks);
void pd_webhook_fini(struct pd_webhook *wh);
/* Check the Secret and the configuration now (no-op while one runs). */
void pd_webhook_ensure(struct pd_webhook *wh);
/* Is @ns labelled for injection (ctx: the webhook)?  False until the
 * Namespace list is in. */
bool pd_webhook_ns_on(const void *ctx, const char *ns);
/* Prometheus lines for /metrics. */
void pd_webhook_render(const struct pd_webhook *wh, FILE *out);

/* webhook_server.c, for webhook_ensure.c: serve @c from the next TLS
 * handshake on (no restart, connections kept) and publish @ca; takes
 * ownership of @c's strings.  A pair that cannot be served is refused
 * (-EINVAL, wh->refused says why) and the old pair and CA bundle stay.
 * 0 or -errno.  Calls go webhook.c -> webhook_ensure.c ->
 * webhook_server.c, never back. */
int pd_webhook_serve(struct pd_webhook *wh, struct pd_certs *c,
		     const char *ca);

/* webhook_ensure.c, for webhook.c: the check timer's callback (the first
 * check runs from it once the loop runs) and --webhook-cert loading. */
void pd_webhook_check_timer(struct pd_loop *loop, struct pd_timer *t);

/* webhook_files.c: --webhook-cert at start (fatal when bad), then the
 * check for a change (the timer's callback; exported for tests): 0 when
 * unchanged or reloaded, -EINVAL when refused (the old pair serves). */
int pd_webhook_load_files(struct pd_webhook *wh);
int pd_webhook_files_check(struct pd_webhook *wh);
void pd_webhook_files_timer(struct pd_loop *loop, struct pd_timer *t);

#endif /* PODVSD_WEBHOOK_H */
