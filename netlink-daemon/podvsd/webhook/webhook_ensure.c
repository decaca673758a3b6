// SPDX-License-Identifier: GPL-2.0
/*
 * Disaster recovery for the webhook: one check at a time walks
 * Secret GET -> (write) -> configuration GET -> (write), each step an
 * asynchronous request on the daemon's API client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "webhook/rotation.h"
#include "webhook/webhook.h"
#include "webhook/webhook_config.h"

#define SECRETS_PATH	"/api/v1/namespaces/%s/secrets"
#define CONFIGS_PATH	"/apis/admissionregistration.k8s.io/v1/" \
			"mutatingwebhookconfigurations"

static void on_done(struct pd_http_req *r, int res, long status,
		    const char *body, size_t len, const char *errmsg);

static void finish(struct pd_webhook *wh, bool complete)
{
	unsigned int period = wh->opts->period;

	wh->step = PD_WH_IDLE;
	wh->rotating = false;
	free(wh->req_body);
	wh->req_body = NULL;
	if (complete)
		wh->checked_once = true;
	if (wh->recheck) {	/* the Secret moved while we looked: again */
		wh->recheck = false;
		pd_timer_arm_ms(&wh->check_timer, 1, 0);
	} else if (!complete) {	/* the answer's Retry-After stretches it */
		pd_timer_arm_ms(&wh->check_timer,
				pd_http_retry_ms(wh->req.retry_after_s,
						 PD_WH_RETRY_MS), 0);
	} else {
		pd_timer_arm_ms(&wh->check_timer, period * 1000ULL, 0);
	}
}

/* Issue the request of @step; @body (taken) for POST and PUT. */
static void issue(struct pd_webhook *wh, enum pd_wh_step step,
		  const char *method, char *body, const char *path)
{
	struct pd_http_req *r = &wh->req;

	free(wh->req_body);
	wh->req_body = body;
	memset(r, 0, sizeof(*r));
	r->method = method;
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->body = body;
	r->content_type = body ? "application/json" : NULL;
	r->timeout_s = 15;
	r->on_done = on_done;
	r->ctx = wh;
	wh->step = step;
	if (pd_http_start(wh->http, r)) {
		wh->stats.check_errors++;
		finish(wh, false);
	}
}

static void api_error(struct pd_webhook *wh, const char *what, int res,
		      long status, const char *body, const char *errmsg)
{
	char q[300];

	wh->stats.check_errors++;
	pd_warn(wh->log, "msg=\"webhook check: %s failed, retrying\" "
		"status=%ld err=%s", what, status,
		pd_quote(res ? errmsg : body, q, sizeof(q)));
}

/* ---- the configuration ------------------------------------------------ */

static void config_get(struct pd_webhook *wh)
{
	issue(wh, PD_WH_CONFIG_GET, NULL, NULL,
	      CONFIGS_PATH "/" PD_WH_CONFIG_NAME);
}

static void config_repair(struct pd_webhook *wh, cJSON *want, const char *rv,
			  const char *why)
{
	char *body;

	if (!wh->hooks.is_leader(wh->hooks.ctx))
		return finish(wh, true);		/* the leader's job */
	if (wh->bundle_moved && strstr(why, "caBundle differs"))
		pd_info(wh->log, "msg=\"MutatingWebhookConfiguration caBundle "
			"follows the Secret's ca.crt\" name=" PD_WH_CONFIG_NAME);
	else
		pd_warn(wh->log, "msg=\"MutatingWebhookConfiguration %s, %s "
			"it\" name=" PD_WH_CONFIG_NAME, why,
			rv ? "repairing" : "creating");
	if (rv)
		cJSON_AddStringToObject(cJSON_GetObjectItem(want, "metadata"),
					"resourceVersion", rv);
	body = cJSON_PrintUnformatted(want);
	if (!body)
		return finish(wh, false);
	if (rv)
		issue(wh, PD_WH_CONFIG_WRITE, "PUT", body,
		      CONFIGS_PATH "/" PD_WH_CONFIG_NAME);
	else
		issue(wh, PD_WH_CONFIG_WRITE, "POST", body, CONFIGS_PATH);
}

static void config_check(struct pd_webhook *wh, cJSON *want, const char *body,
			 size_t len)
{
	cJSON *have = cJSON_ParseWithLength(body, len);
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(have, "metadata");
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(md,
							   "resourceVersion");
	char why[200], rvs[64];

	if (!cJSON_IsString(rv)) {
		api_error(wh, "reading the configuration", 0, 200,
			  "no metadata.resourceVersion", "");
		finish(wh, false);
	} else if (pd_wh_config_check(have, want, why + 9,
				      sizeof(why) - 10)) {
		memcpy(why, "damaged (", 9);
		strcat(why, ")");
		snprintf(rvs, sizeof(rvs), "%s", rv->valuestring);
		config_repair(wh, want, rvs, why);
	} else {
		wh->config_current = true;
		finish(wh, true);
	}
	cJSON_Delete(have);
}

