// SPDX-License-Identifier: GPL-2.0
/* Object metadata and helpers shared by the Kubernetes parsers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "k8s/k8s.h"

static int name_field(struct jp *jp, const cJSON *md, const char *key,
		      const char **out)
{
	int err = jp_str(jp, md, "metadata", key, true, out);

	if (err)
		return err;
	if (!**out || strlen(*out) >= K8S_NAME_LEN || strchr(*out, '/'))
		return jp_fail(jp, "metadata", key, "'%.64s' is not a valid "
			       "name (1..%d characters, no '/')", *out,
			       K8S_NAME_LEN - 1);
	return 0;
}

int k8s_meta_parse(struct jp *jp, const cJSON *obj, struct k8s_meta *m)
{
	const cJSON *md, *del;
	int err;

	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(obj))
		return jp_fail(jp, "object", NULL, "expected object, got %s",
			       jp_type_name(obj));
	err = jp_obj(jp, obj, "", "metadata", true, &md);
	err = err ?: name_field(jp, md, "name", &m->name);
	err = err ?: name_field(jp, md, "namespace", &m->ns);
	err = err ?: jp_str(jp, md, "metadata", "uid", true, &m->uid);
	err = err ?: jp_str(jp, md, "metadata", "resourceVersion", true,
			    &m->resource_version);
	err = err ?: jp_str_map(jp, md, "metadata", "labels", &m->labels,
				&m->n_labels);
	err = err ?: jp_str_map(jp, md, "metadata", "annotations",
				&m->annotations, &m->n_annotations);
	if (err)
		return err;
	del = cJSON_GetObjectItemCaseSensitive(md, "deletionTimestamp");
	if (del && !cJSON_IsNull(del) && !cJSON_IsString(del))
		return jp_fail(jp, "metadata", "deletionTimestamp",
			       "expected string, got %s", jp_type_name(del));
	m->deleting = del && cJSON_IsString(del);
	return 0;
}

const char *k8s_key(const struct k8s_meta *m, char *buf)
{
	snprintf(buf, K8S_KEY_LEN, "%s/%s", m->ns, m->name);
	return buf;
}

static const char *kv_find(const struct k8s_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].val;
	return NULL;
}

const char *k8s_label(const struct k8s_meta *m, const char *key)
{
	return kv_find(m->labels, m->n_labels, key);
}

const char *k8s_annotation(const struct k8s_meta *m, const char *key)
{
	return kv_find(m->annotations, m->n_annotations, key);
}

static const char *const proto_names[] = {
	[K8S_PROTO_TCP] = "TCP",
	[K8S_PROTO_UDP] = "UDP",
	[K8S_PROTO_SCTP] = "SCTP",
};

const char *k8s_proto_name(enum k8s_proto p)
{
	return p <= K8S_PROTO_SCTP ? proto_names[p] : "?";
}

int k8s_parse_proto(struct jp *jp, const cJSON *o, const char *path,
		    enum k8s_proto *out)
{
	const char *s;
	int err = jp_str(jp, o, path, "protocol", false, &s);

	*out = K8S_PROTO_TCP;
	if (err || !s)
		return err;
	for (int p = K8S_PROTO_TCP; p <= K8S_PROTO_SCTP; p++) {
		if (!strcmp(s, proto_names[p])) {
			*out = p;
			return 0;
		}
	}
	return jp_fail(jp, path, "protocol", "'%.32s' is not one of TCP, UDP, "
		       "SCTP", s);
}

int k8s_parse_ip(struct jp *jp, const char *path, const char *s, uint16_t af,
		 struct pd_addr *out)
{
	if (pd_addr_parse(s, out))
		return jp_fail(jp, path, NULL, "'%.64s' is not an IP address",
			       s);
	if (af && out->af != af)
		return jp_fail(jp, path, NULL, "'%.64s' is not an %s address",
			       s, af == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

void pd_k8s_time_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
