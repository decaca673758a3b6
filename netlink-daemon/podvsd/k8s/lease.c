// SPDX-License-Identifier: GPL-2.0
/* Leases: leader election and the gateway report (see lease.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "k8s/lease.h"

void pd_micro_time(int64_t wall_us, char *buf, size_t len)
{
	time_t t = wall_us / 1000000;
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%06ldZ", s, (long)(wall_us % 1000000));
}

static int obs_str(const cJSON *o, const char *key, char *buf, size_t len,
		   char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	buf[0] = '\0';
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= len) {
		snprintf(err, errlen, "Lease %s: expected a string shorter "
			 "than %zu", key, len);
		return -EINVAL;
	}
	strcpy(buf, v->valuestring);
	return 0;
}

static long obs_num(const cJSON *o, const char *key, long def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (long)v->valuedouble
							: def;
}

int pd_lease_observe(struct pd_lease_obs *o, const cJSON *obj,
		     uint64_t now_ms, char *err, size_t errlen)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	struct pd_lease_obs n = { .exists = true };

	if (!obj) {
		memset(o, 0, sizeof(*o));
		o->seen_ms = now_ms;
		return 0;
	}
	if (!cJSON_IsObject(md) || (spec && !cJSON_IsObject(spec))) {
		snprintf(err, errlen, "Lease: metadata or spec is not an "
			 "object");
		return -EINVAL;
	}
	if (obs_str(md, "resourceVersion", n.rv, sizeof(n.rv), err, errlen) ||
	    obs_str(spec, "holderIdentity", n.holder, sizeof(n.holder), err,
		    errlen) ||
	    obs_str(spec, "renewTime", n.renew_time, sizeof(n.renew_time), err,
		    errlen) ||
	    obs_str(spec, "acquireTime", n.acquire_time,
		    sizeof(n.acquire_time), err, errlen))
		return -EINVAL;
	n.duration_s = obs_num(spec, "leaseDurationSeconds",
			       PD_LEASE_DURATION_S);
	n.transitions = obs_num(spec, "leaseTransitions", 0);
	n.seen_ms = o->seen_ms;
	if (!o->exists || strcmp(o->holder, n.holder) ||
	    strcmp(o->renew_time, n.renew_time))
		n.seen_ms = now_ms;
	*o = n;
	return 0;
}

enum pd_lease_act pd_lease_decide(const struct pd_lease_obs *o,
				  const char *me, uint64_t now_ms)
{
	long dur = o->duration_s > 0 ? o->duration_s : PD_LEASE_DURATION_S;

	if (!o->exists)
		return PD_LEASE_CREATE;
	if (!strcmp(o->holder, me))
		return PD_LEASE_RENEW;
	if (!o->holder[0] || now_ms - o->seen_ms >= (uint64_t)dur * 1000)
		return PD_LEASE_TAKE;
	return PD_LEASE_WAIT;
}

bool pd_lease_deadline_passed(uint64_t renewed_ms, uint64_t now_ms)
{
	return now_ms - renewed_ms >= PD_RENEW_DEADLINE_MS;
}

static void body_meta(cJSON *l, const struct pd_lease_obs *o, const char *ns,
		      const char *name, const cJSON *ann)
{
	cJSON *md = cJSON_AddObjectToObject(l, "metadata");
	cJSON *lb;

	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", ns);
	if (o->exists)
		cJSON_AddStringToObject(md, "resourceVersion", o->rv);
	lb = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(lb, "app.kubernetes.io/name", "podvsd");
	if (ann)
		cJSON_AddItemToObject(md, "annotations",
				      cJSON_Duplicate(ann, true));
}

char *pd_lease_body(const struct pd_lease_obs *o, const char *ns,
		    const char *name, const char *holder, const cJSON *ann,
		    int64_t now_wall_us)
{
	bool change = !o->exists || strcmp(o->holder, holder);
	cJSON *l = cJSON_CreateObject(), *spec;
	char now[40];
	char *out;

	if (!l)
		return NULL;
	pd_micro_time(now_wall_us, now, sizeof(now));
	cJSON_AddStringToObject(l, "apiVersion", "coordination.k8s.io/v1");
	cJSON_AddStringToObject(l, "kind", "Lease");
	body_meta(l, o, ns, name, ann);
	spec = cJSON_AddObjectToObject(l, "spec");
	cJSON_AddStringToObject(spec, "holderIdentity", holder);
	cJSON_AddNumberToObject(spec, "leaseDurationSeconds",
				holder[0] ? PD_LEASE_DURATION_S : 1);
	cJSON_AddStringToObject(spec, "acquireTime", change || !o->acquire_time[0] ?
				now : o->acquire_time);
	cJSON_AddStringToObject(spec, "renewTime", now);
	cJSON_AddNumberToObject(spec, "leaseTransitions", o->transitions +
				(o->exists && change && holder[0] ? 1 : 0));
	out = cJSON_PrintUnformatted(l);
	cJSON_Delete(l);
	return out;
}

/* ---- the elector on pd_http ------------------------------------------ */

