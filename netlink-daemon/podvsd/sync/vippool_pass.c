// SPDX-License-Identifier: GPL-2.0
/* The leader's --vip-pool pass and its status patches (vippool_pass.h). */
#include <stdio.h>

#include "k8s/api_write.h"
#include "sync/vippool.h"
#include "sync/vippool_pass.h"

void pd_pool_pass_init(struct pd_pool_pass *p, struct pd_reconciler *rec,
		       struct pd_http *http, struct pd_log *log,
		       const struct pd_cidr *pools, unsigned int n_pools)
{
	*p = (struct pd_pool_pass){
		.rec = rec, .http = http, .log = log, .pools = pools,
		.n_pools = n_pools < PD_POOL_PASS_MAX ? n_pools :
			   PD_POOL_PASS_MAX,
	};
	pd_hmap_init(&p->busy);
	pd_hmap_init(&p->starved);
}

void pd_pool_pass_fini(struct pd_pool_pass *p)
{
	pd_hmap_fini(&p->busy);
	pd_hmap_fini(&p->starved);
}

static void patch_done(void *ctx, const char *key, int res, long status,
		       const char *msg, long retry_after_s)
{
	struct pd_pool_pass *p = ctx;

	if (retry_after_s > 0)
		p->hold_until_ms = pd_now_ms() +
				   pd_http_retry_ms(retry_after_s, 0);
	if (res || status / 100 != 2) {
		pd_warn(p->log, "msg=\"writing the allocated VIP to the "
			"Service status failed, will retry\" service=%s "
			"status=%ld err=\"%.200s\"", key, status, msg);
		pd_hmap_sdel(&p->busy, key);
	}
}

static void patch_status(struct pd_pool_pass *p, const struct k8s_service *s,
			 const char *key, const struct pd_addr *a, size_t n)
{
	const struct pd_api_target t = {
		.method = "PATCH",
		.content_type = "application/merge-patch+json",
		.key = key, .done = patch_done, .ctx = p,
	};
	char path[1024];

	snprintf(path, sizeof(path),
		 "/api/v1/namespaces/%s/services/%s/status", s->meta.ns,
		 s->meta.name);
	if (pd_api_write(p->http, &t, path,
			 pd_pool_status_patch(s->meta.resource_version,
					      s->ingress_json, a, n)))
		pd_hmap_sdel(&p->busy, key);
}

/* No free address for @key in @pool: told once until it changes. */
static void exhausted(struct pd_pool_pass *p, const char *key,
		      const struct k8s_service *s, const struct pd_cidr *pool)
{
	char a[PD_ADDR_STRLEN], msg[256];

	p->exhausted++;
	if (pd_hmap_sget(&p->starved, key) ||
	    pd_hmap_sput(&p->starved, key, (void *)1, NULL))
		return;
	snprintf(msg, sizeof(msg), "no free address left in --vip-pool "
		 "%s/%u for this Service", pd_addr_str(&pool->addr, a),
		 pool->plen);
	pd_warn(p->log, "msg=\"VIP pool exhausted\" service=%s pool=%s/%u",
		key, a, pool->plen);
	if (p->events)
		pd_event_service(p->events, s->meta.ns, s->meta.name,
				 s->meta.uid, "VIPPoolExhausted", msg);
}

/* Every VIP in use: Services' ingress and externalIPs, allocations. */
static int used_vips(struct pd_pool_pass *p, struct pd_hmap *used)
{
	const struct pd_hmap *svcs = &p->rec->store.services;
	struct pd_hmap_iter it;
	int err = 0;

	for (struct pd_hmap_ent *e = pd_hmap_first(svcs, &it);
	     !err && e; e = pd_hmap_next(svcs, &it))
		err = pd_pool_mark_used(used, e->val);
	for (struct pd_hmap_ent *e = pd_hmap_first(&p->rec->allocs, &it);
	     !err && e; e = pd_hmap_next(&p->rec->allocs, &it)) {
		const struct pd_alloc *a = e->val;

		for (size_t i = 0; !err && i < a->n; i++)
			err = pd_hmap_put(used, &a->addr[i], sizeof(*a->addr),
					  (void *)1, NULL);
	}
	return err;
}

static void pool_service(struct pd_pool_pass *p, const char *key,
			 const struct k8s_service *s, struct pd_hmap *used)
{
	const struct pd_alloc *have = pd_hmap_sget(&p->rec->allocs, key);
	struct pd_addr got[PD_POOL_PASS_MAX];
	char a[PD_ADDR_STRLEN];
	size_t n = 0;

	for (unsigned int i = 0; i < p->n_pools; i++) {
		const struct pd_cidr *pool = &p->pools[i];

		if (!pd_pool_wants(s, pool->addr.af))
			continue;
		if (have && have->n > n && have->addr[n].af == pool->addr.af)
			got[n] = have->addr[n];		/* keep it */
		else if (pd_pool_alloc(pool, used, &got[n])) {
			exhausted(p, key, s, pool);
			continue;
		}
		pd_hmap_put(used, &got[n], sizeof(got[n]), (void *)1, NULL);
		n++;
	}
	if (n)
		pd_hmap_sdel(&p->starved, key);
	if (!n) {
		if (have)
			pd_rec_set_alloc(p->rec, key, NULL, 0);
		pd_hmap_sdel(&p->busy, key);
		return;
	}
	if (pd_hmap_sget(&p->busy, key))
		return;		/* written; waiting for the watch to show it */
	pd_rec_set_alloc(p->rec, key, got, n);
	if (pd_now_ms() < p->hold_until_ms)
		return;	/* throttled: the first pass after writes */
	if (pd_hmap_sput(&p->busy, key, (void *)1, NULL))
		return;
	p->allocated++;
	pd_info(p->log, "msg=\"VIP allocated from the pool\" service=%s "
		"vip=%s%s", key, pd_addr_str(&got[0], a),
		n > 1 ? " (+v6)" : "");
	patch_status(p, s, key, got, n);
}

void pd_pool_pass(struct pd_pool_pass *p)
{
	struct pd_hmap used, *svcs = &p->rec->store.services;
	struct pd_hmap_iter it;

	if (!p->n_pools)
		return;
	pd_hmap_init(&used);
	if (used_vips(p, &used))
		goto out;
	for (struct pd_hmap_ent *e = pd_hmap_first(svcs, &it); e;
	     e = pd_hmap_next(svcs, &it)) {
		char key[K8S_KEY_LEN];

		snprintf(key, sizeof(key), "%.*s", (int)e->klen, e->key);
		pool_service(p, key, e->val, &used);
	}
out:
	pd_hmap_fini(&used);
}

void pd_pool_pass_stepdown(struct pd_pool_pass *p)
{
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e, *next;

	for (e = pd_hmap_first(&p->rec->allocs, &it); e; e = next) {
		char key[K8S_KEY_LEN];

		next = pd_hmap_next(&p->rec->allocs, &it);
		snprintf(key, sizeof(key), "%.*s", (int)e->klen, e->key);
		pd_rec_set_alloc(p->rec, key, NULL, 0);
		p->stepdowns++;
	}
	pd_hmap_fini(&p->busy);
	pd_hmap_init(&p->busy);
	pd_hmap_fini(&p->starved);
	pd_hmap_init(&p->starved);
}
