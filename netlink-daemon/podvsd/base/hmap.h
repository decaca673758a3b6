/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A chained hash map with byte-string keys (copied) and pointer values,
 * resized as it grows so lookups stay O(1) at 100,000 entries.
 */
#ifndef PODVSD_HMAP_H
#define PODVSD_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct pd_hmap_ent {
	struct pd_hmap_ent *next;
	uint32_t hash;
	size_t klen;
	void *val;
	unsigned char key[];
};

struct pd_hmap {
	struct pd_hmap_ent **buckets;
	size_t nbuckets;
	size_t n;
};

/* Iterate: for (e = pd_hmap_first(m, &it); e; e = pd_hmap_next(m, &it)) */
struct pd_hmap_iter {
	size_t bucket;
	struct pd_hmap_ent *ent;
};

void pd_hmap_init(struct pd_hmap *m);
/* Frees the entries, not the values. */
void pd_hmap_fini(struct pd_hmap *m);
void *pd_hmap_get(const struct pd_hmap *m, const void *key, size_t klen);
/* Insert or replace; the old value (or NULL) in *old.  0 or -ENOMEM. */
int pd_hmap_put(struct pd_hmap *m, const void *key, size_t klen, void *val,
		void **old);
/* Remove; returns the value or NULL. */
void *pd_hmap_del(struct pd_hmap *m, const void *key, size_t klen);
struct pd_hmap_ent *pd_hmap_first(const struct pd_hmap *m,
				  struct pd_hmap_iter *it);
struct pd_hmap_ent *pd_hmap_next(const struct pd_hmap *m,
				 struct pd_hmap_iter *it);

/* String-keyed shorthands (key without its NUL). */
void *pd_hmap_sget(const struct pd_hmap *m, const char *key);
int pd_hmap_sput(struct pd_hmap *m, const char *key, void *val, void **old);
void *pd_hmap_sdel(struct pd_hmap *m, const char *key);

#endif /* PODVSD_HMAP_H */
