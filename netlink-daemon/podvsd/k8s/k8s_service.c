// SPDX-License-Identifier: GPL-2.0
/* Service (core/v1) parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "k8s/k8s.h"

static const char *const svc_types[] = {
	[K8S_SVC_CLUSTER_IP] = "ClusterIP",
	[K8S_SVC_NODE_PORT] = "NodePort",
	[K8S_SVC_LOAD_BALANCER] = "LoadBalancer",
	[K8S_SVC_EXTERNAL_NAME] = "ExternalName",
};

static int parse_type(struct jp *jp, const cJSON *spec, struct k8s_service *s)
{
	const char *t;
	int err = jp_str(jp, spec, "spec", "type", false, &t);

	s->type = K8S_SVC_CLUSTER_IP;
	if (err || !t)
		return err;
	for (int i = 0; i <= K8S_SVC_EXTERNAL_NAME; i++) {
		if (!strcmp(t, svc_types[i])) {
			s->type = i;
			return 0;
		}
	}
	return jp_fail(jp, "spec", "type", "'%.32s' is not one of ClusterIP, "
		       "NodePort, LoadBalancer, ExternalName", t);
}

static int parse_target_port(struct jp *jp, const cJSON *o, const char *path,
			     struct k8s_service_port *p)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "targetPort");
	long n;
	bool present;

	p->target_port = p->port;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v)) {
		if (!*v->valuestring)
			return jp_fail(jp, path, "targetPort", "empty name");
		p->target_port = 0;
		p->target_name = pd_arena_strdup(jp->arena, v->valuestring);
		return p->target_name ? 0 : jp_nomem(jp);
	}
	if (!cJSON_IsNumber(v))
		return jp_fail(jp, path, "targetPort", "expected number or "
			       "string, got %s", jp_type_name(v));
	if (jp_int(jp, o, path, "targetPort", 1, 65535, &n, &present))
		return -EINVAL;
	p->target_port = n;
	return 0;
}

static int parse_port(struct jp *jp, const cJSON *o, const char *path,
		      struct k8s_service_port *p)
{
	long port;
	bool present;
	int err;

	if (!cJSON_IsObject(o))
		return jp_fail(jp, path, NULL, "expected object, got %s",
			       jp_type_name(o));
	err = jp_str(jp, o, path, "name", false, &p->name);
	err = err ?: k8s_parse_proto(jp, o, path, &p->proto);
	err = err ?: jp_int(jp, o, path, "port", 1, 65535, &port, &present);
	if (err)
		return err;
	if (!present)
		return jp_fail(jp, path, "port", "missing");
	p->port = port;
	if (!p->name)
		p->name = "";
	return parse_target_port(jp, o, path, p);
}

static int parse_ports(struct jp *jp, const cJSON *spec, struct k8s_service *s)
{
	char path[JP_PATH_LEN];
	const cJSON *arr, *o;
	int err = jp_arr(jp, spec, "spec", "ports", false, &arr);

	if (err || !arr)
		return err;
	s->ports = pd_arena_calloc(&s->arena, cJSON_GetArraySize(arr),
				   sizeof(*s->ports));
	if (!s->ports)
		return jp_nomem(jp);
	cJSON_ArrayForEach(o, arr) {
		jp_index(path, "spec.ports", s->n_ports);
		err = parse_port(jp, o, path, &s->ports[s->n_ports]);
		if (err)
			return err;
		s->n_ports++;
	}
	return 0;
}

static int parse_affinity(struct jp *jp, const cJSON *spec,
			  struct k8s_service *s)
{
	const cJSON *cfg, *cip;
	const char *aff;
	long t;
	bool present;
	int err = jp_str(jp, spec, "spec", "sessionAffinity", false, &aff);

	if (err)
		return err;
	if (aff && strcmp(aff, "None") && strcmp(aff, "ClientIP"))
		return jp_fail(jp, "spec", "sessionAffinity", "'%.32s' is not "
			       "one of None, ClientIP", aff);
	s->affinity_client_ip = aff && !strcmp(aff, "ClientIP");
	err = jp_obj(jp, spec, "spec", "sessionAffinityConfig", false, &cfg);
	if (err || !cfg)
		return err;
	err = jp_obj(jp, cfg, "spec.sessionAffinityConfig", "clientIP", false,
		     &cip);
	if (err || !cip)
		return err;
	err = jp_int(jp, cip, "spec.sessionAffinityConfig.clientIP",
		     "timeoutSeconds", 1, 86400, &t, &present);
	if (!err && present)
		s->affinity_timeout = t;
	return err;
}

/* An array of IP strings at @parent.@key. */
static int parse_ip_list(struct jp *jp, const cJSON *o, const char *parent,
			 const char *key, struct pd_arena *a,
			 struct pd_addr **out, size_t *n)
{
	char base[JP_PATH_LEN], path[JP_PATH_LEN];
	const cJSON *arr, *v;
	int err = jp_arr(jp, o, parent, key, false, &arr);

	if (err || !arr)
		return err;
	*out = pd_arena_calloc(a, cJSON_GetArraySize(arr), sizeof(**out));
	if (!*out)
		return jp_nomem(jp);
	jp_path(base, parent, key);
	cJSON_ArrayForEach(v, arr) {
		jp_index(path, base, *n);
		if (!cJSON_IsString(v))
			return jp_fail(jp, path, NULL, "expected string, got %s",
				       jp_type_name(v));
		err = k8s_parse_ip(jp, path, v->valuestring, 0, &(*out)[*n]);
		if (err)
			return err;
		(*n)++;
	}
	return 0;
}

