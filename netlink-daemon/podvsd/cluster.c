// SPDX-License-Identifier: GPL-2.0
/* Informers -> reconciler, API server configuration, Leases. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cluster.h"

static const char *meta(const cJSON *obj, const char *key)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, key);

	return cJSON_IsString(v) ? v->valuestring : "?";
}

static void rejected(struct pd_cluster *c, const char *kind, const cJSON *obj,
		     const char *err)
{
	char q[600];

	c->rejected++;
	pd_warn(c->log, "msg=\"object rejected, cached version kept\" "
		"kind=%s object=%s/%s err=%s", kind, meta(obj, "namespace"),
		meta(obj, "name"), pd_quote(err, q, sizeof(q)));
}

static void svc_upsert(void *ctx, const cJSON *obj)
{
	struct pd_cluster *c = ctx;
	char err[256];
	struct k8s_service *s = k8s_service_parse(obj, err, sizeof(err));

	if (!s)
		return rejected(c, "Service", obj, err);
	if (pd_rec_service_upsert(c->rec, s))
		pd_err(c->log, "msg=\"out of memory caching a Service\"");
}

static void svc_remove(void *ctx, const cJSON *obj)
{
	struct pd_cluster *c = ctx;

	pd_rec_service_delete(c->rec, meta(obj, "namespace"),
			      meta(obj, "name"));
}

static void svc_prune(void *ctx, const struct pd_hmap *keep)
{
	struct pd_cluster *c = ctx;

	pd_rec_services_prune(c->rec, keep);
}

static void slice_upsert(void *ctx, const cJSON *obj)
{
	struct pd_cluster *c = ctx;
	char err[256];
	struct k8s_slice *s = k8s_slice_parse(obj, err, sizeof(err));

	if (!s)
		return rejected(c, "EndpointSlice", obj, err);
	if (pd_rec_slice_upsert(c->rec, s))
		pd_err(c->log, "msg=\"out of memory caching a slice\"");
}

static void slice_remove(void *ctx, const cJSON *obj)
{
	struct pd_cluster *c = ctx;

	pd_rec_slice_delete(c->rec, meta(obj, "namespace"),
			    meta(obj, "name"));
}

static void slice_prune(void *ctx, const struct pd_hmap *keep)
{
	struct pd_cluster *c = ctx;

	pd_rec_slices_prune(c->rec, keep);
}

static void changed(void *ctx)
{
	struct pd_cluster *c = ctx;

	if (c->hooks.changed)
		c->hooks.changed(c->hooks.ctx);
}

static void synced(void *ctx)
{
	struct pd_cluster *c = ctx;

	if (c->hooks.synced)
		c->hooks.synced(c->hooks.ctx);
}

bool pd_cluster_synced(const struct pd_cluster *c)
{
	return c->services.synced && c->slices.synced && c->pods.synced;
}

uint64_t pd_cluster_api_stale_since(const struct pd_cluster *c,
				    uint64_t now_ms)
{
	return c->up ? pd_api_stale_since(&c->fresh, now_ms) : 0;
}

/*
 * The one staleness signal (k8s/api_fresh.h) that /readyz and the VIP
 * announcement use, read by the gate leader too: an informer that is
 * merely (re)connecting is no proof of life, since towards a black hole
 * its requests hang; the probe's unanswered deadline says "dead".
 */
bool pd_cluster_api_ok(const struct pd_cluster *c)
{
	return c->up && !pd_cluster_api_stale_since(c, pd_now_ms());
}

/*
 * The informer's resourceVersion describes its cache only between lists:
 * pages of a list land in the cache before the list's version is final,
 * and a stream cut by a malformed line (relist pending) may have lost
 * events.  Then it is unknown.
 */
