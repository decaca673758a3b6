// SPDX-License-Identifier: GPL-2.0
/* The gate's leader: verdicts, condition patches, gateways' reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate/gate_int.h"

/* ---- the leader's verdict and patches --------------------------------- */

bool gate_leader(struct pd_gate *g)
{
	return g->hooks.leader && g->hooks.leader(g->hooks.ctx);
}

/*
 * Which other gateways count (D7).  A Pod's gate may turn True only when
 * the Pod is usable on every gateway that can receive its clients'
 * packets, so "counts" means "may be in the data path", not "its Lease
 * renews":
 *  - Lease live (holder set, renewTime moved within its duration by our
 *    clock) and serving (it announces its VIPs): counts;
 *  - Lease live, not serving (decommissioned, HOLD, or withdrawn because
 *    its own API view went stale): counts until it has reported so for
 *    PD_GW_SETTLE_MS, the time routers take to stop sending to a
 *    withdrawn next hop; after that it carries no client flows and does
 *    not count;
 *  - Lease lapsed or released (podvsd dead, restarting, or cut off from
 *    the API server): its kernel keeps forwarding from its last tables
 *    (fail-static) until its announcement grace runs out (the kernel
 *    watchdog, or the api_lost withdrawal), so it counts, judged by its
 *    last report (its tables hold at least that watermark, nothing newer
 *    is programmed while it is cut off), until its reported hold (or
 *    PD_GW_DEFAULT_HOLD_S) plus PD_GW_SETTLE_MS after its Lease last
 *    moved; then it is out of the data path and does not count.
 * Counting a gateway that cannot take traffic only delays a gate (the
 * fail-safe timeout bounds that); not counting one that can would break
 * the guarantee, so every doubt counts.
 */
#define PD_GW_DEFAULT_HOLD_S	60	/* podvsd's default --announce-grace */

bool pd_gw_counted(const struct pd_gw_seen *s, uint64_t now_ms)
{
	uint64_t hold = s->hold_s ? s->hold_s : PD_GW_DEFAULT_HOLD_S;

	if (s->live)
		return !s->has_report || s->serving || !s->quiet_since_ms ||
		       now_ms - s->quiet_since_ms < PD_GW_SETTLE_MS;
	return now_ms - s->seen_ms < hold * 1000 + PD_GW_SETTLE_MS;
}

static bool gw_live(const struct gate_gw *gw, uint64_t now)
{
	long dur = gw->obs.duration_s > 0 ? gw->obs.duration_s :
		   PD_LEASE_DURATION_S;

	return gw->obs.holder[0] &&
	       now - gw->obs.seen_ms < (uint64_t)dur * 1000;
}

static bool gw_counted(const struct gate_gw *gw, uint64_t now)
{
	const struct pd_gw_seen s = {
		.live = gw_live(gw, now),
		.has_report = gw->reporting,
		.serving = gw->reporting && gw->rep.serving,
		.hold_s = gw->reporting ? gw->rep.hold_s : 0,
		.seen_ms = gw->obs.seen_ms,
		.quiet_since_ms = gw->quiet_since_ms,
	};

	return pd_gw_counted(&s, now);
}

/* Every other counted gateway has @gp usable?  Else its name in @why. */
static bool gateways_agree(struct pd_gate *g, const struct gate_pod *gp,
			   char *why, size_t len)
{
	struct pd_hmap_iter it;
	uint64_t now = pd_now_ms();

	for (struct pd_hmap_ent *e = pd_hmap_first(&g->gateways, &it); e;
	     e = pd_hmap_next(&g->gateways, &it)) {
		const struct gate_gw *gw = e->val;

		if (!gw_counted(gw, now) ||
		    (gw->reporting &&
		     pd_gw_report_agrees(&gw->rep, gp->pod->meta.uid,
					 gate_pod_rv(gp), &gp->need)))
			continue;
		snprintf(why, len, "NotProgrammed: not yet on gateway %.*s",
			 (int)e->klen, (const char *)e->key);
		return false;
	}
	return true;
}

/* The rule's facts for @gp, as evaluated here and on the others. */
static void facts(struct pd_gate *g, struct gate_pod *gp,
		  struct pd_gate_facts *f, char *why, size_t len)
{
	snprintf(why, len, "%s", gp->why);
	f->in_service = gp->in_svc;
	f->ok = gp->local_ok;
	/* another gateway lagging is no reason of the Pod's (not own) */
	if (f->ok && !gateways_agree(g, gp, why, len))
		f->ok = false;
	f->own = !gp->local_ok && gp->own;
	f->why = why;
	f->now_s = (int64_t)time(NULL);
	f->timeout_s = g->timeout_s;
}

