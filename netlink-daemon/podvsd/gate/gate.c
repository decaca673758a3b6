// SPDX-License-Identifier: GPL-2.0
/* The readiness gate: setup and teardown (see gate.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate_int.h"

static void maps_init(struct pd_gate *g)
{
	pd_hmap_init(&g->pods);
	pd_hmap_init(&g->deleting);
	pd_hmap_init(&g->gone);
	pd_hmap_init(&g->refs);
	pd_hmap_init(&g->members);
	pd_hmap_init(&g->gateways);
	pd_hmap_init(&g->dirty);
	pd_hmap_init(&g->patch_wait);
	g->all_dirty = true;
	g->timeout_s = PD_GATE_TIMEOUT_S;
}

void pd_gate_init(struct pd_gate *g, struct pd_log *log,
		  struct pd_reconciler *rec, struct pd_health *health,
		  const struct pd_gate_hooks *hooks)
{
	maps_init(g);
	g->log = log;
	g->rec = rec;
	g->health = health;
	g->hooks = *hooks;
	g->view = gate_view;
	g->view.ctx = g;
	rec->view = &g->view;
}

void pd_gate_connect(struct pd_gate *g, struct pd_http *http,
		     struct pd_elector *gw)
{
	g->http = http;
	g->gw = gw;
	g->up = true;
}

static void free_pods(struct pd_hmap *m)
{
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(m, &it); e;
	     e = pd_hmap_next(m, &it)) {
		struct gate_pod *gp = e->val;

		k8s_pod_free(gp->pod);
		free(gp);
	}
	pd_hmap_fini(m);
}

void pd_gate_fini(struct pd_gate *g)
{
	struct pd_hmap_iter it;

	free_pods(&g->pods);
	pd_hmap_fini(&g->dirty);
	pd_hmap_fini(&g->patch_wait);
	pd_hmap_fini(&g->deleting);
	pd_hmap_fini(&g->gone);
	for (struct pd_hmap_ent *e = pd_hmap_first(&g->refs, &it); e;
	     e = pd_hmap_next(&g->refs, &it))
		gate_refs_free(e->val);
	pd_hmap_fini(&g->refs);
	for (struct pd_hmap_ent *e = pd_hmap_first(&g->members, &it); e;
	     e = pd_hmap_next(&g->members, &it))
		gate_refs_free(e->val);
	pd_hmap_fini(&g->members);
	for (struct pd_hmap_ent *e = pd_hmap_first(&g->gateways, &it); e;
	     e = pd_hmap_next(&g->gateways, &it))
		gate_gw_free(e->val);
	pd_hmap_fini(&g->gateways);
	free(g->report);
	g->report = NULL;
}
