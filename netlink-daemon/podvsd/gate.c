// SPDX-License-Identifier: GPL-2.0
/* The readiness gate and the Pod cache (see gate.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon.h"
#include "gate.h"

struct gate_pod {
	struct k8s_pod *pod;
	uint64_t deleting_ms;		/* first seen deleting; 0: not */
	/* the last evaluation */
	bool found;
	bool local_ok;
	char why[PD_GATE_MSG_LEN];
	/* the last patch */
	bool inflight;
	bool sent_status;
	char sent_rv[64];
	char sent_reason[32];
	char key[];
};

/* Services with an endpoint for one Pod. */
struct gate_refs {
	char **svc;
	size_t n;
};

/* Another gateway's report. */
struct gate_gw {
	struct pd_lease_obs obs;
	struct pd_hmap uids;		/* Pod UID -> (void *)1 */
	bool reporting;			/* the annotation is there */
	bool seen;			/* in the last list */
};

/* ---- pure helpers ------------------------------------------------------ */

const struct k8s_pod_condition *pd_pod_cond(const struct k8s_pod *p,
					    const char *type)
{
	for (size_t i = 0; i < p->n_conds; i++)
		if (!strcmp(p->conds[i].type, type))
			return &p->conds[i];
	return NULL;
}

bool pd_pod_gated(const struct k8s_pod *p)
{
	for (size_t i = 0; i < p->n_gates; i++)
		if (!strcmp(p->gates[i], PD_GATE_TYPE))
			return true;
	return false;
}

bool pd_pod_containers_ready(const struct k8s_pod *p)
{
	const struct k8s_pod_condition *c = pd_pod_cond(p, "ContainersReady");

	return c && !strcmp(c->status, "True");
}

bool pd_gate_current(const struct k8s_pod *p, bool status,
		     const char *reason)
{
	const struct k8s_pod_condition *c = pd_pod_cond(p, PD_GATE_TYPE);

	return c && !strcmp(c->status, status ? "True" : "False") &&
	       c->reason && !strcmp(c->reason, reason);
}

char *pd_gate_cond_patch(const struct k8s_pod *p, bool status, const char *reason,
		    const char *message, const char *now)
{
	const struct k8s_pod_condition *c = pd_pod_cond(p, PD_GATE_TYPE);
	const char *st = status ? "True" : "False";
	cJSON *root = cJSON_CreateObject(), *arr, *cond;
	char *out;

	if (!root)
		return NULL;
	arr = cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "status"),
				     "conditions");
	cond = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, cond);
	cJSON_AddStringToObject(cond, "type", PD_GATE_TYPE);
	cJSON_AddStringToObject(cond, "status", st);
	cJSON_AddStringToObject(cond, "reason", reason);
	cJSON_AddStringToObject(cond, "message", message);
	cJSON_AddStringToObject(cond, "lastTransitionTime",
				c && !strcmp(c->status, st) &&
				c->last_transition ? c->last_transition : now);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

const char *pd_gate_reason_word(const char *why, char *buf, size_t len)
{
	size_t n = strcspn(why, ":");

	snprintf(buf, len, "%.*s", (int)n, why);
	return buf;
}

/* ---- the Pod cache ------------------------------------------------------ */

static void refs_mark(struct podvsd *d, const char *pod_key)
{
	const struct gate_refs *r = pd_hmap_sget(&d->gate.refs, pod_key);

	for (size_t i = 0; r && i < r->n; i++)
		pd_rec_mark_service(&d->rec, r->svc[i]);
}

static void refs_add(struct podvsd *d, const char *pod_key, const char *svc)
{
	struct gate_refs *r = pd_hmap_sget(&d->gate.refs, pod_key);
	char **v, *s;

	for (size_t i = 0; r && i < r->n; i++)
		if (!strcmp(r->svc[i], svc))
			return;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r || pd_hmap_sput(&d->gate.refs, pod_key, r, NULL)) {
			free(r);
			return;
		}
	}
	v = realloc(r->svc, (r->n + 1) * sizeof(*v));
	s = strdup(svc);
	if (v)
		r->svc = v;
	if (!v || !s) {
		free(s);
		return;
	}
	r->svc[r->n++] = s;
}

