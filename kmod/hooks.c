// SPDX-License-Identifier: GPL-2.0
/*
 * podvs netfilter hooks: find the flow of a packet, schedule new flows,
 * reject what a VIP cannot serve, hand the rest to xmit.c.  hooks.h
 * explains the hook points and the priority.
 *
 * Per packet, in order:
 *  - anything but TCP, UDP and ICMP errors: accepted without a lookup;
 *  - the address filter (filter.h) on the tuple's source and destination
 *    (for an ICMP error, those of the quoted packet, reversed): when
 *    neither is a VIP or Pod address in use, the packet is no flow's and
 *    for no VIP and is accepted untouched.  This is all that traffic
 *    which is not podvs's costs: two multiplicative hashes and two loads
 *    (filter.h has the figures), where it used to cost a SipHash of the
 *    tuple and a conn bucket walk, then a jhash and an rhashtable bucket
 *    for the VIP lookup;
 *  - one connection-table lookup with the packet's own tuple, which finds
 *    both directions of a flow (and, for an ICMP error, the flow of the
 *    quoted packet); skipped while the namespace has no flows;
 *  - on a miss, one VIP lookup: a VIP port without a service, or a service
 *    without a usable dest, rejected (TCP RST, else ICMP port unreachable)
 *    and counted;
 *  - a miss that is not to a VIP, when the filter counts its source: one
 *    lookup in the dest index (revnat.h): a packet of a dest whose flow has
 *    no entry here is translated back to its service's VIP and an entry is
 *    learned; a packet no single service owns is dropped (AMBIGUOUS); the
 *    rest is accepted untouched.
 * So only packets from a Pod address or to a VIP (or whose addresses
 * collide with one in the filter) pay for the hash lookups.
 *
 * Deleted dests (RST instead of a black hole): the dest's TCP flows stay
 * as tombstones for the FIN timeout (conn.c), and a client packet hitting
 * one is answered with a RST and counted as PODVS_DROP_A_DEST_GONE; a
 * client SYN on it starts a new flow.  UDP flows of a deleted dest are
 * removed, so the next datagram is scheduled anew.  A TCP segment that is
 * not a SYN and finds no entry at all is scheduled like a new flow, as a
 * Maglev load balancer does: after an ECMP change or a gateway restart the
 * consistent hash sends it to the same Pod and the connection survives;
 * if that Pod does not know it, the Pod itself answers with a RST.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/tcp.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/netfilter/ipv6/nf_reject.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/tcp.h>
#include "conn.h"
#include "dest.h"
#include "filter.h"
#include "hooks.h"
#include "podvs_kunit.h"
#include "revnat.h"
#include "service.h"
#include "xmit.h"

#define PODVS_TCP_FLAGS	(PODVS_TCP_FIN | PODVS_TCP_SYN | PODVS_TCP_RST | \
			 PODVS_TCP_ACK)

/* Ports (and TCP flags) of the L4 header at off; swap for a quoted
 * packet, whose reversed tuple is the lookup key.  Only the first 8 bytes
 * of a quoted header are sure to be there.
 */
static int podvs_parse_ports(const struct sk_buff *skb, u8 proto,
			     unsigned int off, bool quoted,
			     struct podvs_pkt *p)
{
	unsigned int len = sizeof(struct udphdr);
	struct tcphdr buf;
	const struct tcphdr *th;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	if (proto == IPPROTO_TCP && !quoted)
		len = sizeof(struct tcphdr);
	th = skb_header_pointer(skb, off, len, &buf);
	if (!th)
		return -EBADMSG;
	p->t.protocol = proto;
	p->t.sport = quoted ? th->dest : th->source;
	p->t.dport = quoted ? th->source : th->dest;
	if (proto == IPPROTO_TCP && !quoted)
		p->tcpflags = tcp_flag_byte(th) & PODVS_TCP_FLAGS;
	return 0;
}

static int podvs_parse_icmp4(const struct sk_buff *skb, struct podvs_pkt *p)
{
	const struct icmphdr *ih;
	const struct iphdr *iph;
	struct icmphdr _ih;
	struct iphdr _iph;

	ih = skb_header_pointer(skb, p->thoff, sizeof(_ih), &_ih);
	if (!ih || !icmp_is_err(ih->type))
		return -EPROTONOSUPPORT;
	p->inoff = p->thoff + sizeof(_ih);
	iph = skb_header_pointer(skb, p->inoff, sizeof(_iph), &_iph);
	if (!iph || iph->ihl < 5 || (iph->frag_off & htons(IP_OFFSET)))
		return -EPROTONOSUPPORT;
	p->inthoff = p->inoff + iph->ihl * 4;
	p->icmp = true;
	p->t.src.ip = iph->daddr;
	p->t.dst.ip = iph->saddr;
	return podvs_parse_ports(skb, iph->protocol, p->inthoff, true, p);
}