static void config_got(struct pd_webhook *wh, int res, long status,
		       const char *body, size_t len, const char *errmsg)
{
	const struct pd_webhook_opts *o = wh->opts;
	cJSON *want;

	if (res || (status != 200 && status != 404)) {
		api_error(wh, "reading the configuration", res, status, body,
			  errmsg);
		return finish(wh, false);
	}
	want = pd_wh_config(o->service, o->ns, wh->ca_bundle);
	if (!want)
		return finish(wh, false);
	if (status == 404)
		config_repair(wh, want, NULL, "is missing");
	else
		config_check(wh, want, body, len);
	cJSON_Delete(want);
}

static void config_written(struct pd_webhook *wh, int res, long status,
			   const char *body, const char *errmsg)
{
	if (res || status / 100 != 2) {
		api_error(wh, "writing the configuration", res, status, body,
			  errmsg);
		return finish(wh, false);
	}
	if (!wh->bundle_moved)
		wh->stats.config_writes++;	/* a repair, not a rotation */
	wh->config_current = true;
	wh->bundle_moved = false;
	finish(wh, true);
}

/* ---- the Secret ------------------------------------------------------- */

static void secret_get(struct pd_webhook *wh)
{
	char path[300];

	snprintf(path, sizeof(path), SECRETS_PATH "/%s", wh->opts->ns,
		 wh->secret_name);
	issue(wh, PD_WH_SECRET_GET, NULL, NULL, path);
}

static size_t names(struct pd_webhook *wh, char buf[PD_CERT_MAX_NAMES][256],
		    const char *out[PD_CERT_MAX_NAMES])
{
	return pd_certs_service_names(wh->opts->service,
				      wh->opts->ns, buf, out);
}

static void secret_repair(struct pd_webhook *wh, const char *rv,
			  const char *why)
{
	char buf[PD_CERT_MAX_NAMES][256], err[256], path[300], *body;
	const char *dns[PD_CERT_MAX_NAMES];
	size_t n = names(wh, buf, dns);

	if (!wh->hooks.is_leader(wh->hooks.ctx))
		return finish(wh, false);	/* until the leader writes it */
	pd_warn(wh->log, "msg=\"webhook certificate Secret %s, generating a "
		"new CA and certificate\" secret=%s/%s", why,
		wh->opts->ns, wh->secret_name);
	pd_certs_fini(&wh->pending);
	if (pd_certs_generate(&wh->pending, dns, n, time(NULL), PD_CERT_DAYS,
			      err, sizeof(err))) {
		pd_err(wh->log, "msg=\"%s\"", err);
		return finish(wh, false);
	}
	body = pd_wh_secret_json(wh->secret_name, wh->opts->ns,
				 &wh->pending, rv);
	if (!body)
		return finish(wh, false);
	snprintf(path, sizeof(path), SECRETS_PATH "%s%s", wh->opts->ns,
		 rv ? "/" : "", rv ? wh->secret_name : "");
	issue(wh, PD_WH_SECRET_WRITE, rv ? "PUT" : "POST", body, path);
}

/* The leader's rotation step @act on @c (rotation.h): PUT the result. */
static void rotate(struct pd_webhook *wh, struct pd_certs *c,
		   enum pd_rot_act act, const char *rv, const char *why)
{
	char buf[PD_CERT_MAX_NAMES][256], err[256], path[300], *body;
	const char *dns[PD_CERT_MAX_NAMES];
	size_t n = names(wh, buf, dns);

	pd_certs_fini(&wh->pending);
	if (pd_rot_apply(c, act, dns, n, time(NULL), &wh->pending, err,
			 sizeof(err))) {
		pd_err(wh->log, "msg=\"webhook certificate rotation failed\" "
		       "step=%s err=\"%s\"", pd_rot_act_name(act), err);
		pd_certs_fini(c);
		return finish(wh, false);
	}
	pd_certs_fini(c);
	pd_info(wh->log, "msg=\"webhook certificate rotation\" step=%s "
		"reason=\"%s\" secret=%s/%s", pd_rot_act_name(act), why,
		wh->opts->ns, wh->secret_name);
	body = pd_wh_secret_json(wh->secret_name, wh->opts->ns, &wh->pending,
				 rv);
	if (!body)
		return finish(wh, false);
	snprintf(path, sizeof(path), SECRETS_PATH "/%s", wh->opts->ns,
		 wh->secret_name);
	wh->rotating = true;	/* secret_written counts it as such */
	issue(wh, PD_WH_SECRET_WRITE, "PUT", body, path);
}

