/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending a translated packet ourselves, as IPVS does for NAT.
 *
 * In PRE_ROUTING, xmit.c routes a translated packet (xmit.h says by which
 * addresses).  When that route forwards it, podvs_send() does what
 * ip_forward() / ip6_forward() would (hop limit, MTU, header room, TTL or
 * hop limit decrement, the forwarded mark, priority, MIB counters) and
 * hands it to dst_output(), so POST_ROUTING still runs but FORWARD does
 * not: podvs traffic is never filtered by the FORWARD chain, whatever its
 * policy (a Docker-style "policy DROP, accept ESTABLISHED,RELATED" would
 * drop every untracked podvs packet), and the stack never sends an ICMP
 * redirect for it (a redirect would point the client at the Pod, or the
 * Pod past the gateway).  Filter podvs traffic in PRE_ROUTING before
 * priority -201 (raw, -300) or at ingress instead.
 *
 * Left to the stack (the hook accepts the packet with the route attached):
 * local delivery, a route that is not a plain unicast forward (unreachable,
 * blackhole, multicast, lightweight tunnel), forwarding disabled, an IPv4
 * header with options, an IPv6 Router Alert, a TTL / hop limit that is
 * exhausted and a packet too big for the route with DF set: there the
 * stack sends the ICMP error before the FORWARD hook, and podvs's LOCAL_OUT
 * hook translates that error as usual.  IPsec policies (xfrm FWD) are
 * checked as ip_forward() checks them; a packet they refuse is left to the
 * stack, which drops it.
 */
#ifndef _PODVS_SEND_H
#define _PODVS_SEND_H

#include <linux/skbuff.h>

enum podvs_send_ret {
	PODVS_SENT,		/* skb consumed: the hook returns NF_STOLEN */
	PODVS_SEND_STACK,	/* left to the stack: NF_ACCEPT */
};

/* Send the routed skb (af's header at skb->data) as a forwarded packet.
 * PODVS_SENT, PODVS_SEND_STACK, or -ENOMEM (no header room: drop it).
 * Softirq context (PRE_ROUTING), under rcu_read_lock.
 */
int podvs_send(struct net *net, struct sk_buff *skb, u16 af);

#endif /* _PODVS_SEND_H */
