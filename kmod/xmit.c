// SPDX-License-Identifier: GPL-2.0
/*
 * podvs NAT rewrite, checksums, routing; xmit.h describes the choices.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/dst_metadata.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include "xmit.h"

static unsigned int podvs_l4_csum_off(u8 proto)
{
	return proto == IPPROTO_TCP ? offsetof(struct tcphdr, check) :
				      offsetof(struct udphdr, check);
}

void podvs_csum_l4(struct sk_buff *skb, u16 af, u8 proto, __sum16 *check,
		   const union nf_inet_addr *from, const union nf_inet_addr *to,
		   __be16 fport, __be16 tport)
{
	if (proto == IPPROTO_UDP && af == AF_INET && !*check &&
	    skb->ip_summed != CHECKSUM_PARTIAL)
		return;
	if (af == AF_INET)
		inet_proto_csum_replace4(check, skb, from->ip, to->ip, true);
	else
		inet_proto_csum_replace16(check, skb, from->ip6, to->ip6, true);
	inet_proto_csum_replace2(check, skb, fport, tport, false);
	if (proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

/* Rewrite the outer destination or source address; old gets the former. */
static void podvs_nat_l3(struct sk_buff *skb, u16 af, bool dst,
			 const union nf_inet_addr *addr,
			 union nf_inet_addr *old)
{
	memset(old, 0, sizeof(*old));
	if (af == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);
		__be32 *a = dst ? &iph->daddr : &iph->saddr;

		old->ip = *a;
		csum_replace4(&iph->check, *a, addr->ip);
		*a = addr->ip;
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct in6_addr *a = dst ? &ip6h->daddr : &ip6h->saddr;

		old->in6 = *a;
		*a = addr->in6;
	}
}

/* CHECKSUM_COMPLETE: skb->csum covers the packet from the network header.
 * An IPv4 header sums to zero whatever its addresses (its own checksum
 * absorbs the change), so only the L4 checksum field's change counts, and
 * inet_proto_csum_replace4() accounts for it.  In IPv6 the address change
 * in the header and the matching change of the L4 checksum field cancel
 * out: the sum stays as it was.  inet_proto_csum_replace16() adjusts
 * skb->csum on some kernels and not on others (6.1 does not), so the sum
 * is restored rather than trusted to it.
 */
int podvs_nat_l4(struct sk_buff *skb, u16 af, u8 proto, unsigned int thoff,
		 bool dst, const union nf_inet_addr *addr, __be16 port)
{
	unsigned int csoff = thoff + podvs_l4_csum_off(proto);
	union nf_inet_addr old;
	__be16 *portp;
	__wsum csum;

	if (skb_ensure_writable(skb, csoff + sizeof(__sum16)))
		return -ENOMEM;
	csum = skb->csum;
	/* source port first, destination port second, in TCP and UDP */
	portp = (__be16 *)(skb->data + thoff) + dst;
	podvs_nat_l3(skb, af, dst, addr, &old);
	podvs_csum_l4(skb, af, proto, (__sum16 *)(skb->data + csoff),
		      &old, addr, *portp, port);
	*portp = port;
	if (af == AF_INET6 && skb->ip_summed == CHECKSUM_COMPLETE)
		skb->csum = csum;
	return 0;
}

/* Plain one's-complement update of a checksum field that is not the
 * skb's own (the L4 checksum of a packet quoted in an ICMP error).
 */
static void podvs_csum_fix(__sum16 *check, const __be32 *from,
			   const __be32 *to, int words, __be16 fport,
			   __be16 tport)
{
	int i;

	for (i = 0; i < words; i++)
		csum_replace4(check, from[i], to[i]);
	csum_replace2(check, fport, tport);
}

/* Rewrite the quoted packet's destination (dst) or source address and
 * port.  Its L4 checksum is fixed when the quote includes it.
 */
