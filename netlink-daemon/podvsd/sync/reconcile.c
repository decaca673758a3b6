// SPDX-License-Identifier: GPL-2.0
/* Caches -> plans -> claims -> diff against the kernel image -> apply. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync/diff.h"
#include "sync/reconcile.h"

/* The plan of one Service, and the resourceVersion last reported bad. */
struct plan_entry {
	struct pd_plan plan;
	char bad_rv[64];
	size_t logged[3];	/* VSes, dests, drained dests last logged */
	char key[];		/* "ns/name"; claims point here */
};

struct claim {
	const char *svc;	/* plan_entry.key */
	const struct pd_vs *vs;
};

struct claim_list {
	struct claim *v;
	size_t n;
};

struct linger {
	uint8_t addr[16];
	uint16_t port;
	uint64_t since_ms;
	bool refreshed;		/* conns read from the kernel since */
};

struct linger_list {
	struct linger *v;
	size_t n;
};

static void store_changed(void *ctx, const char *key);

void pd_rec_init(struct pd_reconciler *r, struct pd_log *log,
		 const struct pd_backend *be, unsigned int drain_timeout_s)
{
	memset(r, 0, sizeof(*r));
	r->log = log;
	r->be = *be;
	r->drain_timeout_ms = (uint64_t)drain_timeout_s * 1000;
	pd_store_init(&r->store, store_changed, r);
	pd_hmap_init(&r->plans);
	pd_hmap_init(&r->allocs);
	pd_hmap_init(&r->claims);
	pd_hmap_init(&r->vips);
	pd_hmap_init(&r->linger);
	pd_hmap_init(&r->dirty);
	pd_hmap_init(&r->pending);
	pd_table_init(&r->actual);
	r->need_full = true;
}

/* Free every value of @m with @fn, then the map. */
static void free_map(struct pd_hmap *m, void (*fn)(void *))
{
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(m, &it); e;
	     e = pd_hmap_next(m, &it))
		if (fn)
			fn(e->val);
	pd_hmap_fini(m);
}

static void free_plan(void *p)
{
	struct plan_entry *pe = p;

	pd_plan_fini(&pe->plan);
	free(pe);
}

static void free_claims(void *p)
{
	struct claim_list *l = p;

	free(l->v);
	free(l);
}

static void free_linger(void *p)
{
	struct linger_list *l = p;

	free(l->v);
	free(l);
}

