// SPDX-License-Identifier: GPL-2.0
/* List + watch of one resource: paging, bookmarks, 410, backoff. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "k8s/informer.h"

static void list_start(struct pd_informer *inf);
static void watch_start(struct pd_informer *inf);

uint64_t pd_informer_next_backoff(struct pd_informer *inf)
{
	uint64_t d = inf->backoff_ms ? inf->backoff_ms * 2 : PD_BACKOFF_MIN_MS;

	if (d > PD_BACKOFF_MAX_MS)
		d = PD_BACKOFF_MAX_MS;
	inf->backoff_ms = d;
	return d / 2 + rand_r(&inf->seed) % (d / 2 + 1);
}

static void set_healthy(struct pd_informer *inf)
{
	if (inf->unhealthy_since_ms)
		pd_info(inf->log, "msg=\"current again\" resource=%s "
			"after_ms=%llu", inf->name, (unsigned long long)
			(pd_now_ms() - inf->unhealthy_since_ms));
	inf->unhealthy_since_ms = 0;
}

/* Retry-After stretches the backoff, within PD_RETRY_AFTER_MAX_MS. */
static uint64_t retry_delay(struct pd_informer *inf)
{
	return pd_http_retry_ms(inf->req.retry_after_s,
				pd_informer_next_backoff(inf));
}

static void retry(struct pd_informer *inf, bool relist, const char *why)
{
	uint64_t delay = retry_delay(inf);
	char q[600];

	if (!inf->unhealthy_since_ms)
		inf->unhealthy_since_ms = pd_now_ms();
	pd_timer_arm_ms(&inf->idle, 0, 0);

	inf->relist |= relist;
	pd_warn(inf->log, "msg=\"%s failed, retrying\" resource=%s in_ms=%llu "
		"relist=%d err=%s", inf->state == PD_INF_LISTING ? "list" :
		"watch", inf->name,
		(unsigned long long)delay, inf->relist,
		pd_quote(why, q, sizeof(q)));
	inf->state = PD_INF_BACKOFF;
	pd_timer_arm_ms(&inf->backoff, delay, 0);
}

static void on_backoff(struct pd_loop *loop, struct pd_timer *t)
{
	struct pd_informer *inf = t->ctx;

	(void)loop;
	if (inf->relist)
		list_start(inf);
	else
		watch_start(inf);
}

/* Start inf->req; on failure retry later. */
static void issue(struct pd_informer *inf, bool relist)
{
	int err = inf->tr.start(inf->tr.t, &inf->req);

	if (err)
		retry(inf, relist, strerror(-err));
}

/* "HTTP 500: <the Status body's message, or the start of the body>" */
static const char *status_msg(long status, const char *body, size_t len,
			      char *buf, size_t size)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");

	snprintf(buf, size, "HTTP %ld: %.200s", status,
		 cJSON_IsString(m) ? m->valuestring : body);
	cJSON_Delete(j);
	return buf;
}

static const char *meta_str(const cJSON *obj, const char *key)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void set_rv(struct pd_informer *inf, const cJSON *obj)
{
	const char *rv = meta_str(obj, "resourceVersion");

	if (rv && *rv)
		snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
}

/* ---- list ------------------------------------------------------------- */

static void list_done(struct pd_http_req *r, int res, long status,
		      const char *body, size_t len, const char *errmsg);

/* The path may carry a query of its own (a fieldSelector). */
static char query_sep(const struct pd_informer *inf)
{
	return strchr(inf->path, '?') ? '&' : '?';
}

/*
 * Which resourceVersion a list asks for (D18): a page after the first
 * carries only its continue token; the first list "0" (any, from the
 * watch cache); a relist "not older than" what we hold; after a 410
 * none, a consistent read.
 */
static void list_rv(const struct pd_informer *inf, char *buf, size_t size)
{
	if (inf->cont[0] || inf->consistent)
		buf[0] = '\0';
	else if (!inf->rv[0])
		snprintf(buf, size, "&resourceVersion=0");
	else
		snprintf(buf, size, "&resourceVersion=%s"
			 "&resourceVersionMatch=NotOlderThan", inf->rv);
}