static void podvs_nat_quoted(struct sk_buff *skb, const struct podvs_pkt *p,
			     bool dst, const union nf_inet_addr *addr,
			     __be16 port)
{
	unsigned int csoff = p->inthoff + podvs_l4_csum_off(p->t.protocol);
	__be16 *portp = (__be16 *)(skb->data + p->inthoff) + dst;
	__sum16 *check = NULL;
	__be32 *a;
	int words;

	if (csoff + sizeof(__sum16) <= skb->len)
		check = (__sum16 *)(skb->data + csoff);
	if (p->t.af == AF_INET) {
		struct iphdr *iph = (struct iphdr *)(skb->data + p->inoff);

		a = dst ? &iph->daddr : &iph->saddr;
		csum_replace4(&iph->check, *a, addr->ip);
		words = 1;
	} else {
		struct ipv6hdr *ip6h = (struct ipv6hdr *)(skb->data + p->inoff);

		a = (dst ? &ip6h->daddr : &ip6h->saddr)->s6_addr32;
		words = 4;
	}
	if (check && (*check || p->t.protocol == IPPROTO_TCP))
		podvs_csum_fix(check, a, addr->ip6, words, *portp, port);
	memcpy(a, addr->ip6, words * sizeof(__be32));
	*portp = port;
}

/* Recompute the ICMP / ICMPv6 checksum of the whole message. */
static void podvs_icmp_csum(struct sk_buff *skb, u16 af, unsigned int thoff)
{
	unsigned int len = skb->len - thoff;

	if (af == AF_INET) {
		struct icmphdr *ih = (struct icmphdr *)(skb->data + thoff);

		ih->checksum = 0;
		ih->checksum = csum_fold(skb_checksum(skb, thoff, len, 0));
	} else {
		struct icmp6hdr *ih = (struct icmp6hdr *)(skb->data + thoff);
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ih->icmp6_cksum = 0;
		ih->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr,
						  len, IPPROTO_ICMPV6,
						  skb_checksum(skb, thoff, len, 0));
	}
	skb->ip_summed = CHECKSUM_NONE;
}

/* PRE_ROUTING: route the packet towards daddr, the destination it will
 * have, by the source it has now (the client's, or the Pod's for a reply),
 * before the rewrite: a reply whose source becomes the VIP (a local
 * address, podvs0) would fail IPv4 source validation as a martian, and a
 * SNAT source would too.  A route attached before us (for the VIP) is
 * dropped; a metadata dst (tunnel info) is left to the lookup, as the
 * stack does.
 */
static int podvs_route_input4(struct sk_buff *skb, __be32 daddr)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (skb_valid_dst(skb))
		skb_dst_drop(skb);
	if (ip_route_input_noref(skb, daddr, iph->saddr, iph->tos, skb->dev))
		return -EHOSTUNREACH;
	return skb_dst_force(skb) ? 0 : -EHOSTUNREACH;
}

/* As ip6_route_input(), with the destination the packet will have. */
static int podvs_route_input6(struct net *net, struct sk_buff *skb,
			      const struct in6_addr *daddr)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.flowi6_iif = skb->dev->ifindex,
		.daddr = *daddr,
		.saddr = ip6h->saddr,
		.flowlabel = ip6_flowinfo(ip6h),
		.flowi6_mark = skb->mark,
		.flowi6_proto = ip6h->nexthdr,
	};
	const struct ip_tunnel_info *tun = skb_tunnel_info(skb);
	struct dst_entry *dst;

	if (tun && !(tun->mode & IP_TUNNEL_INFO_TX))
		fl6.flowi6_tun_key.tun_id = tun->key.tun_id;
	dst = ip6_route_input_lookup(net, skb->dev, &fl6, skb,
				     RT6_LOOKUP_F_HAS_SADDR);
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	return 0;
}

static int podvs_route_input(struct net *net, struct sk_buff *skb, u16 af,
			     const union nf_inet_addr *daddr)
{
	if (af == AF_INET)
		return podvs_route_input4(skb, daddr->ip);
	return podvs_route_input6(net, skb, &daddr->in6);
}

/* LOCAL_OUT: the route was chosen for the VIP; route the rewritten packet
 * again.
 */
static int podvs_route_again(struct net *net, struct sk_buff *skb, u16 af)
{
	int err;

	if (af == AF_INET)
		err = ip_route_me_harder(net, skb->sk, skb, RTN_UNSPEC);
	else
		err = ip6_route_me_harder(net, skb->sk, skb);
	return err ? -EHOSTUNREACH : 0;
}

/* Where a packet of c travelling dir is going, after the rewrite. */
static const union nf_inet_addr *podvs_final_dst(const struct podvs_conn *c,
						 enum podvs_dir dir)
{
	return dir == PODVS_DIR_ORIG ? &c->daddr : &c->caddr;
}