void pd_rec_fini(struct pd_reconciler *r)
{
	free_map(&r->claims, free_claims);
	free_map(&r->plans, free_plan);
	pd_store_fini(&r->store);
	free_map(&r->allocs, free);
	free_map(&r->linger, free_linger);
	free_map(&r->vips, NULL);
	free_map(&r->dirty, NULL);
	free_map(&r->pending, NULL);
	pd_table_fini(&r->actual);
	pd_ops_fini(&r->ops);
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void mark_dirty(struct pd_reconciler *r, const char *key)
{
	if (!r->first_change_us)
		r->first_change_us = mono_us();
	/* on -ENOMEM the next full sync still converges */
	if (pd_hmap_sput(&r->dirty, key, (void *)1, NULL))
		r->need_full = true;
}

static void mark_pending(struct pd_reconciler *r, const struct pd_vs_key *k)
{
	if (pd_hmap_put(&r->pending, k, sizeof(*k), (void *)1, NULL))
		r->need_full = true;
}

/* The store saw Service @key's inputs change; NULL: it lost track. */
static void store_changed(void *ctx, const char *key)
{
	struct pd_reconciler *r = ctx;

	if (key)
		mark_dirty(r, key);
	else
		r->need_full = true;
}

void pd_rec_mark_service(struct pd_reconciler *r, const char *key)
{
	mark_dirty(r, key);
}

void pd_rec_request_full(struct pd_reconciler *r)
{
	r->need_full = true;
}

bool pd_rec_pending(const struct pd_reconciler *r)
{
	return r->need_full || r->dirty.n || r->pending.n;
}

/* ---- caches (k8s/store.c) --------------------------------------------- */

int pd_rec_service_upsert(struct pd_reconciler *r, struct k8s_service *s)
{
	return pd_store_service_upsert(&r->store, s);
}

void pd_rec_service_delete(struct pd_reconciler *r, const char *ns,
			   const char *name)
{
	pd_store_service_delete(&r->store, ns, name);
}

int pd_rec_slice_upsert(struct pd_reconciler *r, struct k8s_slice *s)
{
	return pd_store_slice_upsert(&r->store, s);
}

void pd_rec_slice_delete(struct pd_reconciler *r, const char *ns,
			 const char *name)
{
	pd_store_slice_delete(&r->store, ns, name);
}

void pd_rec_services_prune(struct pd_reconciler *r,
			   const struct pd_hmap *keep)
{
	pd_store_services_prune(&r->store, keep);
}

void pd_rec_slices_prune(struct pd_reconciler *r, const struct pd_hmap *keep)
{
	pd_store_slices_prune(&r->store, keep);
}

int pd_rec_set_alloc(struct pd_reconciler *r, const char *key,
		     const struct pd_addr *addrs, size_t n)
{
	void *old;

	if (n) {
		struct pd_alloc *a = calloc(1, sizeof(*a));

		if (!a)
			return -ENOMEM;
		a->n = n > 2 ? 2 : n;
		memcpy(a->addr, addrs, a->n * sizeof(*addrs));
		if (pd_hmap_sput(&r->allocs, key, a, &old)) {
			free(a);
			return -ENOMEM;
		}
		free(old);
	} else {
		free(pd_hmap_sdel(&r->allocs, key));
	}
	mark_dirty(r, key);
	return 0;
}

/* ---- claims: which Service's VS holds each key ------------------------- */

static const struct claim *winner(const struct claim_list *l)
{
	const struct claim *w = NULL;

	for (size_t i = 0; l && i < l->n; i++)
		if (!w || strcmp(l->v[i].svc, w->svc) < 0)
			w = &l->v[i];
	return w;
}

static void vip_ref(struct pd_reconciler *r, const struct pd_addr *vip,
		    int delta)
{
	uintptr_t n = (uintptr_t)pd_hmap_get(&r->vips, vip, sizeof(*vip));

	n += delta;
	if (!n)
		pd_hmap_del(&r->vips, vip, sizeof(*vip));
	else if (pd_hmap_put(&r->vips, vip, sizeof(*vip), (void *)n, NULL))
		return;
	if (r->hooks.vip && ((delta > 0 && n == 1) || (delta < 0 && !n)))
		r->hooks.vip(r->hooks.ctx, vip, delta > 0);
}

static void log_conflict(struct pd_reconciler *r, const struct claim_list *l,
			 const char *loser)
{
	char k[PD_VS_KEY_STRLEN];

	r->stats.conflicts++;
	pd_warn(r->log, "msg=\"virtual service claimed by two Services\" "
		"vs=\"%s\" winner=%s loser=%s",
		pd_vs_key_str(&l->v[0].vs->key, k), winner(l)->svc, loser);
}

static int claim_add(struct pd_reconciler *r, const char *svc,
		     const struct pd_vs *vs)
{
	struct claim_list *l = pd_hmap_get(&r->claims, &vs->key,
					   sizeof(vs->key));
	struct claim *v;

	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l || pd_hmap_put(&r->claims, &vs->key, sizeof(vs->key), l,
				      NULL)) {
			free(l);
			return -ENOMEM;
		}
		vip_ref(r, &vs->key.vip, 1);
	}
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = (struct claim){ .svc = svc, .vs = vs };
	if (l->n > 1) {
		const struct claim *w = winner(l);

		log_conflict(r, l, w->svc == svc ? l->v[0].svc : svc);
	}
	return 0;
}

static void claim_del(struct pd_reconciler *r, const char *svc,
		      const struct pd_vs_key *key)
{
	struct claim_list *l = pd_hmap_get(&r->claims, key, sizeof(*key));

	for (size_t i = 0; l && i < l->n; i++) {
		if (l->v[i].svc != svc)
			continue;
		l->v[i] = l->v[--l->n];
		break;
	}
	if (l && !l->n) {
		free_claims(pd_hmap_del(&r->claims, key, sizeof(*key)));
		vip_ref(r, &key->vip, -1);
	}
}

