// SPDX-License-Identifier: GPL-2.0
/* Informers -> reconciler, API server configuration, Events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "gate/gate.h"
#include "sync/vippool.h"

static const char *meta(const cJSON *obj, const char *key)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, key);

	return cJSON_IsString(v) ? v->valuestring : "?";
}

static void rejected(struct podvsd *d, const char *kind, const cJSON *obj,
		     const char *err)
{
	char q[600];

	d->cluster.rejected++;
	pd_warn(&d->log, "msg=\"object rejected, cached version kept\" "
		"kind=%s object=%s/%s err=%s", kind, meta(obj, "namespace"),
		meta(obj, "name"), pd_quote(err, q, sizeof(q)));
}

static void svc_upsert(void *ctx, const cJSON *obj)
{
	struct podvsd *d = ctx;
	char err[256];
	struct k8s_service *s = k8s_service_parse(obj, err, sizeof(err));

	if (!s)
		return rejected(d, "Service", obj, err);
	if (pd_rec_service_upsert(&d->rec, s))
		pd_err(&d->log, "msg=\"out of memory caching a Service\"");
}

static void svc_remove(void *ctx, const cJSON *obj)
{
	struct podvsd *d = ctx;

	pd_rec_service_delete(&d->rec, meta(obj, "namespace"),
			      meta(obj, "name"));
}

static void svc_prune(void *ctx, const struct pd_hmap *keep)
{
	struct podvsd *d = ctx;

	pd_rec_services_prune(&d->rec, keep);
}

static void slice_upsert(void *ctx, const cJSON *obj)
{
	struct podvsd *d = ctx;
	char err[256];
	struct k8s_slice *s = k8s_slice_parse(obj, err, sizeof(err));

	if (!s)
		return rejected(d, "EndpointSlice", obj, err);
	if (pd_rec_slice_upsert(&d->rec, s))
		pd_err(&d->log, "msg=\"out of memory caching a slice\"");
}

static void slice_remove(void *ctx, const cJSON *obj)
{
	struct podvsd *d = ctx;

	pd_rec_slice_delete(&d->rec, meta(obj, "namespace"),
			    meta(obj, "name"));
}

static void slice_prune(void *ctx, const struct pd_hmap *keep)
{
	struct podvsd *d = ctx;

	pd_rec_slices_prune(&d->rec, keep);
}

static void changed(void *ctx)
{
	podvsd_schedule_sync(ctx);
}

void pd_cluster_synced(void *ctx)
{
	struct podvsd *d = ctx;

	if (!d->cluster.services.synced || !d->cluster.slices.synced ||
	    !d->cluster.pods.synced || d->caches_synced)
		return;
	pd_info(&d->log, "msg=\"caches synced, programming the kernel\" "
		"services=%zu slices=%zu pods=%zu", d->rec.store.services.n,
		d->rec.store.slices.n, d->gate.pods.n);
	d->caches_synced = true;
	d->next_resync_ms = pd_now_ms() + d->opts.resync_period * 1000ULL;
	pd_cluster_pool_pass(d);
	pd_rec_request_full(&d->rec);
	podvsd_schedule_sync(d);
}

static const struct pd_informer_ops svc_ops = {
	.upsert = svc_upsert,
	.remove = svc_remove,
	.prune = svc_prune,
	.changed = changed,
	.synced = pd_cluster_synced,
};

static const struct pd_informer_ops slice_ops = {
	.upsert = slice_upsert,
	.remove = slice_remove,
	.prune = slice_prune,
	.changed = changed,
	.synced = pd_cluster_synced,
};

static int load_config(struct podvsd *d)
{
	char err[512];
	int ret = d->opts.kubeconfig ?
		  pd_kube_kubeconfig(&d->cluster.cfg, d->opts.kubeconfig, err,
				     sizeof(err)) :
		  pd_kube_incluster(&d->cluster.cfg, NULL, err, sizeof(err));

	if (ret)
		fprintf(stderr, "podvsd: %s\n", err);
	else
		pd_info(&d->log, "msg=\"API server\" server=%s auth=%s",
			d->cluster.cfg.server, d->cluster.cfg.token_file[0] ?
			"token-file" : d->cluster.cfg.token ? "token" :
			"client-certificate");
	return ret;
}

/* ---- Leases ------------------------------------------------------------ */