static void decide(struct pd_gate *g, struct gate_pod *gp)
{
	char why[PD_GATE_MSG_LEN];
	struct pd_gate_facts f;
	struct pd_gate_decision d;

	if (!gp->need.valid)
		gp->need = g->viewed;	/* later, so no weaker */
	facts(g, gp, &f, why, sizeof(why));
	pd_gate_verdict(gp->pod, &f, &d);
	if (d.wake_s)
		gate_wake_at(g, gp, pd_now_ms() +
			     (uint64_t)(d.wake_s - f.now_s) * 1000);
	gate_verdict_set(g, gp, d.status ? GATE_TRUE : GATE_FALSE);
	if (d.keep || pd_gate_current(gp->pod, d.status, d.reason) ||
	    gp->inflight)
		return;
	if (!strcmp(gp->sent_rv, gp->pod->meta.resource_version) &&
	    gp->sent_status == d.status && !strcmp(gp->sent_reason, d.reason))
		return;		/* sent; the watch has not shown it yet */
	if (gate_patch(g, gp, &d) && d.timed_out) {
		g->stats.timeouts++;
		pd_warn(g->log, "msg=\"readiness gate timed out, Pod let "
			"through\" pod=%s why=\"%s\"", gp->key, d.msg);
	}
}

static void decide_one(struct pd_gate *g, struct gate_pod *gp)
{
	if (pd_pod_gated(gp->pod) && !gp->pod->meta.deleting)
		decide(g, gp);
	else
		gate_verdict_set(g, gp, GATE_UNDECIDED);
}

/* Our generation of reports and the set of live gateways, as one word. */
static uint64_t gw_signature(struct pd_gate *g)
{
	struct pd_hmap_iter it;
	uint64_t now = pd_now_ms();
	uint64_t sig = g->gw_gen * 0x9e3779b97f4a7c15ULL;

	for (struct pd_hmap_ent *e = pd_hmap_first(&g->gateways, &it); e;
	     e = pd_hmap_next(&g->gateways, &it)) {
		uint64_t h = 1469598103934665603ULL;

		if (!gw_counted(e->val, now))
			continue;
		for (size_t i = 0; i < e->klen; i++)
			h = (h ^ ((const unsigned char *)e->key)[i]) *
			    1099511628211ULL;
		sig ^= h;	/* order free: the map's order may change */
	}
	return sig;
}

/*
 * D8: a leader decides only from a fresh view of the other gateways: a
 * Lease list sent after it became leader, answered less than a
 * leaseDuration ago, and its own API view fresh.  Otherwise it decides
 * nothing at all (no True, no False: no patch); a list that keeps failing
 * holds the gates where they are (fail closed).
 */
static bool gw_view_fresh(struct pd_gate *g, uint64_t now)
{
	if (g->hooks.api_fresh && !g->hooks.api_fresh(g->hooks.ctx))
		return false;
	return g->gw_list_ms && g->gw_list_ms >= g->lead_since_ms &&
	       now - g->gw_list_ms < PD_LEASE_DURATION_S * 1000ULL;
}

/* Leader: decide the Pods of @work, or all if the gateways moved. */
void gate_decide_pods(struct pd_gate *g, const struct pd_hmap *work,
		      bool all)
{
	uint64_t now = pd_now_ms();
	uint64_t sig = gw_signature(g);
	const struct pd_hmap *m;
	struct pd_hmap_iter it;

	if (!g->lead_since_ms)
		g->lead_since_ms = now;
	if (!gw_view_fresh(g, now)) {
		g->stats.held++;
		g->held = true;
		return;
	}
	if (!g->was_leader || g->held || sig != g->gw_sig)
		all = true;
	g->held = false;
	g->was_leader = true;
	g->gw_sig = sig;
	m = all ? &g->pods : work;
	for (struct pd_hmap_ent *e = pd_hmap_first(m, &it); e;
	     e = pd_hmap_next(m, &it))
		decide_one(g, e->val);
}

/* No longer leader: nothing decided here any more. */
void gate_undecide_all(struct pd_gate *g)
{
	struct pd_hmap_iter it;

	g->lead_since_ms = 0;
	g->held = false;
	if (!g->was_leader)
		return;
	g->was_leader = false;
	for (struct pd_hmap_ent *e = pd_hmap_first(&g->pods, &it); e;
	     e = pd_hmap_next(&g->pods, &it))
		gate_verdict_set(g, e->val, GATE_UNDECIDED);
}

/* ---- other gateways' reports ------------------------------------------- */

void gate_gw_free(void *p)
{
	struct gate_gw *g = p;

	if (!g)
		return;
	pd_hmap_fini(&g->rep.unsettled);
	free(g->raw);
	free(g);
}

/* Did @g's annotation change since the last list?  Keep it. */
static bool gw_moved(struct gate_gw *g, const cJSON *v)
{
	const char *now = cJSON_IsString(v) ? v->valuestring : NULL;

	if (now && g->raw && !strcmp(now, g->raw))
		return false;
	if (!now && !g->raw)
		return false;
	free(g->raw);
	g->raw = now ? strdup(now) : NULL;
	return true;
}

