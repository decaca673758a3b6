// SPDX-License-Identifier: GPL-2.0
/* EndpointSlice (discovery.k8s.io/v1) parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "k8s/k8s.h"

static int parse_addr_type(struct jp *jp, const cJSON *obj,
			   struct k8s_slice *s)
{
	static const char *const names[] = {
		[K8S_ADDR_IPV4] = "IPv4",
		[K8S_ADDR_IPV6] = "IPv6",
		[K8S_ADDR_FQDN] = "FQDN",
	};
	const char *t;
	int err = jp_str(jp, obj, "", "addressType", true, &t);

	if (err)
		return err;
	for (int i = K8S_ADDR_IPV4; i <= K8S_ADDR_FQDN; i++) {
		if (!strcmp(t, names[i])) {
			s->addr_type = i;
			return 0;
		}
	}
	return jp_fail(jp, "addressType", NULL, "'%.32s' is not one of IPv4, "
		       "IPv6, FQDN", t);
}

static int parse_conditions(struct jp *jp, const cJSON *o, const char *path,
			    struct k8s_endpoint *e)
{
	char p[JP_PATH_LEN];
	const cJSON *c;
	int err = jp_obj(jp, o, path, "conditions", false, &c);

	/* nil ready/serving: "unknown, interpret as ready" (API docs) */
	e->ready = e->serving = true;
	e->terminating = false;
	if (err || !c)
		return err;
	jp_path(p, path, "conditions");
	err = jp_bool(jp, c, p, "ready", true, &e->ready);
	err = err ?: jp_bool(jp, c, p, "serving", true, &e->serving);
	err = err ?: jp_bool(jp, c, p, "terminating", false, &e->terminating);
	return err;
}

static int parse_target_ref(struct jp *jp, const cJSON *o, const char *path,
			    struct k8s_endpoint *e)
{
	char p[JP_PATH_LEN];
	const cJSON *r;
	int err = jp_obj(jp, o, path, "targetRef", false, &r);

	if (err || !r)
		return err;
	jp_path(p, path, "targetRef");
	err = jp_str(jp, r, p, "kind", false, &e->target_kind);
	err = err ?: jp_str(jp, r, p, "namespace", false, &e->target_ns);
	err = err ?: jp_str(jp, r, p, "name", false, &e->target_name);
	err = err ?: jp_str(jp, r, p, "uid", false, &e->target_uid);
	return err;
}

static int parse_addresses(struct jp *jp, const cJSON *o, const char *path,
			   struct k8s_slice *s, struct k8s_endpoint *e)
{
	uint16_t af = s->addr_type == K8S_ADDR_IPV4 ? AF_INET : AF_INET6;
	char base[JP_PATH_LEN], p[JP_PATH_LEN];
	const cJSON *arr, *v;
	int err = jp_arr(jp, o, path, "addresses", true, &arr);

	if (err)
		return err;
	if (cJSON_GetArraySize(arr) == 0)
		return jp_fail(jp, path, "addresses", "empty");
	jp_path(base, path, "addresses");
	if (s->addr_type == K8S_ADDR_FQDN) {
		cJSON_ArrayForEach(v, arr)
			if (!cJSON_IsString(v))
				return jp_fail(jp, base, NULL, "expected "
					       "strings, got %s",
					       jp_type_name(v));
		return 0;	/* podvs forwards to addresses only */
	}
	e->addrs = pd_arena_calloc(&s->arena, cJSON_GetArraySize(arr),
				   sizeof(*e->addrs));
	if (!e->addrs)
		return jp_nomem(jp);
	cJSON_ArrayForEach(v, arr) {
		jp_index(p, base, e->n_addrs);
		if (!cJSON_IsString(v))
			return jp_fail(jp, p, NULL, "expected string, got %s",
				       jp_type_name(v));
		err = k8s_parse_ip(jp, p, v->valuestring, af,
				   &e->addrs[e->n_addrs++]);
		if (err)
			return err;
	}
	return 0;
}

static int parse_endpoint(struct jp *jp, const cJSON *o, const char *path,
			  struct k8s_slice *s, struct k8s_endpoint *e)
{
	int err;

	if (!cJSON_IsObject(o))
		return jp_fail(jp, path, NULL, "expected object, got %s",
			       jp_type_name(o));
	err = parse_addresses(jp, o, path, s, e);
	err = err ?: parse_conditions(jp, o, path, e);
	err = err ?: parse_target_ref(jp, o, path, e);
	err = err ?: jp_str(jp, o, path, "nodeName", false, &e->node_name);
	err = err ?: jp_str(jp, o, path, "zone", false, &e->zone);
	return err;
}

static int parse_endpoints(struct jp *jp, const cJSON *obj,
			   struct k8s_slice *s)
{
	char path[JP_PATH_LEN];
	const cJSON *arr, *o;
	int err = jp_arr(jp, obj, "", "endpoints", false, &arr);

	if (err || !arr)
		return err;	/* null: no endpoints */
	s->endpoints = pd_arena_calloc(&s->arena, cJSON_GetArraySize(arr),
				       sizeof(*s->endpoints));
	if (!s->endpoints)
		return jp_nomem(jp);
	cJSON_ArrayForEach(o, arr) {
		jp_index(path, "endpoints", s->n_endpoints);
		err = parse_endpoint(jp, o, path, s,
				     &s->endpoints[s->n_endpoints]);
		if (err)
			return err;
		s->n_endpoints++;
	}
	return 0;
}

static int parse_port(struct jp *jp, const cJSON *o, const char *path,
		      struct k8s_slice_port *p)
{
	long port = 0;
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
	p->port = present ? port : 0;
	if (!p->name)
		p->name = "";
	return 0;
}

static int parse_ports(struct jp *jp, const cJSON *obj, struct k8s_slice *s)
{
	char path[JP_PATH_LEN];
	const cJSON *arr, *o;
	int err = jp_arr(jp, obj, "", "ports", false, &arr);

	if (err || !arr)
		return err;
	s->ports = pd_arena_calloc(&s->arena, cJSON_GetArraySize(arr),
				   sizeof(*s->ports));
	if (!s->ports)
		return jp_nomem(jp);
	cJSON_ArrayForEach(o, arr) {
		jp_index(path, "ports", s->n_ports);
		err = parse_port(jp, o, path, &s->ports[s->n_ports]);
		if (err)
			return err;
		s->n_ports++;
	}
	return 0;
}

struct k8s_slice *k8s_slice_parse(const cJSON *obj, char *err, size_t errlen)
{
	struct k8s_slice *s = calloc(1, sizeof(*s));
	struct jp jp = { .err = err, .errlen = errlen };

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	jp.arena = &s->arena;
	if (k8s_meta_parse(&jp, obj, &s->meta) ||
	    parse_addr_type(&jp, obj, s) || parse_endpoints(&jp, obj, s) ||
	    parse_ports(&jp, obj, s)) {
		k8s_slice_free(s);
		return NULL;
	}
	s->service_name = k8s_label(&s->meta, K8S_LABEL_SERVICE_NAME);
	return s;
}

void k8s_slice_free(struct k8s_slice *s)
{
	if (!s)
		return;
	pd_arena_free(&s->arena);
	free(s);
}
