/* SPDX-License-Identifier: GPL-2.0 */
/*
 * podvsd's HTTP endpoints (libmicrohttpd, driven by the daemon's epoll
 * loop through MHD's own epoll descriptor):
 *
 *   /metrics      Prometheus text format (see pd_metrics_render)
 *   /healthz      200 while the event loop runs
 *   /readyz       200 once the caches are synced and the last sync
 *                 succeeded, else 503 with the reason
 *   /debug/table  the VS table podvsd believes the kernel holds, one
 *                 "proto vip:port sched owner = dest..." line per VS
 */
#ifndef PODVSD_METRICS_H
#define PODVSD_METRICS_H

#include <stdbool.h>
#include <stdio.h>
#include <microhttpd.h>

#include "base/loop.h"
#include "sync/table.h"

struct podvsd;

struct pd_metrics {
	struct MHD_Daemon *mhd;
	struct pd_io io;		/* MHD's epoll fd */
	struct pd_timer timer;		/* MHD's timeout */
	unsigned long requests;
};

int pd_metrics_init(struct podvsd *d);
void pd_metrics_fini(struct podvsd *d);

/* Prometheus text for @d into @out. */
void pd_metrics_render(struct podvsd *d, FILE *out);
/* Ready?  If not, why (a static string). */
bool pd_ready(struct podvsd *d, const char **why);

/* For the HTTP servers (metrics, webhook): queue body, malloc'ed and freed
 * here, as the whole response.
 */
enum MHD_Result pd_http_reply(struct MHD_Connection *c, unsigned int code,
			      const char *type, char *body, size_t len);
/* The table dump of /debug/table. */
void pd_table_render(const struct pd_table *t, FILE *out);

#endif /* PODVSD_METRICS_H */