static void list_page(struct pd_informer *inf)
{
	char *cont = NULL, rv[128];

	if (inf->cont[0])
		cont = curl_easy_escape(NULL, inf->cont, 0);
	list_rv(inf, rv, sizeof(rv));
	snprintf(inf->req.path, sizeof(inf->req.path), "%s%climit=%d%s%s%s",
		 inf->path, query_sep(inf), PD_LIST_LIMIT, rv,
		 cont ? "&continue=" : "",
		 cont ? cont : "");
	curl_free(cont);
	inf->req.on_status = NULL;
	inf->req.on_data = NULL;
	inf->req.on_done = list_done;
	inf->req.timeout_s = 120;
	inf->stats.pages++;
	issue(inf, true);
}

static void list_start(struct pd_informer *inf)
{
	pd_hmap_fini(&inf->keep);
	inf->cont[0] = '\0';
	inf->state = PD_INF_LISTING;
	inf->relist = false;
	inf->stats.lists++;
	list_page(inf);
}

static void keep_key(struct pd_informer *inf, const cJSON *obj)
{
	const char *ns = meta_str(obj, "namespace");
	const char *name = meta_str(obj, "name");
	char key[512];

	if (!ns || !name)
		return;
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	pd_hmap_sput(&inf->keep, key, (void *)1, NULL);
}

/* Items and metadata of one page; -EINVAL if malformed. */
static int list_page_items(struct pd_informer *inf, const cJSON *root)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
	const char *rv = meta_str(root, "resourceVersion");
	const char *cont = meta_str(root, "continue");
	const cJSON *it;

	if (!rv || !*rv || (items && !cJSON_IsArray(items) &&
			    !cJSON_IsNull(items)))
		return -EINVAL;
	cJSON_ArrayForEach(it, items) {
		keep_key(inf, it);
		inf->ops->upsert(inf->ctx, it);
	}
	snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
	snprintf(inf->cont, sizeof(inf->cont), "%s", cont ? cont : "");
	return 0;
}

static void list_complete(struct pd_informer *inf)
{
	inf->consistent = false;
	set_healthy(inf);
	inf->ops->prune(inf->ctx, &inf->keep);
	pd_hmap_fini(&inf->keep);
	inf->ops->changed(inf->ctx);
	pd_info(inf->log, "msg=\"listed\" resource=%s resourceVersion=%s",
		inf->name, inf->rv);
	inf->backoff_ms = 0;
	if (!inf->synced) {
		inf->synced = true;
		inf->ops->synced(inf->ctx);
	}
	watch_start(inf);
}

static void list_done(struct pd_http_req *r, int res, long status,
		      const char *body, size_t len, const char *errmsg)
{
	struct pd_informer *inf = r->ctx;
	cJSON *root;
	int err;

	if (res)
		return retry(inf, true, errmsg);
	if (status == 410) {
		inf->stats.gone++;
		pd_info(inf->log, "msg=\"list continue expired, relisting\" "
			"resource=%s", inf->name);
		inf->consistent = true;
		return list_start(inf);
	}
	if (status != 200) {
		char msg[256];

		inf->stats.errors++;
		inf->stats.throttled += status == 429;
		return retry(inf, true, status_msg(status, body, len, msg,
						   sizeof(msg)));
	}
	root = cJSON_ParseWithLength(body, len);
	err = cJSON_IsObject(root) ? list_page_items(inf, root) : -EINVAL;
	cJSON_Delete(root);
	if (err) {
		inf->stats.malformed++;
		return retry(inf, true, "malformed list response");
	}
	inf->ops->changed(inf->ctx);
	if (inf->cont[0])
		return list_page(inf);
	list_complete(inf);
}

/* ---- watch ------------------------------------------------------------ */

/* What a watch line asks for. */
enum line_verdict {
	LINE_OK,
	LINE_RELIST,		/* 410: relist now */
	LINE_MALFORMED,		/* relist after a backoff */
	LINE_ERROR,		/* re-watch after a backoff */
};

static enum line_verdict on_error_event(struct pd_informer *inf,
					const cJSON *obj)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "message");
	char q[300];

	if (cJSON_IsNumber(code) && code->valueint == 410) {
		inf->stats.gone++;
		pd_info(inf->log, "msg=\"watch expired (410), relisting\" "
			"resource=%s", inf->name);
		inf->consistent = true;
		return LINE_RELIST;
	}
	inf->stats.errors++;
	pd_warn(inf->log, "msg=\"watch ERROR event\" resource=%s code=%d "
		"err=%s", inf->name, cJSON_IsNumber(code) ? code->valueint : 0,
		pd_quote(cJSON_IsString(m) ? m->valuestring : "", q,
			 sizeof(q)));
	return LINE_ERROR;
}