static void podvs_pkt_init(struct podvs_pkt *p, u16 af, unsigned int thoff)
{
	memset(p, 0, sizeof(*p));
	p->t.af = af;
	p->thoff = thoff;
}

static int podvs_parse_v4(const struct sk_buff *skb, struct podvs_pkt *p)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP &&
	    iph->protocol != IPPROTO_ICMP)
		return -EPROTONOSUPPORT;
	/* defrag ran before us; a fragment here is one it let through */
	if (ip_is_fragment(iph))
		return -EPROTONOSUPPORT;
	podvs_pkt_init(p, AF_INET, skb_network_offset(skb) + ip_hdrlen(skb));
	if (iph->protocol == IPPROTO_ICMP)
		return podvs_parse_icmp4(skb, p);
	p->t.src.ip = iph->saddr;
	p->t.dst.ip = iph->daddr;
	return podvs_parse_ports(skb, iph->protocol, p->thoff, false, p);
}

static int podvs_parse_icmp6(const struct sk_buff *skb, struct podvs_pkt *p)
{
	const struct icmp6hdr *ih;
	const struct ipv6hdr *ip6h;
	struct icmp6hdr _ih;
	struct ipv6hdr _ip6h;
	__be16 frag_off;
	u8 nexthdr;
	int off;

	ih = skb_header_pointer(skb, p->thoff, sizeof(_ih), &_ih);
	if (!ih || (ih->icmp6_type & ICMPV6_INFOMSG_MASK))
		return -EPROTONOSUPPORT;
	p->inoff = p->thoff + sizeof(_ih);
	ip6h = skb_header_pointer(skb, p->inoff, sizeof(_ip6h), &_ip6h);
	if (!ip6h)
		return -EPROTONOSUPPORT;
	nexthdr = ip6h->nexthdr;
	off = ipv6_skip_exthdr(skb, p->inoff + sizeof(_ip6h), &nexthdr,
			       &frag_off);
	if (off < 0 || (frag_off & htons(~0x7)))
		return -EPROTONOSUPPORT;
	p->inthoff = off;
	p->icmp = true;
	p->t.src.in6 = ip6h->daddr;
	p->t.dst.in6 = ip6h->saddr;
	return podvs_parse_ports(skb, nexthdr, p->inthoff, true, p);
}

static int podvs_parse_v6(const struct sk_buff *skb, struct podvs_pkt *p)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	u8 nexthdr = ip6h->nexthdr;
	__be16 frag_off;
	int off;

	off = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(*ip6h),
			       &nexthdr, &frag_off);
	if (off < 0 || (frag_off & htons(~0x7)))
		return -EPROTONOSUPPORT;
	if (nexthdr != IPPROTO_TCP && nexthdr != IPPROTO_UDP &&
	    nexthdr != IPPROTO_ICMPV6)
		return -EPROTONOSUPPORT;
	podvs_pkt_init(p, AF_INET6, off);
	if (nexthdr == IPPROTO_ICMPV6)
		return podvs_parse_icmp6(skb, p);
	p->t.src.in6 = ip6h->saddr;
	p->t.dst.in6 = ip6h->daddr;
	return podvs_parse_ports(skb, nexthdr, p->thoff, false, p);
}

/* Drop a packet to a VIP, answering TCP with a RST and UDP with an ICMP
 * port unreachable (neither is sent in reply to a RST or an ICMP error).
 */
static unsigned int podvs_reject(struct podvs_net *pn, struct sk_buff *skb,
				 const struct podvs_pkt *p,
				 const struct nf_hook_state *state,
				 enum podvs_drop_attr why)
{
	podvs_drop(pn, why);
	if (p->t.protocol == IPPROTO_TCP && p->t.af == AF_INET)
		nf_send_reset(state->net, state->sk, skb, state->hook);
	else if (p->t.protocol == IPPROTO_TCP)
		nf_send_reset6(state->net, state->sk, skb, state->hook);
	else if (p->t.af == AF_INET)
		nf_send_unreach(skb, ICMP_PORT_UNREACH, state->hook);
	else
		nf_send_unreach6(state->net, skb, ICMPV6_PORT_UNREACH,
				 state->hook);
	return NF_DROP;
}

