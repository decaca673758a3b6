/* SPDX-License-Identifier: GPL-2.0 */
/*
 * podvsd's HTTP endpoints (base/http_server.h, on the daemon's loop):
 *
 *   /metrics      Prometheus text format (see pd_metrics_render)
 *   /healthz      200 while the event loop runs
 *   /readyz       200 once the caches are synced, the last sync
 *                 succeeded and the view of the API is fresh (the
 *                 staleness signal, k8s/api_fresh.h), else 503 with
 *                 the reason
 *   /debug/table  the VS table podvsd believes the kernel holds, one
 *                 "proto vip:port sched owner = dest..." line per VS
 *
 * The module owns only its server and a request counter.  What it shows
 * it reads, never writes, through struct pd_metrics_src: pointers into
 * the modules that keep the counters, set once by the daemon.  Two hooks
 * ask the daemon what only it knows: whether the initial lists are done,
 * and the families of other modules (the webhook's) to append.
 */
#ifndef PODVSD_METRICS_H
#define PODVSD_METRICS_H

#include <stdbool.h>
#include <stdio.h>

#include "base/http_server.h"
#include "base/log.h"
#include "gate/gate.h"
#include "k8s/api_fresh.h"
#include "k8s/http_client.h"
#include "k8s/informer.h"
#include "k8s/lease.h"
#include "node/announce.h"
#include "node/health.h"
#include "sync/reconcile.h"
#include "sync/table.h"
#include "sync/vippool_pass.h"

/* Read-only views; each pointer must stay valid while the module runs. */
struct pd_metrics_src {
	const struct pd_reconciler *rec;
	const struct pd_health *health;
	const struct pd_gate_stats *gate;
	const unsigned long *rejected;	/* objects that failed to parse */
	/* the API side, shown only while *api_up */
	const bool *api_up;
	const struct pd_informer *informers[2];	/* Services, EndpointSlices */
	const struct pd_http_stats *api;
	const struct pd_api_fresh *fresh;	/* NULL: never stale */
	const unsigned long *events_posted;
	const struct pd_elector *leader;	/* the leader Lease */
	const struct pd_elector *gw;		/* this gateway's Lease */
	const struct pd_ann_stats *ann;		/* NULL: no announcement */
	const unsigned long *sysctl_errors;	/* send_redirects writes */
	const struct pd_pool_pass *pool;	/* NULL: no --vip-pool */
};

struct pd_metrics_hooks {
	/* Have the initial lists completed (the caches are synced)? */
	bool (*synced)(void *ctx);
	/* Append more families to /metrics; may be NULL. */
	void (*render)(void *ctx, FILE *out);
	/* Pods that should carry the gate and do not (gate/ungated.c);
	 * -1 while unknown.  May be NULL. */
	long (*ungated)(void *ctx);
	void *ctx;
};

struct pd_metrics {
	struct pd_httpd httpd;
	struct pd_log *log;
	struct pd_metrics_src src;
	struct pd_metrics_hooks hooks;
	unsigned long requests;
};

/* Serve on @at (NULL: only render, no server).  Errors go to stderr. */
int pd_metrics_init(struct pd_metrics *m, struct pd_loop *loop,
		    struct pd_log *log, const struct pd_hostport *at,
		    const struct pd_metrics_src *src,
		    const struct pd_metrics_hooks *hooks);
void pd_metrics_fini(struct pd_metrics *m);

/* Prometheus text into @out. */
void pd_metrics_render(const struct pd_metrics *m, FILE *out);
/* Ready?  If not, why (a static string). */
bool pd_metrics_ready(const struct pd_metrics *m, const char **why);
/* The table dump of /debug/table. */
void pd_table_render(const struct pd_table *t, FILE *out);

#endif /* PODVSD_METRICS_H */
