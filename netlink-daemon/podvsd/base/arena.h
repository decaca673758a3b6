/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bump allocator: every string and array of one parsed Kubernetes object
 * lives in the object's arena and is freed with it at once.
 */
#ifndef PODVSD_ARENA_H
#define PODVSD_ARENA_H

#include <stddef.h>

struct pd_arena_chunk;

struct pd_arena {
	struct pd_arena_chunk *head;
	size_t used;		/* bytes used in head */
	size_t total;		/* bytes allocated in all chunks */
};

/* Zeroed memory, 8-byte aligned; NULL on allocation failure. */
void *pd_arena_alloc(struct pd_arena *a, size_t size);
/* Zeroed array; NULL on overflow or allocation failure. */
void *pd_arena_calloc(struct pd_arena *a, size_t n, size_t size);
char *pd_arena_strdup(struct pd_arena *a, const char *s);
void pd_arena_free(struct pd_arena *a);

#endif /* PODVSD_ARENA_H */