static void refs_free(void *p)
{
	struct gate_refs *r = p;

	for (size_t i = 0; r && i < r->n; i++)
		free(r->svc[i]);
	if (r)
		free(r->svc);
	free(r);
}

static void deleting_index(struct podvsd *d, struct gate_pod *gp, bool add)
{
	const struct k8s_pod *p = gp->pod;

	for (size_t i = 0; p && i < p->n_ips; i++) {
		if (add)
			pd_hmap_put(&d->gate.deleting, &p->ips[i],
				    sizeof(p->ips[i]), gp, NULL);
		else if (pd_hmap_get(&d->gate.deleting, &p->ips[i],
				     sizeof(p->ips[i])) == gp)
			pd_hmap_del(&d->gate.deleting, &p->ips[i],
				    sizeof(p->ips[i]));
	}
}

static void pod_forget(struct podvsd *d, struct gate_pod *gp, bool gone)
{
	const struct k8s_pod *p = gp->pod;

	deleting_index(d, gp, false);
	for (size_t i = 0; gone && gp->deleting_ms && i < p->n_ips; i++)
		pd_hmap_put(&d->gate.gone, &p->ips[i], sizeof(p->ips[i]),
			    (void *)(uintptr_t)pd_now_ms(), NULL);
	refs_mark(d, gp->key);
	k8s_pod_free(gp->pod);
	free(gp);
}

/* The bits of a Pod the desired state depends on. */
static unsigned int pod_bits(const struct k8s_pod *p)
{
	return pd_pod_gated(p) | pd_pod_containers_ready(p) << 1 |
	       p->meta.deleting << 2 | (p->n_ips > 0) << 3;
}

static struct gate_pod *pod_entry(struct podvsd *d, const char *key)
{
	struct gate_pod *gp = pd_hmap_sget(&d->gate.pods, key);
	size_t len = strlen(key) + 1;

	if (gp)
		return gp;
	gp = calloc(1, sizeof(*gp) + len);
	if (!gp)
		return NULL;
	memcpy(gp->key, key, len);
	if (pd_hmap_sput(&d->gate.pods, key, gp, NULL)) {
		free(gp);
		return NULL;
	}
	return gp;
}

static void pod_keep(struct podvsd *d, struct k8s_pod *p, const char *key)
{
	struct gate_pod *gp = pod_entry(d, key);
	bool moved;

	if (!gp) {
		pd_err(&d->log, "msg=\"out of memory caching a Pod\"");
		k8s_pod_free(p);
		return;
	}
	moved = !gp->pod || pod_bits(gp->pod) != pod_bits(p);
	deleting_index(d, gp, false);
	k8s_pod_free(gp->pod);
	gp->pod = p;
	if (p->meta.deleting && !gp->deleting_ms)
		gp->deleting_ms = pd_now_ms();
	if (p->meta.deleting)
		deleting_index(d, gp, true);
	if (moved)
		refs_mark(d, key);
}

static void pod_upsert(void *ctx, const cJSON *obj)
{
	struct podvsd *d = ctx;
	char err[256], key[K8S_KEY_LEN];
	struct k8s_pod *p = k8s_pod_parse(obj, err, sizeof(err));
	struct gate_pod *gp;

	if (!p) {
		pd_warn(&d->log, "msg=\"Pod rejected, cached version kept\" "
			"err=\"%.200s\"", err);
		d->cluster.rejected++;
		return;
	}
	k8s_key(&p->meta, key);
	if (pd_pod_gated(p) || p->meta.deleting)
		return pod_keep(d, p, key);
	k8s_pod_free(p);
	gp = pd_hmap_sdel(&d->gate.pods, key);
	if (gp)
		pod_forget(d, gp, false);
}

static void pod_remove(void *ctx, const cJSON *obj)
{
	struct podvsd *d = ctx;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(md, "namespace");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
	char key[K8S_KEY_LEN];
	struct gate_pod *gp;

	if (!cJSON_IsString(ns) || !cJSON_IsString(name))
		return;
	snprintf(key, sizeof(key), "%s/%s", ns->valuestring,
		 name->valuestring);
	gp = pd_hmap_sdel(&d->gate.pods, key);
	if (gp)
		pod_forget(d, gp, true);
	refs_free(pd_hmap_sdel(&d->gate.refs, key));
}

