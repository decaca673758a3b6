// SPDX-License-Identifier: GPL-2.0
/* /metrics, /healthz, /readyz, /debug/table over libmicrohttpd. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "metrics.h"

#define M(out, name, type, help, fmt, ...) \
	fprintf(out, "# HELP " name " " help "\n# TYPE " name " " type "\n" \
		name fmt "\n", __VA_ARGS__)

static void render_latency(const struct pd_rec_stats *s, FILE *out)
{
	static const uint64_t bounds_ms[PD_N_LAT] = PD_LAT_BUCKETS;
	uint64_t cum = 0;

	M(out, "podvsd_last_change_to_kernel_seconds", "gauge",
	  "From a watched change to the ack of the batch applying it (last).",
	  " %.6f", s->last_change_us / 1e6);
	fprintf(out, "# HELP podvsd_change_to_kernel_seconds From a watched "
		"change to the ack of the batch applying it.\n# TYPE "
		"podvsd_change_to_kernel_seconds histogram\n");
	for (size_t i = 0; i < PD_N_LAT; i++) {
		cum += s->change_hist[i];
		fprintf(out, "podvsd_change_to_kernel_seconds_bucket{le=\"%g\"} "
			"%llu\n", bounds_ms[i] / 1000.0, (unsigned long long)cum);
	}
	cum += s->change_hist[PD_N_LAT];
	fprintf(out, "podvsd_change_to_kernel_seconds_bucket{le=\"+Inf\"} %llu\n"
		"podvsd_change_to_kernel_seconds_sum %.6f\n"
		"podvsd_change_to_kernel_seconds_count %llu\n",
		(unsigned long long)cum, s->change_sum_us / 1e6,
		(unsigned long long)s->change_count);
}

static void render_sync(const struct pd_reconciler *rec, FILE *out)
{
	const struct pd_rec_stats *s = &rec->stats;

	M(out, "podvsd_syncs_total", "counter", "Successful syncs.",
	  " %llu", (unsigned long long)s->syncs);
	M(out, "podvsd_full_syncs_total", "counter",
	  "Syncs that re-read the kernel tables.", " %llu",
	  (unsigned long long)s->full_syncs);
	M(out, "podvsd_sync_errors_total", "counter",
	  "Failed syncs (netlink errors reading or applying).", " %llu",
	  (unsigned long long)s->sync_errors);
	M(out, "podvsd_last_sync_duration_seconds", "gauge",
	  "Duration of the last successful sync.", " %.6f",
	  s->last_duration_us / 1e6);
	M(out, "podvsd_sync_duration_seconds_total", "counter",
	  "Time spent in successful syncs.", " %.6f",
	  s->total_duration_us / 1e6);
	M(out, "podvsd_last_sync_timestamp_seconds", "gauge",
	  "Unix time of the last successful sync.", " %lld",
	  (long long)s->last_sync_wall);
	M(out, "podvsd_operations_total", "counter",
	  "Service and dest operations applied.", " %llu",
	  (unsigned long long)s->ops);
	M(out, "podvsd_invalid_services_total", "counter",
	  "Service versions rejected by podvs rules.", " %llu",
	  (unsigned long long)s->invalid_services);
	M(out, "podvsd_conflicts_total", "counter",
	  "Virtual services claimed twice or held by another owner.", " %llu",
	  (unsigned long long)s->conflicts);
	M(out, "podvsd_programmed_services", "gauge",
	  "Virtual services in the kernel (as podvsd sees them).", " %zu",
	  pd_rec_programmed_services(rec));
	M(out, "podvsd_programmed_dests", "gauge",
	  "Dests in the kernel (as podvsd sees them).", " %zu",
	  pd_rec_programmed_dests(rec));
	M(out, "podvsd_draining_services", "gauge",
	  "Virtual services with removed dests still draining.", " %zu",
	  rec->linger.n);
	render_latency(s, out);
}

/* One counter family over both informers (samples grouped by family). */
static void render_inf_family(const struct pd_metrics_src *src, FILE *out,
			      const char *name, const char *help,
			      size_t offset, bool restarts)
{
	const struct pd_informer *const *infs = src->informers;

	fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (size_t i = 0; i < 2; i++) {
		unsigned long v = *(const unsigned long *)
				  ((const char *)&infs[i]->stats + offset);

		if (restarts)
			v = v ? v - 1 : 0;
		fprintf(out, "%s{resource=\"%s\"} %lu\n", name, infs[i]->name,
			v);
	}
}

#define FAM(src, out, name, help, field, restarts) \
	render_inf_family(src, out, name, help, \
			  offsetof(struct pd_informer_stats, field), restarts)

