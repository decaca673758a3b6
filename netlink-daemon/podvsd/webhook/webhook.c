// SPDX-License-Identifier: GPL-2.0
/* The admission webhook: its Namespace informer, setup and metrics. */
#include <stdlib.h>
#include <string.h>

#include "webhook/admission.h"
#include "webhook/webhook.h"
#include "webhook/webhook_config.h"
#include "webhook/webhook_tls.h"

/* ---- the Namespace informer ------------------------------------------- */

static void ns_upsert(void *ctx, const cJSON *obj)
{
	struct pd_webhook *wh = ctx;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(md, "labels"),
		PD_NS_INJECT_LABEL);

	if (!cJSON_IsString(name))
		return;
	if (cJSON_IsString(v) && !strcmp(v->valuestring, PD_NS_INJECT_VALUE))
		pd_hmap_sput(&wh->ns_on, name->valuestring, (void *)1, NULL);
	else
		pd_hmap_sdel(&wh->ns_on, name->valuestring);
}

static void ns_remove(void *ctx, const cJSON *obj)
{
	struct pd_webhook *wh = ctx;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");

	if (cJSON_IsString(name))
		pd_hmap_sdel(&wh->ns_on, name->valuestring);
}

/*
 * The informer's keep set holds "namespace/name" keys, which cluster-scoped
 * objects lack: a relist refreshes every listed namespace but cannot drop
 * one deleted meanwhile.  Harmless: no Pod is created in a deleted
 * namespace, and a re-created one is listed again.
 */
static void ns_prune(void *ctx, const struct pd_hmap *keep)
{
	(void)ctx;
	(void)keep;
}

static void ns_nothing(void *ctx)
{
	(void)ctx;
}

static const struct pd_informer_ops ns_ops = {
	.upsert = ns_upsert,
	.remove = ns_remove,
	.prune = ns_prune,
	.changed = ns_nothing,
	.synced = ns_nothing,
};

/* ---- the Secret informer ---------------------------------------------- */

/*
 * Any change of our Secret (a rotation step or repair by the leader, an
 * edit) is checked at once instead of at the next period: followers then
 * serve a new pair within the watch latency.
 */
static void secret_moved(void *ctx, const cJSON *obj)
{
	struct pd_webhook *wh = ctx;

	(void)obj;
	wh->stats.secret_events++;
	if (wh->step != PD_WH_IDLE)
		wh->recheck = true;	/* finish() runs the check again */
	else
		pd_timer_arm_ms(&wh->check_timer, 1, 0);
}

static const struct pd_informer_ops secret_ops = {
	.upsert = secret_moved,
	.remove = secret_moved,
	.prune = ns_prune,
	.changed = ns_nothing,
	.synced = ns_nothing,
};

/* ---- setup ------------------------------------------------------------ */

static int informer_init(struct pd_webhook *wh)
{
	struct pd_informer_transport tr;
	int err;

	pd_informer_http_transport(wh->http, &tr);
	err = pd_informer_init(&wh->namespaces, wh->loop, wh->log, &tr,
			       "namespaces", "/api/v1/namespaces", &ns_ops, wh);
	if (err)
		return err;
	pd_informer_start(&wh->namespaces);
	if (wh->opts->cert)
		return 0;	/* files, no Secret */
	snprintf(wh->secret_path, sizeof(wh->secret_path),
		 "/api/v1/namespaces/%s/secrets?fieldSelector=metadata.name"
		 "%%3D%s", wh->opts->ns, wh->secret_name);
	err = pd_informer_init(&wh->secret, wh->loop, wh->log, &tr,
			       "webhook-secret", wh->secret_path, &secret_ops,
			       wh);
	if (err)
		return err;
	wh->secret_on = true;
	pd_informer_start(&wh->secret);
	return 0;
}

