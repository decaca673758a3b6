// SPDX-License-Identifier: GPL-2.0
/*
 * mh: Maglev consistent hashing (Eisenbud et al., NSDI 2016).
 *
 * Each dest has a permutation of the M table slots given by an offset and
 * a skip, both hashes of its address and port with fixed keys, so a dest
 * prefers the same slots on every gateway whatever its list position.
 * Dests take turns, in (addr, port) order, claiming their next preferred
 * free slot until the table is full; a dest of weight w takes w/gcd turns
 * per round (scaled down so that a round stays short next to M).
 * Removing one of N dests frees only its slots, which the others claim,
 * so about 1/N of the clients move.
 */
#include <linux/gcd.h>
#include <linux/gfp.h>
#include <linux/kmemleak.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dest.h"
#include "sched.h"
#include "service.h"

/* Build-time cursor of one dest through its permutation. */
struct podvs_mh_perm {
	u32 cur;
	u32 skip;
	u32 turns;
};

/*
 * The table holds dest indexes, one byte each while the dests fit (the
 * common case: M = 65537 is 17 pages), else two or four; all ones marks
 * a free slot while the table fills.  Header and table are one
 * allocation of exactly their size in pages (podvs_mh_alloc).
 */
struct podvs_mh_state {
	struct podvs_sched_state base;
	u32 m;
	u8 width;			/* bytes per entry: 1, 2 or 4 */
	struct podvs_mh_perm *perm;	/* build to fill, then NULL */
	union {
		DECLARE_FLEX_ARRAY(u8, t8);
		DECLARE_FLEX_ARRAY(u16, t16);
		DECLARE_FLEX_ARRAY(u32, t32);
	};
};

/* slots probed after an unavailable pick before scanning the dests */
#define PODVS_MH_PROBES		8

static const siphash_key_t podvs_mh_offset_key = {{
	0x6d61676c65765f6fULL, 0x66667365745f6b31ULL
}};

static const siphash_key_t podvs_mh_skip_key = {{
	0x6d61676c65765f73ULL, 0x6b69705f6b65795fULL
}};

bool podvs_mh_size_valid(u32 m)
{
	u32 i;

	if (m < PODVS_MH_SIZE_MIN || m > PODVS_MH_SIZE_MAX || !(m & 1))
		return false;
	for (i = 3; i * i <= m; i += 2)
		if (m % i == 0)
			return false;
	return true;
}

static u64 podvs_mh_dest_hash(const struct podvs_dest *d,
			      const siphash_key_t *key)
{
	return siphash_3u64(podvs_u64(&d->addr.in6, 0),
			    podvs_u64(&d->addr.in6, 2), ntohs(d->port), key);
}

/* Bytes per entry for n dests: indexes 0..n-1 stay below the free mark. */
static u8 podvs_mh_width(u32 n)
{
	if (n <= U8_MAX)
		return 1;
	return n <= U16_MAX ? 2 : 4;
}

static inline u32 podvs_mh_get(const struct podvs_mh_state *s, u32 i)
{
	if (s->width == 1)
		return s->t8[i];
	return s->width == 2 ? s->t16[i] : s->t32[i];
}

static size_t podvs_mh_bytes(u32 m, u8 width)
{
	return offsetof(struct podvs_mh_state, t8) + (size_t)m * width;
}

/*
 * kvmalloc() would round a table of 65537 u16 (128 KiB + 2 bytes) up to
 * 256 KiB of pages.  Take whole pages instead, no more than the size
 * needs, and vmalloc only when no such run of pages is free.  Below a
 * page, kmalloc.  Nothing is zeroed: the fill writes every entry.  The
 * pages are made known to kmemleak as kmalloc's are: the state holds the
 * only pointer to its dests array.
 */