static bool podvs_is_snat(const struct podvs_conn *c)
{
	return c->cflags & PODVS_CONN_FL_SNAT;
}

/* A TCP or UDP packet: ORIG gets the Pod as destination, REPLY the VIP
 * as source; with SNAT, ORIG also gets laddr:lport as source and REPLY
 * the client as destination.
 */
static int podvs_nat_flow(struct sk_buff *skb, const struct podvs_pkt *p,
			  const struct podvs_conn *c, enum podvs_dir dir)
{
	bool orig = dir == PODVS_DIR_ORIG;
	int err;

	err = podvs_nat_l4(skb, c->af, c->protocol, p->thoff, orig,
			   orig ? &c->daddr : &c->vaddr,
			   orig ? c->dport : c->vport);
	if (err || !podvs_is_snat(c))
		return err;
	return podvs_nat_l4(skb, c->af, c->protocol, p->thoff, !orig,
			    orig ? &c->laddr : &c->caddr,
			    orig ? c->lport : c->cport);
}

static bool podvs_outer_src_is(const struct sk_buff *skb, u16 af,
			       const union nf_inet_addr *a)
{
	if (af == AF_INET)
		return ip_hdr(skb)->saddr == a->ip;
	return ipv6_addr_equal(&ipv6_hdr(skb)->saddr, &a->in6);
}

/* An ICMP error travelling dir about a packet of c that travelled the
 * other way.  ORIG: the error (from the client side) quotes a VIP ->
 * client reply; it goes to the Pod, quoting Pod -> client (-> laddr:lport
 * with SNAT, and then it comes from laddr).  REPLY: the error (from the
 * Pod, a router behind it, or the gateway itself) quotes a client -> Pod
 * packet (laddr:lport -> Pod with SNAT); it goes to the client, quoting
 * client -> VIP, and if the Pod itself sent it, it comes from the VIP.
 */
static int podvs_nat_icmp(struct sk_buff *skb, const struct podvs_pkt *p,
			  const struct podvs_conn *c, enum podvs_dir dir)
{
	unsigned int end = p->inthoff + podvs_l4_csum_off(p->t.protocol) + 2;
	bool snat = podvs_is_snat(c);
	union nf_inet_addr old;

	if (skb_ensure_writable(skb, min(end, skb->len)))
		return -ENOMEM;
	if (dir == PODVS_DIR_ORIG) {
		podvs_nat_quoted(skb, p, false, &c->daddr, c->dport);
		podvs_nat_l3(skb, c->af, true, &c->daddr, &old);
		if (snat) {
			podvs_nat_quoted(skb, p, true, &c->laddr, c->lport);
			podvs_nat_l3(skb, c->af, false, &c->laddr, &old);
		}
	} else {
		podvs_nat_quoted(skb, p, true, &c->vaddr, c->vport);
		if (podvs_outer_src_is(skb, c->af, &c->daddr))
			podvs_nat_l3(skb, c->af, false, &c->vaddr, &old);
		if (snat) {
			podvs_nat_quoted(skb, p, false, &c->caddr, c->cport);
			podvs_nat_l3(skb, c->af, true, &c->caddr, &old);
		}
	}
	podvs_icmp_csum(skb, c->af, p->thoff);
	return 0;
}

int podvs_xmit_nat(struct sk_buff *skb, const struct podvs_pkt *p,
		   const struct podvs_conn *c, enum podvs_dir dir)
{
	if (p->icmp)
		return podvs_nat_icmp(skb, p, c, dir);
	return podvs_nat_flow(skb, p, c, dir);
}

int podvs_xmit(struct net *net, struct sk_buff *skb, const struct podvs_pkt *p,
	       const struct podvs_conn *c, enum podvs_dir dir,
	       unsigned int hook)
{
	int err;

	if (hook == NF_INET_PRE_ROUTING) {
		err = podvs_route_input(net, skb, c->af, podvs_final_dst(c, dir));
		if (err)
			return err;
	}
	err = podvs_xmit_nat(skb, p, c, dir);
	if (err || hook == NF_INET_PRE_ROUTING)
		return err;
	/* LOCAL_OUT: the gateway's own error towards the client already
	 * has its destination, unless SNAT changed it
	 */
	if (p->icmp && dir == PODVS_DIR_REPLY && !podvs_is_snat(c))
		return 0;
	return podvs_route_again(net, skb, c->af);
}
