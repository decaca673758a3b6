// SPDX-License-Identifier: GPL-2.0
/* The admission webhook's HTTPS server and its view of the cluster. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>

#include "sync/desired.h"
#include "webhook/admission.h"
#include "webhook/webhook.h"
#include "webhook/webhook_config.h"
#include "webhook/webhook_tls.h"

/* ---- the view: labelled namespaces, podvs Services -------------------- */

/*
 * Until the first Namespace list is in, trust the API server: it calls the
 * webhook only for namespaces its namespaceSelector matches.
 */
static bool ns_enabled(void *ctx, const char *ns)
{
	struct pd_webhook *wh = ctx;

	return !wh->namespaces.synced || pd_hmap_sget(&wh->ns_on, ns) != NULL;
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
	struct pd_webhook *wh = ctx;
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(wh->services, &it); e;
	     e = pd_hmap_next(wh->services, &it)) {
		const struct k8s_service *s = e->val;

		if (gates_pods(s, ns) &&
		    pd_selector_match(s->selector, s->n_selector, labels, n))
			return s->meta.name;
	}
	return NULL;
}

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

	return body ? pd_httpd_reply(c, code, "text/plain; charset=utf-8",
				     body, strlen(body)) : MHD_NO;
}

static void count(struct pd_webhook *wh, const struct pd_admit_out *out)
{
	struct pd_webhook_stats *s = &wh->stats;
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
	pd_log(wh->log, out->verdict == PD_ADMIT_PATCHED ? PD_LOG_INFO :
	       out->verdict == PD_ADMIT_UNCHANGED ? PD_LOG_DEBUG : PD_LOG_WARN,
	       "msg=\"admission\" uid=%s verdict=%s reason=%s",
	       out->uid[0] ? out->uid : "-",
	       out->verdict == PD_ADMIT_PATCHED ? "patched" :
	       out->verdict == PD_ADMIT_UNCHANGED ? "unchanged" :
	       out->verdict == PD_ADMIT_WARNED ? "warned" : "bad-request",
	       pd_quote(out->why, q, sizeof(q)));
}

static enum MHD_Result mutate(struct pd_webhook *wh,
			      struct MHD_Connection *c,
			      const struct wh_conn *wc)
{
	const struct pd_admit_view view = {
		.ns_enabled = ns_enabled,
		.service_for = service_for,
		.ctx = wh,
	};
	struct pd_admit_out out;

	if (wc->too_big)
		return reply_text(c, 413, "podvs admission webhook: request "
				  "body too large\n");
	if (pd_admit(wc->buf ? wc->buf : "", wc->len, &view, &out))
		return reply_text(c, 500, "podvs admission webhook: out of "
				  "memory\n");
	count(wh, &out);
	return pd_httpd_reply(c, out.status, out.content_type, out.body,
			      out.len);
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

/* ---- serving --------------------------------------------------------- */

static int mhd_start(struct pd_webhook *wh)
{
	const struct pd_httpd_cfg cfg = {
		.at = &wh->opts->address,
		.handler = handle,
		.completed = completed,
		.ctx = wh,
		.tls_cert_cb = (void *)pd_wh_tls_retrieve,
		.reuse_port = true,
	};

	return pd_httpd_start(&wh->httpd, &cfg);
}

static bool same_certs(const struct pd_certs *a, const struct pd_certs *b)
{
	return a->tls_crt && b->tls_crt && !strcmp(a->tls_crt, b->tls_crt) &&
	       a->tls_key && b->tls_key && !strcmp(a->tls_key, b->tls_key);
}

static int set_bundle(struct pd_webhook *wh, const char *ca)
{
	char *bundle = strdup(ca);

	if (!bundle)
		return -ENOMEM;
	if (!wh->ca_bundle || strcmp(wh->ca_bundle, bundle))
		wh->config_current = false;	/* until a check sees it */
	if (wh->ca_bundle && strcmp(wh->ca_bundle, bundle))
		wh->bundle_moved = true;	/* rotation: not damage */
	free(wh->ca_bundle);
	wh->ca_bundle = bundle;
	return 0;
}

/* A new pair: served from the next handshake on, or refused. */
static int swap(struct pd_webhook *wh, struct pd_certs *c)
{
	char err[256];

	if (pd_wh_tls_load(c->tls_crt, c->tls_key, time(NULL), err,
			   sizeof(err))) {
		snprintf(wh->refused, sizeof(wh->refused), "%s", err);
		wh->stats.cert_refused++;
		pd_certs_fini(c);
		return -EINVAL;
	}
	wh->refused[0] = '\0';
	pd_certs_fini(&wh->serving);
	wh->serving = *c;
	memset(c, 0, sizeof(*c));
	wh->stats.cert_loads++;
	return 0;
}

int pd_webhook_serve(struct pd_webhook *wh, struct pd_certs *c,
		     const char *ca)
{
	const struct pd_hostport *at = &wh->opts->address;
	char a[PD_ADDR_STRLEN];
	int err;

	if (same_certs(&wh->serving, c)) {
		err = set_bundle(wh, ca);	/* @ca may be c's own */
		pd_certs_fini(c);
		return err ?: wh->httpd.mhd ? 0 : mhd_start(wh);
	}
	err = swap(wh, c);
	err = err ?: set_bundle(wh, ca);
	if (err || wh->httpd.mhd) {
		if (!err)
			pd_info(wh->log, "msg=\"webhook certificate replaced, "
				"connections kept\"");
		return err;
	}
	err = mhd_start(wh);
	pd_addr_str(&at->addr, a);
	if (err)
		pd_err(wh->log, "msg=\"cannot serve the admission webhook "
		       "(address in use?)\" address=%s port=%u", a, at->port);
	else
		pd_info(wh->log, "msg=\"serving the admission webhook\" "
			"address=%s port=%u path=" PD_WH_PATH, a, at->port);
	return err;
}
