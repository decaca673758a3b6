// SPDX-License-Identifier: GPL-2.0
/* The gate's pure condition helpers: read a Pod, build its PATCH body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"

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

static bool cond_true(const struct k8s_pod *p, const char *type)
{
	const struct k8s_pod_condition *c = pd_pod_cond(p, type);

	return c && !strcmp(c->status, "True");
}

bool pd_pod_containers_ready(const struct k8s_pod *p)
{
	return cond_true(p, "ContainersReady");
}

bool pd_pod_other_gates_true(const struct k8s_pod *p)
{
	for (size_t i = 0; i < p->n_gates; i++)
		if (strcmp(p->gates[i], PD_GATE_TYPE) &&
		    !cond_true(p, p->gates[i]))
			return false;
	return true;
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
	/* the UID is a precondition: never a re-created Pod of that name */
	cJSON_AddStringToObject(cJSON_AddObjectToObject(root, "metadata"),
				"uid", p->meta.uid);
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