/* ---- plans ------------------------------------------------------------ */

static void report_invalid(struct pd_reconciler *r, struct plan_entry *pe,
			   const struct k8s_service *s, const char *why)
{
	char q[512];

	if (!strcmp(pe->bad_rv, s->meta.resource_version))
		return;		/* reported for this version already */
	snprintf(pe->bad_rv, sizeof(pe->bad_rv), "%s",
		 s->meta.resource_version);
	r->stats.invalid_services++;
	pd_warn(r->log, "msg=\"Service annotation invalid, keeping its "
		"last good value\" service=%s err=%s", pe->key,
		pd_quote(why, q, sizeof(q)));
	if (r->hooks.invalid)
		r->hooks.invalid(r->hooks.ctx, s, why);
}

static struct plan_entry *plan_entry_get(struct pd_reconciler *r,
					 const char *key)
{
	struct plan_entry *pe = pd_hmap_sget(&r->plans, key);
	size_t len = strlen(key) + 1;

	if (pe)
		return pe;
	pe = calloc(1, sizeof(*pe) + len);
	if (!pe)
		return NULL;
	memcpy(pe->key, key, len);
	if (pd_hmap_sput(&r->plans, key, pe, NULL)) {
		free(pe);
		return NULL;
	}
	return pe;
}

static int swap_plan(struct pd_reconciler *r, struct plan_entry *pe,
		     struct pd_plan *np)
{
	struct pd_plan old = pe->plan;
	int err = 0;

	for (size_t i = 0; i < old.n; i++) {
		claim_del(r, pe->key, &old.vs[i]->key);
		mark_pending(r, &old.vs[i]->key);
	}
	pe->plan = *np;
	memset(np, 0, sizeof(*np));
	for (size_t i = 0; i < pe->plan.n; i++) {
		err = err ?: claim_add(r, pe->key, pe->plan.vs[i]);
		mark_pending(r, &pe->plan.vs[i]->key);
	}
	pd_plan_fini(&old);
	return err;
}

static int compute(struct pd_reconciler *r, const struct k8s_service *s,
		   struct plan_entry *pe, struct pd_plan *np)
{
	const struct pd_alloc *al = pd_hmap_sget(&r->allocs, pe->key);
	struct pd_desired_in in = {
		.svc = s,
		.alloc = al ? al->addr : NULL,
		.n_alloc = al ? al->n : 0,
		.log = r->log,
		.view = r->view,
		.key = pe->key,
		.snat_from = r->snat_from,
		.n_snat_from = r->n_snat_from,
		.last = &pe->plan,
	};
	char why[256];
	int err;

	in.slices = pd_store_service_slices(&r->store, pe->key, &in.n_slices);
	err = pd_desired_service(&in, np, why, sizeof(why));

	/* a bad attribute keeps its value; the dests move on (never frozen) */
	if (err == PD_DESIRED_BAD) {
		report_invalid(r, pe, s, why);
		return 0;
	}
	if (!err)
		pe->bad_rv[0] = '\0';
	return err;
}

/* One info line when what a Service asks for changes shape. */
static void log_plan(struct pd_reconciler *r, struct plan_entry *pe)
{
	size_t now[3] = { pe->plan.n, 0, 0 };

	for (size_t i = 0; i < pe->plan.n; i++) {
		now[1] += pe->plan.vs[i]->n_dests;
		for (size_t j = 0; j < pe->plan.vs[i]->n_dests; j++)
			now[2] += !!(pe->plan.vs[i]->dests[j].flags &
				     PODVS_DEST_F_DRAIN);
	}
	if (!memcmp(now, pe->logged, sizeof(now)))
		return;
	memcpy(pe->logged, now, sizeof(now));
	pd_info(r->log, "msg=\"service wants\" service=%s vs=%zu dests=%zu "
		"draining=%zu", pe->key, now[0], now[1], now[2]);
}

