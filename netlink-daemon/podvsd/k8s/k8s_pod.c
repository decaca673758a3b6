// SPDX-License-Identifier: GPL-2.0
/* Pod (core/v1) parsing: what readiness gates need. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s.h"

static int parse_gates(struct jp *jp, const cJSON *spec, struct k8s_pod *p)
{
	char path[JP_PATH_LEN];
	const cJSON *arr, *o;
	int err = jp_arr(jp, spec, "spec", "readinessGates", false, &arr);

	if (err || !arr)
		return err;
	p->gates = pd_arena_calloc(&p->arena, cJSON_GetArraySize(arr),
				   sizeof(*p->gates));
	if (!p->gates)
		return jp_nomem(jp);
	cJSON_ArrayForEach(o, arr) {
		jp_index(path, "spec.readinessGates", p->n_gates);
		if (!cJSON_IsObject(o))
			return jp_fail(jp, path, NULL, "expected object, got "
				       "%s", jp_type_name(o));
		err = jp_str(jp, o, path, "conditionType", true,
			     &p->gates[p->n_gates]);
		if (err)
			return err;
		p->n_gates++;
	}
	return 0;
}

static int parse_grace(struct jp *jp, const cJSON *obj, const cJSON *spec,
		       struct k8s_pod *p)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	bool have = false;
	int err;

	p->grace_s = K8S_DEFAULT_GRACE_S;
	err = jp_int(jp, md, "metadata", "deletionGracePeriodSeconds", 0,
		     86400 * 365, &p->grace_s, &have);
	if (err || have)
		return err;
	return jp_int(jp, spec, "spec", "terminationGracePeriodSeconds", 0,
		      86400 * 365, &p->grace_s, &have);
}

static int parse_spec(struct jp *jp, const cJSON *obj, struct k8s_pod *p)
{
	const cJSON *spec;
	int err = jp_obj(jp, obj, "", "spec", true, &spec);

	err = err ?: jp_str(jp, spec, "spec", "nodeName", false,
			    &p->node_name);
	err = err ?: parse_gates(jp, spec, p);
	err = err ?: parse_grace(jp, obj, spec, p);
	return err;
}

static int parse_condition(struct jp *jp, const cJSON *o, const char *path,
			   struct k8s_pod_condition *c)
{
	int err;

	if (!cJSON_IsObject(o))
		return jp_fail(jp, path, NULL, "expected object, got %s",
			       jp_type_name(o));
	err = jp_str(jp, o, path, "type", true, &c->type);
	err = err ?: jp_str(jp, o, path, "status", true, &c->status);
	err = err ?: jp_str(jp, o, path, "reason", false, &c->reason);
	err = err ?: jp_str(jp, o, path, "lastTransitionTime", false,
			    &c->last_transition);
	if (err)
		return err;
	if (strcmp(c->status, "True") && strcmp(c->status, "False") &&
	    strcmp(c->status, "Unknown"))
		return jp_fail(jp, path, "status", "'%.32s' is not one of "
			       "True, False, Unknown", c->status);
	return 0;
}

static int parse_conditions(struct jp *jp, const cJSON *st, struct k8s_pod *p)
{
	char path[JP_PATH_LEN];
	const cJSON *arr, *o;
	int err = jp_arr(jp, st, "status", "conditions", false, &arr);

	if (err || !arr)
		return err;
	p->conds = pd_arena_calloc(&p->arena, cJSON_GetArraySize(arr),
				   sizeof(*p->conds));
	if (!p->conds)
		return jp_nomem(jp);
	cJSON_ArrayForEach(o, arr) {
		jp_index(path, "status.conditions", p->n_conds);
		err = parse_condition(jp, o, path, &p->conds[p->n_conds]);
		if (err)
			return err;
		p->n_conds++;
	}
	return 0;
}

static int parse_pod_ips(struct jp *jp, const cJSON *st, struct k8s_pod *p)
{
	char path[JP_PATH_LEN], ip_path[JP_PATH_LEN];
	const cJSON *arr, *o;
	const char *ip;
	int err = jp_arr(jp, st, "status", "podIPs", false, &arr);

	if (err || !arr)
		return err;
	p->ips = pd_arena_calloc(&p->arena, cJSON_GetArraySize(arr),
				 sizeof(*p->ips));
	if (!p->ips)
		return jp_nomem(jp);
	cJSON_ArrayForEach(o, arr) {
		jp_index(path, "status.podIPs", p->n_ips);
		if (!cJSON_IsObject(o))
			return jp_fail(jp, path, NULL, "expected object, got "
				       "%s", jp_type_name(o));
		err = jp_str(jp, o, path, "ip", true, &ip);
		err = err ?: k8s_parse_ip(jp, jp_path(ip_path, path, "ip"), ip,
					  0, &p->ips[p->n_ips]);
		if (err)
			return err;
		p->n_ips++;
	}
	return 0;
}

static int parse_status(struct jp *jp, const cJSON *obj, struct k8s_pod *p)
{
	const cJSON *st;
	const char *ip;
	int err = jp_obj(jp, obj, "", "status", false, &st);

	if (err || !st)
		return err;
	err = jp_str(jp, st, "status", "phase", false, &p->phase);
	err = err ?: parse_conditions(jp, st, p);
	err = err ?: parse_pod_ips(jp, st, p);
	err = err ?: jp_str(jp, st, "status", "podIP", false, &ip);
	if (err || p->n_ips || !ip)
		return err;
	p->ips = pd_arena_calloc(&p->arena, 1, sizeof(*p->ips));
	if (!p->ips)
		return jp_nomem(jp);
	p->n_ips = 1;
	return k8s_parse_ip(jp, "status.podIP", ip, 0, p->ips);
}

struct k8s_pod *k8s_pod_parse(const cJSON *obj, char *err, size_t errlen)
{
	struct k8s_pod *p = calloc(1, sizeof(*p));
	struct jp jp = { .err = err, .errlen = errlen };

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	jp.arena = &p->arena;
	if (k8s_meta_parse(&jp, obj, &p->meta) || parse_spec(&jp, obj, p) ||
	    parse_status(&jp, obj, p)) {
		k8s_pod_free(p);
		return NULL;
	}
	return p;
}

void k8s_pod_free(struct k8s_pod *p)
{
	if (!p)
		return;
	pd_arena_free(&p->arena);
	free(p);
}