static void pod_prune(void *ctx, const struct pd_hmap *keep)
{
	struct podvsd *d = ctx;
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e, *next;

	for (e = pd_hmap_first(&d->gate.pods, &it); e; e = next) {
		struct gate_pod *gp = e->val;

		next = pd_hmap_next(&d->gate.pods, &it);
		if (pd_hmap_get(keep, e->key, e->klen))
			continue;
		pd_hmap_del(&d->gate.pods, e->key, e->klen);
		pod_forget(d, gp, true);
	}
}

static void pod_changed(void *ctx)
{
	podvsd_schedule_sync(ctx);
}

static void pod_synced(void *ctx)
{
	struct podvsd *d = ctx;

	d->gate.synced = true;
	pd_cluster_synced(d);
}

static const struct pd_informer_ops pod_ops = {
	.upsert = pod_upsert,
	.remove = pod_remove,
	.prune = pod_prune,
	.changed = pod_changed,
	.synced = pod_synced,
};

/* ---- the view for desired.c -------------------------------------------- */

static struct gate_pod *ep_pod(struct podvsd *d, const char *svc,
			       const struct k8s_endpoint *e)
{
	char key[K8S_KEY_LEN];

	if (!e->target_kind || strcmp(e->target_kind, "Pod") ||
	    !e->target_name)
		return NULL;
	snprintf(key, sizeof(key), "%s/%s", e->target_ns ? e->target_ns :
		 "default", e->target_name);
	if (svc)
		refs_add(d, key, svc);
	return pd_hmap_sget(&d->gate.pods, key);
}

static bool view_gated(void *ctx, const char *svc,
		       const struct k8s_endpoint *e)
{
	const struct gate_pod *gp = ep_pod(ctx, svc, e);

	return gp && pd_pod_gated(gp->pod) && !gp->pod->meta.deleting &&
	       pd_pod_containers_ready(gp->pod);
}

static bool view_deleting(void *ctx, const char *svc,
			  const struct k8s_endpoint *e)
{
	const struct gate_pod *gp = ep_pod(ctx, svc, e);

	return gp && gp->pod->meta.deleting;
}

static bool view_unhealthy(void *ctx, const char *svc,
			   const struct k8s_service *s,
			   const struct pd_addr *a, uint16_t port, bool ready)
{
	struct podvsd *d = ctx;

	return pd_health_drain(&d->health, svc, s, a, port, ready);
}

const struct pd_desired_view pd_gate_view = {
	.gated = view_gated,
	.deleting = view_deleting,
	.unhealthy = view_unhealthy,
};

uint64_t pd_gate_grace_ms(void *ctx, const struct pd_vs *have,
			  const struct pd_dest *d)
{
	struct podvsd *dm = ctx;
	const struct gate_pod *gp;
	struct pd_addr a = { .af = have->key.vip.af };

	memcpy(a.b, d->addr, sizeof(a.b));
	if (pd_hmap_get(&dm->gate.gone, &a, sizeof(a)))
		return PD_LINGER_NONE;
	gp = pd_hmap_get(&dm->gate.deleting, &a, sizeof(a));
	if (!gp)
		return 0;
	return gp->pod->grace_s ? gp->pod->grace_s * 1000ULL : PD_LINGER_NONE;
}

/* ---- evaluation: is each gated Pod programmed here? -------------------- */

struct eval_ctx {
	struct podvsd *d;
};