/* Recompute Service @key's plan and re-claim its VS keys. */
static int recompute(struct pd_reconciler *r, const char *key)
{
	const struct k8s_service *s = pd_hmap_sget(&r->store.services, key);
	struct plan_entry *pe = pd_hmap_sget(&r->plans, key);
	struct pd_plan np = { 0 };
	int err;

	if (!s && !pe)
		return 0;
	if (s && pd_svc_selected(s) == PD_SEL_NONE && !pe)
		return 0;	/* the common case: not ours */
	if (r->hooks.recompute)
		r->hooks.recompute(r->hooks.ctx, key);
	pe = plan_entry_get(r, key);
	if (!pe)
		return -ENOMEM;
	err = s ? compute(r, s, pe, &np) : 0;
	err = err ?: swap_plan(r, pe, &np);
	pd_plan_fini(&np);
	if (!err)
		log_plan(r, pe);
	if (!err && !pe->plan.n && (!s || pd_svc_selected(s) == PD_SEL_NONE))
		free_plan(pd_hmap_sdel(&r->plans, key));
	return err;
}

static int recompute_dirty(struct pd_reconciler *r)
{
	struct pd_hmap_iter it;
	char key[K8S_KEY_LEN];
	int err = 0;

	for (struct pd_hmap_ent *e = pd_hmap_first(&r->dirty, &it); e;
	     e = pd_hmap_next(&r->dirty, &it)) {
		int ret;

		snprintf(key, sizeof(key), "%.*s", (int)e->klen, e->key);
		ret = recompute(r, key);
		if (ret)
			err = ret;
	}
	pd_hmap_fini(&r->dirty);
	return err;
}

/* ---- lingering dests --------------------------------------------------- */

static struct linger *linger_find(struct pd_reconciler *r,
				  const struct pd_vs_key *k,
				  const struct pd_dest *d, bool create)
{
	struct linger_list *l = pd_hmap_get(&r->linger, k, sizeof(*k));
	struct linger *v;

	for (size_t i = 0; l && i < l->n; i++)
		if (l->v[i].port == d->port &&
		    !memcmp(l->v[i].addr, d->addr, sizeof(d->addr)))
			return &l->v[i];
	if (!create)
		return NULL;
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l || pd_hmap_put(&r->linger, k, sizeof(*k), l, NULL)) {
			free(l);
			return NULL;
		}
	}
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	l->v = v;
	v = &l->v[l->n++];
	memset(v, 0, sizeof(*v));
	memcpy(v->addr, d->addr, sizeof(v->addr));
	v->port = d->port;
	v->since_ms = r->now_ms;
	return v;
}

/* Diff policy: keep an undesired dest drained while its flows finish. */
static bool linger_cb(void *ctx, const struct pd_vs *have,
		      const struct pd_dest *d)
{
	struct pd_reconciler *r = ctx;
	uint64_t limit = r->drain_timeout_ms, g;
	struct linger *l;

	if (r->hooks.grace_ms) {
		g = r->hooks.grace_ms(r->hooks.ctx, have, d);
		limit = g == PD_LINGER_NONE ? 0 : g ?: limit;
	}
	if (!limit)
		return false;
	l = linger_find(r, &have->key, d, true);
	if (!l)
		return false;
	if (l->refreshed && !d->conns)
		return false;
	return r->now_ms - l->since_ms < limit;
}

static void conflict_cb(void *ctx, const struct pd_vs *want,
			const struct pd_vs *have)
{
	struct pd_reconciler *r = ctx;
	char k[PD_VS_KEY_STRLEN], q[128];

	r->stats.conflicts++;
	pd_warn(r->log, "msg=\"virtual service exists and is not podvsd's, "
		"leaving it alone\" vs=\"%s\" owner=%s service_owner=%s",
		pd_vs_key_str(&want->key, k), pd_quote(have->owner, q, sizeof(q)),
		want->owner);
}

