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
}

void pd_pool_pass_fini(struct pd_pool_pass *p)
{
	pd_hmap_fini(&p->busy);
}

static void patch_done(void *ctx, const char *key, int res, long status,
		       const char *msg)
{
	struct pd_pool_pass *p = ctx;

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
	struct pd_addr all[8];
	char path[1024];
	size_t k = 0;

	for (size_t i = 0; i < s->n_ingress_ips && k < 6; i++)
		all[k++] = s->ingress_ips[i];
	for (size_t i = 0; i < n; i++)
		all[k++] = a[i];
	snprintf(path, sizeof(path),
		 "/api/v1/namespaces/%s/services/%s/status", s->meta.ns,
		 s->meta.name);
	if (pd_api_write(p->http, &t, path, pd_pool_status_patch(all, k)))
		pd_hmap_sdel(&p->busy, key);
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
		else if (pd_pool_alloc(pool, used, &got[n]))
			continue;
		pd_hmap_put(used, &got[n], sizeof(got[n]), (void *)1, NULL);
		n++;
	}
	if (!n) {
		if (have)
			pd_rec_set_alloc(p->rec, key, NULL, 0);
		pd_hmap_sdel(&p->busy, key);
		return;
	}
	if (pd_hmap_sget(&p->busy, key))
		return;		/* written; waiting for the watch to show it */
	pd_rec_set_alloc(p->rec, key, got, n);
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
