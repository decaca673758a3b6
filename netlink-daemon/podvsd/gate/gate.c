// SPDX-License-Identifier: GPL-2.0
/* The readiness gate and the Pod cache (see gate.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gate/gate.h"
#include "k8s/api_write.h"
#include "k8s/informer.h"

/* The leader's last decision on a Pod (counted in the stats). */
enum gate_verdict {
	GATE_UNDECIDED,
	GATE_TRUE,
	GATE_FALSE,
};

struct gate_pod {
	struct k8s_pod *pod;
	uint64_t deleting_ms;		/* first seen deleting; 0: not */
	/* the last evaluation */
	bool found;
	bool local_ok;
	bool was_ok;			/* local_ok before evaluating */
	enum gate_verdict verdict;
	char why[PD_GATE_MSG_LEN];
	/* the last patch */
	bool inflight;
	bool sent_status;
	char sent_rv[64];
	char sent_reason[32];
	char key[];
};

/* Services with an endpoint for one Pod; or Pods of one Service. */
struct gate_refs {
	char **svc;
	size_t n;
};

/* Another gateway's report. */
struct gate_gw {
	struct pd_lease_obs obs;
	struct pd_hmap uids;		/* Pod UID -> (void *)1 */
	char *raw;			/* the annotation as last read */
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

char *pd_gate_cond_patch(const struct k8s_pod *p, bool status,
			 const char *reason, const char *message,
			 const char *now)
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

static void refs_mark(struct pd_gate *g, const char *pod_key)
{
	const struct gate_refs *r = pd_hmap_sget(&g->refs, pod_key);

	for (size_t i = 0; r && i < r->n; i++)
		pd_rec_mark_service(g->rec, r->svc[i]);
}

/* Append a copy of @str to @r.  0 or -ENOMEM. */
static int strv_add(struct gate_refs *r, const char *str)
{
	char **v = realloc(r->svc, (r->n + 1) * sizeof(*v));
	char *s = strdup(str);

	if (v)
		r->svc = v;
	if (!v || !s) {
		free(s);
		return -ENOMEM;
	}
	r->svc[r->n++] = s;
	return 0;
}

/* The list of @key in @m, created empty if missing; NULL: no memory. */
static struct gate_refs *refs_get(struct pd_hmap *m, const char *key)
{
	struct gate_refs *r = pd_hmap_sget(m, key);

	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r || pd_hmap_sput(m, key, r, NULL)) {
		free(r);
		return NULL;
	}
	return r;
}