static enum line_verdict on_event(struct pd_informer *inf, const char *type,
				  const cJSON *obj)
{
	if (!strcmp(type, "ERROR"))
		return on_error_event(inf, obj);
	if (!strcmp(type, "BOOKMARK")) {
		inf->stats.bookmarks++;
	} else if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
		inf->stats.events++;
		inf->ops->upsert(inf->ctx, obj);
	} else if (!strcmp(type, "DELETED")) {
		inf->stats.events++;
		inf->ops->remove(inf->ctx, obj);
	} else {
		return LINE_MALFORMED;
	}
	set_rv(inf, obj);
	return LINE_OK;
}

static enum line_verdict on_line(struct pd_informer *inf, const char *s,
				 size_t n)
{
	cJSON *ev = cJSON_ParseWithLength(s, n);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
	const cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
	enum line_verdict v = LINE_MALFORMED;

	if (cJSON_IsString(type) && cJSON_IsObject(obj))
		v = on_event(inf, type->valuestring, obj);
	cJSON_Delete(ev);
	if (v == LINE_MALFORMED) {
		char head[81], q[200];

		snprintf(head, sizeof(head), "%.*s", (int)(n < 80 ? n : 80), s);
		inf->stats.malformed++;
		pd_warn(inf->log, "msg=\"malformed watch event, relisting\" "
			"resource=%s line=%s", inf->name,
			pd_quote(head, q, sizeof(q)));
	}
	return v;
}

static int line_append(struct pd_informer *inf, const char *data, size_t len)
{
	if (inf->len + len + 1 > PD_MAX_LINE)
		return -E2BIG;
	if (inf->len + len + 1 > inf->cap) {
		size_t cap = inf->cap ? inf->cap : 65536;
		char *l;

		while (cap < inf->len + len + 1)
			cap *= 2;
		l = realloc(inf->line, cap);
		if (!l)
			return -ENOMEM;
		inf->line = l;
		inf->cap = cap;
	}
	memcpy(inf->line + inf->len, data, len);
	inf->len += len;
	return 0;
}

/* Handle every complete line in the buffer; keep the partial tail. */
static enum line_verdict drain_lines(struct pd_informer *inf, bool *any)
{
	size_t start = 0;
	enum line_verdict v = LINE_OK;
	char *nl;

	while (v == LINE_OK &&
	       (nl = memchr(inf->line + start, '\n', inf->len - start))) {
		size_t n = nl - (inf->line + start);

		if (n)
			v = on_line(inf, inf->line + start, n);
		*any |= n > 0;
		start += n + 1;
	}
	memmove(inf->line, inf->line + start, inf->len - start);
	inf->len -= start;
	return v;
}

/* Any bytes, a BOOKMARK's included, prove the stream alive. */
static void watch_alive(struct pd_informer *inf)
{
	inf->last_data_ms = pd_now_ms();
	pd_timer_arm_ms(&inf->idle, PD_WATCH_IDLE_MS, 0);
}

static void watch_status(struct pd_http_req *r, long status)
{
	struct pd_informer *inf = r->ctx;

	if (status == 200) {
		set_healthy(inf);
		watch_alive(inf);
	}
}

static void on_idle(struct pd_loop *loop, struct pd_timer *t)
{
	struct pd_informer *inf = t->ctx;
	uint64_t since = inf->last_data_ms;

	(void)loop;
	if (inf->state != PD_INF_WATCHING || !inf->req.active)
		return;
	inf->stats.idle_timeouts++;
	inf->tr.cancel(inf->tr.t, &inf->req);
	inf->len = 0;
	retry(inf, false, "watch silent past the bookmark period");
	if (since && since < inf->unhealthy_since_ms)
		inf->unhealthy_since_ms = since;
}

static bool watch_data(struct pd_http_req *r, const char *data, size_t len)
{
	struct pd_informer *inf = r->ctx;
	enum line_verdict v;
	bool any = false;

	watch_alive(inf);
	set_healthy(inf);

	if (line_append(inf, data, len)) {
		inf->stats.malformed++;
		inf->abort = PD_ABORT_RELIST_LATER;
		return false;
	}
	v = drain_lines(inf, &any);
	if (any) {
		inf->got_line = true;
		inf->backoff_ms = 0;
		inf->ops->changed(inf->ctx);
	}
	inf->abort = v == LINE_RELIST ? PD_ABORT_RELIST_NOW :
		     v == LINE_MALFORMED ? PD_ABORT_RELIST_LATER :
		     v == LINE_ERROR ? PD_ABORT_REWATCH_LATER : PD_ABORT_NONE;
	return v == LINE_OK;
}

