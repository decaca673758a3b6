// SPDX-License-Identifier: GPL-2.0
/* Warning Events about Services, posted fire and forget (see events.h). */
#include <stdio.h>
#include <stdlib.h>

#include "k8s/api_write.h"
#include "k8s/events.h"
#include "k8s/k8s.h"

void pd_events_init(struct pd_events *ev, struct pd_http *http,
		    struct pd_log *log, const char *host)
{
	*ev = (struct pd_events){ .http = http, .log = log, .host = host };
}

static void event_done(void *ctx, const char *key, int res, long status,
		       const char *msg, long retry_after_s)
{
	struct pd_events *ev = ctx;

	(void)key;
	if (retry_after_s > 0)
		ev->quiet_until_ms = pd_now_ms() +
				     pd_http_retry_ms(retry_after_s, 0);
	if (res || status / 100 != 2) {
		ev->failed++;
		pd_warn(ev->log, "msg=\"posting an Event failed\" status=%ld "
			"err=\"%s\"", status, res ? msg : "");
	} else {
		ev->posted++;
	}
}

static char *event_body(const struct pd_events *ev, const char *ns,
			const char *name, const char *uid, const char *reason,
			const char *msg)
{
	cJSON *e = cJSON_CreateObject(), *md, *io, *src;
	char now[32], gen[300];
	char *out;

	pd_k8s_time_now(now, sizeof(now));
	snprintf(gen, sizeof(gen), "%s.", name);
	md = cJSON_AddObjectToObject(e, "metadata");
	cJSON_AddStringToObject(md, "generateName", gen);
	cJSON_AddStringToObject(md, "namespace", ns);
	io = cJSON_AddObjectToObject(e, "involvedObject");
	cJSON_AddStringToObject(io, "apiVersion", "v1");
	cJSON_AddStringToObject(io, "kind", "Service");
	cJSON_AddStringToObject(io, "namespace", ns);
	cJSON_AddStringToObject(io, "name", name);
	cJSON_AddStringToObject(io, "uid", uid);
	cJSON_AddStringToObject(e, "reason", reason);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(e, "type", "Warning");
	src = cJSON_AddObjectToObject(e, "source");
	cJSON_AddStringToObject(src, "component", "podvsd");
	cJSON_AddStringToObject(src, "host", ev->host);
	cJSON_AddStringToObject(e, "reportingComponent", "podvs.io/podvsd");
	cJSON_AddStringToObject(e, "reportingInstance", ev->host);
	cJSON_AddStringToObject(e, "firstTimestamp", now);
	cJSON_AddStringToObject(e, "lastTimestamp", now);
	cJSON_AddNumberToObject(e, "count", 1);
	out = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	return out;
}

void pd_event_service(struct pd_events *ev, const char *ns, const char *name,
		      const char *uid, const char *reason,
		      const char *message)
{
	const struct pd_api_target t = {
		.method = "POST", .content_type = "application/json",
		.done = event_done, .ctx = ev,
	};
	char path[1024];

	if (!ev->http)
		return;
	if (pd_now_ms() < ev->quiet_until_ms) {
		ev->throttled++;
		return;
	}
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", ns);
	if (pd_api_write(ev->http, &t, path,
			 event_body(ev, ns, name, uid, reason, message)))
		ev->failed++;
}