static int view_rv(const struct pd_informer *inf, uint64_t *rv)
{
	uint64_t v = 0;

	if (!inf->synced || inf->state == PD_INF_LISTING || inf->relist)
		return -EAGAIN;
	for (const char *p = inf->rv; *p; p++) {
		if (*p < '0' || *p > '9' || v > UINT64_MAX / 10 - 9)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (!inf->rv[0])
		return -EINVAL;
	*rv = v;
	return 0;
}

int pd_cluster_view_rv(const struct pd_cluster *c, uint64_t rv[3])
{
	return view_rv(&c->services, &rv[0]) ?: view_rv(&c->slices, &rv[1]) ?:
	       view_rv(&c->pods, &rv[2]);
}

/* ---- our Node: the decommission annotation ----------------------------- */

#define ANN_DECOMMISSIONED	"podvs.io/decommissioned"

static void node_upsert(void *ctx, const cJSON *obj)
{
	struct pd_cluster *c = ctx;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann,
							  ANN_DECOMMISSIONED);

	if (strcmp(meta(obj, "name"), c->node_name) || !c->hooks.node)
		return;
	c->hooks.node(c->hooks.ctx, cJSON_IsString(v) ? v->valuestring : NULL);
}

static void node_remove(void *ctx, const cJSON *obj)
{
	struct pd_cluster *c = ctx;

	if (!strcmp(meta(obj, "name"), c->node_name) && c->hooks.node)
		c->hooks.node(c->hooks.ctx, NULL);
}

/* A list without our Node: it has no annotation. */
static void node_prune(void *ctx, const struct pd_hmap *keep)
{
	struct pd_cluster *c = ctx;

	if (!keep->n && c->hooks.node)
		c->hooks.node(c->hooks.ctx, NULL);
}

static void node_nop(void *ctx)
{
	(void)ctx;
}

static const struct pd_informer_ops node_ops = {
	.upsert = node_upsert,
	.remove = node_remove,
	.prune = node_prune,
	.changed = node_nop,
	.synced = node_nop,
};

static int node_init(struct pd_cluster *c, struct pd_loop *loop,
		     const struct pd_informer_transport *tr, const char *node)
{
	char *q = curl_easy_escape(NULL, node, 0);

	if (!q)
		return -ENOMEM;
	snprintf(c->node_name, sizeof(c->node_name), "%s", node);
	snprintf(c->node_path, sizeof(c->node_path),
		 "/api/v1/nodes?fieldSelector=metadata.name%%3D%s", q);
	curl_free(q);
	return pd_informer_init(&c->node, loop, c->log, tr, "nodes",
				c->node_path, &node_ops, c);
}

static const struct pd_informer_ops svc_ops = {
	.upsert = svc_upsert,
	.remove = svc_remove,
	.prune = svc_prune,
	.changed = changed,
	.synced = synced,
};

static const struct pd_informer_ops slice_ops = {
	.upsert = slice_upsert,
	.remove = slice_remove,
	.prune = slice_prune,
	.changed = changed,
	.synced = synced,
};

static int load_config(struct pd_cluster *c, const char *kubeconfig)
{
	char err[512];
	int ret = kubeconfig ?
		  pd_kube_kubeconfig(&c->cfg, kubeconfig, err, sizeof(err)) :
		  pd_kube_incluster(&c->cfg, NULL, err, sizeof(err));

	if (ret)
		fprintf(stderr, "podvsd: %s\n", err);
	else
		pd_info(c->log, "msg=\"API server\" server=%s auth=%s",
			c->cfg.server, c->cfg.token_file[0] ?
			"token-file" : c->cfg.token ? "token" :
			"client-certificate");
	return ret;
}

/* ---- Leases ------------------------------------------------------------ */

static void on_leader(void *ctx, bool leader)
{
	struct pd_cluster *c = ctx;

	if (c->hooks.leader)
		c->hooks.leader(c->hooks.ctx, leader);
}