/* One counter family over both informers (samples grouped by family). */
static void render_informers(const struct pd_metrics_src *src, FILE *out)
{
	FAM(src, out, "podvsd_lists_total", "Full lists.", lists, false);
	FAM(src, out, "podvsd_watch_restarts_total",
	    "Watch requests after the first.", watches, true);
	FAM(src, out, "podvsd_watch_events_total",
	    "ADDED, MODIFIED and DELETED events.", events, false);
	FAM(src, out, "podvsd_watch_bookmarks_total", "BOOKMARK events.",
	    bookmarks, false);
	FAM(src, out, "podvsd_watch_gone_total", "410 Gone answers.", gone,
	    false);
	FAM(src, out, "podvsd_watch_errors_total",
	    "Transport errors, error statuses and ERROR events.", errors,
	    false);
	FAM(src, out, "podvsd_malformed_total", "Unparsable responses.",
	    malformed, false);
	FAM(src, out, "podvsd_watch_idle_timeouts_total",
	    "Watches cut for sending nothing past the bookmark period.",
	    idle_timeouts, false);
	FAM(src, out, "podvsd_throttled_total",
	    "429 Too Many Requests answers to lists and watches.",
	    throttled, false);
}

static void render_api_conn(const struct pd_metrics_src *src, FILE *out)
{
	const struct pd_http_stats *api = src->api;
	uint64_t now = pd_now_ms();
	uint64_t since = src->fresh ? pd_api_stale_since(src->fresh, now) : 0;

	M(out, "podvsd_api_http_version", "gauge",
	  "HTTP version of the last API answer (11: 1.1, 20: 2).", " %ld",
	  api->http_version);
	M(out, "podvsd_api_probes_total", "counter",
	  "Liveness requests on the API connection.", " %lu", api->probes);
	M(out, "podvsd_api_probe_failures_total", "counter",
	  "Liveness requests that got no answer in time.", " %lu",
	  api->probe_failures);
	M(out, "podvsd_api_connection_resets_total", "counter",
	  "API connections declared dead and closed.", " %lu", api->resets);
	M(out, "podvsd_api_throttled_total", "counter",
	  "429 answers to any API request.", " %lu", api->throttled);
	M(out, "podvsd_api_stale", "gauge",
	  "1 while the view of the API is stale.", " %d", since != 0);
	M(out, "podvsd_api_stale_seconds", "gauge",
	  "How long the view of the API has been stale (0: fresh).", " %.3f",
	  since ? (double)(now - since) / 1000 : 0.0);
}

static void render_gate(const struct pd_metrics_src *src, FILE *out)
{
	const struct pd_hc_stats *h = &src->health->stats;
	const struct pd_gate_stats *g = src->gate;

	M(out, "podvsd_health_checks_total", "counter",
	  "Health check probes run.", " %lu", h->probes);
	M(out, "podvsd_health_check_failures_total", "counter",
	  "Health check probes that failed.", " %lu", h->failures);
	M(out, "podvsd_health_transitions_total", "counter",
	  "Dests changing between healthy and unhealthy.", " %lu",
	  h->transitions);
	M(out, "podvsd_health_dests", "gauge", "Checked dests by state.",
	  "{state=\"healthy\"} %zu\npodvsd_health_dests{state=\"unhealthy\"} "
	  "%zu\npodvsd_health_dests{state=\"unknown\"} %zu",
	  pd_health_count(src->health, PD_HC_UP),
	  pd_health_count(src->health, PD_HC_DOWN),
	  pd_health_count(src->health, PD_HC_UNKNOWN));
	M(out, "podvsd_gate_patches_total", "counter",
	  "Readiness gate condition patches sent.", " %lu", g->patches);
	M(out, "podvsd_gate_patch_failures_total", "counter",
	  "Readiness gate condition patches that failed.", " %lu",
	  g->patch_failures);
	M(out, "podvsd_gate_patch_throttled_total", "counter",
	  "Readiness gate condition patches answered 429.", " %lu",
	  g->patch_throttled);
	M(out, "podvsd_gated_pods", "gauge",
	  "Gated Pods by the condition the leader holds for them.",
	  "{status=\"true\"} %lu\npodvsd_gated_pods{status=\"false\"} %lu",
	  g->gated_true, g->gated_false);
	M(out, "podvsd_live_gateways", "gauge",
	  "Other gateways whose reports the leader waits for.", " %lu",
	  g->live_gateways);
	M(out, "podvsd_gate_held_total", "counter",
	  "Leader evaluations that decided nothing: no fresh gateway list.",
	  " %lu", g->held);
	M(out, "podvsd_gate_lease_list_failures_total", "counter",
	  "Gateway Lease lists that failed.", " %lu", g->gw_list_failures);
}

