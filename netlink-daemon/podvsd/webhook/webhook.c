// SPDX-License-Identifier: GPL-2.0
/* The admission webhook's HTTPS server and its view of the cluster. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <microhttpd.h>

#include "webhook/admission.h"
#include "daemon.h"
#include "sync/desired.h"
#include "metrics.h"
#include "webhook/webhook_config.h"
#include "webhook/webhook.h"

/* ---- the view: labelled namespaces, podvs Services -------------------- */

/*
 * Until the first Namespace list is in, trust the API server: it calls the
 * webhook only for namespaces its namespaceSelector matches.
 */
static bool ns_enabled(void *ctx, const char *ns)
{
	struct podvsd *d = ctx;

	return !d->webhook.namespaces.synced ||
	       pd_hmap_sget(&d->webhook.ns_on, ns) != NULL;
}

static bool gates_pods(const struct k8s_service *s, const char *ns)
{
	return !strcmp(s->meta.ns, ns) && !s->meta.deleting &&
	       s->type != K8S_SVC_EXTERNAL_NAME &&
	       pd_svc_selected(s) != PD_SEL_NONE;
}

static const char *service_for(void *ctx, const char *ns,
			       const struct k8s_kv *labels, size_t n)
{
	struct podvsd *d = ctx;
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(&d->rec.services, &it); e;
	     e = pd_hmap_next(&d->rec.services, &it)) {
		const struct k8s_service *s = e->val;

		if (gates_pods(s, ns) &&
		    pd_selector_match(s->selector, s->n_selector, labels, n))
			return s->meta.name;
	}
	return NULL;
}

/* ---- the Namespace informer ------------------------------------------- */

static void ns_upsert(void *ctx, const cJSON *obj)
{
	struct podvsd *d = ctx;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(md, "labels"),
		PD_NS_INJECT_LABEL);

	if (!cJSON_IsString(name))
		return;
	if (cJSON_IsString(v) && !strcmp(v->valuestring, PD_NS_INJECT_VALUE))
		pd_hmap_sput(&d->webhook.ns_on, name->valuestring, (void *)1,
			     NULL);
	else
		pd_hmap_sdel(&d->webhook.ns_on, name->valuestring);
}

static void ns_remove(void *ctx, const cJSON *obj)
{
	struct podvsd *d = ctx;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");

	if (cJSON_IsString(name))
		pd_hmap_sdel(&d->webhook.ns_on, name->valuestring);
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

/* ---- HTTP ------------------------------------------------------------- */

/* One connection's request body. */
struct wh_conn {
	char *buf;
	size_t len;
	bool too_big;
};

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int code,
				  const char *text)
{
	char *body = strdup(text);

	return body ? pd_http_reply(c, code, "text/plain; charset=utf-8", body,
			    strlen(body)) : MHD_NO;
}

static void count(struct podvsd *d, const struct pd_admit_out *out)
{
	struct pd_webhook_stats *s = &d->webhook.stats;
	char q[300];

	switch (out->verdict) {
	case PD_ADMIT_PATCHED:
		s->patched++;
		break;
	case PD_ADMIT_UNCHANGED:
		s->unchanged++;
		break;
	case PD_ADMIT_WARNED:
		s->warned++;
		break;
	case PD_ADMIT_BAD_REQUEST:
		s->bad++;
		break;
	}
	pd_log(&d->log, out->verdict == PD_ADMIT_PATCHED ? PD_LOG_INFO :
	       out->verdict == PD_ADMIT_UNCHANGED ? PD_LOG_DEBUG : PD_LOG_WARN,
	       "msg=\"admission\" uid=%s verdict=%s reason=%s",
	       out->uid[0] ? out->uid : "-",
	       out->verdict == PD_ADMIT_PATCHED ? "patched" :
	       out->verdict == PD_ADMIT_UNCHANGED ? "unchanged" :
	       out->verdict == PD_ADMIT_WARNED ? "warned" : "bad-request",
	       pd_quote(out->why, q, sizeof(q)));
}

static enum MHD_Result mutate(struct podvsd *d, struct MHD_Connection *c,
			      const struct wh_conn *wc)
{
	const struct pd_admit_view view = {
		.ns_enabled = ns_enabled,
		.service_for = service_for,
		.ctx = d,
	};
	struct pd_admit_out out;

	if (wc->too_big)
		return reply_text(c, 413, "podvs admission webhook: request "
				  "body too large\n");
	if (pd_admit(wc->buf ? wc->buf : "", wc->len, &view, &out))
		return reply_text(c, 500, "podvs admission webhook: out of "
				  "memory\n");
	count(d, &out);
	return pd_http_reply(c, out.status, out.content_type, out.body, out.len);
}

