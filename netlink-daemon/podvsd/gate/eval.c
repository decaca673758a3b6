// SPDX-License-Identifier: GPL-2.0
/* The gate's evaluation here: is each gated Pod programmed, our report. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate_int.h"

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

	const struct pd_hc_dest d = {
		.addr = a, .port = wd->port, .proto = want->key.proto,
	};
	enum pd_hc_verdict hv = pd_health_verdict(g->health, svc, &d, why,
						  sizeof(why));

	if (hv != PD_HCV_PASS) {
		fail(gp, "%s", why);
		gp->own = hv == PD_HCV_FAILED;
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
			struct gate_pod *gp = gate_ep_pod(ec->g, NULL, e);

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

/* Before an evaluation of @gp. */
static void pod_reset(struct pd_gate *g, struct gate_pod *gp)
{
	g->stats.evals++;
	gp->was_ok = gp->local_ok;
	gp->found = false;
	gp->own = false;
	gp->local_ok = !gp->pod->meta.deleting;
	snprintf(gp->why, sizeof(gp->why), "%s",
		 gp->local_ok ? "Programmed" : "NotProgrammed: being deleted");
}

/* Does every key of @sel have its value in @p's labels (empty: no)? */
static bool labels_match(const struct k8s_service *s, const struct k8s_pod *p)
{
	if (!s->n_selector)
		return false;
	for (size_t i = 0; i < s->n_selector; i++) {
		size_t j = 0;

		while (j < p->meta.n_labels &&
		       strcmp(s->selector[i].key, p->meta.labels[j].key))
			j++;
		if (j == p->meta.n_labels ||
		    strcmp(s->selector[i].val, p->meta.labels[j].val))
			return false;
	}
	return true;
}

/* D2: does a podvs Service of @p's namespace select it?  O(Services). */
static bool selected(struct pd_gate *g, const struct k8s_pod *p)
{
	const struct pd_hmap *svcs = &g->rec->store.services;
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(svcs, &it); e;
	     e = pd_hmap_next(svcs, &it)) {
		const struct k8s_service *s = e->val;

		if (!strcmp(s->meta.ns, p->meta.ns) && !s->meta.deleting &&
		    s->type != K8S_SVC_EXTERNAL_NAME &&
		    pd_svc_selected(s) != PD_SEL_NONE && labels_match(s, p))
			return true;
	}
	return false;
}

/*
 * After it: no endpoint at all fails; a flip changes our report.  A Pod
 * that is no dest while its containers are not ready left the dest set:
 * its own failure (D1).
 */
static void pod_settle(struct pd_gate *g, struct gate_pod *gp)
{
	gp->in_svc = gp->found || selected(g, gp->pod);
	if (!gp->found && gp->local_ok)
		fail(gp, "%s", "NotProgrammed: no endpoint in a podvs Service");
	if (!gp->local_ok && !pd_pod_containers_ready(gp->pod))
		gp->own = true;
	if (gp->local_ok && !gp->was_ok)
		gp->need = g->viewed;	/* what the others need (report.c) */
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
		gate_decide_pods(g, &work, all);
	else
		gate_undecide_all(g);
	pd_hmap_fini(&work);
}
