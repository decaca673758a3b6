// SPDX-License-Identifier: GPL-2.0
/* The gate's leader: verdicts, condition patches, gateways' reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate_int.h"
#include "k8s/api_write.h"

/* ---- the leader's verdict and patches --------------------------------- */

bool gate_leader(struct pd_gate *g)
{
	return g->hooks.leader && g->hooks.leader(g->hooks.ctx);
}

static bool gw_live(const struct gate_gw *gw, uint64_t now)
{
	long dur = gw->obs.duration_s > 0 ? gw->obs.duration_s :
		   PD_LEASE_DURATION_S;

	return gw->reporting && gw->obs.holder[0] &&
	       now - gw->obs.seen_ms < (uint64_t)dur * 1000;
}

/* Every other live gateway has programmed @gp?  Else its name in @why. */
static bool gateways_agree(struct pd_gate *g, const struct gate_pod *gp,
			   char *why, size_t len)
{
	struct pd_hmap_iter it;
	uint64_t now = pd_now_ms();

	for (struct pd_hmap_ent *e = pd_hmap_first(&g->gateways, &it); e;
	     e = pd_hmap_next(&g->gateways, &it)) {
		const struct gate_gw *gw = e->val;

		if (!gw_live(gw, now) ||
		    pd_hmap_sget(&gw->uids, gp->pod->meta.uid))
			continue;
		snprintf(why, len, "NotProgrammed: not yet on gateway %.*s",
			 (int)e->klen, (const char *)e->key);
		return false;
	}
	return true;
}

static void patch_done(void *ctx, const char *key, int res, long status,
		       const char *msg)
{
	struct pd_gate *g = ctx;
	struct gate_pod *gp = pd_hmap_sget(&g->pods, key);

	if (gp) {
		gp->inflight = false;
		gate_pod_dirty(g, gp);	/* decide again at the next tick */
	}
	if (res || status != 200) {
		g->stats.patch_failures++;
		if (gp)
			gp->sent_rv[0] = '\0';	/* retry next time */
		pd_warn(g->log, "msg=\"patching the readiness gate "
			"failed\" pod=%s status=%ld err=\"%.200s\"", key,
			status, msg);
	}
}

static void send_patch(struct pd_gate *g, struct gate_pod *gp, bool ok,
		       const char *reason, const char *msg)
{
	const struct pd_api_target t = {
		.method = "PATCH",
		.content_type = "application/strategic-merge-patch+json",
		.key = gp->key, .done = patch_done, .ctx = g,
	};
	char now[32], path[1024];

	pd_k8s_time_now(now, sizeof(now));
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/status",
		 gp->pod->meta.ns, gp->pod->meta.name);
	if (pd_api_write(g->http, &t, path,
			 pd_gate_cond_patch(gp->pod, ok, reason, msg, now))) {
		g->stats.patch_failures++;
		return;
	}
	g->stats.patches++;
	gp->inflight = true;
	gp->sent_status = ok;
	snprintf(gp->sent_rv, sizeof(gp->sent_rv), "%s",
		 gp->pod->meta.resource_version);
	snprintf(gp->sent_reason, sizeof(gp->sent_reason), "%s", reason);
	pd_info(g->log, "msg=\"readiness gate\" pod=%s status=%s reason=%s "
		"message=\"%s\"", gp->key, ok ? "True" : "False", reason, msg);
}

static void decide(struct pd_gate *g, struct gate_pod *gp)
{
	char why[PD_GATE_MSG_LEN], reason[32];
	bool ok = gp->local_ok;

	snprintf(why, sizeof(why), "%s", gp->why);
	if (ok)
		ok = gateways_agree(g, gp, why, sizeof(why));
	if (ok)
		snprintf(why, sizeof(why), "Programmed: an active, healthy "
			 "dest on every live gateway");
	pd_gate_reason_word(why, reason, sizeof(reason));
	gate_verdict_set(g, gp, ok ? GATE_TRUE : GATE_FALSE);
	if (pd_gate_current(gp->pod, ok, reason) || gp->inflight)
		return;
	if (!strcmp(gp->sent_rv, gp->pod->meta.resource_version) &&
	    gp->sent_status == ok && !strcmp(gp->sent_reason, reason))
		return;		/* sent; the watch has not shown it yet */
	send_patch(g, gp, ok, reason, why);
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

		if (!gw_live(e->val, now))
			continue;
		for (size_t i = 0; i < e->klen; i++)
			h = (h ^ ((const unsigned char *)e->key)[i]) *
			    1099511628211ULL;
		sig ^= h;	/* order free: the map's order may change */
	}
	return sig;
}

/* Leader: decide the Pods of @work, or all if the gateways moved. */
void gate_decide_pods(struct pd_gate *g, const struct pd_hmap *work,
		      bool all)
{
	uint64_t sig = gw_signature(g);
	const struct pd_hmap *m;
	struct pd_hmap_iter it;

	if (!g->was_leader || sig != g->gw_sig)
		all = true;
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
	pd_hmap_fini(&g->uids);
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

static void gw_uids(struct pd_gate *g, struct gate_gw *gw, const cJSON *item)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(item, "metadata");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann,
							  PD_ANN_PROGRAMMED);
	cJSON *arr, *u;

	if (!gw_moved(gw, v))
		return;
	g->gw_gen++;
	pd_hmap_fini(&gw->uids);
	gw->reporting = false;
	if (!cJSON_IsString(v))
		return;
	arr = cJSON_Parse(v->valuestring);
	gw->reporting = cJSON_IsArray(arr);
	if (!gw->reporting)
		goto out;
	cJSON_ArrayForEach(u, arr)
		if (cJSON_IsString(u))
			pd_hmap_sput(&gw->uids, u->valuestring, (void *)1,
				     NULL);
out:
	cJSON_Delete(arr);
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
		pd_hmap_init(&gw->uids);
	}
	gw->seen = true;
	if (pd_lease_observe(&gw->obs, item, now, err, sizeof(err)))
		gw->obs.holder[0] = '\0';	/* unreadable: not live */
	gw_uids(g, gw, item);
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
			live += gw_live(gw, now);
		}
	}
	g->stats.live_gateways = live;
}

static void gw_done(struct pd_http_req *r, int res, long status,
		    const char *body, size_t len, const char *errmsg)
{
	struct pd_gate *g = r->ctx;
	cJSON *list = NULL;

	g->listing_gws = false;
	if (!res && status == 200)
		list = cJSON_ParseWithLength(body, len);
	if (list)
		gw_list(g, cJSON_GetObjectItemCaseSensitive(list, "items"));
	else
		pd_warn(g->log, "msg=\"listing gateway Leases failed\" "
			"status=%ld err=\"%.200s\"", status,
			res ? errmsg : body);
	cJSON_Delete(list);
	free(r);
}

static void gw_fetch(struct pd_gate *g)
{
	struct pd_http_req *r;

	if (g->listing_gws)
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
	if (!g->up)
		return;
	gone_gc(g, pd_now_ms());
	if (gate_leader(g))
		gw_fetch(g);
}
