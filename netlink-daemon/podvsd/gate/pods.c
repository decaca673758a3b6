// SPDX-License-Identifier: GPL-2.0
/* The gate's Pod cache, the view for desired.c, Service membership. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate_int.h"
#include "k8s/informer.h"

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

void gate_refs_free(void *p)
{
	struct gate_refs *r = p;

	for (size_t i = 0; r && i < r->n; i++)
		free(r->svc[i]);
	if (r)
		free(r->svc);
	free(r);
}

/* Evaluate @gp again at the next pd_gate_eval(). */
void gate_pod_dirty(struct pd_gate *g, struct gate_pod *gp)
{
	if (pd_hmap_sput(&g->dirty, gp->key, gp, NULL))
		g->all_dirty = true;
}

void gate_wake_at(struct pd_gate *g, struct gate_pod *gp, uint64_t at)
{
	if (!at || (gp->wake_ms && gp->wake_ms <= at))
		return;
	gp->wake_ms = at;
	if (!g->wake_ms || at < g->wake_ms)
		g->wake_ms = at;
}

/* O(Pods), only when one is due: timeouts are rare and far apart. */
void gate_wake(struct pd_gate *g, uint64_t now)
{
	struct pd_hmap_iter it;
	uint64_t next = 0;

	if (!g->wake_ms || now < g->wake_ms)
		return;
	for (struct pd_hmap_ent *e = pd_hmap_first(&g->pods, &it); e;
	     e = pd_hmap_next(&g->pods, &it)) {
		struct gate_pod *gp = e->val;

		if (!gp->wake_ms)
			continue;
		if (gp->wake_ms <= now) {
			gp->wake_ms = 0;
			gate_pod_dirty(g, gp);
		} else if (!next || gp->wake_ms < next) {
			next = gp->wake_ms;
		}
	}
	g->wake_ms = next;
}

void gate_verdict_set(struct pd_gate *g, struct gate_pod *gp,
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
	pd_hmap_sdel(&g->patch_wait, gp->key);	/* no PATCH waits for it */
	g->report_dirty |= gp->local_ok;
	gate_verdict_set(g, gp, GATE_UNDECIDED);
	k8s_pod_free(gp->pod);
	free(gp);
}

/* The bits of a Pod the desired state depends on. */
static unsigned int pod_bits(const struct k8s_pod *p)
{
	return pd_pod_gated(p) | pd_pod_containers_ready(p) << 1 |
	       p->meta.deleting << 2 | (p->n_ips > 0) << 3 |
	       pd_pod_other_gates_true(p) << 4;
}

/*
 * A Pod object with these IPs exists: a deleted Pod's IP reused by it is
 * no longer "gone" (its dests drain for the new Pod's grace period).
 */
static void gone_reused(struct pd_gate *g, const struct k8s_pod *p)
{
	for (size_t i = 0; g->gone.n && i < p->n_ips; i++)
		pd_hmap_del(&g->gone, &p->ips[i], sizeof(p->ips[i]));
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
	gate_pod_dirty(g, gp);	/* its conditions may have moved */
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
	gone_reused(g, p);
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
	gate_refs_free(pd_hmap_sdel(&g->refs, key));
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

struct gate_pod *gate_ep_pod(struct pd_gate *g, const char *svc,
			     const struct k8s_endpoint *e)
{
	char key[K8S_KEY_LEN];

	if (!ep_key(e, key))
		return NULL;
	if (svc)
		refs_add(g, key, svc);
	return pd_hmap_sget(&g->pods, key);
}

/*
 * Program a not-ready endpoint ahead of readiness only when our gate is
 * all that holds the Pod: containers ready and every other readiness gate
 * True (a Pod held NotReady by another controller's gate gets no podvs
 * traffic).  With our gate True too the Pod is Ready, so an EndpointSlice
 * that has not caught up yet keeps its dest.
 */
static bool view_gated(void *ctx, const char *svc,
		       const struct k8s_endpoint *e)
{
	const struct gate_pod *gp = gate_ep_pod(ctx, svc, e);

	return gp && pd_pod_gated(gp->pod) && !gp->pod->meta.deleting &&
	       pd_pod_containers_ready(gp->pod) &&
	       pd_pod_other_gates_true(gp->pod);
}

static bool view_deleting(void *ctx, const char *svc,
			  const struct k8s_endpoint *e)
{
	const struct gate_pod *gp = gate_ep_pod(ctx, svc, e);

	return gp && gp->pod->meta.deleting;
}

static bool view_unhealthy(void *ctx, const char *svc,
			   const struct k8s_service *s,
			   const struct pd_addr *a, uint8_t proto, uint16_t port,
			   bool ready)
{
	struct pd_gate *g = ctx;
	const struct pd_hc_dest d = { .addr = a, .proto = proto, .port = port };

	return pd_health_drain(g->health, svc, s, &d, ready);
}

const struct pd_desired_view gate_view = {
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
			gate_pod_dirty(g, gp);
	}
	gate_refs_free(m);
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
		gate_pod_dirty(g, gp);
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