static void render_pool(const struct pd_metrics_src *src, FILE *out)
{
	if (!src->pool)
		return;
	M(out, "podvsd_vip_pool_allocated_total", "counter",
	  "VIPs handed out from --vip-pool.", " %lu", src->pool->allocated);
	M(out, "podvsd_vip_pool_exhausted_total", "counter",
	  "Services a --vip-pool pass found no free address for.", " %lu",
	  src->pool->exhausted);
}

static void render_cluster(const struct pd_metrics_src *src, FILE *out)
{
	const struct pd_http_stats *api = src->api;

	M(out, "podvsd_objects_cached", "gauge", "Objects in the caches.",
	  "{kind=\"Service\"} %zu\npodvsd_objects_cached"
	  "{kind=\"EndpointSlice\"} %zu", src->rec->store.services.n,
	  src->rec->store.slices.n);
	M(out, "podvsd_rejected_objects_total", "counter",
	  "Objects that failed to parse (cached version kept).", " %lu",
	  *src->rejected);
	if (!*src->api_up)
		return;
	render_informers(src, out);
	render_api_conn(src, out);
	M(out, "podvsd_api_requests_total", "counter",
	  "Requests sent to the API server.", " %lu", api->requests);
	M(out, "podvsd_api_failures_total", "counter",
	  "Requests that failed in transport.", " %lu", api->failures);
	M(out, "podvsd_api_unauthorized_total", "counter",
	  "401 responses.", " %lu", api->unauthorized);
	M(out, "podvsd_token_reloads_total", "counter",
	  "Times the token file was re-read.", " %lu", api->token_reloads);
	M(out, "podvsd_events_posted_total", "counter",
	  "Kubernetes Events written.", " %lu", *src->events_posted);
	M(out, "podvsd_is_leader", "gauge",
	  "1 while this podvsd holds the leader Lease.", " %d",
	  src->leader->leader);
	M(out, "podvsd_leader_transitions_total", "counter",
	  "Changes between leader and follower.", " %lu",
	  src->leader->stats.transitions);
	M(out, "podvsd_lease_conflicts_total", "counter",
	  "Lease writes refused with 409 Conflict.", " %lu",
	  src->leader->stats.conflicts + src->gw->stats.conflicts);
	M(out, "podvsd_lease_errors_total", "counter",
	  "Lease reads or writes that failed.", " %lu",
	  src->leader->stats.errors + src->gw->stats.errors);
	render_gate(src, out);
	render_pool(src, out);
}

static void render_announce(const struct pd_metrics_src *src, FILE *out)
{
	const struct pd_ann_stats *a = src->ann;
	const char *name = "podvs_announce_withdrawals_total";

	if (src->sysctl_errors)
		M(out, "podvsd_sysctl_errors_total", "counter",
		  "send_redirects=0 writes that failed.", " %lu",
		  *src->sysctl_errors);
	if (!a)
		return;
	M(out, "podvs_announce_ready", "gauge",
	  "READY as podvsd last set or read it (1: may announce).", " %d",
	  a->ready);
	M(out, "podvs_announce_up", "gauge",
	  "Carrier of the podvs links at the last heartbeat.", " %d", a->up);
	M(out, "podvs_announced_vips", "gauge",
	  "VIPs on the podvs link (announced while the carrier is up).",
	  " %zu", a->vips);
	fprintf(out, "# HELP %s Withdrawals by reason.\n# TYPE %s counter\n",
		name, name);
	for (int r = 0; r < PD_ANN_N_REASONS; r++)
		fprintf(out, "%s{reason=\"%s\"} %llu\n", name,
			pd_ann_reason_str(r),
			(unsigned long long)a->withdrawals[r]);
	M(out, "podvs_announce_heartbeats_total", "counter",
	  "SET_ANNOUNCE heartbeats accepted by the kernel.", " %llu",
	  (unsigned long long)a->heartbeats);
	M(out, "podvs_announce_errors_total", "counter",
	  "SET_ANNOUNCE requests refused by the kernel.", " %llu",
	  (unsigned long long)a->errors);
}

/* Shown once it is known (webhook on, namespaces and caches synced). */
static void render_ungated(const struct pd_metrics_hooks *h, FILE *out)
{
	long n = h->ungated ? h->ungated(h->ctx) : -1;

	if (n >= 0)
		M(out, "podvsd_ungated_pods", "gauge",
		  "Pods of podvs Services in webhook-enabled namespaces "
		  "without the readiness gate (a webhook call failed).",
		  " %ld", n);
}