static void take_upload(struct wh_conn *wc, const char *data, size_t n)
{
	char *p;

	if (wc->too_big || wc->len + n > PD_ADMIT_MAX_BODY) {
		wc->too_big = true;
		return;
	}
	p = realloc(wc->buf, wc->len + n + 1);
	if (!p) {
		wc->too_big = true;
		return;
	}
	memcpy(p + wc->len, data, n);
	wc->buf = p;
	wc->len += n;
	p[wc->len] = '\0';
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct wh_conn *wc = *con_cls;

	(void)version;
	if (!wc) {
		*con_cls = calloc(1, sizeof(*wc));
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		take_upload(wc, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/healthz") && !strcmp(method, "GET"))
		return reply_text(c, 200, "ok\n");
	if (strcmp(url, PD_WH_PATH))
		return reply_text(c, 404, "not found: POST " PD_WH_PATH
				  ", GET /healthz\n");
	if (strcmp(method, "POST"))
		return reply_text(c, 405, "method not allowed: POST "
				  PD_WH_PATH "\n");
	return mutate(cls, c, wc);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct wh_conn *wc = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (wc)
		free(wc->buf);
	free(wc);
	*con_cls = NULL;
}

/* ---- MHD in the epoll loop -------------------------------------------- */

static void mhd_rearm(struct pd_webhook *wh)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(wh->mhd, &ms) == MHD_YES)
		pd_timer_arm_ms(&wh->mhd_timer, ms ? ms : 1, 0);
	else
		pd_timer_arm_ms(&wh->mhd_timer, 0, 0);
}

static void on_mhd(struct pd_loop *loop, struct pd_io *io, uint32_t events)
{
	struct pd_webhook *wh = io->ctx;

	(void)loop;
	(void)events;
	MHD_run(wh->mhd);
	mhd_rearm(wh);
}

static void on_mhd_timer(struct pd_loop *loop, struct pd_timer *t)
{
	struct pd_webhook *wh = t->ctx;

	(void)loop;
	if (!wh->mhd)
		return;
	MHD_run(wh->mhd);
	mhd_rearm(wh);
}