static void leases_init(struct pd_cluster *c, const char *node)
{
	const char *ns = getenv("POD_NAMESPACE");
	const char *pod = getenv("POD_NAME");
	char me[PD_HOLDER_LEN], gw[PD_LEASE_NAME_LEN];

	if (!ns || !*ns)
		ns = PD_DEFAULT_LEASE_NS;
	if (pod && *pod)
		snprintf(me, sizeof(me), "%s/%s", node, pod);
	else
		snprintf(me, sizeof(me), "%s", node);
	snprintf(gw, sizeof(gw), PD_GW_LEASE_PREFIX "%.200s", node);
	pd_elector_init(&c->leader, &c->http, c->log, ns, PD_LEADER_LEASE, me,
			on_leader, c);
	pd_elector_init(&c->gw, &c->http, c->log, ns, gw, me, NULL, NULL);
	pd_info(c->log, "msg=\"leader election\" lease=%s/%s identity=%s",
		ns, PD_LEADER_LEASE, me);
}

void pd_cluster_lease_tick(struct pd_cluster *c)
{
	uint64_t now = pd_now_ms();

	if (!c->up)
		return;
	pd_elector_tick(&c->leader, now);
	pd_elector_tick(&c->gw, now);
}

void pd_cluster_release(struct pd_cluster *c)
{
	if (!c->up)
		return;
	pd_elector_release(&c->leader);
	pd_elector_release(&c->gw);
}

bool pd_cluster_released(const struct pd_cluster *c)
{
	return !c->up || (c->leader.released && c->gw.released);
}

bool pd_cluster_leader(const struct pd_cluster *c)
{
	return c->up && c->leader.leader;
}

int pd_cluster_init(struct pd_cluster *c, const struct pd_cluster_cfg *cfg,
		    const struct pd_cluster_hooks *hooks)
{
	struct pd_informer_transport tr;
	int err;

	c->log = cfg->log;
	c->rec = cfg->rec;
	c->hooks = *hooks;
	err = load_config(c, cfg->kubeconfig);
	if (err)
		return err;
	err = pd_http_init(&c->http, cfg->loop, c->log, &c->cfg);
	if (err) {
		fprintf(stderr, "podvsd: HTTP client: %s\n", strerror(-err));
		return err;
	}
	pd_informer_http_transport(&c->http, &tr);
	err = pd_informer_init(&c->services, cfg->loop, c->log, &tr,
			       "services", "/api/v1/services", &svc_ops, c);
	err = err ?: pd_informer_init(&c->slices, cfg->loop, c->log, &tr,
				      "endpointslices",
				      "/apis/discovery.k8s.io/v1/endpointslices",
				      &slice_ops, c);
	err = err ?: pd_informer_init(&c->pods, cfg->loop, c->log, &tr,
				      "pods", "/api/v1/pods", cfg->pod_ops,
				      cfg->pod_ctx);
	err = err ?: node_init(c, cfg->loop, &tr, cfg->node_name);
	if (err)
		return err;
	pd_api_fresh_init(&c->fresh, &c->http);
	pd_api_fresh_add(&c->fresh, &c->services);
	pd_api_fresh_add(&c->fresh, &c->slices);
	pd_api_fresh_add(&c->fresh, &c->pods);
	leases_init(c, cfg->node_name);
	pd_events_init(&c->events, &c->http, c->log, cfg->node_name);
	c->up = true;
	pd_informer_start(&c->services);
	pd_informer_start(&c->slices);
	pd_informer_start(&c->pods);
	pd_informer_start(&c->node);
	pd_cluster_lease_tick(c);	/* elect now, not after the first tick */
	return 0;
}

void pd_cluster_fini(struct pd_cluster *c)
{
	if (c->up) {
		pd_informer_fini(&c->services);
		pd_informer_fini(&c->slices);
		pd_informer_fini(&c->pods);
		pd_informer_fini(&c->node);
		pd_elector_fini(&c->leader);
		pd_elector_fini(&c->gw);
		pd_http_fini(&c->http);
		c->events.http = NULL;
		c->up = false;
	}
	pd_kube_config_fini(&c->cfg);
}
