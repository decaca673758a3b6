// SPDX-License-Identifier: GPL-2.0
/*
 * The leader's condition PATCHes (see gate.h): one in flight per Pod, at
 * most PD_GATE_PATCH_INFLIGHT in all (a new leader's burst waits for
 * free slots in g->patch_wait, woken as PATCHes end), and a failed one
 * retried after a backoff (PD_GATE_RETRY_MIN_MS doubling up to
 * PD_GATE_RETRY_MAX_MS), not at every evaluation.  An answer with
 * Retry-After (429 from API Priority and Fairness, 503) stretches that
 * Pod's backoff to at least the header and holds every PATCH of this
 * gateway until then (g->patch_hold_ms): the server throttles the
 * client, not one Pod.  Runs on the daemon's
 * one thread; g->patching counts the requests pd_api_write() took, each
 * ended by exactly one patch_done().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate_int.h"
#include "k8s/api_write.h"

static uint64_t backoff_ms(unsigned int fails)
{
	uint64_t ms = PD_GATE_RETRY_MIN_MS;

	while (--fails && ms < PD_GATE_RETRY_MAX_MS)
		ms *= 2;
	return ms < PD_GATE_RETRY_MAX_MS ? ms : PD_GATE_RETRY_MAX_MS;
}

/* A slot is free: the Pods waiting for one are decided again. */
static void wake_waiting(struct pd_gate *g)
{
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e, *next;
	unsigned int free_slots = PD_GATE_PATCH_INFLIGHT - g->patching;

	for (e = pd_hmap_first(&g->patch_wait, &it); e && free_slots;
	     e = next) {
		next = pd_hmap_next(&g->patch_wait, &it);
		gate_pod_dirty(g, e->val);
		pd_hmap_del(&g->patch_wait, e->key, e->klen);
		free_slots--;
	}
}

static void patch_done(void *ctx, const char *key, int res, long status,
		       const char *msg, long retry_after_s)
{
	struct pd_gate *g = ctx;
	struct gate_pod *gp = pd_hmap_sget(&g->pods, key);
	bool failed = res || status != 200;
	uint64_t now = pd_now_ms();

	g->patching--;
	g->stats.patch_throttled += !res && status == 429;
	if (failed && retry_after_s > 0)
		g->patch_hold_ms = now + pd_http_retry_ms(retry_after_s, 0);
	if (gp) {
		gp->inflight = false;
		gp->fails = failed ? gp->fails + 1 : 0;
		gp->retry_ms = failed ? now + pd_http_retry_ms(retry_after_s,
					backoff_ms(gp->fails)) : 0;
		if (failed) {
			gp->sent_rv[0] = '\0';	/* resend after the backoff */
			gate_wake_at(g, gp, gp->retry_ms);
		} else {
			gate_pod_dirty(g, gp);
		}
	}
	if (failed) {
		g->stats.patch_failures++;
		pd_warn(g->log, "msg=\"patching the readiness gate "
			"failed\" pod=%s status=%ld err=\"%.200s\" "
			"retry_s=%llu", key, status, msg, gp ?
			(unsigned long long)(gp->retry_ms - now) / 1000 : 0);
	}
	wake_waiting(g);
}

/* A request that could not even be queued counts as a failed PATCH. */
static void send_failed(struct pd_gate *g, struct gate_pod *gp)
{
	g->stats.patch_failures++;
	gp->fails++;
	gp->retry_ms = pd_now_ms() + backoff_ms(gp->fails);
	gate_wake_at(g, gp, gp->retry_ms);
}

bool gate_patch(struct pd_gate *g, struct gate_pod *gp,
		const struct pd_gate_decision *d)
{
	const struct pd_api_target t = {
		.method = "PATCH",
		.content_type = "application/strategic-merge-patch+json",
		.key = gp->key, .done = patch_done, .ctx = g,
	};
	char now[32], path[1024];

	if (gp->inflight || pd_now_ms() < gp->retry_ms)
		return false;	/* patch_done or the wake-up decides again */
	if (pd_now_ms() < g->patch_hold_ms) {
		gate_wake_at(g, gp, g->patch_hold_ms);
		return false;	/* throttled: decided after the hold */
	}
	if (g->patching >= PD_GATE_PATCH_INFLIGHT) {
		g->stats.patch_waits++;
		pd_hmap_sput(&g->patch_wait, gp->key, gp, NULL);
		return false;
	}
	pd_k8s_time_now(now, sizeof(now));
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/status",
		 gp->pod->meta.ns, gp->pod->meta.name);
	if (pd_api_write(g->http, &t, path,
			 pd_gate_cond_patch(gp->pod, d->status, d->reason,
					    d->msg, now))) {
		send_failed(g, gp);
		return false;
	}
	g->stats.patches++;
	g->patching++;
	gp->inflight = true;
	gp->sent_status = d->status;
	snprintf(gp->sent_rv, sizeof(gp->sent_rv), "%s",
		 gp->pod->meta.resource_version);
	snprintf(gp->sent_reason, sizeof(gp->sent_reason), "%s", d->reason);
	pd_info(g->log, "msg=\"readiness gate\" pod=%s status=%s reason=%s "
		"message=\"%s\"", gp->key, d->status ? "True" : "False",
		d->reason, d->msg);
	return true;
}