/* Read @gw's report from Lease @item (an unreadable one: no report). */
static void gw_report(struct pd_gate *g, struct gate_gw *gw,
		      const cJSON *item, uint64_t now)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(item, "metadata");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann,
							  PD_ANN_PROGRAMMED);
	char err[128];

	if (!gw_moved(gw, v))
		return;
	g->gw_gen++;
	pd_hmap_fini(&gw->rep.unsettled);
	pd_hmap_init(&gw->rep.unsettled);
	gw->reporting = cJSON_IsString(v) &&
			!pd_gate_report_parse(v->valuestring, &gw->rep, err,
					      sizeof(err));
	if (cJSON_IsString(v) && !gw->reporting)
		pd_warn(g->log, "msg=\"unreadable gateway report\" err=\"%s\"",
			err);
	if (!gw->reporting || gw->rep.serving)
		gw->quiet_since_ms = 0;
	else if (!gw->quiet_since_ms)
		gw->quiet_since_ms = now;
}

static void gw_seen(struct pd_gate *g, const char *name, const cJSON *item,
		    uint64_t now)
{
	struct gate_gw *gw = pd_hmap_sget(&g->gateways, name);
	char err[128];

	if (!gw) {
		gw = calloc(1, sizeof(*gw));
		if (!gw || pd_hmap_sput(&g->gateways, name, gw, NULL)) {
			free(gw);
			return;
		}
		pd_hmap_init(&gw->rep.unsettled);
	}
	gw->seen = true;
	if (pd_lease_observe(&gw->obs, item, now, err, sizeof(err)))
		gw->obs.holder[0] = '\0';	/* unreadable: not live */
	gw_report(g, gw, item, now);
}

static void gw_list(struct pd_gate *g, const cJSON *items)
{
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e, *next;
	const cJSON *item;
	uint64_t now = pd_now_ms();
	size_t live = 0;

	for (e = pd_hmap_first(&g->gateways, &it); e;
	     e = pd_hmap_next(&g->gateways, &it))
		((struct gate_gw *)e->val)->seen = false;
	cJSON_ArrayForEach(item, items) {
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(item,
								   "metadata");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(md, "name");

		if (!cJSON_IsString(n) || strncmp(n->valuestring,
			PD_GW_LEASE_PREFIX, strlen(PD_GW_LEASE_PREFIX)) ||
		    !strcmp(n->valuestring, g->gw->name))
			continue;
		gw_seen(g, n->valuestring, item, now);
	}
	for (e = pd_hmap_first(&g->gateways, &it); e; e = next) {
		struct gate_gw *gw = e->val;

		next = pd_hmap_next(&g->gateways, &it);
		if (!gw->seen) {
			pd_hmap_del(&g->gateways, e->key, e->klen);
			gate_gw_free(gw);
			g->gw_gen++;
		} else {
			live += gw_counted(gw, now);
		}
	}
	g->stats.live_gateways = live;
}

void pd_gate_gateways_listed(struct pd_gate *g, const cJSON *items,
			     uint64_t sent_ms)
{
	if (!items) {
		g->stats.gw_list_failures++;
		return;
	}
	gw_list(g, items);
	g->gw_list_ms = sent_ms;
}

static void gw_done(struct pd_http_req *r, int res, long status,
		    const char *body, size_t len, const char *errmsg)
{
	struct pd_gate *g = r->ctx;
	cJSON *list = NULL;
	const cJSON *items = NULL;

	g->listing_gws = false;
	if (r->retry_after_s > 0)
		g->gw_hold_ms = pd_now_ms() +
				pd_http_retry_ms(r->retry_after_s, 0);
	if (!res && status == 200)
		list = cJSON_ParseWithLength(body, len);
	items = cJSON_GetObjectItemCaseSensitive(list, "items");
	if (!cJSON_IsArray(items)) {
		items = NULL;
		pd_warn(g->log, "msg=\"listing gateway Leases failed\" "
			"status=%ld err=\"%.200s\"", status,
			res ? errmsg : body);
	}
	pd_gate_gateways_listed(g, items, g->gw_sent_ms);
	cJSON_Delete(list);
	free(r);
}

static void gw_fetch(struct pd_gate *g)
{
	struct pd_http_req *r;

	if (g->listing_gws || !g->http || pd_now_ms() < g->gw_hold_ms)
		return;
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	snprintf(r->path, sizeof(r->path),
		 "/apis/coordination.k8s.io/v1/namespaces/%s/leases",
		 g->gw->ns);
	r->timeout_s = 10;
	r->on_done = gw_done;
	r->ctx = g;
	g->gw_sent_ms = pd_now_ms();
	if (pd_http_start(g->http, r))
		free(r);
	else
		g->listing_gws = true;
}

/* Forget the addresses of Pods deleted long ago. */
static void gone_gc(struct pd_gate *g, uint64_t now)
{
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e, *next;

	for (e = pd_hmap_first(&g->gone, &it); e; e = next) {
		next = pd_hmap_next(&g->gone, &it);
		if (now - (uintptr_t)e->val > PD_GONE_KEEP_MS)
			pd_hmap_del(&g->gone, e->key, e->klen);
	}
}

void pd_gate_tick(struct pd_gate *g)
{
	uint64_t now = pd_now_ms();

	if (!g->up)
		return;
	gone_gc(g, now);
	if (!gate_leader(g)) {
		g->lead_since_ms = 0;
		return;
	}
	if (!g->lead_since_ms)
		g->lead_since_ms = now;	/* before the list it waits for */
	gate_wake(g, now);		/* timeouts due: decide again */
	gw_fetch(g);
}