/* First index in @vs->dests whose address is @a (dests sorted), or n. */
static size_t dest_lower(const struct pd_vs *vs, const struct pd_addr *a)
{
	size_t lo = 0, hi = vs->n_dests;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (memcmp(vs->dests[mid].addr, a->b, sizeof(a->b)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void fail(struct gate_pod *gp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct gate_pod *gp, const char *fmt, ...)
{
	va_list ap;

	gp->local_ok = false;
	va_start(ap, fmt);
	vsnprintf(gp->why, sizeof(gp->why), fmt, ap);
	va_end(ap);
}

/* One wanted dest of @gp in VS @want: in the kernel, undrained, healthy? */
static bool dest_ok(struct podvsd *d, const char *svc, const struct pd_vs *want,
		    const struct pd_dest *wd, const struct pd_addr *a,
		    struct gate_pod *gp)
{
	const struct pd_vs *have = pd_table_get(&d->rec.actual, &want->key);
	long i = have ? pd_vs_dest_find(have, wd) : -1;
	char why[PD_GATE_MSG_LEN - 20];

	if (!pd_health_verdict(&d->health, svc, a, wd->port, why,
			       sizeof(why))) {
		fail(gp, "%s", why);
		return false;
	}
	if (i < 0 || (have->dests[i].flags & PODVS_DEST_F_DRAIN)) {
		fail(gp, "NotProgrammed: not an active dest of %s yet", svc);
		return false;
	}
	return true;
}

static void check_endpoint(struct podvsd *d, const char *svc,
			   const struct pd_plan *plan, const struct pd_addr *a,
			   struct gate_pod *gp)
{
	for (size_t i = 0; gp->local_ok && i < plan->n; i++) {
		const struct pd_vs *vs = plan->vs[i];
		size_t j = dest_lower(vs, a);
		bool any = false;

		if (vs->key.vip.af != a->af)
			continue;
		for (; gp->local_ok && j < vs->n_dests &&
		     !memcmp(vs->dests[j].addr, a->b, sizeof(a->b)); j++) {
			any = true;
			dest_ok(d, svc, vs, &vs->dests[j], a, gp);
		}
		if (!any)
			fail(gp, "NotProgrammed: not a dest of %s (containers "
			     "not ready?)", svc);
	}
}

static void eval_plan(void *ctx, const char *svc, const struct pd_plan *plan,
		      const struct k8s_slice *const *slices, size_t n_slices)
{
	struct eval_ctx *ec = ctx;

	for (size_t i = 0; i < n_slices; i++) {
		const struct k8s_slice *sl = slices[i];

		for (size_t j = 0; j < sl->n_endpoints; j++) {
			const struct k8s_endpoint *e = &sl->endpoints[j];
			struct gate_pod *gp = ep_pod(ec->d, NULL, e);

			if (!gp || !e->n_addrs || !pd_pod_gated(gp->pod))
				continue;
			gp->found = true;
			if (gp->local_ok)
				check_endpoint(ec->d, svc, plan, &e->addrs[0],
					       gp);
		}
	}
}

static int uid_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Our report: the sorted UIDs of the gated Pods programmed here. */
static char *report(struct podvsd *d)
{
	const char **v = calloc(d->gate.pods.n + 1, sizeof(*v));
	cJSON *arr = cJSON_CreateArray();
	struct pd_hmap_iter it;
	size_t n = 0;
	char *out = NULL;

	for (struct pd_hmap_ent *e = pd_hmap_first(&d->gate.pods, &it);
	     v && e; e = pd_hmap_next(&d->gate.pods, &it)) {
		const struct gate_pod *gp = e->val;

		if (gp->local_ok)
			v[n++] = gp->pod->meta.uid;
	}
	if (v && arr) {
		qsort(v, n, sizeof(*v), uid_cmp);
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(v[i]));
		out = cJSON_PrintUnformatted(arr);
	}
	cJSON_Delete(arr);
	free(v);
	return out;
}

static void publish(struct podvsd *d)
{
	char *r = report(d);
	cJSON *ann;

	if (!r || (d->gate.report && !strcmp(r, d->gate.report))) {
		free(r);
		return;
	}
	ann = cJSON_CreateObject();
	if (!ann || !cJSON_AddStringToObject(ann, PD_ANN_PROGRAMMED, r)) {
		cJSON_Delete(ann);
		free(r);
		return;
	}
	free(d->gate.report);
	d->gate.report = r;
	cJSON_Delete(d->cluster.gw.ann);
	d->cluster.gw.ann = ann;
}

static void eval_local(struct podvsd *d)
{
	struct eval_ctx ec = { .d = d };
	struct pd_hmap_iter it;
	size_t gated = 0;

	for (struct pd_hmap_ent *e = pd_hmap_first(&d->gate.pods, &it); e;
	     e = pd_hmap_next(&d->gate.pods, &it)) {
		struct gate_pod *gp = e->val;

		gated += pd_pod_gated(gp->pod);
		gp->found = false;
		gp->local_ok = !gp->pod->meta.deleting;
		snprintf(gp->why, sizeof(gp->why), "%s",
			 gp->local_ok ? "Programmed" : "NotProgrammed: "
			 "being deleted");
	}
	if (gated)	/* the walk costs O(endpoints): only when needed */
		pd_rec_each_plan(&d->rec, eval_plan, &ec);
	for (struct pd_hmap_ent *e = pd_hmap_first(&d->gate.pods, &it); e;
	     e = pd_hmap_next(&d->gate.pods, &it)) {
		struct gate_pod *gp = e->val;

		if (!gp->found && gp->local_ok)
			fail(gp, "%s", "NotProgrammed: no endpoint in a "
			     "podvs Service");
	}
}

/* ---- the leader's verdict and patches --------------------------------- */

static bool gw_live(const struct gate_gw *g, uint64_t now)
{
	long dur = g->obs.duration_s > 0 ? g->obs.duration_s :
		   PD_LEASE_DURATION_S;

	return g->reporting && g->obs.holder[0] &&
	       now - g->obs.seen_ms < (uint64_t)dur * 1000;
}

/* Every other live gateway has programmed @gp?  Else its name in @why. */
static bool gateways_agree(struct podvsd *d, const struct gate_pod *gp,
			   char *why, size_t len)
{
	struct pd_hmap_iter it;
	uint64_t now = pd_now_ms();

	for (struct pd_hmap_ent *e = pd_hmap_first(&d->gate.gateways, &it); e;
	     e = pd_hmap_next(&d->gate.gateways, &it)) {
		const struct gate_gw *g = e->val;

		if (!gw_live(g, now) ||
		    pd_hmap_sget(&g->uids, gp->pod->meta.uid))
			continue;
		snprintf(why, len, "NotProgrammed: not yet on gateway %.*s",
			 (int)e->klen, (const char *)e->key);
		return false;
	}
	return true;
}

struct patch_ctx {
	struct pd_http_req req;
	struct podvsd *d;
	char key[K8S_KEY_LEN];
	char *body;
};

static void patch_done(struct pd_http_req *r, int res, long status,
		       const char *body, size_t len, const char *errmsg)
{
	struct patch_ctx *p = r->ctx;
	struct gate_pod *gp = pd_hmap_sget(&p->d->gate.pods, p->key);

	(void)len;
	if (gp)
		gp->inflight = false;
	if (res || status != 200) {
		p->d->gate.stats.patch_failures++;
		if (gp)
			gp->sent_rv[0] = '\0';	/* retry next time */
		pd_warn(&p->d->log, "msg=\"patching the readiness gate "
			"failed\" pod=%s status=%ld err=\"%.200s\"", p->key,
			status, res ? errmsg : body);
	}
	free(p->body);
	free(p);
}

static void send_patch(struct podvsd *d, struct gate_pod *gp, bool ok,
		       const char *reason, const char *msg)
{
	struct patch_ctx *p = calloc(1, sizeof(*p));
	char now[32];

	if (!p)
		return;
	pd_k8s_time_now(now, sizeof(now));
	p->d = d;
	snprintf(p->key, sizeof(p->key), "%s", gp->key);
	p->body = pd_gate_cond_patch(gp->pod, ok, reason, msg, now);
	snprintf(p->req.path, sizeof(p->req.path),
		 "/api/v1/namespaces/%s/pods/%s/status", gp->pod->meta.ns,
		 gp->pod->meta.name);
	p->req.method = "PATCH";
	p->req.body = p->body;
	p->req.content_type = "application/strategic-merge-patch+json";
	p->req.timeout_s = 30;
	p->req.on_done = patch_done;
	p->req.ctx = p;
	if (!p->body || pd_http_start(&d->cluster.http, &p->req)) {
		d->gate.stats.patch_failures++;
		free(p->body);
		free(p);
		return;
	}
	d->gate.stats.patches++;
	gp->inflight = true;
	gp->sent_status = ok;
	snprintf(gp->sent_rv, sizeof(gp->sent_rv), "%s",
		 gp->pod->meta.resource_version);
	snprintf(gp->sent_reason, sizeof(gp->sent_reason), "%s", reason);
	pd_info(&d->log, "msg=\"readiness gate\" pod=%s status=%s reason=%s "
		"message=\"%s\"", gp->key, ok ? "True" : "False", reason, msg);
}

static void decide(struct podvsd *d, struct gate_pod *gp)
{
	char why[PD_GATE_MSG_LEN], reason[32];
	bool ok = gp->local_ok;

	snprintf(why, sizeof(why), "%s", gp->why);
	if (ok)
		ok = gateways_agree(d, gp, why, sizeof(why));
	if (ok)
		snprintf(why, sizeof(why), "Programmed: an active, healthy "
			 "dest on every live gateway");
	pd_gate_reason_word(why, reason, sizeof(reason));
	d->gate.stats.gated_true += ok;
	d->gate.stats.gated_false += !ok;
	if (pd_gate_current(gp->pod, ok, reason) || gp->inflight)
		return;
	if (!strcmp(gp->sent_rv, gp->pod->meta.resource_version) &&
	    gp->sent_status == ok && !strcmp(gp->sent_reason, reason))
		return;		/* sent; the watch has not shown it yet */
	send_patch(d, gp, ok, reason, why);
}

void pd_gate_eval(struct podvsd *d)
{
	struct pd_hmap_iter it;

	if (!d->caches_synced || !d->gate.synced || !d->cluster.up)
		return;
	eval_local(d);
	publish(d);
	d->gate.stats.gated_true = d->gate.stats.gated_false = 0;
	if (!pd_cluster_leader(d))
		return;
	for (struct pd_hmap_ent *e = pd_hmap_first(&d->gate.pods, &it); e;
	     e = pd_hmap_next(&d->gate.pods, &it)) {
		struct gate_pod *gp = e->val;

		if (pd_pod_gated(gp->pod) && !gp->pod->meta.deleting)
			decide(d, gp);
	}
}

/* ---- other gateways' reports ------------------------------------------- */

static void gw_free(void *p)
{
	struct gate_gw *g = p;

	if (!g)
		return;
	pd_hmap_fini(&g->uids);
	free(g);
}

static void gw_uids(struct gate_gw *g, const cJSON *item)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(item, "metadata");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann,
							  PD_ANN_PROGRAMMED);
	cJSON *arr, *u;

	pd_hmap_fini(&g->uids);
	g->reporting = false;
	if (!cJSON_IsString(v))
		return;
	arr = cJSON_Parse(v->valuestring);
	g->reporting = cJSON_IsArray(arr);
	if (!g->reporting)
		goto out;
	cJSON_ArrayForEach(u, arr)
		if (cJSON_IsString(u))
			pd_hmap_sput(&g->uids, u->valuestring, (void *)1, NULL);
out:
	cJSON_Delete(arr);
}

