// SPDX-License-Identifier: GPL-2.0
/* The readiness gate: the condition helpers and setup (see gate.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate_int.h"

/* ---- pure helpers ------------------------------------------------------ */

const struct k8s_pod_condition *pd_pod_cond(const struct k8s_pod *p,
					    const char *type)
{
	for (size_t i = 0; i < p->n_conds; i++)
		if (!strcmp(p->conds[i].type, type))
			return &p->conds[i];
	return NULL;
}

bool pd_pod_gated(const struct k8s_pod *p)
{
	for (size_t i = 0; i < p->n_gates; i++)
		if (!strcmp(p->gates[i], PD_GATE_TYPE))
			return true;
	return false;
}

bool pd_pod_containers_ready(const struct k8s_pod *p)
{
	const struct k8s_pod_condition *c = pd_pod_cond(p, "ContainersReady");

	return c && !strcmp(c->status, "True");
}

bool pd_gate_current(const struct k8s_pod *p, bool status,
		     const char *reason)
{
	const struct k8s_pod_condition *c = pd_pod_cond(p, PD_GATE_TYPE);

	return c && !strcmp(c->status, status ? "True" : "False") &&
	       c->reason && !strcmp(c->reason, reason);
}

char *pd_gate_cond_patch(const struct k8s_pod *p, bool status,
			 const char *reason, const char *message,
			 const char *now)
{
	const struct k8s_pod_condition *c = pd_pod_cond(p, PD_GATE_TYPE);
	const char *st = status ? "True" : "False";
	cJSON *root = cJSON_CreateObject(), *arr, *cond;
	char *out;

	if (!root)
		return NULL;
	arr = cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "status"),
				     "conditions");
	cond = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, cond);
	cJSON_AddStringToObject(cond, "type", PD_GATE_TYPE);
	cJSON_AddStringToObject(cond, "status", st);
	cJSON_AddStringToObject(cond, "reason", reason);
	cJSON_AddStringToObject(cond, "message", message);
	cJSON_AddStringToObject(cond, "lastTransitionTime",
				c && !strcmp(c->status, st) &&
				c->last_transition ? c->last_transition : now);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

const char *pd_gate_reason_word(const char *why, char *buf, size_t len)
{
	size_t n = strcspn(why, ":");

	snprintf(buf, len, "%.*s", (int)n, why);
	return buf;
}

/* ---- setup -------------------------------------------------------------- */

static void maps_init(struct pd_gate *g)
{
	pd_hmap_init(&g->pods);
	pd_hmap_init(&g->deleting);
	pd_hmap_init(&g->gone);
	pd_hmap_init(&g->refs);
	pd_hmap_init(&g->members);
	pd_hmap_init(&g->gateways);
	pd_hmap_init(&g->dirty);
	g->all_dirty = true;
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