static void *podvs_mh_alloc(size_t size)
{
	void *p;

	if (size < PAGE_SIZE)
		return kmalloc(size, GFP_KERNEL_ACCOUNT);
	p = alloc_pages_exact(size, GFP_KERNEL_ACCOUNT | __GFP_NORETRY |
			      __GFP_NOWARN);
	if (!p)
		return __vmalloc(size, GFP_KERNEL_ACCOUNT);
	kmemleak_alloc(p, size, 1, GFP_KERNEL);
	return p;
}

static void podvs_mh_free_mem(void *p, size_t size)
{
	if (is_vmalloc_addr(p)) {
		vfree(p);
	} else if (size < PAGE_SIZE) {
		kfree(p);
	} else {
		kmemleak_free(p);
		free_pages_exact(p, size);
	}
}

/* Turns per round: weight / gcd, scaled down when a round would be long
 * next to M.  Only the last, partial round skews the shares (by at most
 * 1 / rounds), so keep 128 rounds or more unless the dests alone, one turn
 * each, need longer rounds.
 */
static void podvs_mh_turns(struct podvs_mh_perm *p,
			   struct podvs_dest **dests, u32 n, u32 m)
{
	u64 sum = 0, limit = max(n, m / 128);
	u32 i, g = 0;

	for (i = 0; i < n; i++)
		g = gcd(READ_ONCE(dests[i]->weight), g);
	for (i = 0; i < n; i++) {
		p[i].turns = READ_ONCE(dests[i]->weight) / g;
		sum += p[i].turns;
	}
	if (sum <= limit)
		return;
	for (i = 0; i < n; i++)
		p[i].turns = max_t(u64, 1, div64_u64((u64)p[i].turns * limit,
						     sum));
}

static void podvs_mh_perms(struct podvs_mh_perm *p,
			   struct podvs_dest **dests, u32 n, u32 m)
{
	u32 i;

	for (i = 0; i < n; i++) {
		p[i].cur = podvs_mh_dest_hash(dests[i], &podvs_mh_offset_key) % m;
		p[i].skip = podvs_mh_dest_hash(dests[i], &podvs_mh_skip_key) %
			    (m - 1) + 1;
	}
	podvs_mh_turns(p, dests, n, m);
}

static inline u32 podvs_mh_step(u32 c, u32 skip, u32 m)
{
	c += skip;
	return c >= m ? c - m : c;
}

static __always_inline bool podvs_mh_taken(const struct podvs_mh_state *s,
					   u32 c, const u8 width)
{
	if (width == 1)
		return s->t8[c] != U8_MAX;
	if (width == 2)
		return s->t16[c] != U16_MAX;
	return s->t32[c] != U32_MAX;
}

static __always_inline void podvs_mh_put(struct podvs_mh_state *s, u32 c,
					 u32 v, const u8 width)
{
	if (width == 1)
		s->t8[c] = v;
	else if (width == 2)
		s->t16[c] = v;
	else
		s->t32[c] = v;
}

/*
 * Dests take turns, in snapshot order, p[i].turns each per round; a turn
 * claims the dest's next free slot in its permutation.  Instantiated once
 * per entry width so that the probe loop, where the time goes (some
 * M ln M probes at most), is a load, a compare and a step.
 */
static __always_inline void podvs_mh_fill_w(struct podvs_mh_state *s,
					    struct podvs_mh_perm *p, u32 n,
					    const u8 width)
{
	u32 m = s->m, left = m, i = 0, t = 0;

	memset(s->t8, 0xff, (size_t)m * width);
	for (;;) {
		u32 c = p[i].cur, skip = p[i].skip;

		while (podvs_mh_taken(s, c, width))
			c = podvs_mh_step(c, skip, m);
		podvs_mh_put(s, c, i, width);
		p[i].cur = podvs_mh_step(c, skip, m);
		if (!--left)
			return;
		if (++t < p[i].turns)
			continue;
		t = 0;
		if (++i == n) {
			i = 0;
			cond_resched();
		}
	}
}

static noinline void podvs_mh_fill8(struct podvs_mh_state *s,
				    struct podvs_mh_perm *p, u32 n)
{
	podvs_mh_fill_w(s, p, n, 1);
}

