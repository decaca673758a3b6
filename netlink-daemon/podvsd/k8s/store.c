// SPDX-License-Identifier: GPL-2.0
/* The Service and EndpointSlice caches and the slice index. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/store.h"

struct slice_list {
	const struct k8s_slice **v;
	size_t n;
	size_t cap;
};

static const char *key_of(const char *ns, const char *name, char *buf)
{
	snprintf(buf, K8S_KEY_LEN, "%s/%s", ns, name);
	return buf;
}

static void changed(struct pd_store *st, const char *key)
{
	st->changed(st->ctx, key);
}

void pd_store_init(struct pd_store *st, pd_store_changed_fn fn, void *ctx)
{
	pd_hmap_init(&st->services);
	pd_hmap_init(&st->slices);
	pd_hmap_init(&st->svc_slices);
	st->changed = fn;
	st->ctx = ctx;
}

static void free_slice_list(struct slice_list *l)
{
	if (l)
		free(l->v);
	free(l);
}

void pd_store_fini(struct pd_store *st)
{
	struct pd_hmap_iter it;
	struct pd_hmap_ent *e;

	for (e = pd_hmap_first(&st->svc_slices, &it); e;
	     e = pd_hmap_next(&st->svc_slices, &it))
		free_slice_list(e->val);
	pd_hmap_fini(&st->svc_slices);
	for (e = pd_hmap_first(&st->services, &it); e;
	     e = pd_hmap_next(&st->services, &it))
		k8s_service_free(e->val);
	pd_hmap_fini(&st->services);
	for (e = pd_hmap_first(&st->slices, &it); e;
	     e = pd_hmap_next(&st->slices, &it))
		k8s_slice_free(e->val);
	pd_hmap_fini(&st->slices);
}

bool pd_store_unchanged(const struct k8s_meta *cached,
			const struct k8s_meta *seen)
{
	return cached && !strcmp(cached->resource_version,
				 seen->resource_version);
}

/* ---- Services --------------------------------------------------------- */

int pd_store_service_upsert(struct pd_store *st, struct k8s_service *s)
{
	char key[K8S_KEY_LEN];
	struct k8s_service *old = pd_hmap_sget(&st->services,
					       k8s_key(&s->meta, key));

	if (pd_store_unchanged(old ? &old->meta : NULL, &s->meta)) {
		k8s_service_free(s);
		return 0;
	}
	if (pd_hmap_sput(&st->services, key, s, NULL)) {
		k8s_service_free(s);
		return -ENOMEM;
	}
	k8s_service_free(old);
	changed(st, key);
	return 0;
}

void pd_store_service_delete(struct pd_store *st, const char *ns,
			     const char *name)
{
	char key[K8S_KEY_LEN];
	struct k8s_service *old = pd_hmap_sdel(&st->services,
					       key_of(ns, name, key));

	if (!old)
		return;
	k8s_service_free(old);
	changed(st, key);
}

/* ---- EndpointSlices and their index ------------------------------------ */

static int index_add(struct pd_store *st, const struct k8s_slice *s)
{
	char key[K8S_KEY_LEN];
	struct slice_list *l;

	if (!s->service_name)
		return 0;
	key_of(s->meta.ns, s->service_name, key);
	l = pd_hmap_sget(&st->svc_slices, key);
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l || pd_hmap_sput(&st->svc_slices, key, l, NULL)) {
			free(l);
			return -ENOMEM;
		}
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4;
		const struct k8s_slice **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	changed(st, key);
	return 0;
}

static void index_del(struct pd_store *st, const struct k8s_slice *s)
{
	char key[K8S_KEY_LEN];
	struct slice_list *l;

	if (!s->service_name)
		return;
	key_of(s->meta.ns, s->service_name, key);
	l = pd_hmap_sget(&st->svc_slices, key);
	changed(st, key);
	for (size_t i = 0; l && i < l->n; i++) {
		if (l->v[i] != s)
			continue;
		l->v[i] = l->v[--l->n];
		break;
	}
	if (l && !l->n)
		free_slice_list(pd_hmap_sdel(&st->svc_slices, key));
}

int pd_store_slice_upsert(struct pd_store *st, struct k8s_slice *s)
{
	char key[K8S_KEY_LEN];
	struct k8s_slice *old = pd_hmap_sget(&st->slices,
					     k8s_key(&s->meta, key));

	if (pd_store_unchanged(old ? &old->meta : NULL, &s->meta)) {
		k8s_slice_free(s);
		return 0;
	}
	if (pd_hmap_sput(&st->slices, key, s, NULL)) {
		k8s_slice_free(s);
		return -ENOMEM;
	}
	if (old) {
		index_del(st, old);
		k8s_slice_free(old);
	}
	if (index_add(st, s)) {
		/* cached but not indexed: only a full recompute helps */
		changed(st, NULL);
		return -ENOMEM;
	}
	return 0;
}

void pd_store_slice_delete(struct pd_store *st, const char *ns,
			   const char *name)
{
	char key[K8S_KEY_LEN];
	struct k8s_slice *old = pd_hmap_sdel(&st->slices,
					     key_of(ns, name, key));

	if (!old)
		return;
	index_del(st, old);
	k8s_slice_free(old);
}

const struct k8s_slice *const *
pd_store_service_slices(const struct pd_store *st, const char *svc,
			size_t *n)
{
	const struct slice_list *sl = pd_hmap_sget(&st->svc_slices, svc);

	*n = sl ? sl->n : 0;
	return sl ? sl->v : NULL;
}

/* ---- relists ---------------------------------------------------------- */

/* Keys of @m absent from @keep, malloc'ed strings in a malloc'ed array. */
static char **missing_keys(const struct pd_hmap *m, const struct pd_hmap *keep,
			   size_t *n)
{
	char **v = calloc(m->n + 1, sizeof(*v));
	struct pd_hmap_iter it;

	*n = 0;
	for (struct pd_hmap_ent *e = pd_hmap_first(m, &it); v && e;
	     e = pd_hmap_next(m, &it))
		if (!pd_hmap_get(keep, e->key, e->klen))
			v[(*n)++] = strndup((const char *)e->key, e->klen);
	return v;
}

static void prune(struct pd_store *st, const struct pd_hmap *m,
		  const struct pd_hmap *keep,
		  void (*del)(struct pd_store *, const char *, const char *))
{
	size_t n;
	char **keys = missing_keys(m, keep, &n);

	if (!keys) {
		changed(st, NULL);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *slash = keys[i] ? strchr(keys[i], '/') : NULL;

		if (slash) {
			*slash = '\0';
			del(st, keys[i], slash + 1);
		}
		free(keys[i]);
	}
	free(keys);
}

void pd_store_services_prune(struct pd_store *st, const struct pd_hmap *keep)
{
	prune(st, &st->services, keep, pd_store_service_delete);
}

void pd_store_slices_prune(struct pd_store *st, const struct pd_hmap *keep)
{
	prune(st, &st->slices, keep, pd_store_slice_delete);
}