static socklen_t sockaddr_of(const struct pd_hostport *hp,
			     struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (hp->addr.af == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(hp->port);
		memcpy(&s4->sin_addr, hp->addr.b, 4);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(hp->port);
	memcpy(&s6->sin6_addr, hp->addr.b, 16);
	return sizeof(*s6);
}

static void mhd_stop(struct podvsd *d)
{
	struct pd_webhook *wh = &d->webhook;

	if (!wh->mhd)
		return;
	pd_loop_unwatch(&d->loop, &wh->io);
	pd_timer_arm_ms(&wh->mhd_timer, 0, 0);
	MHD_stop_daemon(wh->mhd);
	wh->mhd = NULL;
}

static int mhd_start(struct podvsd *d, const struct pd_certs *c)
{
	const struct pd_hostport *hp = &d->opts.webhook.address;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_TLS | MHD_USE_ERROR_LOG;
	struct pd_webhook *wh = &d->webhook;
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;

	sockaddr_of(hp, &ss);
	if (hp->addr.af == AF_INET6)
		flags |= MHD_USE_IPv6;
	wh->mhd = MHD_start_daemon(flags, hp->port, NULL, NULL, handle, d,
				   MHD_OPTION_SOCK_ADDR, &ss,
				   MHD_OPTION_HTTPS_MEM_KEY, c->tls_key,
				   MHD_OPTION_HTTPS_MEM_CERT, c->tls_crt,
				   MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
				   MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				   MHD_OPTION_NOTIFY_COMPLETED, completed, d,
				   MHD_OPTION_END);
	info = wh->mhd ? MHD_get_daemon_info(wh->mhd,
					     MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		mhd_stop(d);
		return -EADDRINUSE;
	}
	wh->io.fd = info->epoll_fd;
	wh->io.fn = on_mhd;
	wh->io.ctx = wh;
	wh->io.added = false;
	if (pd_loop_watch(&d->loop, &wh->io, EPOLLIN)) {
		mhd_stop(d);
		return -EIO;
	}
	mhd_rearm(wh);
	return 0;
}

static bool same_certs(const struct pd_certs *a, const struct pd_certs *b)
{
	return a->tls_crt && b->tls_crt && !strcmp(a->tls_crt, b->tls_crt) &&
	       a->tls_key && b->tls_key && !strcmp(a->tls_key, b->tls_key);
}

int pd_webhook_serve(struct podvsd *d, struct pd_certs *c, const char *ca)
{
	struct pd_webhook *wh = &d->webhook;
	char a[PD_ADDR_STRLEN], *bundle = strdup(ca);
	int err;

	if (!bundle)
		return -ENOMEM;
	free(wh->ca_bundle);
	wh->ca_bundle = bundle;
	if (wh->mhd && same_certs(&wh->serving, c)) {
		pd_certs_fini(c);
		return 0;
	}
	mhd_stop(d);
	pd_certs_fini(&wh->serving);
	wh->serving = *c;
	memset(c, 0, sizeof(*c));
	err = mhd_start(d, &wh->serving);
	pd_addr_str(&d->opts.webhook.address.addr, a);
	if (err)
		pd_err(&d->log, "msg=\"cannot serve the admission webhook "
		       "(address in use, or a certificate MHD refuses)\" "
		       "address=%s port=%u", a, d->opts.webhook.address.port);
	else
		pd_info(&d->log, "msg=\"serving the admission webhook\" "
			"address=%s port=%u path=" PD_WH_PATH, a,
			d->opts.webhook.address.port);
	return err;
}

/* ---- setup ------------------------------------------------------------ */

static int informer_init(struct podvsd *d)
{
	struct pd_webhook *wh = &d->webhook;
	struct pd_informer_transport tr;
	int err;

	pd_informer_http_transport(&d->cluster.http, &tr);
	err = pd_informer_init(&wh->namespaces, &d->loop, &d->log, &tr,
			       "namespaces", "/api/v1/namespaces", &ns_ops, d);
	if (err)
		return err;
	pd_informer_start(&wh->namespaces);
	return 0;
}

int pd_webhook_init(struct podvsd *d)
{
	struct pd_webhook *wh = &d->webhook;
	int err;

	if (!d->opts.webhook.on || !d->cluster.up)
		return 0;
	wh->io.fd = -1;
	pd_hmap_init(&wh->ns_on);
	snprintf(wh->secret_name, sizeof(wh->secret_name), "%s"
		 PD_WH_SECRET_SUFFIX, d->opts.webhook.service);
	err = pd_timer_init(&d->loop, &wh->mhd_timer, on_mhd_timer, wh);
	err = err ?: pd_timer_init(&d->loop, &wh->check_timer,
				   pd_webhook_check_timer, d);
	wh->started = true;
	err = err ?: informer_init(d);
	err = err ?: pd_webhook_load_files(d);
	err = err ?: pd_timer_arm_ms(&wh->check_timer, 1, 0);
	if (err)
		fprintf(stderr, "podvsd: admission webhook: %s\n",
			strerror(-err));
	return err;
}

void pd_webhook_fini(struct podvsd *d)
{
	struct pd_webhook *wh = &d->webhook;

	if (!wh->started)
		return;
	if (wh->step != PD_WH_IDLE)
		pd_http_cancel(&d->cluster.http, &wh->req);
	free(wh->req_body);
	wh->req_body = NULL;
	pd_informer_fini(&wh->namespaces);
	mhd_stop(d);
	pd_timer_fini(&d->loop, &wh->mhd_timer);
	pd_timer_fini(&d->loop, &wh->check_timer);
	pd_hmap_fini(&wh->ns_on);
	pd_certs_fini(&wh->serving);
	pd_certs_fini(&wh->pending);
	free(wh->ca_bundle);
	wh->ca_bundle = NULL;
	wh->started = false;
}

void pd_webhook_render(struct podvsd *d, FILE *out)
{
	const struct pd_webhook_stats *s = &d->webhook.stats;

	if (!d->webhook.started)
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
		"# HELP podvsd_webhook_serving 1 while the webhook serves.\n"
		"# TYPE podvsd_webhook_serving gauge\npodvsd_webhook_serving "
		"%d\n", s->check_errors, d->webhook.mhd != NULL);
}