void pd_elector_init(struct pd_elector *e, struct pd_http *http,
		     struct pd_log *log, const char *ns, const char *name,
		     const char *me, pd_leader_fn changed, void *ctx)
{
	memset(e, 0, sizeof(*e));
	e->http = http;
	e->log = log;
	snprintf(e->ns, sizeof(e->ns), "%s", ns);
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->me, sizeof(e->me), "%s", me);
	e->changed = changed;
	e->ctx = ctx;
	e->released = true;
}

void pd_elector_fini(struct pd_elector *e)
{
	if (e->http && e->busy)
		pd_http_cancel(e->http, &e->req);
	free(e->body);
	e->body = NULL;
	cJSON_Delete(e->ann);
	e->ann = NULL;
	e->busy = false;
}

static void set_leader(struct pd_elector *e, bool leader, const char *why)
{
	if (e->leader == leader)
		return;
	e->leader = leader;
	e->stats.transitions++;
	pd_info(e->log, "msg=\"%s\" lease=%s/%s identity=%s reason=\"%s\"",
		leader ? "lease acquired" : "lease lost", e->ns, e->name,
		e->me, why);
	if (e->changed)
		e->changed(e->ctx, leader);
}

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void send_req(struct pd_elector *e, const char *method, bool named,
		     pd_http_done_fn done)
{
	struct pd_http_req *r = &e->req;

	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path),
		 "/apis/coordination.k8s.io/v1/namespaces/%s/leases%s%s",
		 e->ns, named ? "/" : "", named ? e->name : "");
	r->method = method;
	r->body = e->body;
	r->content_type = e->body ? "application/json" : NULL;
	/* a slow API server: wait as long as the renew deadline allows */
	r->timeout_s = PD_RENEW_DEADLINE_MS / 1000;
	r->on_done = done;
	r->ctx = e;
	e->busy = !pd_http_start(e->http, r);
	if (!e->busy)
		e->stats.errors++;
}

/* An answer with Retry-After: the next tick waits (capped, lease.h). */
static void hold(struct pd_elector *e, const struct pd_http_req *r)
{
	uint64_t ms;

	if (r->retry_after_s <= 0)
		return;
	ms = pd_http_retry_ms(r->retry_after_s, 0);
	if (ms > PD_LEASE_HOLD_MAX_MS)
		ms = PD_LEASE_HOLD_MAX_MS;
	e->hold_until_ms = pd_now_ms() + ms;
	e->stats.throttled++;
}

static void write_done(struct pd_http_req *r, int res, long status,
		       const char *body, size_t len, const char *errmsg)
{
	struct pd_elector *e = r->ctx;
	cJSON *obj = res ? NULL : cJSON_ParseWithLength(body, len);
	char err[128];

	e->busy = false;
	free(e->body);
	e->body = NULL;
	hold(e, r);
	if (!res && (status == 200 || status == 201) && obj &&
	    !pd_lease_observe(&e->obs, obj, pd_now_ms(), err, sizeof(err))) {
		e->renewed_ms = pd_now_ms();
		if (!e->leader)
			e->stats.acquired++;
		set_leader(e, true, "written");
	} else if (!res && status == 409) {
		e->stats.conflicts++;
	} else {
		e->stats.errors++;
		pd_warn(e->log, "msg=\"writing the Lease failed\" lease=%s/%s "
			"status=%ld err=\"%.200s\"", e->ns, e->name, status,
			res ? errmsg : body);
	}
	cJSON_Delete(obj);
}

static void act(struct pd_elector *e, enum pd_lease_act a)
{
	if (a == PD_LEASE_WAIT) {
		set_leader(e, false, "held by another");
		return;
	}
	e->body = pd_lease_body(&e->obs, e->ns, e->name, e->me, e->ann,
				wall_us());
	if (!e->body)
		return;
	if (a == PD_LEASE_CREATE)
		send_req(e, "POST", false, write_done);
	else
		send_req(e, "PUT", true, write_done);
}

