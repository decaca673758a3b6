/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hairpin SNAT: a client inside the cluster's own ranges (a Pod or a node)
 * that connects to a VIP would get the Pod's reply straight from the Pod,
 * with the Pod's address as source, and drop it.  For the services whose
 * PODVS_SVC_A_SNAT_FROM lists a prefix holding the client's address, a new
 * flow that arrives in PRE_ROUTING is source-NATed: the Pod sees
 * (gateway address, port) as its client, so the reply comes back through
 * the gateway, which translates it back.
 *
 *  - Gateway address: the source the gateway itself would use towards the
 *    Pod (an output route lookup; IPv6: ipv6_dev_get_saddr on its device).
 *  - Port: the client's own port when the reply tuple (Pod, Pod port,
 *    gateway address, port) is free in the connection table; else the
 *    first free one from a pseudo-random start in the SNAT port range,
 *    which lies outside the namespace's ip_local_port_range so that the
 *    gateway's own sockets to Pods never collide with it: the ports above
 *    the range's top (61000-65535 with the default 32768-60999), or, when
 *    the top is 65535, the ports from 1024 below its bottom.  When none is
 *    free the packet is dropped and counted (PODVS_DROP_A_SNAT_PORTS).
 *  - Flows the gateway starts itself (LOCAL_OUT) are never source-NATed:
 *    their replies come back to it anyway (hooks.c decides, conn.c
 *    chooses the port while hashing).
 *
 * Such a Pod loses the client's address: it sees the gateway's.
 *
 * Locking: svc->snat is replaced under pn->lock (RCU), read under
 * rcu_read_lock by the datapath; a replaced list is freed after a grace
 * period once the transaction that replaced it commits (txn.c).
 */
#ifndef _PODVS_SNAT_H
#define _PODVS_SNAT_H

#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <uapi/linux/podvs.h>

struct nlattr;

struct podvs_prefix {
	union nf_inet_addr addr;	/* host bits zero */
	u8 plen;
};

/* A service's SNAT_FROM list; never changed once published. */
struct podvs_snat {
	struct rcu_head rcu;
	u32 n;
	struct podvs_prefix p[];
};

/* How a new flow is source-NATed: addr() gives the gateway address
 * towards the Pod (podvs_snat_addr, or a KUnit fake) into laddr; lo..hi
 * (host order) is the port range tried when the client's port is taken.
 */
struct podvs_snat_req {
	int (*addr)(struct net *net, u16 af, const union nf_inet_addr *pod,
		    union nf_inet_addr *out);
	union nf_inet_addr laddr;
	u16 lo, hi;
};

/* Does a (af) fall into one of the prefixes of s (NULL: none)? */
bool podvs_snat_match(const struct podvs_snat *s, u16 af,
		      const union nf_inet_addr *a);
/* Is a/plen a valid prefix of family af (host bits zero)? */
bool podvs_prefix_valid(u16 af, const union nf_inet_addr *a, u8 plen);
/* The prefix in a PODVS_RANGE_A_PREFIX of family af (length checked by
 * the caller).
 */
void podvs_prefix_get(const struct nlattr *a, u16 af, struct podvs_prefix *p);
/* The n prefixes of a validated PODVS_SVC_A_SNAT_FROM nest, for a service
 * (GFP_KERNEL), or NULL.
 */
struct podvs_snat *podvs_snat_alloc(const struct nlattr *nest, u16 af, u32 n);
void podvs_snat_free(struct podvs_snat *s);

/* The SNAT port range of net, outside its ip_local_port_range. */
void podvs_snat_ports(struct net *net, u16 *lo, u16 *hi);
/* The i-th port tried after the client's own (from start, wrapping in
 * lo..hi), or 0 past the end of the range.  Pure (KUnit).
 */
u16 podvs_snat_port_try(u16 lo, u16 hi, u32 start, u32 i);
/* The address the gateway sends from towards pod: 0 or -EHOSTUNREACH. */
int podvs_snat_addr(struct net *net, u16 af, const union nf_inet_addr *pod,
		    union nf_inet_addr *out);

#endif /* _PODVS_SNAT_H */