static void podvs_count(const struct podvs_conn *c, enum podvs_dir dir,
			unsigned int len)
{
	struct podvs_service *svc = rcu_dereference(c->dest->svc);

	if (dir == PODVS_DIR_ORIG) {
		podvs_stats_in(&c->dest->stats, len);
		if (svc)
			podvs_stats_in(&svc->stats, len);
	} else {
		podvs_stats_out(&c->dest->stats, len);
		if (svc)
			podvs_stats_out(&svc->stats, len);
	}
}

/* Translate, count, and let the packet go on untracked. */
static unsigned int podvs_forward(struct podvs_net *pn, struct sk_buff *skb,
				  const struct podvs_pkt *p,
				  const struct podvs_conn *c, enum podvs_dir dir,
				  const struct nf_hook_state *state)
{
	int err = podvs_xmit(state->net, skb, p, c, dir, state->hook);

	if (err) {
		podvs_drop(pn, err == -ENOMEM ? PODVS_DROP_A_NOMEM :
						PODVS_DROP_A_NO_ROUTE);
		return NF_DROP;
	}
	podvs_count(c, dir, skb->len);
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
	return NF_ACCEPT;
}

static unsigned int podvs_sched_failed(struct podvs_net *pn,
				       struct sk_buff *skb,
				       const struct podvs_pkt *p,
				       const struct nf_hook_state *state,
				       int err)
{
	switch (err) {
	case -ENOENT:
	case -EADDRINUSE:
		return podvs_reject(pn, skb, p, state, PODVS_DROP_A_NO_DEST);
	case -ENOSPC:
		podvs_drop(pn, PODVS_DROP_A_CONN_LIMIT);
		return NF_DROP;
	default:
		podvs_drop(pn, PODVS_DROP_A_NOMEM);
		return NF_DROP;
	}
}

/* A packet to a VIP that belongs to no flow. */
static unsigned int podvs_new_flow(struct podvs_net *pn, struct sk_buff *skb,
				   const struct podvs_pkt *p,
				   const struct nf_hook_state *state)
{
	struct podvs_service *svc;
	struct podvs_conn *c;
	u8 state0, fl = 0;
	int err;

	svc = podvs_svc_lookup(pn, p->t.af, p->t.protocol, &p->t.dst,
			       p->t.dport);
	if (!svc)
		return podvs_reject(pn, skb, p, state, PODVS_DROP_A_NO_SERVICE);
	if (p->tcpflags & PODVS_TCP_RST)
		return NF_DROP;		/* no flow to reset */
	if (p->t.protocol == IPPROTO_TCP)
		state0 = podvs_tcp_next(PODVS_CONN_S_NONE, PODVS_DIR_ORIG,
					p->tcpflags, &fl);
	else
		state0 = PODVS_CONN_S_UDP;
	err = podvs_conn_schedule(pn, svc, &p->t, state0, fl, &c);
	if (err)
		return podvs_sched_failed(pn, skb, p, state, err);
	return podvs_forward(pn, skb, p, c, PODVS_DIR_ORIG, state);
}

/* Is a (where the packet goes: the client of a reply) this gateway? */
static bool podvs_is_local(struct net *net, u16 af,
			   const union nf_inet_addr *a)
{
	if (af == AF_INET)
		return inet_addr_type(net, a->ip) == RTN_LOCAL;
	return ipv6_chk_addr(net, &a->in6, NULL, 0);
}

/* Translate a packet of d without an entry (a RST, an ICMP error, or a
 * flow that cannot be learned): the flow as it would be.
 */
static unsigned int podvs_rev_stateless(struct podvs_net *pn,
					struct sk_buff *skb,
					const struct podvs_pkt *p,
					struct podvs_dest *d,
					const struct nf_hook_state *state)
{
	struct podvs_service *svc = rcu_dereference(d->svc);
	struct podvs_conn c = {};

	if (!svc)
		return NF_ACCEPT;
	c.af = p->t.af;
	c.protocol = p->t.protocol;
	c.caddr = p->t.dst;
	c.cport = p->t.dport;
	c.vaddr = svc->key.addr;
	c.vport = svc->key.port;
	c.daddr = d->addr;
	c.dport = d->port;
	c.dest = d;
	return podvs_forward(pn, skb, p, &c, PODVS_DIR_REPLY, state);
}

