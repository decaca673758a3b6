// SPDX-License-Identifier: GPL-2.0
/* Chained hash map, FNV-1a, doubling at load factor 1. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/hmap.h"

#define HMAP_MIN_BUCKETS	16

static uint32_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

void pd_hmap_init(struct pd_hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void pd_hmap_fini(struct pd_hmap *m)
{
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct pd_hmap_ent *e = m->buckets[i];

		while (e) {
			struct pd_hmap_ent *next = e->next;

			free(e);
			e = next;
		}
	}
	free(m->buckets);
	pd_hmap_init(m);
}

static struct pd_hmap_ent **find(const struct pd_hmap *m, const void *key,
				 size_t klen, uint32_t h)
{
	struct pd_hmap_ent **pp;

	if (!m->nbuckets)
		return NULL;
	pp = &m->buckets[h & (m->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->klen == klen &&
		    !memcmp((*pp)->key, key, klen))
			return pp;
	return pp;
}

void *pd_hmap_get(const struct pd_hmap *m, const void *key, size_t klen)
{
	struct pd_hmap_ent **pp = find(m, key, klen, hash_bytes(key, klen));

	return pp && *pp ? (*pp)->val : NULL;
}

static int grow(struct pd_hmap *m)
{
	size_t nb = m->nbuckets ? m->nbuckets * 2 : HMAP_MIN_BUCKETS;
	struct pd_hmap_ent **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct pd_hmap_ent *e = m->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = nb;
	return 0;
}

int pd_hmap_put(struct pd_hmap *m, const void *key, size_t klen, void *val,
		void **old)
{
	uint32_t h = hash_bytes(key, klen);
	struct pd_hmap_ent **pp, *e;

	if (old)
		*old = NULL;
	if (m->n >= m->nbuckets && grow(m))
		return -ENOMEM;
	pp = find(m, key, klen, h);
	if (*pp) {
		if (old)
			*old = (*pp)->val;
		(*pp)->val = val;
		return 0;
	}
	e = malloc(sizeof(*e) + klen);
	if (!e)
		return -ENOMEM;
	e->next = NULL;
	e->hash = h;
	e->klen = klen;
	e->val = val;
	memcpy(e->key, key, klen);
	*pp = e;
	m->n++;
	return 0;
}

void *pd_hmap_del(struct pd_hmap *m, const void *key, size_t klen)
{
	struct pd_hmap_ent **pp = find(m, key, klen, hash_bytes(key, klen));
	struct pd_hmap_ent *e;
	void *val;

	if (!pp || !*pp)
		return NULL;
	e = *pp;
	*pp = e->next;
	val = e->val;
	free(e);
	m->n--;
	return val;
}

static struct pd_hmap_ent *scan(const struct pd_hmap *m,
				struct pd_hmap_iter *it)
{
	while (!it->ent && ++it->bucket < m->nbuckets)
		it->ent = m->buckets[it->bucket];
	return it->ent;
}

struct pd_hmap_ent *pd_hmap_first(const struct pd_hmap *m,
				  struct pd_hmap_iter *it)
{
	if (!m->nbuckets)
		return NULL;
	it->bucket = 0;
	it->ent = m->buckets[0];
	return scan(m, it);
}

struct pd_hmap_ent *pd_hmap_next(const struct pd_hmap *m,
				 struct pd_hmap_iter *it)
{
	if (!it->ent)
		return NULL;
	it->ent = it->ent->next;
	return scan(m, it);
}

void *pd_hmap_sget(const struct pd_hmap *m, const char *key)
{
	return pd_hmap_get(m, key, strlen(key));
}

int pd_hmap_sput(struct pd_hmap *m, const char *key, void *val, void **old)
{
	return pd_hmap_put(m, key, strlen(key), val, old);
}

void *pd_hmap_sdel(struct pd_hmap *m, const char *key)
{
	return pd_hmap_del(m, key, strlen(key));
}
