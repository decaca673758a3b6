/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address filter: the datapath's first and cheapest question, "could this
 * packet be podvs's at all?".
 *
 * A counting filter: an array of counters indexed by a hash of an
 * address.  It counts
 *  - every service's VIP, for as long as the service exists, so packets
 *    to a VIP (new flows, rejects) pass;
 *  - per dest, the dest's address (replies of its flows come from it)
 *    and its service's VIP (client packets of its flows go to it, even
 *    after the service is gone: TCP tombstones answer them with a RST),
 *    for as long as the dest's memory lives, i.e. until no flow, scheduler
 *    state or list holds it.
 * So every address a conn-table entry or a service can match has a
 * non-zero counter, and a packet whose source and destination both hash
 * to zero counters belongs to no flow and goes to no VIP: the hook accepts
 * it without a conn-table or VIP lookup.  Collisions only send a packet
 * down the full path, as every packet went before the filter.
 *
 * Per packet (counted, not timed): two multiply-and-shift hashes (an IPv6
 * address is first folded to 32 bits with three XORs) and two loads from
 * one array.  The full path it spares traffic that is not podvs's is a
 * SipHash-2-4 of the 40-byte tuple (6 blocks: 16 SipRounds of 14 ALU
 * operations each), the conn bucket head and every entry of its chain,
 * then a jhash of the 20-byte VIP key, the rhashtable's table pointer,
 * bucket and entries: about 250 ALU operations and 3 to 6 dependent loads
 * from tables of 512 KiB and up, against 4 operations and 2 independent
 * loads.  The array has 2^PODVS_FILTER_BITS counters (256 KiB per
 * namespace); with N distinct VIP and Pod addresses in use, an unrelated
 * packet takes the full path with a probability of about 2N / 65536 (3%
 * for N = 1,000; the filter saturates, and costs the two loads on top of
 * the full path, from some 100,000 addresses).
 *
 * Writers: atomic counters, from any context (a dest's last reference may
 * go in a timer or an RCU callback).  Readers: plain atomic_read, no lock.
 */
#ifndef _PODVS_FILTER_H
#define _PODVS_FILTER_H

#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/netfilter.h>
#include <linux/socket.h>

#define PODVS_FILTER_BITS	16

struct podvs_filter {
	u32 seed;
	atomic_t cnt[];
};

struct podvs_filter *podvs_filter_alloc(void);
/* After every dest and service is gone and freed (counters back to 0). */
void podvs_filter_free(struct podvs_filter *f);

static inline u32 podvs_filter_index(const struct podvs_filter *f, u16 af,
				     const union nf_inet_addr *a)
{
	u32 x = a->all[0];

	if (af != AF_INET)
		x ^= a->all[1] ^ a->all[2] ^ a->all[3];
	return hash_32(x ^ f->seed, PODVS_FILTER_BITS);
}

static inline void podvs_filter_add(struct podvs_filter *f, u16 af,
				    const union nf_inet_addr *a)
{
	atomic_inc(&f->cnt[podvs_filter_index(f, af, a)]);
}

static inline void podvs_filter_del(struct podvs_filter *f, u16 af,
				    const union nf_inet_addr *a)
{
	WARN_ON_ONCE(atomic_dec_return(&f->cnt[podvs_filter_index(f, af, a)]) < 0);
}

/* May a packet from src to dst be podvs's (a flow's, or to a VIP)? */
static inline bool podvs_filter_match(const struct podvs_filter *f, u16 af,
				      const union nf_inet_addr *src,
				      const union nf_inet_addr *dst)
{
	return atomic_read(&f->cnt[podvs_filter_index(f, af, dst)]) ||
	       atomic_read(&f->cnt[podvs_filter_index(f, af, src)]);
}

/* Is a perhaps a VIP or Pod address in use (the source alone, revnat.c)? */
static inline bool podvs_filter_has(const struct podvs_filter *f, u16 af,
				    const union nf_inet_addr *a)
{
	return atomic_read(&f->cnt[podvs_filter_index(f, af, a)]);
}

#endif /* _PODVS_FILTER_H */