static unsigned int podvs_rev_learn(struct podvs_net *pn, struct sk_buff *skb,
				    const struct podvs_pkt *p,
				    struct podvs_dest *d,
				    const struct nf_hook_state *state)
{
	struct podvs_conn *c;
	u8 st = PODVS_CONN_S_UDP, fl = 0;
	int err;

	if (p->t.protocol == IPPROTO_TCP) {
		st = podvs_tcp_learn(p->tcpflags, &fl);
		if (st == PODVS_CONN_S_NONE && !(p->tcpflags & PODVS_TCP_RST))
			return NF_ACCEPT;	/* a SYN: no reply */
		if (st == PODVS_CONN_S_NONE)
			return podvs_rev_stateless(pn, skb, p, d, state);
	}
	err = podvs_conn_learn(pn, &p->t, d, st, fl, &c);
	switch (err) {
	case 0:
		return podvs_forward(pn, skb, p, c, PODVS_DIR_REPLY, state);
	case -ENOENT:
		return NF_ACCEPT;	/* the dest died: not ours any more */
	case -ENOSPC:
		podvs_drop(pn, PODVS_DROP_A_CONN_LIMIT);
		return NF_DROP;
	case -ENOMEM:
		podvs_drop(pn, PODVS_DROP_A_NOMEM);
		return NF_DROP;
	default:	/* the client tuple is another Pod's flow here */
		return podvs_rev_stateless(pn, skb, p, d, state);
	}
}

/* A packet that missed the connection table and goes to no VIP: from a
 * dest of ours whose flow has no entry on this gateway (revnat.h), or
 * none of podvs's business.  Only forwarded traffic: the gateway's own
 * packets (LOCAL_OUT) and packets to the gateway itself (a health check's
 * replies, a hairpin flow's after a reload) are never a client's.
 */
static unsigned int podvs_reply_miss(struct podvs_net *pn, struct sk_buff *skb,
				     const struct podvs_pkt *p,
				     const struct nf_hook_state *state)
{
	struct podvs_dest *d;
	int err;

	if (state->hook != NF_INET_PRE_ROUTING)
		return NF_ACCEPT;
	err = podvs_rev_owner(pn, &p->t, &d);
	if (err == -ENOENT || podvs_is_local(state->net, p->t.af, &p->t.dst))
		return NF_ACCEPT;
	if (err) {
		podvs_drop(pn, PODVS_DROP_A_AMBIGUOUS);
		return NF_DROP;
	}
	if (p->icmp)
		return podvs_rev_stateless(pn, skb, p, d, state);
	return podvs_rev_learn(pn, skb, p, d, state);
}

/* A packet of a flow whose dest was deleted. */
static unsigned int podvs_dest_gone(struct podvs_net *pn, struct sk_buff *skb,
				    const struct podvs_pkt *p,
				    struct podvs_conn *c, enum podvs_dir dir,
				    const struct nf_hook_state *state)
{
	bool syn = (p->tcpflags & (PODVS_TCP_SYN | PODVS_TCP_ACK)) ==
		   PODVS_TCP_SYN;

	if (dir == PODVS_DIR_ORIG &&
	    (c->protocol == IPPROTO_UDP || syn)) {
		podvs_conn_kill(c);	/* a new flow takes its place */
		return podvs_new_flow(pn, skb, p, state);
	}
	podvs_conn_end(c);		/* tombstone if not flushed yet */
	if (dir == PODVS_DIR_ORIG)
		return podvs_reject(pn, skb, p, state, PODVS_DROP_A_DEST_GONE);
	podvs_drop(pn, PODVS_DROP_A_DEST_GONE);
	return NF_DROP;
}

static unsigned int podvs_hit(struct podvs_net *pn, struct sk_buff *skb,
			      const struct podvs_pkt *p, struct podvs_conn *c,
			      enum podvs_dir dir,
			      const struct nf_hook_state *state)
{
	if (p->icmp)
		return podvs_forward(pn, skb, p, c, dir, state);
	if (podvs_conn_gone(c))
		return podvs_dest_gone(pn, skb, p, c, dir, state);
	if (dir == PODVS_DIR_ORIG && c->protocol == IPPROTO_TCP &&
	    podvs_tcp_reusable(c, p->tcpflags)) {
		podvs_conn_kill(c);	/* port reuse: schedule anew now */
		return podvs_new_flow(pn, skb, p, state);
	}
	podvs_conn_update(c, dir, p->tcpflags);
	return podvs_forward(pn, skb, p, c, dir, state);
}

