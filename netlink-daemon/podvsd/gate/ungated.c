// SPDX-License-Identifier: GPL-2.0
/*
 * The ungated Pods (issue 12, D10): Pods a podvs Service load-balances,
 * in a namespace where the webhook should have added the gate, that lack
 * it.  The webhook runs with failurePolicy Ignore, so every failed call
 * (TLS, timeout, podvsd down) admits a Pod without the gate silently;
 * such a Pod turns Ready on its own and a rollout proceeds without
 * waiting for the gateways.
 *
 * Counted from what is in memory anyway: the EndpointSlices of podvs
 * Services list every selected Pod that has an address, and the gate's
 * Pod cache holds every gated one.  A Pod in a slice but not in the cache
 * as gated is ungated.  Pods being deleted are left out (they are on
 * their way out whatever their gate), so are Pods without an address yet
 * (not in any slice: they are counted once they get one).  O(endpoints)
 * per call: run from /metrics, not from the event path.
 */
#include <stdio.h>
#include <string.h>

#include "gate/gate_int.h"

/* Would the webhook put our gate on Pods of @s?  As webhook_server.c. */
static bool gating(const struct k8s_service *s)
{
	return s && !s->meta.deleting && s->type != K8S_SVC_EXTERNAL_NAME &&
	       pd_svc_selected(s) != PD_SEL_NONE;
}

static bool pod_ungated(const struct pd_gate *g, const char *key)
{
	const struct gate_pod *gp = pd_hmap_sget(&g->pods, key);

	return !gp || (!pd_pod_gated(gp->pod) && !gp->pod->meta.deleting);
}

static void count_slice(const struct pd_gate *g, const struct k8s_slice *sl,
			struct pd_hmap *seen)
{
	char key[K8S_KEY_LEN];

	for (size_t i = 0; i < sl->n_endpoints; i++) {
		const struct k8s_endpoint *e = &sl->endpoints[i];

		if (!e->n_addrs || !e->target_kind || !e->target_name ||
		    strcmp(e->target_kind, "Pod") || e->terminating)
			continue;
		snprintf(key, sizeof(key), "%s/%s", e->target_ns ?
			 e->target_ns : sl->meta.ns, e->target_name);
		if (pod_ungated(g, key))
			pd_hmap_sput(seen, key, (void *)1, NULL);
	}
}

size_t pd_gate_ungated(const struct pd_gate *g,
		       bool (*ns_on)(const void *ctx, const char *ns),
		       const void *ctx)
{
	const struct pd_store *st = &g->rec->store;
	struct pd_hmap seen;
	struct pd_hmap_iter it;
	char key[K8S_KEY_LEN];
	size_t n;

	pd_hmap_init(&seen);
	for (struct pd_hmap_ent *e = pd_hmap_first(&st->slices, &it); e;
	     e = pd_hmap_next(&st->slices, &it)) {
		const struct k8s_slice *sl = e->val;

		if (!sl->service_name || !ns_on(ctx, sl->meta.ns))
			continue;
		snprintf(key, sizeof(key), "%s/%s", sl->meta.ns,
			 sl->service_name);
		if (gating(pd_hmap_sget(&st->services, key)))
			count_slice(g, sl, &seen);
	}
	n = seen.n;
	pd_hmap_fini(&seen);
	return n;
}