/* Forget lingering dests that are gone from the kernel or desired again. */
static void linger_gc(struct pd_reconciler *r, const struct pd_vs_key *k)
{
	struct linger_list *l = pd_hmap_get(&r->linger, k, sizeof(*k));
	const struct pd_vs *have = pd_table_get(&r->actual, k);
	const struct claim *w = winner(pd_hmap_get(&r->claims, k, sizeof(*k)));
	size_t j = 0;

	for (size_t i = 0; l && i < l->n; i++) {
		struct pd_dest d = { .port = l->v[i].port };

		memcpy(d.addr, l->v[i].addr, sizeof(d.addr));
		if (have && pd_vs_dest_find(have, &d) >= 0 &&
		    !(w && pd_vs_dest_find(w->vs, &d) >= 0))
			l->v[j++] = l->v[i];
	}
	if (l && !(l->n = j))
		free_linger(pd_hmap_del(&r->linger, k, sizeof(*k)));
}

/* ---- sync ------------------------------------------------------------- */

static const struct pd_vs *want_of(struct pd_reconciler *r,
				   const struct pd_vs_key *k)
{
	const struct claim *w = winner(pd_hmap_get(&r->claims, k, sizeof(*k)));

	return w ? w->vs : NULL;
}

static void log_ops(struct pd_reconciler *r)
{
	char desc[128];
	size_t count[PODVS_CMD_MAX + 1] = { 0 };

	for (size_t i = 0; i < r->ops.n; i++) {
		count[r->ops.v[i].cmd]++;
		pd_dbg(r->log, "msg=\"operation\" op=\"%s\"",
		       pd_op_str(&r->ops.v[i], desc, sizeof(desc)));
	}
	pd_info(r->log, "msg=\"applied\" ops=%zu svc_add=%zu svc_set=%zu "
		"svc_del=%zu dest_add=%zu dest_set=%zu dest_del=%zu",
		r->ops.n, count[PODVS_CMD_NEW_SERVICE],
		count[PODVS_CMD_SET_SERVICE], count[PODVS_CMD_DEL_SERVICE],
		count[PODVS_CMD_NEW_DEST], count[PODVS_CMD_SET_DEST],
		count[PODVS_CMD_DEL_DEST]);
}

/* How many dests @op adds to (> 0) or takes from (< 0) table @t. */
static long op_dests(const struct pd_table *t, const struct pd_op *op)
{
	const struct pd_vs *vs;

	switch (op->cmd) {
	case PODVS_CMD_NEW_DEST:
		return 1;
	case PODVS_CMD_DEL_DEST:
		return -1;
	case PODVS_CMD_DEL_SERVICE:
		vs = pd_table_get(t, &op->key);
		return vs ? -(long)vs->n_dests : 0;
	}
	return 0;
}

/* An applied op on the image, keeping its dest count (no walk later). */
static void image_apply(struct pd_reconciler *r, const struct pd_op *op)
{
	long delta = op_dests(&r->actual, op);

	if (pd_table_apply(&r->actual, op)) {
		r->need_full = true;	/* image out of step; recounted then */
		return;
	}
	r->actual_dests += delta;
}

static size_t table_dests(const struct pd_table *t)
{
	struct pd_hmap_iter it;
	size_t n = 0;

	for (struct pd_hmap_ent *e = pd_hmap_first(&t->map, &it); e;
	     e = pd_hmap_next(&t->map, &it))
		n += ((const struct pd_vs *)e->val)->n_dests;
	return n;
}

static int apply_ops(struct pd_reconciler *r)
{
	char err[512];
	int ret;

	if (!r->ops.n)
		return 0;
	ret = r->be.apply(r->be.ctx, &r->ops, err, sizeof(err));
	if (ret) {
		char q[600];

		pd_err(r->log, "msg=\"applying operations failed, will re-read "
		       "the kernel tables\" ops=%zu err=%s", r->ops.n,
		       pd_quote(err, q, sizeof(q)));
		return ret;
	}
	for (size_t i = 0; i < r->ops.n; i++)
		image_apply(r, &r->ops.v[i]);
	r->stats.ops += r->ops.n;
	log_ops(r);
	return 0;
}

static const struct pd_diff_policy *policy(struct pd_reconciler *r,
					   struct pd_diff_policy *p)
{
	p->linger = linger_cb;
	p->conflict = conflict_cb;
	p->ctx = r;
	return p;
}