static void gw_seen(struct podvsd *d, const char *name, const cJSON *item,
		    uint64_t now)
{
	struct gate_gw *g = pd_hmap_sget(&d->gate.gateways, name);
	char err[128];

	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g || pd_hmap_sput(&d->gate.gateways, name, g, NULL)) {
			free(g);
			return;
		}
		pd_hmap_init(&g->uids);
	}
	g->seen = true;
	if (pd_lease_observe(&g->obs, item, now, err, sizeof(err)))
		g->obs.holder[0] = '\0';	/* unreadable: not live */
	gw_uids(g, item);
}

static void gw_list(struct podvsd *d, const cJSON *items)
{
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e, *next;
	const cJSON *item;
	uint64_t now = pd_now_ms();
	size_t live = 0;

	for (e = pd_hmap_first(&d->gate.gateways, &it); e;
	     e = pd_hmap_next(&d->gate.gateways, &it))
		((struct gate_gw *)e->val)->seen = false;
	cJSON_ArrayForEach(item, items) {
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(item,
								   "metadata");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(md, "name");

		if (!cJSON_IsString(n) || strncmp(n->valuestring,
			PD_GW_LEASE_PREFIX, strlen(PD_GW_LEASE_PREFIX)) ||
		    !strcmp(n->valuestring, d->cluster.gw.name))
			continue;
		gw_seen(d, n->valuestring, item, now);
	}
	for (e = pd_hmap_first(&d->gate.gateways, &it); e; e = next) {
		struct gate_gw *g = e->val;

		next = pd_hmap_next(&d->gate.gateways, &it);
		if (!g->seen) {
			pd_hmap_del(&d->gate.gateways, e->key, e->klen);
			gw_free(g);
		} else {
			live += gw_live(g, now);
		}
	}
	d->gate.stats.live_gateways = live;
}

