/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT of podvs flows.  A client -> VIP packet gets the Pod as destination,
 * a Pod -> client packet gets the VIP as source; the client's address is
 * not touched, except for hairpin SNAT flows (snat.h): there the client ->
 * VIP packet also gets the gateway address and port the Pod sees as its
 * client (laddr:lport), and the reply gets the client back as its
 * destination.  ICMP errors about a flow are translated in the
 * outer header and in the packet they quote.  TCP/UDP checksums are
 * updated incrementally (CHECKSUM_PARTIAL, CHECKSUM_COMPLETE and plain
 * packets alike); ICMP checksums, over a small message, are recomputed.
 *
 * Routing: in PRE_ROUTING the packet is routed by us BEFORE the rewrite,
 * towards the destination it will have (the Pod, or the client for a
 * reply) and from the source it has on the wire (the client, or the Pod),
 * IPv4 and IPv6 alike: when the VIP is a local address of the gateway
 * (podvs0), IPv4 source validation would drop a reply whose source is
 * already the VIP as a martian.  So rp_filter sees the real source, and
 * source-specific routes select by it in both families.  The lookup runs
 * at priority -201, before mangle PREROUTING: a fwmark set there is not
 * seen by it (set the mark at raw PREROUTING, -300, for policy routing of
 * podvs traffic), and early demux never runs for translated packets.
 * hooks.c then hands a forwarded packet to send.h, which transmits it
 * without the FORWARD hook: podvs traffic is not filtered by FORWARD (as
 * IPVS NAT traffic is not).  In LOCAL_OUT the route was chosen for the
 * VIP, so a rewritten packet is routed again (ip_route_me_harder) and
 * continues through the stack.
 */
#ifndef _PODVS_XMIT_H
#define _PODVS_XMIT_H

#include <linux/skbuff.h>
#include "conn.h"

/* What the hooks learnt from a packet. */
struct podvs_pkt {
	/* lookup key; for an ICMP error, the quoted packet's tuple reversed,
	 * i.e. the tuple of a packet going the way the error goes
	 */
	struct podvs_tuple t;
	unsigned int thoff;	/* outer L4 header, from skb->data */
	unsigned int inoff;	/* ICMP error: quoted IP header */
	unsigned int inthoff;	/* ICMP error: quoted L4 header */
	u8 tcpflags;		/* PODVS_TCP_* of a TCP packet */
	bool icmp;		/* an ICMP error about a TCP/UDP packet */
};

/* Translate a packet of c that travels dir, and route it as described
 * above.  0, -ENOMEM (could not make it writable), -EHOSTUNREACH.
 */
int podvs_xmit(struct net *net, struct sk_buff *skb, const struct podvs_pkt *p,
	       const struct podvs_conn *c, enum podvs_dir dir,
	       unsigned int hook);

/* Helpers, exposed for KUnit. */

/* The rewrite of podvs_xmit() alone, without any routing. */
int podvs_xmit_nat(struct sk_buff *skb, const struct podvs_pkt *p,
		   const struct podvs_conn *c, enum podvs_dir dir);

/* Rewrite the destination (dst) or source address and port of the TCP or
 * UDP packet whose L4 header is at thoff; fixes every checksum.
 */
int podvs_nat_l4(struct sk_buff *skb, u16 af, u8 proto, unsigned int thoff,
		 bool dst, const union nf_inet_addr *addr, __be16 port);
/* Update the L4 checksum *check of skb for an address (pseudo-header) and
 * port change.  An IPv4 UDP checksum of 0 (none) stays 0.
 */
void podvs_csum_l4(struct sk_buff *skb, u16 af, u8 proto, __sum16 *check,
		   const union nf_inet_addr *from, const union nf_inet_addr *to,
		   __be16 fport, __be16 tport);

#endif /* _PODVS_XMIT_H */
