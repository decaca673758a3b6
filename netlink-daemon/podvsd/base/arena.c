// SPDX-License-Identifier: GPL-2.0
/* Chunked bump allocator. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

#define ARENA_MIN_CHUNK	1024

struct pd_arena_chunk {
	struct pd_arena_chunk *next;
	size_t size;
	_Alignas(8) unsigned char mem[];
};

static struct pd_arena_chunk *new_chunk(struct pd_arena *a, size_t need)
{
	size_t size = a->total > ARENA_MIN_CHUNK ? a->total : ARENA_MIN_CHUNK;
	struct pd_arena_chunk *c;

	if (size < need)
		size = need;
	c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->next = a->head;
	c->size = size;
	a->head = c;
	a->used = 0;
	a->total += size;
	return c;
}

void *pd_arena_alloc(struct pd_arena *a, size_t size)
{
	size_t aligned = (size + 7) & ~(size_t)7;
	void *p;

	if (aligned < size)
		return NULL;
	if (!a->head || a->head->size - a->used < aligned)
		if (!new_chunk(a, aligned))
			return NULL;
	p = a->head->mem + a->used;
	a->used += aligned;
	memset(p, 0, size);
	return p;
}

void *pd_arena_calloc(struct pd_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return pd_arena_alloc(a, n && size ? n * size : 1);
}

char *pd_arena_strdup(struct pd_arena *a, const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = pd_arena_alloc(a, len);

	if (p)
		memcpy(p, s, len);
	return p;
}

void pd_arena_free(struct pd_arena *a)
{
	struct pd_arena_chunk *c = a->head;

	while (c) {
		struct pd_arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	memset(a, 0, sizeof(*a));
}