static void gw_done(struct pd_http_req *r, int res, long status,
		    const char *body, size_t len, const char *errmsg)
{
	struct podvsd *d = r->ctx;
	cJSON *list = NULL;

	d->gate.listing_gws = false;
	if (!res && status == 200)
		list = cJSON_ParseWithLength(body, len);
	if (list)
		gw_list(d, cJSON_GetObjectItemCaseSensitive(list, "items"));
	else
		pd_warn(&d->log, "msg=\"listing gateway Leases failed\" "
			"status=%ld err=\"%.200s\"", status,
			res ? errmsg : body);
	cJSON_Delete(list);
	free(r);
}

static void gw_fetch(struct podvsd *d)
{
	struct pd_http_req *r;

	if (d->gate.listing_gws)
		return;
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	snprintf(r->path, sizeof(r->path),
		 "/apis/coordination.k8s.io/v1/namespaces/%s/leases",
		 d->cluster.gw.ns);
	r->timeout_s = 10;
	r->on_done = gw_done;
	r->ctx = d;
	if (pd_http_start(&d->cluster.http, r))
		free(r);
	else
		d->gate.listing_gws = true;
}

/* Forget the addresses of Pods deleted long ago. */
static void gone_gc(struct podvsd *d, uint64_t now)
{
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e, *next;

	for (e = pd_hmap_first(&d->gate.gone, &it); e; e = next) {
		next = pd_hmap_next(&d->gate.gone, &it);
		if (now - (uintptr_t)e->val > PD_GONE_KEEP_MS)
			pd_hmap_del(&d->gate.gone, e->key, e->klen);
	}
}