int pd_webhook_init(struct pd_webhook *wh, struct pd_loop *loop,
		    struct pd_log *log, const struct pd_webhook_opts *o,
		    struct pd_http *http, const struct pd_hmap *services,
		    const struct pd_webhook_hooks *hooks)
{
	int err;

	memset(wh, 0, sizeof(*wh));
	if (!o->on)
		return 0;
	wh->loop = loop;
	wh->log = log;
	wh->opts = o;
	wh->http = http;
	wh->services = services;
	wh->hooks = *hooks;
	wh->check_timer.io.fd = -1;	/* fini closes only what init made */
	wh->files_timer.io.fd = -1;
	pd_httpd_init(&wh->httpd, loop);
	pd_hmap_init(&wh->ns_on);
	snprintf(wh->secret_name, sizeof(wh->secret_name), "%s"
		 PD_WH_SECRET_SUFFIX, o->service);
	err = pd_timer_init(loop, &wh->check_timer, pd_webhook_check_timer,
			    wh);
	err = err ?: pd_timer_init(loop, &wh->files_timer,
				   pd_webhook_files_timer, wh);
	wh->started = true;
	err = err ?: informer_init(wh);
	err = err ?: pd_webhook_load_files(wh);
	err = err ?: pd_timer_arm_ms(&wh->check_timer, 1, 0);
	if (!err && o->cert)
		err = pd_timer_arm_ms(&wh->files_timer, PD_WH_FILES_POLL_MS,
				      PD_WH_FILES_POLL_MS);
	if (err)
		fprintf(stderr, "podvsd: admission webhook: %s\n",
			strerror(-err));
	return err;
}

void pd_webhook_fini(struct pd_webhook *wh)
{
	if (!wh->started)
		return;
	if (wh->step != PD_WH_IDLE)
		pd_http_cancel(wh->http, &wh->req);
	free(wh->req_body);
	wh->req_body = NULL;
	pd_informer_fini(&wh->namespaces);
	if (wh->secret_on)
		pd_informer_fini(&wh->secret);
	wh->secret_on = false;
	pd_httpd_fini(&wh->httpd);
	pd_timer_fini(wh->loop, &wh->check_timer);
	pd_timer_fini(wh->loop, &wh->files_timer);
	pd_hmap_fini(&wh->ns_on);
	pd_certs_fini(&wh->serving);
	pd_certs_fini(&wh->pending);
	pd_wh_tls_clear();
	free(wh->ca_bundle);
	wh->ca_bundle = NULL;
	wh->started = false;
}

bool pd_webhook_ns_on(const void *ctx, const char *ns)
{
	const struct pd_webhook *wh = ctx;

	return wh->started && wh->namespaces.synced &&
	       pd_hmap_sget(&wh->ns_on, ns) != NULL;
}

void pd_webhook_render(const struct pd_webhook *wh, FILE *out)
{
	const struct pd_webhook_stats *s = &wh->stats;

	if (!wh->started)
		return;
	fprintf(out, "# HELP podvsd_webhook_requests_total Admission requests "
		"by verdict.\n# TYPE podvsd_webhook_requests_total counter\n"
		"podvsd_webhook_requests_total{verdict=\"patched\"} %lu\n"
		"podvsd_webhook_requests_total{verdict=\"unchanged\"} %lu\n"
		"podvsd_webhook_requests_total{verdict=\"warned\"} %lu\n"
		"podvsd_webhook_requests_total{verdict=\"bad-request\"} %lu\n",
		s->patched, s->unchanged, s->warned, s->bad);
	fprintf(out, "# HELP podvsd_webhook_repairs_total Objects re-created "
		"by the webhook check.\n# TYPE podvsd_webhook_repairs_total "
		"counter\npodvsd_webhook_repairs_total{kind=\"Secret\"} %lu\n"
		"podvsd_webhook_repairs_total{kind=\"MutatingWebhook"
		"Configuration\"} %lu\n", s->secret_writes, s->config_writes);
	fprintf(out, "# HELP podvsd_webhook_check_errors_total API errors "
		"during webhook checks.\n# TYPE "
		"podvsd_webhook_check_errors_total counter\n"
		"podvsd_webhook_check_errors_total %lu\n"
		"# HELP podvsd_webhook_cert_rotations_total Certificate "
		"rotation steps written (new leaf, new CA published, switch, "
		"old CA dropped).\n# TYPE podvsd_webhook_cert_rotations_total "
		"counter\npodvsd_webhook_cert_rotations_total %lu\n"
		"# HELP podvsd_webhook_cert_refused_total New serving pairs "
		"refused (the old one kept serving).\n# TYPE "
		"podvsd_webhook_cert_refused_total counter\n"
		"podvsd_webhook_cert_refused_total %lu\n"
		"# HELP podvsd_webhook_serving 1 while the webhook serves.\n"
		"# TYPE podvsd_webhook_serving gauge\npodvsd_webhook_serving "
		"%d\n", s->check_errors, s->rotations, s->cert_refused,
		wh->httpd.mhd != NULL);
}