static void read_done(struct pd_http_req *r, int res, long status,
		      const char *body, size_t len, const char *errmsg)
{
	struct pd_elector *e = r->ctx;
	cJSON *obj = NULL;
	char err[128];
	uint64_t now = pd_now_ms();

	e->busy = false;
	hold(e, r);
	if (res || (status != 200 && status != 404)) {
		e->stats.errors++;
		pd_warn(e->log, "msg=\"reading the Lease failed\" lease=%s/%s "
			"status=%ld err=\"%.200s\"", e->ns, e->name, status,
			res ? errmsg : body);
		return;
	}
	if (status == 200)
		obj = cJSON_ParseWithLength(body, len);
	if ((status == 200 && !obj) ||
	    pd_lease_observe(&e->obs, obj, now, err, sizeof(err))) {
		e->stats.errors++;
		pd_warn(e->log, "msg=\"unreadable Lease\" lease=%s/%s",
			e->ns, e->name);
	} else if (!e->releasing) {
		act(e, pd_lease_decide(&e->obs, e->me, now));
	}
	cJSON_Delete(obj);
}

void pd_elector_tick(struct pd_elector *e, uint64_t now_ms)
{
	if (e->leader && pd_lease_deadline_passed(e->renewed_ms, now_ms))
		set_leader(e, false, "renew deadline passed");
	if (e->busy || e->releasing || !e->http || now_ms < e->hold_until_ms)
		return;
	send_req(e, "GET", true, read_done);
}

static void send_release(struct pd_elector *e);
static void release_read_done(struct pd_http_req *r, int res, long status,
			      const char *body, size_t len,
			      const char *errmsg);

static void release_done(struct pd_http_req *r, int res, long status,
			 const char *body, size_t len, const char *errmsg)
{
	struct pd_elector *e = r->ctx;

	e->busy = false;
	free(e->body);
	e->body = NULL;
	/* a renewal cancelled on our side may have been applied: read the
	 * Lease again and release what is there, once
	 */
	if (!res && status == 409 && !e->release_reread) {
		e->release_reread = true;
		send_req(e, "GET", true, release_read_done);
		if (e->busy)
			return;
	}
	e->released = true;
	(void)len;
	if (res || status != 200)
		pd_warn(e->log, "msg=\"releasing the Lease failed\" "
			"lease=%s/%s status=%ld err=\"%.200s\"", e->ns, e->name,
			status, res ? errmsg : body);
	else
		pd_info(e->log, "msg=\"lease released\" lease=%s/%s", e->ns,
			e->name);
}

/* PUT the observed Lease with no holder; ->released when that is over. */
static void send_release(struct pd_elector *e)
{
	free(e->body);
	e->body = pd_lease_body(&e->obs, e->ns, e->name, "", e->ann,
				wall_us());
	e->released = true;
	if (!e->body)
		return;
	send_req(e, "PUT", true, release_done);
	e->released = !e->busy;
}

static void release_read_done(struct pd_http_req *r, int res, long status,
			      const char *body, size_t len,
			      const char *errmsg)
{
	struct pd_elector *e = r->ctx;
	cJSON *obj = NULL;
	char err[128];

	e->busy = false;
	e->released = true;	/* unless it is still ours, below */
	if (!res && status == 404)
		return;		/* gone: nothing to release */
	if (!res && status == 200)
		obj = cJSON_ParseWithLength(body, len);
	if (!obj || pd_lease_observe(&e->obs, obj, pd_now_ms(), err,
				     sizeof(err))) {
		pd_warn(e->log, "msg=\"releasing the Lease failed\" "
			"lease=%s/%s status=%ld err=\"%.200s\"", e->ns, e->name,
			status, res ? errmsg : "unreadable after a conflict");
	} else if (!strcmp(e->obs.holder, e->me)) {
		send_release(e);
	}
	cJSON_Delete(obj);
}

void pd_elector_release(struct pd_elector *e)
{
	bool was = e->leader;

	e->releasing = true;
	set_leader(e, false, "shutting down");
	if (!was || !e->http)
		return;
	if (e->busy)
		pd_http_cancel(e->http, &e->req);
	e->busy = false;
	send_release(e);
}
