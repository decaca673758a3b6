/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Warning Events about Services podvsd cannot program (invalid podvs
 * configuration, invalid health checks).  Fire and forget: one POST per
 * Event through pd_api_write(), counted as posted or failed; nothing is
 * retried or aggregated.  An answer with Retry-After (429, 503) silences
 * the poster until then: Events asked for meanwhile are dropped and
 * counted in @throttled (they are warnings, the log line stays).  The
 * Event names podvsd (source.component, reportingComponent) and the node
 * it runs on (source.host, reportingInstance).
 */
#ifndef PODVSD_EVENTS_H
#define PODVSD_EVENTS_H

#include <stdint.h>

#include "base/log.h"
#include "k8s/http_client.h"

struct pd_events {
	struct pd_http *http;		/* NULL: off (no API server) */
	struct pd_log *log;
	const char *host;		/* the node name */
	unsigned long posted;
	unsigned long failed;
	unsigned long throttled;	/* dropped during a Retry-After */
	uint64_t quiet_until_ms;	/* a Retry-After: no POST before */
};

void pd_events_init(struct pd_events *ev, struct pd_http *http,
		    struct pd_log *log, const char *host);
/* Post a Warning Event about Service @ns/@name (@uid). */
void pd_event_service(struct pd_events *ev, const char *ns, const char *name,
		      const char *uid, const char *reason,
		      const char *message);

#endif /* PODVSD_EVENTS_H */