static int sync_pending(struct pd_reconciler *r)
{
	struct pd_diff_policy pol;
	struct pd_hmap_iter it;
	int err = 0;

	for (struct pd_hmap_ent *e = pd_hmap_first(&r->pending, &it);
	     !err && e; e = pd_hmap_next(&r->pending, &it)) {
		const struct pd_vs_key *k = (const void *)e->key;

		err = pd_diff_vs(want_of(r, k), pd_table_get(&r->actual, k),
				 policy(r, &pol), &r->ops);
	}
	pd_ops_sort(&r->ops);
	err = err ?: apply_ops(r);
	for (struct pd_hmap_ent *e = pd_hmap_first(&r->pending, &it);
	     !err && e; e = pd_hmap_next(&r->pending, &it))
		linger_gc(r, (const void *)e->key);
	return err;
}

static int wanted(struct pd_reconciler *r, struct pd_vs ***out, size_t *n)
{
	struct pd_hmap_iter it;

	*n = 0;
	*out = malloc((r->claims.n + 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (struct pd_hmap_ent *e = pd_hmap_first(&r->claims, &it); e;
	     e = pd_hmap_next(&r->claims, &it))
		(*out)[(*n)++] = (struct pd_vs *)winner(e->val)->vs;
	return 0;
}

static void linger_gc_all(struct pd_reconciler *r)
{
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e, *next;

	for (e = pd_hmap_first(&r->linger, &it); e; e = next) {
		struct pd_vs_key k;

		memcpy(&k, e->key, sizeof(k));
		next = pd_hmap_next(&r->linger, &it);
		linger_gc(r, &k);
	}
}

static int sync_full(struct pd_reconciler *r)
{
	struct pd_vs **want = NULL, **have = NULL;
	size_t nw = 0, nh = 0;
	struct pd_diff_policy pol;
	struct pd_table fresh;
	char err[512];
	int ret;

	pd_table_init(&fresh);
	ret = r->be.read(r->be.ctx, &fresh, err, sizeof(err));
	if (ret) {
		char q[600];

		pd_err(r->log, "msg=\"cannot read the kernel tables\" err=%s",
		       pd_quote(err, q, sizeof(q)));
		pd_table_fini(&fresh);
		return ret;
	}
	pd_table_fini(&r->actual);
	r->actual = fresh;
	r->actual_dests = table_dests(&r->actual);
	ret = wanted(r, &want, &nw);
	ret = ret ?: pd_table_sorted(&r->actual, &have, &nh);
	ret = ret ?: pd_diff(want, nw, have, nh, policy(r, &pol), &r->ops);
	free(want);
	free(have);
	ret = ret ?: apply_ops(r);
	if (!ret)
		linger_gc_all(r);
	return ret;
}

static void observe_change(struct pd_reconciler *r, uint64_t us)
{
	static const uint64_t bounds_ms[PD_N_LAT] = PD_LAT_BUCKETS;
	size_t i = 0;

	while (i < PD_N_LAT && us > bounds_ms[i] * 1000)
		i++;
	r->stats.change_hist[i]++;
	r->stats.change_sum_us += us;
	r->stats.change_count++;
	r->stats.last_change_us = us;
}

int pd_rec_sync(struct pd_reconciler *r, uint64_t now_ms)
{
	struct timespec t0, t1;
	uint64_t ops0 = r->stats.ops;
	bool full;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->now_ms = now_ms;
	pd_ops_reset(&r->ops);
	err = recompute_dirty(r);
	full = r->need_full;
	r->need_full = false;	/* set again by anything going wrong */
	err = err ?: full ? sync_full(r) : sync_pending(r);
	pd_hmap_fini(&r->pending);
	if (r->ops.cap > PD_OPS_KEEP)
		pd_ops_fini(&r->ops);
	if (err) {
		r->stats.sync_errors++;
		r->need_full = true;
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->stats.syncs++;
	r->stats.full_syncs += full;
	r->stats.last_sync_ms = now_ms;
	r->stats.last_duration_us = (t1.tv_sec - t0.tv_sec) * 1000000 +
				    (t1.tv_nsec - t0.tv_nsec) / 1000;
	r->stats.total_duration_us += r->stats.last_duration_us;
	r->stats.last_sync_wall = time(NULL);
	if (r->stats.ops > ops0 && r->first_change_us)
		observe_change(r, mono_us() - r->first_change_us);
	r->first_change_us = 0;
	return 0;
}

/* Replace @have's dests with a fresh read; conns are now current. */
static int refresh_vs(struct pd_reconciler *r, struct pd_vs *have,
		      struct linger_list *l)
{
	char err[512];
	size_t before = have->n_dests;
	int ret = r->be.read_vs(r->be.ctx, have, err, sizeof(err));

	r->actual_dests += have->n_dests - before;
	if (ret) {
		char q[600];

		pd_warn(r->log, "msg=\"cannot re-read a draining service\" "
			"err=%s", pd_quote(err, q, sizeof(q)));
		r->need_full = true;
		return ret;
	}
	for (size_t i = 0; i < l->n; i++)
		l->v[i].refreshed = true;
	return 0;
}

size_t pd_rec_tick(struct pd_reconciler *r, uint64_t now_ms)
{
	struct pd_hmap_iter it;
	size_t n = 0;

	r->now_ms = now_ms;
	for (struct pd_hmap_ent *e = pd_hmap_first(&r->linger, &it); e;
	     e = pd_hmap_next(&r->linger, &it)) {
		const struct pd_vs_key *k = (const void *)e->key;
		struct pd_vs *have = pd_table_get(&r->actual, k);

		n++;
		if (!have || refresh_vs(r, have, e->val))
			r->need_full = true;
		mark_pending(r, k);
	}
	return n;
}

void pd_rec_each_plan(const struct pd_reconciler *r, pd_rec_plan_fn fn,
		      void *ctx)
{
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(&r->plans, &it); e;
	     e = pd_hmap_next(&r->plans, &it)) {
		const struct plan_entry *pe = e->val;
		size_t n;
		const struct k8s_slice *const *v =
			pd_store_service_slices(&r->store, pe->key, &n);

		fn(ctx, pe->key, &pe->plan, v, n);
	}
}

void pd_rec_one_plan(const struct pd_reconciler *r, const char *svc,
		     pd_rec_plan_fn fn, void *ctx)
{
	const struct plan_entry *pe = pd_hmap_sget(&r->plans, svc);
	size_t n;
	const struct k8s_slice *const *v = pd_rec_service_slices(r, svc, &n);

	if (pe)
		fn(ctx, pe->key, &pe->plan, v, n);
}

const struct k8s_slice *const *
pd_rec_service_slices(const struct pd_reconciler *r, const char *svc,
		      size_t *n)
{
	return pd_store_service_slices(&r->store, svc, n);
}

static bool usable(const struct pd_vs *vs)
{
	for (size_t i = 0; vs && i < vs->n_dests; i++)
		if (vs->dests[i].weight &&
		    !(vs->dests[i].flags & PODVS_DEST_F_DRAIN))
			return true;
	return false;
}

int pd_rec_usable_vips(const struct pd_reconciler *r, struct pd_hmap *out)
{
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(&r->claims, &it); e;
	     e = pd_hmap_next(&r->claims, &it)) {
		const struct pd_vs_key *k = (const void *)e->key;
		const struct pd_vs *have = pd_table_get(&r->actual, k);

		if (!have || !pd_owned(have->owner) || !usable(have) ||
		    pd_hmap_get(out, &k->vip, sizeof(k->vip)))
			continue;
		if (pd_hmap_put(out, &k->vip, sizeof(k->vip), (void *)1, NULL))
			return -ENOMEM;
	}
	return 0;
}

size_t pd_rec_programmed_services(const struct pd_reconciler *r)
{
	return r->actual.map.n;
}

/* Kept counted: /metrics scraped every second must not walk 100k dests. */
size_t pd_rec_programmed_dests(const struct pd_reconciler *r)
{
	return r->actual_dests;
}