static void on_leader(void *ctx, bool leader)
{
	struct podvsd *d = ctx;

	if (leader)
		pd_cluster_pool_pass(d);
}

static void leases_init(struct podvsd *d)
{
	const char *ns = getenv("POD_NAMESPACE");
	const char *pod = getenv("POD_NAME");
	char me[PD_HOLDER_LEN], gw[PD_LEASE_NAME_LEN];

	if (!ns || !*ns)
		ns = PD_DEFAULT_LEASE_NS;
	if (pod && *pod)
		snprintf(me, sizeof(me), "%s/%s", d->opts.node_name, pod);
	else
		snprintf(me, sizeof(me), "%s", d->opts.node_name);
	snprintf(gw, sizeof(gw), PD_GW_LEASE_PREFIX "%.200s", d->opts.node_name);
	pd_elector_init(&d->cluster.leader, &d->cluster.http, &d->log, ns,
			PD_LEADER_LEASE, me, on_leader, d);
	pd_elector_init(&d->cluster.gw, &d->cluster.http, &d->log, ns, gw, me,
			NULL, NULL);
	pd_info(&d->log, "msg=\"leader election\" lease=%s/%s identity=%s",
		ns, PD_LEADER_LEASE, me);
}

void pd_cluster_lease_tick(struct podvsd *d)
{
	uint64_t now = pd_now_ms();

	if (!d->cluster.up)
		return;
	pd_elector_tick(&d->cluster.leader, now);
	pd_elector_tick(&d->cluster.gw, now);
}

void pd_cluster_release(struct podvsd *d)
{
	if (!d->cluster.up)
		return;
	pd_elector_release(&d->cluster.leader);
	pd_elector_release(&d->cluster.gw);
}

bool pd_cluster_released(const struct podvsd *d)
{
	return !d->cluster.up || (d->cluster.leader.released &&
				  d->cluster.gw.released);
}

bool pd_cluster_leader(const struct podvsd *d)
{
	return d->cluster.up && d->cluster.leader.leader;
}

int pd_cluster_init(struct podvsd *d)
{
	struct pd_cluster *c = &d->cluster;
	struct pd_informer_transport tr;
	int err = load_config(d);

	if (err)
		return err;
	err = pd_http_init(&c->http, &d->loop, &d->log, &c->cfg);
	if (err) {
		fprintf(stderr, "podvsd: HTTP client: %s\n", strerror(-err));
		return err;
	}
	pd_informer_http_transport(&c->http, &tr);
	err = pd_informer_init(&c->services, &d->loop, &d->log, &tr,
			       "services", "/api/v1/services", &svc_ops, d);
	err = err ?: pd_informer_init(&c->slices, &d->loop, &d->log, &tr,
				      "endpointslices",
				      "/apis/discovery.k8s.io/v1/endpointslices",
				      &slice_ops, d);
	err = err ?: pd_gate_init(d);
	if (err)
		return err;
	leases_init(d);
	c->up = true;
	pd_informer_start(&c->services);
	pd_informer_start(&c->slices);
	pd_informer_start(&c->pods);
	pd_cluster_lease_tick(d);	/* elect now, not after the first tick */
	return 0;
}

void pd_cluster_fini(struct podvsd *d)
{
	struct pd_cluster *c = &d->cluster;

	pd_hmap_fini(&c->pool_busy);
	if (c->up) {
		pd_informer_fini(&c->services);
		pd_informer_fini(&c->slices);
		pd_informer_fini(&c->pods);
		pd_gate_fini(d);
		pd_elector_fini(&c->leader);
		pd_elector_fini(&c->gw);
		pd_http_fini(&c->http);
		c->up = false;
	}
	pd_kube_config_fini(&c->cfg);
}

/* ---- Events ----------------------------------------------------------- */