/*
 * May the leader take step @act now?  Switching the leaf and dropping the
 * old CA wait until the configuration is known to carry the bundle.
 */
static bool may_rotate(struct pd_webhook *wh, enum pd_rot_act act)
{
	if (act == PD_ROT_KEEP || !wh->hooks.is_leader(wh->hooks.ctx))
		return false;
	return act == PD_ROT_NEW_LEAF || act == PD_ROT_PUBLISH ||
	       wh->config_current;
}

/* A Secret that exists: serve it, rotate it, or replace it if unusable. */
static void secret_check(struct pd_webhook *wh, const cJSON *secret,
			 const char *rv)
{
	char buf[PD_CERT_MAX_NAMES][256], why[256] = "damaged (", *w;
	const char *dns[PD_CERT_MAX_NAMES];
	size_t n = names(wh, buf, dns), room;
	enum pd_rot_act act = PD_ROT_REBUILD;
	struct pd_certs c;

	w = why + strlen(why);
	room = sizeof(why) - (w - why) - 1;
	if (!pd_wh_secret_parse(secret, &c, w, room))
		act = pd_rot_decide(&c, dns, n, time(NULL), wh->opts->period,
				    w, room);
	if (act == PD_ROT_REBUILD) {
		pd_certs_fini(&c);
		strcat(why, ")");
		return secret_repair(wh, rv, why);
	}
	if (may_rotate(wh, act))
		return rotate(wh, &c, act, rv, w);
	if (pd_webhook_serve(wh, &c, c.ca_crt)) {
		pd_err(wh->log, "msg=\"cannot serve the webhook Secret's "
		       "certificate, the old one keeps serving\" err=\"%s\"",
		       wh->refused);
		return finish(wh, false);
	}
	config_get(wh);
}

static void secret_got(struct pd_webhook *wh, int res, long status,
		       const char *body, size_t len, const char *errmsg)
{
	cJSON *s;
	const cJSON *rv;
	char rvs[64];

	if (res || (status != 200 && status != 404)) {
		api_error(wh, "reading the Secret", res, status, body, errmsg);
		return finish(wh, false);
	}
	if (status == 404)
		return secret_repair(wh, NULL, "is missing");
	s = cJSON_ParseWithLength(body, len);
	rv = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(s, "metadata"),
		"resourceVersion");
	if (!cJSON_IsString(rv)) {
		api_error(wh, "reading the Secret", 0, status,
			  "no metadata.resourceVersion", "");
		finish(wh, false);
	} else {
		snprintf(rvs, sizeof(rvs), "%s", rv->valuestring);
		secret_check(wh, s, rvs);
	}
	cJSON_Delete(s);
}

static void secret_written(struct pd_webhook *wh, int res, long status,
			   const char *body, const char *errmsg)
{
	if (res || status / 100 != 2) {
		/* 409: another podvsd wrote it first; read theirs */
		api_error(wh, "writing the Secret", res, status, body, errmsg);
		pd_certs_fini(&wh->pending);
		wh->rotating = false;
		return finish(wh, false);
	}
	if (wh->rotating)
		wh->stats.rotations++;
	else
		wh->stats.secret_writes++;	/* a repair */
	wh->rotating = false;
	if (pd_webhook_serve(wh, &wh->pending, wh->pending.ca_crt))
		return finish(wh, false);
	config_get(wh);
}

/* ---- driving ---------------------------------------------------------- */

static void on_done(struct pd_http_req *r, int res, long status,
		    const char *body, size_t len, const char *errmsg)
{
	struct pd_webhook *wh = r->ctx;

	switch (wh->step) {
	case PD_WH_SECRET_GET:
		return secret_got(wh, res, status, body, len, errmsg);
	case PD_WH_SECRET_WRITE:
		return secret_written(wh, res, status, body, errmsg);
	case PD_WH_CONFIG_GET:
		return config_got(wh, res, status, body, len, errmsg);
	case PD_WH_CONFIG_WRITE:
		return config_written(wh, res, status, body, errmsg);
	case PD_WH_IDLE:
		break;
	}
}

void pd_webhook_ensure(struct pd_webhook *wh)
{
	if (!wh->started || wh->step != PD_WH_IDLE)
		return;
	if (wh->opts->cert)
		config_get(wh);
	else
		secret_get(wh);
}

void pd_webhook_check_timer(struct pd_loop *loop, struct pd_timer *t)
{
	(void)loop;
	pd_webhook_ensure(t->ctx);
}
