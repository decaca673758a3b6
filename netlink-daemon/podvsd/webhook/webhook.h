/* SPDX-License-Identifier: GPL-2.0 */
/*
 * podvsd's mutating admission webhook: HTTPS (libmicrohttpd + GnuTLS) on
 * --webhook-address, driven by the daemon's epoll loop like the metrics
 * server, answering POST /mutate with the decision of admission.h from
 * podvsd's caches (Services from the reconciler, Namespace labels from a
 * Namespace informer of its own).
 *
 * Disaster recovery (pd_webhook_ensure, at start and every
 * --webhook-check-period): read the Secret SERVICE-tls and the
 * MutatingWebhookConfiguration (webhook_config.h); a missing or damaged
 * one is re-created (one warning line each).  Every podvsd serves the
 * certificate of the Secret; only the leader (pd_cluster_leader) writes,
 * so gateways never fight over the CA.  With --webhook-cert the Secret is
 * not used and only the configuration is kept.
 */
#ifndef PODVSD_WEBHOOK_H
#define PODVSD_WEBHOOK_H

#include <stdbool.h>
#include <stdio.h>

#include "webhook/certs.h"
#include "base/hmap.h"
#include "k8s/http_client.h"
#include "k8s/informer.h"
#include "base/loop.h"

#define PD_WH_RETRY_MS	2000	/* an unfinished check runs again after */

struct podvsd;
struct MHD_Daemon;

struct pd_webhook_stats {
	unsigned long patched;		/* requests by verdict */
	unsigned long unchanged;
	unsigned long warned;
	unsigned long bad;
	unsigned long secret_writes;	/* Secrets (re)created */
	unsigned long config_writes;	/* configurations (re)created */
	unsigned long check_errors;	/* API errors during checks */
};

enum pd_wh_step {
	PD_WH_IDLE,
	PD_WH_SECRET_GET,
	PD_WH_SECRET_WRITE,
	PD_WH_CONFIG_GET,
	PD_WH_CONFIG_WRITE,
};

struct pd_webhook {
	bool started;			/* init ran: fini has work */
	struct MHD_Daemon *mhd;		/* NULL until a certificate is known */
	struct pd_io io;		/* MHD's epoll fd */
	struct pd_timer mhd_timer;	/* MHD's timeout */
	struct pd_timer check_timer;	/* the next pd_webhook_ensure() */
	struct pd_informer namespaces;
	struct pd_hmap ns_on;		/* labelled namespace names */
	struct pd_certs serving;	/* what MHD serves; kept alive */
	struct pd_certs pending;	/* generated, being written */
	char *ca_bundle;		/* PEM for the configuration */
	enum pd_wh_step step;		/* the running check */
	struct pd_http_req req;
	char *req_body;
	char secret_name[80];
	bool checked_once;		/* a check ran to its end */
	struct pd_webhook_stats stats;
};

/* Start serving (if --webhook-address) and the first check. */
int pd_webhook_init(struct podvsd *d);
void pd_webhook_fini(struct podvsd *d);
/* Check the Secret and the configuration now (no-op while one runs). */
void pd_webhook_ensure(struct podvsd *d);
/* Prometheus lines for /metrics. */
void pd_webhook_render(struct podvsd *d, FILE *out);

/* For webhook_ensure.c: serve @c (restarts MHD if it changed); takes
 * ownership of @c's strings.  0 or -errno. */
int pd_webhook_serve(struct podvsd *d, struct pd_certs *c, const char *ca);

/* webhook_ensure.c, for webhook.c: the check timer's callback (the first
 * check runs from it once the loop runs) and --webhook-cert loading. */
void pd_webhook_check_timer(struct pd_loop *loop, struct pd_timer *t);
int pd_webhook_load_files(struct podvsd *d);

#endif /* PODVSD_WEBHOOK_H */