void pd_gate_tick(struct podvsd *d)
{
	if (!d->cluster.up)
		return;
	gone_gc(d, pd_now_ms());
	if (pd_cluster_leader(d))
		gw_fetch(d);
}

/* ---- setup -------------------------------------------------------------- */

int pd_gate_init(struct podvsd *d)
{
	struct pd_informer_transport tr;

	pd_hmap_init(&d->gate.pods);
	pd_hmap_init(&d->gate.deleting);
	pd_hmap_init(&d->gate.gone);
	pd_hmap_init(&d->gate.refs);
	pd_hmap_init(&d->gate.gateways);
	pd_informer_http_transport(&d->cluster.http, &tr);
	return pd_informer_init(&d->cluster.pods, &d->loop, &d->log, &tr,
				"pods", "/api/v1/pods", &pod_ops, d);
}

static void free_pods(struct pd_hmap *m)
{
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(m, &it); e;
	     e = pd_hmap_next(m, &it)) {
		struct gate_pod *gp = e->val;

		k8s_pod_free(gp->pod);
		free(gp);
	}
	pd_hmap_fini(m);
}

void pd_gate_fini(struct podvsd *d)
{
	struct pd_hmap_iter it;

	free_pods(&d->gate.pods);
	pd_hmap_fini(&d->gate.deleting);
	pd_hmap_fini(&d->gate.gone);
	for (struct pd_hmap_ent *e = pd_hmap_first(&d->gate.refs, &it); e;
	     e = pd_hmap_next(&d->gate.refs, &it))
		refs_free(e->val);
	pd_hmap_fini(&d->gate.refs);
	for (struct pd_hmap_ent *e = pd_hmap_first(&d->gate.gateways, &it); e;
	     e = pd_hmap_next(&d->gate.gateways, &it))
		gw_free(e->val);
	pd_hmap_fini(&d->gate.gateways);
	free(d->gate.report);
	d->gate.report = NULL;
}
