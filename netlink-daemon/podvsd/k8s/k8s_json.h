/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Typed access to Kubernetes JSON (cJSON) with precise errors.
 *
 * Every getter names the field by its full path in the message it leaves in
 * the context ("spec.ports[1].port: expected number, got string") and copies
 * strings into the object's arena.  A JSON null counts as absent, as the API
 * server treats it.  Getters return 0 (absent optional fields included) or
 * -EINVAL (missing required field, wrong type, bad value) or -ENOMEM.
 */
#ifndef PODVSD_K8S_JSON_H
#define PODVSD_K8S_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "base/arena.h"

#define JP_PATH_LEN	128

struct jp {
	struct pd_arena *arena;
	char *err;
	size_t errlen;
};

/* "parent.key" (or "key" when parent is "") into @buf. */
const char *jp_path(char *buf, const char *parent, const char *key);
/* "parent[i]" into @buf. */
const char *jp_index(char *buf, const char *parent, int i);

/* Set the error "@path.@key: <printf>"; returns -EINVAL. */
int jp_fail(struct jp *jp, const char *path, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int jp_nomem(struct jp *jp);

const char *jp_type_name(const cJSON *v);

int jp_obj(struct jp *jp, const cJSON *o, const char *path, const char *key,
	   bool required, const cJSON **out);
int jp_arr(struct jp *jp, const cJSON *o, const char *path, const char *key,
	   bool required, const cJSON **out);
int jp_str(struct jp *jp, const cJSON *o, const char *path, const char *key,
	   bool required, const char **out);
/* Absent: *out = def. */
int jp_bool(struct jp *jp, const cJSON *o, const char *path, const char *key,
	    bool def, bool *out);
/* An integer in [min, max]; absent: *present = false, *out untouched. */
int jp_int(struct jp *jp, const cJSON *o, const char *path, const char *key,
	   long min, long max, long *out, bool *present);
/* @v is one array element: must be a string. */
int jp_elem_str(struct jp *jp, const cJSON *v, const char *path,
		const char **out);

/* A map of string to string (labels, annotations). */
struct k8s_kv {
	const char *key;
	const char *val;
};

int jp_str_map(struct jp *jp, const cJSON *o, const char *path,
	       const char *key, struct k8s_kv **out, size_t *n);

#endif /* PODVSD_K8S_JSON_H */