struct event_req {
	struct pd_http_req req;
	struct podvsd *d;
	char *body;
};

static void event_done(struct pd_http_req *r, int res, long status,
		       const char *body, size_t len, const char *errmsg)
{
	struct event_req *e = r->ctx;

	(void)body;
	(void)len;
	if (res || status / 100 != 2) {
		e->d->cluster.events_failed++;
		pd_warn(&e->d->log, "msg=\"posting an Event failed\" status=%ld "
			"err=\"%s\"", status, res ? errmsg : "");
	} else {
		e->d->cluster.events_posted++;
	}
	free(e->body);
	free(e);
}

void pd_k8s_time_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *event_body(struct podvsd *d, const char *ns, const char *name,
			const char *uid, const char *reason, const char *msg)
{
	cJSON *ev = cJSON_CreateObject(), *md, *io, *src;
	char now[32], gen[300];
	char *out;

	pd_k8s_time_now(now, sizeof(now));
	snprintf(gen, sizeof(gen), "%s.", name);
	md = cJSON_AddObjectToObject(ev, "metadata");
	cJSON_AddStringToObject(md, "generateName", gen);
	cJSON_AddStringToObject(md, "namespace", ns);
	io = cJSON_AddObjectToObject(ev, "involvedObject");
	cJSON_AddStringToObject(io, "apiVersion", "v1");
	cJSON_AddStringToObject(io, "kind", "Service");
	cJSON_AddStringToObject(io, "namespace", ns);
	cJSON_AddStringToObject(io, "name", name);
	cJSON_AddStringToObject(io, "uid", uid);
	cJSON_AddStringToObject(ev, "reason", reason);
	cJSON_AddStringToObject(ev, "message", msg);
	cJSON_AddStringToObject(ev, "type", "Warning");
	src = cJSON_AddObjectToObject(ev, "source");
	cJSON_AddStringToObject(src, "component", "podvsd");
	cJSON_AddStringToObject(src, "host", d->opts.node_name);
	cJSON_AddStringToObject(ev, "reportingComponent", "podvs.io/podvsd");
	cJSON_AddStringToObject(ev, "reportingInstance", d->opts.node_name);
	cJSON_AddStringToObject(ev, "firstTimestamp", now);
	cJSON_AddStringToObject(ev, "lastTimestamp", now);
	cJSON_AddNumberToObject(ev, "count", 1);
	out = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return out;
}

void pd_cluster_event(struct podvsd *d, const char *ns, const char *name,
		      const char *uid, const char *reason,
		      const char *message)
{
	struct event_req *e;

	if (!d->cluster.up)
		return;
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->d = d;
	e->body = event_body(d, ns, name, uid, reason, message);
	snprintf(e->req.path, sizeof(e->req.path),
		 "/api/v1/namespaces/%s/events", ns);
	e->req.method = "POST";
	e->req.body = e->body;
	e->req.content_type = "application/json";
	e->req.timeout_s = 30;
	e->req.on_done = event_done;
	e->req.ctx = e;
	if (!e->body || pd_http_start(&d->cluster.http, &e->req)) {
		d->cluster.events_failed++;
		free(e->body);
		free(e);
	}
}

/* ---- --vip-pool ------------------------------------------------------- */

struct patch_req {
	struct pd_http_req req;
	struct podvsd *d;
	char key[K8S_KEY_LEN];
	char *body;
};

static void patch_done(struct pd_http_req *r, int res, long status,
		       const char *body, size_t len, const char *errmsg)
{
	struct patch_req *p = r->ctx;

	(void)len;
	if (res || status / 100 != 2) {
		pd_warn(&p->d->log, "msg=\"writing the allocated VIP to the "
			"Service status failed, will retry\" service=%s "
			"status=%ld err=\"%.200s\"", p->key, status,
			res ? errmsg : body);
		pd_hmap_sdel(&p->d->cluster.pool_busy, p->key);
	}
	free(p->body);
	free(p);
}

