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
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/siphash.h>

#include "dest.h"
#include "sched.h"
#include "service.h"

struct podvs_mh_state {
	struct podvs_sched_state base;
	u32 m;
	bool wide;		/* u32 entries: more dests than a u16 holds */
	union {
		DECLARE_FLEX_ARRAY(u16, t16);
		DECLARE_FLEX_ARRAY(u32, t32);
	};
};

#define PODVS_MH_EMPTY16	U16_MAX
#define PODVS_MH_EMPTY32	U32_MAX
/* slots probed after an unavailable pick before scanning the dests */
#define PODVS_MH_PROBES		8

/* Build-time cursor of one dest through its permutation. */
struct podvs_mh_perm {
	u32 cur;
	u32 skip;
	u32 turns;
};

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

static inline u32 podvs_mh_get(const struct podvs_mh_state *s, u32 i)
{
	return s->wide ? s->t32[i] : s->t16[i];
}

static inline bool podvs_mh_empty(const struct podvs_mh_state *s, u32 i)
{
	return s->wide ? s->t32[i] == PODVS_MH_EMPTY32 :
			 s->t16[i] == PODVS_MH_EMPTY16;
}

static inline void podvs_mh_set(struct podvs_mh_state *s, u32 i, u32 v)
{
	if (s->wide)
		s->t32[i] = v;
	else
		s->t16[i] = v;
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

/* Dest i claims its next preferred free slot. */
static void podvs_mh_claim(struct podvs_mh_state *s, struct podvs_mh_perm *p,
			   u32 i)
{
	u32 c = p->cur;

	while (!podvs_mh_empty(s, c)) {
		c += p->skip;
		if (c >= s->m)
			c -= s->m;
	}
	podvs_mh_set(s, c, i);
	c += p->skip;
	if (c >= s->m)
		c -= s->m;
	p->cur = c;
}

static void podvs_mh_fill(struct podvs_mh_state *s, struct podvs_mh_perm *p,
			  u32 n)
{
	u32 filled = 0, i, t;

	if (s->wide)
		memset(s->t32, 0xff, s->m * sizeof(u32));
	else
		memset(s->t16, 0xff, s->m * sizeof(u16));
	for (;;) {
		for (i = 0; i < n; i++) {
			for (t = 0; t < p[i].turns; t++) {
				podvs_mh_claim(s, &p[i], i);
				if (++filled == s->m)
					return;
			}
		}
		cond_resched();
	}
}

static struct podvs_sched_state *
podvs_mh_build(const struct podvs_service *svc, struct podvs_dest **dests,
	       u32 n)
{
	bool wide = n >= PODVS_MH_EMPTY16;
	struct podvs_mh_state *s;
	struct podvs_mh_perm *p;
	u32 m = svc->mh_size;

	p = kvmalloc_array(n, sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	s = kvzalloc(sizeof(*s) + (size_t)m * (wide ? sizeof(u32) : sizeof(u16)),
		     GFP_KERNEL_ACCOUNT);
	if (s) {
		s->m = m;
		s->wide = wide;
		podvs_mh_perms(p, dests, n, m);
		podvs_mh_fill(s, p, n);
	}
	kvfree(p);
	return s ? &s->base : NULL;
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
	.init = podvs_sched_init,
	.done = podvs_sched_done,
	.prepare = podvs_sched_prepare,
	.commit = podvs_sched_commit,
	.abort = podvs_sched_abort,
	.schedule = podvs_sched_schedule,
	.build = podvs_mh_build,
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