static unsigned int podvs_handle(struct podvs_net *pn, struct sk_buff *skb,
				 struct podvs_pkt *p, int perr,
				 const struct nf_hook_state *state)
{
	struct podvs_conn *c;
	enum podvs_dir dir;

	/* neither from a Pod nor to a VIP: no flow's, no VIP's */
	if (!podvs_filter_match(pn->filter, p->t.af, &p->t.src, &p->t.dst))
		return NF_ACCEPT;
	if (perr == -EBADMSG && !p->icmp &&
	    podvs_vip_known(pn, p->t.af, &p->t.dst)) {
		podvs_drop(pn, PODVS_DROP_A_MALFORMED);
		return NF_DROP;
	}
	if (perr)
		return NF_ACCEPT;
	c = podvs_conn_lookup(pn, &p->t, &dir);
	if (c)
		return podvs_hit(pn, skb, p, c, dir, state);
	if (!p->icmp && podvs_vip_known(pn, p->t.af, &p->t.dst))
		return podvs_new_flow(pn, skb, p, state);
	return podvs_reply_miss(pn, skb, p, state);
}

/* Packets looped back from LOCAL_OUT were handled there already. */
static bool podvs_skip(const struct nf_hook_state *state)
{
	return state->hook == NF_INET_PRE_ROUTING && state->in &&
	       (state->in->flags & IFF_LOOPBACK);
}

static unsigned int podvs_hook_v4(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct podvs_pkt p;
	int err;

	if (podvs_skip(state))
		return NF_ACCEPT;
	err = podvs_parse_v4(skb, &p);
	if (err == -EPROTONOSUPPORT)
		return NF_ACCEPT;
	return podvs_handle(podvs_pernet(state->net), skb, &p, err, state);
}

static unsigned int podvs_hook_v6(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct podvs_pkt p;
	int err;

	if (podvs_skip(state))
		return NF_ACCEPT;
	err = podvs_parse_v6(skb, &p);
	if (err == -EPROTONOSUPPORT)
		return NF_ACCEPT;
	return podvs_handle(podvs_pernet(state->net), skb, &p, err, state);
}

#ifdef PODVS_KUNIT
/* The hook, on a namespace state of KUnit's instead of state->net's. */
unsigned int podvs_hook_pn(struct podvs_net *pn, struct sk_buff *skb,
			   const struct nf_hook_state *state)
{
	struct podvs_pkt p;
	int err;

	if (state->pf == NFPROTO_IPV4)
		err = podvs_parse_v4(skb, &p);
	else
		err = podvs_parse_v6(skb, &p);
	if (err == -EPROTONOSUPPORT)
		return NF_ACCEPT;
	return podvs_handle(pn, skb, &p, err, state);
}
#endif

static const struct nf_hook_ops podvs_nf_ops[] = {
	{
		.hook		= podvs_hook_v4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= PODVS_HOOK_PRIORITY,
	},
	{
		.hook		= podvs_hook_v4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= PODVS_HOOK_PRIORITY,
	},
	{
		.hook		= podvs_hook_v6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= PODVS_HOOK_PRIORITY,
	},
	{
		.hook		= podvs_hook_v6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= PODVS_HOOK_PRIORITY,
	},
};

int podvs_hooks_net_init(struct podvs_net *pn)
{
	int ret;

	ret = nf_defrag_ipv4_enable(pn->net);
	if (ret)
		return ret;
	ret = nf_defrag_ipv6_enable(pn->net);
	if (ret)
		goto disable_defrag4;
	ret = nf_register_net_hooks(pn->net, podvs_nf_ops,
				    ARRAY_SIZE(podvs_nf_ops));
	if (ret)
		goto disable_defrag6;
	return 0;

disable_defrag6:
	nf_defrag_ipv6_disable(pn->net);
disable_defrag4:
	nf_defrag_ipv4_disable(pn->net);
	return ret;
}

void podvs_hooks_net_exit(struct podvs_net *pn)
{
	nf_unregister_net_hooks(pn->net, podvs_nf_ops,
				ARRAY_SIZE(podvs_nf_ops));
	nf_defrag_ipv6_disable(pn->net);
	nf_defrag_ipv4_disable(pn->net);
}
