// SPDX-License-Identifier: GPL-2.0
/* Typed, path-reporting getters over cJSON. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "k8s/k8s_json.h"

const char *jp_path(char *buf, const char *parent, const char *key)
{
	snprintf(buf, JP_PATH_LEN, "%s%s%s", parent, *parent ? "." : "", key);
	return buf;
}

const char *jp_index(char *buf, const char *parent, int i)
{
	snprintf(buf, JP_PATH_LEN, "%s[%d]", parent, i);
	return buf;
}

int jp_fail(struct jp *jp, const char *path, const char *key,
	    const char *fmt, ...)
{
	char where[JP_PATH_LEN];
	int n;
	va_list ap;

	if (key)
		jp_path(where, path, key);
	else
		snprintf(where, sizeof(where), "%s", path);
	n = snprintf(jp->err, jp->errlen, "%s: ", where);
	if (n < 0 || (size_t)n >= jp->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(jp->err + n, jp->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int jp_nomem(struct jp *jp)
{
	snprintf(jp->err, jp->errlen, "out of memory");
	return -ENOMEM;
}

const char *jp_type_name(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsObject(v))
		return "object";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsNull(v))
		return "null";
	return "invalid";
}

/* Member @key, NULL if absent or null; -EINVAL if @o is no object. */
static const cJSON *member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNull(v) ? NULL : v;
}

static int typed(struct jp *jp, const cJSON *o, const char *path,
		 const char *key, bool required, const char *want,
		 cJSON_bool (*is)(const cJSON *), const cJSON **out)
{
	const cJSON *v = member(o, key);

	*out = NULL;
	if (!v) {
		if (required)
			return jp_fail(jp, path, key, "missing");
		return 0;
	}
	if (!is(v))
		return jp_fail(jp, path, key, "expected %s, got %s", want,
			       jp_type_name(v));
	*out = v;
	return 0;
}

int jp_obj(struct jp *jp, const cJSON *o, const char *path, const char *key,
	   bool required, const cJSON **out)
{
	return typed(jp, o, path, key, required, "object", cJSON_IsObject, out);
}

int jp_arr(struct jp *jp, const cJSON *o, const char *path, const char *key,
	   bool required, const cJSON **out)
{
	return typed(jp, o, path, key, required, "array", cJSON_IsArray, out);
}

int jp_str(struct jp *jp, const cJSON *o, const char *path, const char *key,
	   bool required, const char **out)
{
	const cJSON *v;
	int err = typed(jp, o, path, key, required, "string", cJSON_IsString,
			&v);

	*out = NULL;
	if (err || !v)
		return err;
	*out = pd_arena_strdup(jp->arena, v->valuestring);
	return *out ? 0 : jp_nomem(jp);
}

int jp_bool(struct jp *jp, const cJSON *o, const char *path, const char *key,
	    bool def, bool *out)
{
	const cJSON *v;
	int err = typed(jp, o, path, key, false, "boolean", cJSON_IsBool, &v);

	if (err)
		return err;
	*out = v ? cJSON_IsTrue(v) : def;
	return 0;
}

int jp_int(struct jp *jp, const cJSON *o, const char *path, const char *key,
	   long min, long max, long *out, bool *present)
{
	const cJSON *v;
	int err = typed(jp, o, path, key, false, "number", cJSON_IsNumber, &v);
	double d;

	*present = false;
	if (err || !v)
		return err;
	d = v->valuedouble;
	if (d != floor(d))
		return jp_fail(jp, path, key, "expected integer, got %g", d);
	if (d < (double)min || d > (double)max)
		return jp_fail(jp, path, key, "%.0f is out of range %ld..%ld",
			       d, min, max);
	*out = (long)d;
	*present = true;
	return 0;
}

int jp_elem_str(struct jp *jp, const cJSON *v, const char *path,
		const char **out)
{
	if (!cJSON_IsString(v))
		return jp_fail(jp, path, NULL, "expected string, got %s",
			       jp_type_name(v));
	*out = pd_arena_strdup(jp->arena, v->valuestring);
	return *out ? 0 : jp_nomem(jp);
}

int jp_str_map(struct jp *jp, const cJSON *o, const char *path,
	       const char *key, struct k8s_kv **out, size_t *n)
{
	char p[JP_PATH_LEN];
	const cJSON *map, *v;
	int err = jp_obj(jp, o, path, key, false, &map);
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (err || !map)
		return err;
	*out = pd_arena_calloc(jp->arena, cJSON_GetArraySize(map),
			       sizeof(**out));
	if (!*out)
		return jp_nomem(jp);
	jp_path(p, path, key);
	cJSON_ArrayForEach(v, map) {
		if (!cJSON_IsString(v))
			return jp_fail(jp, p, v->string, "expected string, "
				       "got %s", jp_type_name(v));
		(*out)[i].key = pd_arena_strdup(jp->arena, v->string);
		(*out)[i].val = pd_arena_strdup(jp->arena, v->valuestring);
		if (!(*out)[i].key || !(*out)[i].val)
			return jp_nomem(jp);
		i++;
	}
	*n = i;
	return 0;
}