static int parse_family(struct jp *jp, const cJSON *v, const char *path,
			struct k8s_service *s)
{
	uint16_t af;

	if (!cJSON_IsString(v))
		return jp_fail(jp, path, NULL, "expected string, got %s",
			       jp_type_name(v));
	if (!strcmp(v->valuestring, "IPv4"))
		af = AF_INET;
	else if (!strcmp(v->valuestring, "IPv6"))
		af = AF_INET6;
	else
		return jp_fail(jp, path, NULL, "'%.32s' is not one of IPv4, "
			       "IPv6", v->valuestring);
	for (size_t i = 0; i < s->n_families; i++)
		if (s->families[i] == af)
			return jp_fail(jp, path, NULL, "duplicate family %s",
				       v->valuestring);
	s->families[s->n_families++] = af;
	return 0;
}

static int parse_families(struct jp *jp, const cJSON *spec,
			  struct k8s_service *s)
{
	char path[JP_PATH_LEN];
	const cJSON *arr, *v;
	int err = jp_arr(jp, spec, "spec", "ipFamilies", false, &arr);

	if (err || !arr)
		return err;
	if (cJSON_GetArraySize(arr) > K8S_MAX_FAMILIES)
		return jp_fail(jp, "spec", "ipFamilies", "more than %d "
			       "families", K8S_MAX_FAMILIES);
	cJSON_ArrayForEach(v, arr) {
		err = parse_family(jp, v, jp_index(path, "spec.ipFamilies",
						   s->n_families), s);
		if (err)
			return err;
	}
	return 0;
}

static int parse_ingress_entry(struct jp *jp, const cJSON *o, int i,
			       struct k8s_service *s)
{
	char path[JP_PATH_LEN], ip_path[JP_PATH_LEN];
	const char *ip;
	int err;

	jp_index(path, "status.loadBalancer.ingress", i);
	if (!cJSON_IsObject(o))
		return jp_fail(jp, path, NULL, "expected object, got %s",
			       jp_type_name(o));
	err = jp_str(jp, o, path, "ip", false, &ip);
	if (err || !ip)
		return err;	/* no ip: a hostname-only entry */
	return k8s_parse_ip(jp, jp_path(ip_path, path, "ip"), ip, 0,
			    &s->ingress_ips[s->n_ingress_ips++]);
}

/* The entries as they are, for a status write that must keep them. */
static int keep_ingress_json(struct jp *jp, const cJSON *arr,
			     struct k8s_service *s)
{
	char *t = cJSON_PrintUnformatted(arr);

	s->ingress_json = t ? pd_arena_strdup(&s->arena, t) : NULL;
	free(t);
	return s->ingress_json ? 0 : jp_nomem(jp);
}

static int parse_ingress(struct jp *jp, const cJSON *obj,
			 struct k8s_service *s)
{
	const cJSON *st, *lb, *arr, *o;
	int i = 0, err = jp_obj(jp, obj, "", "status", false, &st);

	if (err || !st)
		return err;
	err = jp_obj(jp, st, "status", "loadBalancer", false, &lb);
	if (err || !lb)
		return err;
	err = jp_arr(jp, lb, "status.loadBalancer", "ingress", false, &arr);
	if (err || !arr)
		return err;
	s->ingress_ips = pd_arena_calloc(&s->arena, cJSON_GetArraySize(arr),
					 sizeof(*s->ingress_ips));
	if (!s->ingress_ips)
		return jp_nomem(jp);
	cJSON_ArrayForEach(o, arr) {
		err = parse_ingress_entry(jp, o, i++, s);
		if (err)
			return err;
	}
	return keep_ingress_json(jp, arr, s);
}

static int parse_spec(struct jp *jp, const cJSON *obj, struct k8s_service *s)
{
	const cJSON *spec;
	int err = jp_obj(jp, obj, "", "spec", true, &spec);

	err = err ?: parse_type(jp, spec, s);
	err = err ?: jp_str(jp, spec, "spec", "loadBalancerClass", false,
			    &s->lb_class);
	err = err ?: parse_ports(jp, spec, s);
	err = err ?: parse_affinity(jp, spec, s);
	err = err ?: parse_ip_list(jp, spec, "spec", "externalIPs", &s->arena,
				   &s->external_ips, &s->n_external_ips);
	err = err ?: parse_families(jp, spec, s);
	err = err ?: jp_str_map(jp, spec, "spec", "selector", &s->selector,
				&s->n_selector);
	return err;
}

struct k8s_service *k8s_service_parse(const cJSON *obj, char *err,
				      size_t errlen)
{
	struct k8s_service *s = calloc(1, sizeof(*s));
	struct jp jp = { .err = err, .errlen = errlen };

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	jp.arena = &s->arena;
	if (k8s_meta_parse(&jp, obj, &s->meta) || parse_spec(&jp, obj, s) ||
	    parse_ingress(&jp, obj, s)) {
		k8s_service_free(s);
		return NULL;
	}
	return s;
}

void k8s_service_free(struct k8s_service *s)
{
	if (!s)
		return;
	pd_arena_free(&s->arena);
	free(s);
}

int k8s_service_snat_from(const struct k8s_service *s, struct pd_cidr *out,
			  size_t max, size_t *n, char *err, size_t errlen)
{
	const char *v = k8s_annotation(&s->meta, K8S_ANN_SNAT_FROM);
	char why[160];

	if (!v)
		return 0;
	if (pd_prefix_list_parse(v, out, max, n, why, sizeof(why))) {
		snprintf(err, errlen, "annotation " K8S_ANN_SNAT_FROM ": %s",
			 why);
		return -EINVAL;
	}
	return 1;
}