void pd_metrics_render(const struct pd_metrics *m, FILE *out)
{
	const char *why;

	M(out, "podvsd_ready", "gauge", "1 when /readyz answers 200.", " %d",
	  pd_metrics_ready(m, &why));
	render_sync(m->src.rec, out);
	render_cluster(&m->src, out);
	render_announce(&m->src, out);
	render_ungated(&m->hooks, out);
	if (m->hooks.render)
		m->hooks.render(m->hooks.ctx, out);
}

bool pd_metrics_ready(const struct pd_metrics *m, const char **why)
{
	const struct pd_reconciler *rec = m->src.rec;

	if (!m->hooks.synced(m->hooks.ctx)) {
		*why = "caches not synced yet";
		return false;
	}
	if (!rec->stats.syncs) {
		*why = "no successful sync yet";
		return false;
	}
	if (rec->need_full && rec->stats.sync_errors) {
		*why = "the last sync failed";
		return false;
	}
	if (m->src.fresh && *m->src.api_up &&
	    pd_api_stale_since(m->src.fresh, pd_now_ms())) {
		*why = "the view of the API server is stale";
		return false;
	}
	*why = "ok";
	return true;
}

void pd_table_render(const struct pd_table *t, FILE *out)
{
	struct pd_vs **v;
	size_t n;

	if (pd_table_sorted(t, &v, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		char k[PD_VS_KEY_STRLEN], dst[PD_ADDR_STRLEN + 8];

		fprintf(out, "%s %s", pd_vs_key_str(&v[i]->key, k),
			v[i]->sched);
		if (v[i]->flags & PODVS_SVC_F_PERSISTENT)
			fprintf(out, " persistent=%u/%u", v[i]->timeout,
				v[i]->netmask);
		fprintf(out, " owner=%s =", v[i]->owner);
		for (size_t j = 0; j < v[i]->n_dests; j++)
			fprintf(out, " %s%s%s",
				pd_dest_str(&v[i]->key, &v[i]->dests[j], dst),
				v[i]->dests[j].flags & PODVS_DEST_F_DRAIN ?
				",drain" : "",
				v[i]->dests[j].foreign ? ",foreign" : "");
		fputc('\n', out);
	}
	free(v);
}

/* ---- HTTP ------------------------------------------------------------- */

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct pd_metrics *m = cls;
	unsigned int code = 200;
	const char *type = "text/plain; charset=utf-8", *why;
	char *body = NULL;
	size_t len = 0;
	FILE *out;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	m->requests++;
	out = open_memstream(&body, &len);
	if (!out)
		return MHD_NO;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		code = 405;
		fputs("method not allowed\n", out);
	} else if (!strcmp(url, "/metrics")) {
		type = "text/plain; version=0.0.4; charset=utf-8";
		pd_metrics_render(m, out);
	} else if (!strcmp(url, "/healthz")) {
		fputs("ok\n", out);
	} else if (!strcmp(url, "/readyz")) {
		code = pd_metrics_ready(m, &why) ? 200 : 503;
		fprintf(out, "%s\n", why);
	} else if (!strcmp(url, "/debug/table")) {
		pd_table_render(&m->src.rec->actual, out);
	} else {
		code = 404;
		fputs("not found: /metrics /healthz /readyz /debug/table\n", out);
	}
	fclose(out);
	return pd_httpd_reply(c, code, type, body, len);
}

int pd_metrics_init(struct pd_metrics *m, struct pd_loop *loop,
		    struct pd_log *log, const struct pd_hostport *at,
		    const struct pd_metrics_src *src,
		    const struct pd_metrics_hooks *hooks)
{
	const struct pd_httpd_cfg cfg = {
		.at = at, .handler = handle, .ctx = m,
	};
	char a[PD_ADDR_STRLEN];

	memset(m, 0, sizeof(*m));
	m->log = log;
	m->src = *src;
	m->hooks = *hooks;
	pd_httpd_init(&m->httpd, loop);
	if (!at)
		return 0;
	pd_addr_str(&at->addr, a);
	switch (pd_httpd_start(&m->httpd, &cfg)) {
	case 0:
		break;
	case -EADDRINUSE:
		fprintf(stderr, "podvsd: cannot serve metrics on %s port %u "
			"(in use?)\n", a, at->port);
		return -EADDRINUSE;
	default:
		return -EIO;
	}
	pd_info(log, "msg=\"serving /metrics /healthz /readyz\" "
		"address=%s port=%u", a, at->port);
	return 0;
}

void pd_metrics_fini(struct pd_metrics *m)
{
	pd_httpd_fini(&m->httpd);
}