static void watch_aborted(struct pd_informer *inf)
{
	switch (inf->abort) {
	case PD_ABORT_RELIST_NOW:
		return list_start(inf);
	case PD_ABORT_REWATCH_LATER:
		return retry(inf, false, "watch ERROR event");
	default:
		return retry(inf, true, "malformed watch stream");
	}
}

static void watch_done(struct pd_http_req *r, int res, long status,
		       const char *body, size_t len, const char *errmsg)
{
	struct pd_informer *inf = r->ctx;

	pd_timer_arm_ms(&inf->idle, 0, 0);
	inf->len = 0;		/* a partial line is lost with the stream */
	if (res == PD_HTTP_ABORTED)
		return watch_aborted(inf);
	if (res) {
		inf->stats.errors++;
		return retry(inf, false, errmsg);
	}
	if (status == 410) {
		inf->stats.gone++;
		inf->consistent = true;
		return list_start(inf);
	}
	if (status != 200) {
		char msg[256];

		inf->stats.errors++;
		inf->stats.throttled += status == 429;
		return retry(inf, false, status_msg(status, body, len, msg,
						    sizeof(msg)));
	}
	/* a normal end (timeoutSeconds): re-watch at once, unless it was
	 * empty, which could spin */
	if (!inf->got_line)
		return retry(inf, false, "watch ended without an event");
	watch_start(inf);
}

static void watch_start(struct pd_informer *inf)
{
	unsigned int t = PD_WATCH_TIMEOUT_S +
			 rand_r(&inf->seed) % PD_WATCH_TIMEOUT_S;

	inf->state = PD_INF_WATCHING;
	inf->len = 0;
	inf->relist = false;
	inf->got_line = false;
	inf->abort = PD_ABORT_NONE;
	snprintf(inf->req.path, sizeof(inf->req.path),
		 "%s%cwatch=1&allowWatchBookmarks=true&resourceVersion=%s"
		 "&timeoutSeconds=%u", inf->path, query_sep(inf), inf->rv, t);
	inf->req.on_data = watch_data;
	inf->req.on_done = watch_done;
	inf->req.on_status = watch_status;
	inf->req.timeout_s = t + 30;
	inf->stats.watches++;
	inf->last_data_ms = pd_now_ms();
	pd_timer_arm_ms(&inf->idle, PD_WATCH_IDLE_MS, 0);
	issue(inf, false);
}

/* ---- setup ------------------------------------------------------------ */

static int http_start(void *t, struct pd_http_req *r)
{
	return pd_http_start(t, r);
}

static void http_cancel(void *t, struct pd_http_req *r)
{
	pd_http_cancel(t, r);
}

void pd_informer_http_transport(struct pd_http *h,
				struct pd_informer_transport *tr)
{
	tr->start = http_start;
	tr->cancel = http_cancel;
	tr->t = h;
}

int pd_informer_init(struct pd_informer *inf, struct pd_loop *loop,
		     struct pd_log *log, const struct pd_informer_transport *tr,
		     const char *name, const char *path,
		     const struct pd_informer_ops *ops, void *ctx)
{
	memset(inf, 0, sizeof(*inf));
	inf->loop = loop;
	inf->log = log;
	inf->tr = *tr;
	inf->name = name;
	inf->path = path;
	inf->ops = ops;
	inf->ctx = ctx;
	inf->req.ctx = inf;
	inf->seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)inf;
	pd_hmap_init(&inf->keep);
	inf->idle.io.fd = -1;
	return pd_timer_init(loop, &inf->backoff, on_backoff, inf) ?:
	       pd_timer_init(loop, &inf->idle, on_idle, inf);
}

int pd_informer_start(struct pd_informer *inf)
{
	list_start(inf);
	return 0;
}

void pd_informer_fini(struct pd_informer *inf)
{
	if (inf->req.active)
		inf->tr.cancel(inf->tr.t, &inf->req);
	pd_timer_fini(inf->loop, &inf->backoff);
	pd_timer_fini(inf->loop, &inf->idle);
	pd_hmap_fini(&inf->keep);
	free(inf->line);
	inf->line = NULL;
}