static noinline void podvs_mh_fill16(struct podvs_mh_state *s,
				     struct podvs_mh_perm *p, u32 n)
{
	podvs_mh_fill_w(s, p, n, 2);
}

static noinline void podvs_mh_fill32(struct podvs_mh_state *s,
				     struct podvs_mh_perm *p, u32 n)
{
	podvs_mh_fill_w(s, p, n, 4);
}

/* The costly half of a build; see ops->fill for where it may run. */
static void podvs_mh_fill(struct podvs_sched_state *st)
{
	struct podvs_mh_state *s = container_of(st, struct podvs_mh_state,
						base);

	podvs_mh_perms(s->perm, st->dests, st->n, s->m);
	if (s->width == 1)
		podvs_mh_fill8(s, s->perm, st->n);
	else if (s->width == 2)
		podvs_mh_fill16(s, s->perm, st->n);
	else
		podvs_mh_fill32(s, s->perm, st->n);
	kvfree(s->perm);
	s->perm = NULL;
}

/* The cheap half: memory for the table and the permutations. */
static struct podvs_sched_state *
podvs_mh_build(const struct podvs_service *svc, struct podvs_dest **dests,
	       u32 n)
{
	u8 width = podvs_mh_width(n);
	struct podvs_mh_state *s;
	u32 m = svc->mh_size;

	s = podvs_mh_alloc(podvs_mh_bytes(m, width));
	if (!s)
		return NULL;
	memset(s, 0, offsetof(struct podvs_mh_state, t8));
	s->perm = kvmalloc_array(n, sizeof(*s->perm), GFP_KERNEL);
	if (!s->perm) {
		podvs_mh_free_mem(s, podvs_mh_bytes(m, width));
		return NULL;
	}
	s->m = m;
	s->width = width;
	s->base.fill_cost = m;
	return &s->base;
}

static void podvs_mh_free(struct podvs_sched_state *st)
{
	struct podvs_mh_state *s = container_of(st, struct podvs_mh_state,
						base);

	kvfree(s->perm);	/* set only if never filled */
	podvs_mh_free_mem(s, podvs_mh_bytes(s->m, s->width));
}

/* The client's slot; if its dest cannot take new flows (drained or
 * deleted since the table was built), the next slots, then every dest:
 * always the same answer for the same client and dest states.
 */
static struct podvs_dest *podvs_mh_pick(struct podvs_sched_state *st,
					const struct podvs_service *svc,
					const struct podvs_flow_key *key)
{
	struct podvs_mh_state *s = container_of(st, struct podvs_mh_state,
						base);
	bool port = READ_ONCE(svc->flags) & PODVS_SVC_F_HASH_PORT;
	u32 slot = podvs_sched_hash(key, port) % s->m;
	struct podvs_dest *d;
	u32 i;

	for (i = 0; i <= PODVS_MH_PROBES; i++) {
		d = st->dests[podvs_mh_get(s, slot)];
		if (likely(podvs_dest_available(d)))
			return d;
		if (++slot == s->m)
			slot = 0;
	}
	return podvs_sched_scan(st, podvs_mh_get(s, slot));
}

u32 podvs_mh_entry(const struct podvs_sched_state *st, u32 i)
{
	return podvs_mh_get(container_of(st, struct podvs_mh_state, base), i);
}

u32 podvs_mh_size(const struct podvs_sched_state *st)
{
	return container_of(st, struct podvs_mh_state, base)->m;
}

static struct podvs_sched_ops podvs_mh_ops = {
	.name = "mh",
	.hashed = true,
	.build = podvs_mh_build,
	.fill = podvs_mh_fill,
	.free = podvs_mh_free,
	.pick = podvs_mh_pick,
};

int podvs_sched_mh_init(void)
{
	return podvs_sched_register(&podvs_mh_ops);
}

void podvs_sched_mh_exit(void)
{
	podvs_sched_unregister(&podvs_mh_ops);
}