static void patch_status(struct podvsd *d, const struct k8s_service *s,
			 const char *key, const struct pd_addr *a, size_t n)
{
	struct pd_addr all[8];
	struct patch_req *p = calloc(1, sizeof(*p));
	size_t k = 0;

	for (size_t i = 0; i < s->n_ingress_ips && k < 6; i++)
		all[k++] = s->ingress_ips[i];
	for (size_t i = 0; i < n; i++)
		all[k++] = a[i];
	if (!p)
		return;
	p->d = d;
	snprintf(p->key, sizeof(p->key), "%s", key);
	p->body = pd_pool_status_patch(all, k);
	snprintf(p->req.path, sizeof(p->req.path),
		 "/api/v1/namespaces/%s/services/%s/status", s->meta.ns,
		 s->meta.name);
	p->req.method = "PATCH";
	p->req.body = p->body;
	p->req.content_type = "application/merge-patch+json";
	p->req.timeout_s = 30;
	p->req.on_done = patch_done;
	p->req.ctx = p;
	if (!p->body || pd_http_start(&d->cluster.http, &p->req)) {
		pd_hmap_sdel(&d->cluster.pool_busy, key);
		free(p->body);
		free(p);
	}
}

/* Every VIP in use: Services' ingress and externalIPs, allocations. */
static int used_vips(struct podvsd *d, struct pd_hmap *used)
{
	const struct pd_hmap *svcs = &d->rec.store.services;
	struct pd_hmap_iter it;
	int err = 0;

	for (struct pd_hmap_ent *e = pd_hmap_first(svcs, &it);
	     !err && e; e = pd_hmap_next(svcs, &it))
		err = pd_pool_mark_used(used, e->val);
	for (struct pd_hmap_ent *e = pd_hmap_first(&d->rec.allocs, &it);
	     !err && e; e = pd_hmap_next(&d->rec.allocs, &it)) {
		const struct pd_alloc *a = e->val;

		for (size_t i = 0; !err && i < a->n; i++)
			err = pd_hmap_put(used, &a->addr[i], sizeof(*a->addr),
					  (void *)1, NULL);
	}
	return err;
}

static void pool_service(struct podvsd *d, const char *key,
			 const struct k8s_service *s, struct pd_hmap *used)
{
	const struct pd_alloc *have = pd_hmap_sget(&d->rec.allocs, key);
	struct pd_addr got[PD_MAX_VIP_POOLS];
	char a[PD_ADDR_STRLEN];
	size_t n = 0;

	for (unsigned int i = 0; i < d->opts.n_vip_pools; i++) {
		const struct pd_cidr *pool = &d->opts.vip_pool[i];

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
			pd_rec_set_alloc(&d->rec, key, NULL, 0);
		pd_hmap_sdel(&d->cluster.pool_busy, key);
		return;
	}
	if (pd_hmap_sget(&d->cluster.pool_busy, key))
		return;		/* written; waiting for the watch to show it */
	pd_rec_set_alloc(&d->rec, key, got, n);
	if (pd_hmap_sput(&d->cluster.pool_busy, key, (void *)1, NULL))
		return;
	d->cluster.vips_allocated++;
	pd_info(&d->log, "msg=\"VIP allocated from the pool\" service=%s "
		"vip=%s%s", key, pd_addr_str(&got[0], a), n > 1 ? " (+v6)" : "");
	patch_status(d, s, key, got, n);
}

void pd_cluster_pool_pass(struct podvsd *d)
{
	struct pd_hmap used, *svcs = &d->rec.store.services;
	struct pd_hmap_iter it;

	/* followers wait for the leader's allocation to show in status */
	if (!d->opts.n_vip_pools || !d->caches_synced ||
	    !pd_cluster_leader(d))
		return;
	pd_hmap_init(&used);
	if (used_vips(d, &used))
		goto out;
	for (struct pd_hmap_ent *e = pd_hmap_first(svcs, &it); e;
	     e = pd_hmap_next(svcs, &it)) {
		char key[K8S_KEY_LEN];

		snprintf(key, sizeof(key), "%.*s", (int)e->klen, e->key);
		pool_service(d, key, e->val, &used);
	}
out:
	pd_hmap_fini(&used);
}