static void refs_add(struct pd_gate *g, const char *pod_key, const char *svc)
{
	struct gate_refs *r = pd_hmap_sget(&g->refs, pod_key);

	for (size_t i = 0; r && i < r->n; i++)
		if (!strcmp(r->svc[i], svc))
			return;
	r = r ?: refs_get(&g->refs, pod_key);
	if (!r || strv_add(r, svc))
		g->all_dirty = true;	/* an index is short */
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

/* Evaluate @gp again at the next pd_gate_eval(). */
static void pod_dirty(struct pd_gate *g, struct gate_pod *gp)
{
	if (pd_hmap_sput(&g->dirty, gp->key, gp, NULL))
		g->all_dirty = true;
}

static void verdict_set(struct pd_gate *g, struct gate_pod *gp,
			enum gate_verdict v)
{
	struct pd_gate_stats *st = &g->stats;

	st->gated_true -= gp->verdict == GATE_TRUE;
	st->gated_false -= gp->verdict == GATE_FALSE;
	gp->verdict = v;
	st->gated_true += v == GATE_TRUE;
	st->gated_false += v == GATE_FALSE;
}

static void deleting_index(struct pd_gate *g, struct gate_pod *gp, bool add)
{
	const struct k8s_pod *p = gp->pod;

	for (size_t i = 0; p && i < p->n_ips; i++) {
		if (add)
			pd_hmap_put(&g->deleting, &p->ips[i],
				    sizeof(p->ips[i]), gp, NULL);
		else if (pd_hmap_get(&g->deleting, &p->ips[i],
				     sizeof(p->ips[i])) == gp)
			pd_hmap_del(&g->deleting, &p->ips[i],
				    sizeof(p->ips[i]));
	}
}

static void pod_forget(struct pd_gate *g, struct gate_pod *gp, bool gone)
{
	const struct k8s_pod *p = gp->pod;

	deleting_index(g, gp, false);
	for (size_t i = 0; gone && gp->deleting_ms && i < p->n_ips; i++)
		pd_hmap_put(&g->gone, &p->ips[i], sizeof(p->ips[i]),
			    (void *)(uintptr_t)pd_now_ms(), NULL);
	refs_mark(g, gp->key);
	pd_hmap_sdel(&g->dirty, gp->key);
	g->report_dirty |= gp->local_ok;
	verdict_set(g, gp, GATE_UNDECIDED);
	k8s_pod_free(gp->pod);
	free(gp);
}

/* The bits of a Pod the desired state depends on. */
static unsigned int pod_bits(const struct k8s_pod *p)
{
	return pd_pod_gated(p) | pd_pod_containers_ready(p) << 1 |
	       p->meta.deleting << 2 | (p->n_ips > 0) << 3;
}

static struct gate_pod *pod_entry(struct pd_gate *g, const char *key)
{
	struct gate_pod *gp = pd_hmap_sget(&g->pods, key);
	size_t len = strlen(key) + 1;

	if (gp)
		return gp;
	gp = calloc(1, sizeof(*gp) + len);
	if (!gp)
		return NULL;
	memcpy(gp->key, key, len);
	if (pd_hmap_sput(&g->pods, key, gp, NULL)) {
		free(gp);
		return NULL;
	}
	return gp;
}

static void pod_keep(struct pd_gate *g, struct k8s_pod *p, const char *key)
{
	struct gate_pod *gp = pod_entry(g, key);
	bool moved;

	if (!gp) {
		pd_err(g->log, "msg=\"out of memory caching a Pod\"");
		k8s_pod_free(p);
		return;
	}
	moved = !gp->pod || pod_bits(gp->pod) != pod_bits(p);
	/* recreated under its name: our report names the old UID */
	g->report_dirty |= gp->local_ok &&
				strcmp(gp->pod->meta.uid, p->meta.uid);
	deleting_index(g, gp, false);
	k8s_pod_free(gp->pod);
	gp->pod = p;
	if (p->meta.deleting && !gp->deleting_ms)
		gp->deleting_ms = pd_now_ms();
	if (p->meta.deleting)
		deleting_index(g, gp, true);
	if (moved)
		refs_mark(g, key);
	pod_dirty(g, gp);	/* its conditions may have moved */
}

static void pod_upsert(void *ctx, const cJSON *obj)
{
	struct pd_gate *g = ctx;
	char err[256], key[K8S_KEY_LEN];
	struct k8s_pod *p = k8s_pod_parse(obj, err, sizeof(err));
	struct gate_pod *gp;

	if (!p) {
		pd_warn(g->log, "msg=\"Pod rejected, cached version kept\" "
			"err=\"%.200s\"", err);
		if (g->hooks.rejected)
			g->hooks.rejected(g->hooks.ctx);
		return;
	}
	k8s_key(&p->meta, key);
	if (pd_pod_gated(p) || p->meta.deleting)
		return pod_keep(g, p, key);
	k8s_pod_free(p);
	gp = pd_hmap_sdel(&g->pods, key);
	if (gp)
		pod_forget(g, gp, false);
}

static void pod_remove(void *ctx, const cJSON *obj)
{
	struct pd_gate *g = ctx;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(md, "namespace");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
	char key[K8S_KEY_LEN];
	struct gate_pod *gp;

	if (!cJSON_IsString(ns) || !cJSON_IsString(name))
		return;
	snprintf(key, sizeof(key), "%s/%s", ns->valuestring,
		 name->valuestring);
	gp = pd_hmap_sdel(&g->pods, key);
	if (gp)
		pod_forget(g, gp, true);
	refs_free(pd_hmap_sdel(&g->refs, key));
}

static void pod_prune(void *ctx, const struct pd_hmap *keep)
{
	struct pd_gate *g = ctx;
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e, *next;

	for (e = pd_hmap_first(&g->pods, &it); e; e = next) {
		struct gate_pod *gp = e->val;

		next = pd_hmap_next(&g->pods, &it);
		if (pd_hmap_get(keep, e->key, e->klen))
			continue;
		pd_hmap_del(&g->pods, e->key, e->klen);
		pod_forget(g, gp, true);
	}
	g->all_dirty = true;
}

static void pod_changed(void *ctx)
{
	struct pd_gate *g = ctx;

	if (g->hooks.changed)
		g->hooks.changed(g->hooks.ctx);
}

static void pod_synced(void *ctx)
{
	struct pd_gate *g = ctx;

	g->synced = true;
	g->all_dirty = true;
	if (g->hooks.synced)
		g->hooks.synced(g->hooks.ctx);
}

const struct pd_informer_ops pd_gate_pod_ops = {
	.upsert = pod_upsert,
	.remove = pod_remove,
	.prune = pod_prune,
	.changed = pod_changed,
	.synced = pod_synced,
};

/* ---- the view for desired.c -------------------------------------------- */

/* The "ns/name" of @e's Pod into @key; false if it names no Pod. */
static bool ep_key(const struct k8s_endpoint *e, char key[K8S_KEY_LEN])
{
	if (!e->target_kind || strcmp(e->target_kind, "Pod") ||
	    !e->target_name)
		return false;
	snprintf(key, K8S_KEY_LEN, "%s/%s", e->target_ns ? e->target_ns :
		 "default", e->target_name);
	return true;
}

static struct gate_pod *ep_pod(struct pd_gate *g, const char *svc,
			       const struct k8s_endpoint *e)
{
	char key[K8S_KEY_LEN];

	if (!ep_key(e, key))
		return NULL;
	if (svc)
		refs_add(g, key, svc);
	return pd_hmap_sget(&g->pods, key);
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
	struct pd_gate *g = ctx;

	return pd_health_drain(g->health, svc, s, a, port, ready);
}

static const struct pd_desired_view pd_gate_view = {
	.gated = view_gated,
	.deleting = view_deleting,
	.unhealthy = view_unhealthy,
};

uint64_t pd_gate_grace_ms(const struct pd_gate *g, const struct pd_vs *have,
			  const struct pd_dest *dst)
{
	const struct gate_pod *gp;
	struct pd_addr a = { .af = have->key.vip.af };

	memcpy(a.b, dst->addr, sizeof(a.b));
	if (pd_hmap_get(&g->gone, &a, sizeof(a)))
		return PD_LINGER_NONE;
	gp = pd_hmap_get(&g->deleting, &a, sizeof(a));
	if (!gp)
		return 0;
	return gp->pod->grace_s ? gp->pod->grace_s * 1000ULL : PD_LINGER_NONE;
}


/* ---- which Pods a Service recompute touches --------------------------- */

/* Mark the Pods @svc listed at its last recompute; forget the list. */
static void members_dirty(struct pd_gate *g, const char *svc)
{
	struct gate_refs *m = pd_hmap_sdel(&g->members, svc);

	for (size_t i = 0; m && i < m->n; i++) {
		struct gate_pod *gp = pd_hmap_sget(&g->pods, m->svc[i]);

		if (gp)
			pod_dirty(g, gp);
	}
	refs_free(m);
}

/* Index and mark the Pod of one endpoint of @svc. */
static int member_add(struct pd_gate *g, const char *svc, struct gate_refs *m,
		      const struct k8s_endpoint *e)
{
	char key[K8S_KEY_LEN];
	struct gate_pod *gp;

	if (!ep_key(e, key))
		return 0;
	refs_add(g, key, svc);
	gp = pd_hmap_sget(&g->pods, key);
	if (gp)
		pod_dirty(g, gp);
	return strv_add(m, key);
}

void pd_gate_recompute(struct pd_gate *g, const char *svc)
{
	size_t n;
	const struct k8s_slice *const *v = pd_rec_service_slices(g->rec, svc,
								 &n);
	struct gate_refs *m;
	int err = 0;

	members_dirty(g, svc);
	if (!n)
		return;
	m = refs_get(&g->members, svc);
	for (size_t i = 0; m && !err && i < n; i++)
		for (size_t j = 0; !err && j < v[i]->n_endpoints; j++)
			err = member_add(g, svc, m, &v[i]->endpoints[j]);
	if (!m || err)
		g->all_dirty = true;
}

/* ---- evaluation: is each gated Pod programmed here? -------------------- */

struct eval_ctx {
	struct pd_gate *g;
	const struct pd_hmap *only;	/* NULL: every Pod */
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
static bool dest_ok(struct pd_gate *g, const char *svc,
		    const struct pd_vs *want,
		    const struct pd_dest *wd, const struct pd_addr *a,
		    struct gate_pod *gp)
{
	const struct pd_vs *have = pd_table_get(&g->rec->actual, &want->key);
	long i = have ? pd_vs_dest_find(have, wd) : -1;
	char why[PD_GATE_MSG_LEN - 20];

	if (!pd_health_verdict(g->health, svc, a, wd->port, why,
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

static void check_endpoint(struct pd_gate *g, const char *svc,
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
			dest_ok(g, svc, vs, &vs->dests[j], a, gp);
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
			struct gate_pod *gp = ep_pod(ec->g, NULL, e);

			if (!gp || !e->n_addrs || !pd_pod_gated(gp->pod))
				continue;
			if (ec->only && !pd_hmap_sget(ec->only, gp->key))
				continue;
			gp->found = true;
			if (gp->local_ok)
				check_endpoint(ec->g, svc, plan, &e->addrs[0],
					       gp);
		}
	}
}

static int uid_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Our report: the sorted UIDs of the gated Pods programmed here. */
static char *report(struct pd_gate *g)
{
	const char **v = calloc(g->pods.n + 1, sizeof(*v));
	cJSON *arr = cJSON_CreateArray();
	struct pd_hmap_iter it;
	size_t n = 0;
	char *out = NULL;

	for (struct pd_hmap_ent *e = pd_hmap_first(&g->pods, &it);
	     v && e; e = pd_hmap_next(&g->pods, &it)) {
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

void pd_gate_publish(struct pd_gate *g)
{
	char *r;
	cJSON *ann;

	if (!g->report_dirty || !g->gw)
		return;
	r = report(g);
	g->report_dirty = !r;	/* out of memory: next tick */
	if (!r || (g->report && !strcmp(r, g->report))) {
		free(r);
		return;
	}
	ann = cJSON_CreateObject();
	if (!ann || !cJSON_AddStringToObject(ann, PD_ANN_PROGRAMMED, r)) {
		cJSON_Delete(ann);
		free(r);
		return;
	}
	free(g->report);
	g->report = r;
	cJSON_Delete(g->gw->ann);
	g->gw->ann = ann;
}

/* Before an evaluation of @gp. */
static void pod_reset(struct pd_gate *g, struct gate_pod *gp)
{
	g->stats.evals++;
	gp->was_ok = gp->local_ok;
	gp->found = false;
	gp->local_ok = !gp->pod->meta.deleting;
	snprintf(gp->why, sizeof(gp->why), "%s",
		 gp->local_ok ? "Programmed" : "NotProgrammed: being deleted");
}

/* After it: no endpoint at all fails; a flip changes our report. */
static void pod_settle(struct pd_gate *g, struct gate_pod *gp)
{
	if (!gp->found && gp->local_ok)
		fail(gp, "%s", "NotProgrammed: no endpoint in a podvs Service");
	g->report_dirty |= gp->local_ok != gp->was_ok;
}

/* Every Pod, walking every plan: O(endpoints). */
static void eval_all(struct pd_gate *g)
{
	struct eval_ctx ec = { .g = g };
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e;
	size_t gated = 0;

	g->stats.full_evals++;
	for (e = pd_hmap_first(&g->pods, &it); e;
	     e = pd_hmap_next(&g->pods, &it)) {
		gated += pd_pod_gated(((struct gate_pod *)e->val)->pod);
		pod_reset(g, e->val);
	}
	if (gated)	/* the walk costs O(endpoints): only when needed */
		pd_rec_each_plan(g->rec, eval_plan, &ec);
	for (e = pd_hmap_first(&g->pods, &it); e;
	     e = pd_hmap_next(&g->pods, &it))
		pod_settle(g, e->val);
	g->report_dirty = true;
}

/* The Pods of @work, walking only the Services that list them. */
static void eval_dirty(struct pd_gate *g, const struct pd_hmap *work)
{
	struct eval_ctx ec = { .g = g, .only = work };
	struct pd_hmap svcs;	/* "ns/svc" -> its name, owned by refs */
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e;
	bool oom = false;

	pd_hmap_init(&svcs);
	for (e = pd_hmap_first(work, &it); e; e = pd_hmap_next(work, &it)) {
		struct gate_pod *gp = e->val;
		const struct gate_refs *r = pd_hmap_sget(&g->refs,
							 gp->key);

		pod_reset(g, gp);
		for (size_t i = 0; r && i < r->n; i++)
			oom |= !!pd_hmap_sput(&svcs, r->svc[i], r->svc[i],
					      NULL);
	}
	for (e = pd_hmap_first(&svcs, &it); !oom && e;
	     e = pd_hmap_next(&svcs, &it))
		pd_rec_one_plan(g->rec, e->val, eval_plan, &ec);
	pd_hmap_fini(&svcs);
	if (oom)	/* a Service would be missed: walk them all */
		return eval_all(g);
	for (e = pd_hmap_first(work, &it); e; e = pd_hmap_next(work, &it))
		pod_settle(g, e->val);
}

/* ---- the leader's verdict and patches --------------------------------- */

static bool gate_leader(struct pd_gate *g)
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
		pod_dirty(g, gp);	/* decide again at the next tick */
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
	verdict_set(g, gp, ok ? GATE_TRUE : GATE_FALSE);
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
		verdict_set(g, gp, GATE_UNDECIDED);
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
static void decide_pods(struct pd_gate *g, const struct pd_hmap *work,
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
static void undecide_all(struct pd_gate *g)
{
	struct pd_hmap_iter it;

	if (!g->was_leader)
		return;
	g->was_leader = false;
	for (struct pd_hmap_ent *e = pd_hmap_first(&g->pods, &it); e;
	     e = pd_hmap_next(&g->pods, &it))
		verdict_set(g, e->val, GATE_UNDECIDED);
}

void pd_gate_eval(struct pd_gate *g)
{
	struct pd_hmap work = g->dirty;	/* new marks: next call */
	bool all = g->all_dirty ||
		   g->rec->stats.full_syncs != g->full_seen;

	if (!g->synced || !g->up) {
		g->all_dirty = true;
		return;
	}
	pd_hmap_init(&g->dirty);
	g->all_dirty = false;
	g->full_seen = g->rec->stats.full_syncs;
	if (all)
		eval_all(g);
	else
		eval_dirty(g, &work);
	if (gate_leader(g))
		decide_pods(g, &work, all);
	else
		undecide_all(g);
	pd_hmap_fini(&work);
}

/* ---- other gateways' reports ------------------------------------------- */

static void gw_free(void *p)
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
			gw_free(gw);
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

/* ---- setup -------------------------------------------------------------- */

void pd_gate_maps_init(struct pd_gate *g)
{
	pd_hmap_init(&g->pods);
	pd_hmap_init(&g->deleting);
	pd_hmap_init(&g->gone);
	pd_hmap_init(&g->refs);
	pd_hmap_init(&g->members);
	pd_hmap_init(&g->gateways);
	pd_hmap_init(&g->dirty);
	g->all_dirty = true;
}

void pd_gate_init(struct pd_gate *g, struct pd_log *log,
		  struct pd_reconciler *rec, struct pd_health *health,
		  const struct pd_gate_hooks *hooks)
{
	pd_gate_maps_init(g);
	g->log = log;
	g->rec = rec;
	g->health = health;
	g->hooks = *hooks;
	g->view = pd_gate_view;
	g->view.ctx = g;
	rec->view = &g->view;
}

void pd_gate_connect(struct pd_gate *g, struct pd_http *http,
		     struct pd_elector *gw)
{
	g->http = http;
	g->gw = gw;
	g->up = true;
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

void pd_gate_fini(struct pd_gate *g)
{
	struct pd_hmap_iter it;

	free_pods(&g->pods);
	pd_hmap_fini(&g->dirty);
	pd_hmap_fini(&g->deleting);
	pd_hmap_fini(&g->gone);
	for (struct pd_hmap_ent *e = pd_hmap_first(&g->refs, &it); e;
	     e = pd_hmap_next(&g->refs, &it))
		refs_free(e->val);
	pd_hmap_fini(&g->refs);
	for (struct pd_hmap_ent *e = pd_hmap_first(&g->members, &it); e;
	     e = pd_hmap_next(&g->members, &it))
		refs_free(e->val);
	pd_hmap_fini(&g->members);
	for (struct pd_hmap_ent *e = pd_hmap_first(&g->gateways, &it); e;
	     e = pd_hmap_next(&g->gateways, &it))
		gw_free(e->val);
	pd_hmap_fini(&g->gateways);
	free(g->report);
	g->report = NULL;
}
