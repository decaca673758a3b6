// SPDX-License-Identifier: GPL-2.0
/*
 * podvs: forward a translated packet without the FORWARD hook; send.h
 * says when and why.  Each step mirrors net/ipv4/ip_forward.c and
 * net/ipv6/ip6_output.c (ip6_forward) of Linux 6.1, minus the hook.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/dst.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/xfrm.h>
#include "compat.h"
#include "send.h"

/* What both families refuse to forward as ip_forward() / ip6_forward(). */
static bool podvs_send_plain(struct sk_buff *skb)
{
	return skb->pkt_type == PACKET_HOST && !skb->sk &&
	       !skb_warn_if_lro(skb);
}

/* ip_exceeds_mtu() of ip_forward.c */
static bool podvs_too_big4(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb->len <= mtu)
		return false;
	if (!(ip_hdr(skb)->frag_off & htons(IP_DF)))
		return false;
	if (IPCB(skb)->frag_max_size > mtu)
		return true;
	if (skb->ignore_df)
		return false;
	return !(skb_is_gso(skb) && skb_gso_validate_network_len(skb, mtu));
}

static int podvs_send4(struct net *net, struct sk_buff *skb)
{
	struct rtable *rt = skb_rtable(skb);
	struct iphdr *iph = ip_hdr(skb);

	if (!rt || rt->rt_type != RTN_UNICAST || rt->dst.lwtstate ||
	    iph->ihl != 5 || !podvs_send_plain(skb) ||
	    !xfrm4_policy_check(NULL, XFRM_POLICY_FWD, skb))
		return PODVS_SEND_STACK;
	skb_forward_csum(skb);
	if (iph->ttl <= 1 || !xfrm4_route_forward(skb))
		return PODVS_SEND_STACK;
	rt = skb_rtable(skb);
	if (podvs_too_big4(skb, ip_dst_mtu_maybe_forward(&rt->dst, true)))
		return PODVS_SEND_STACK;
	if (skb_cow(skb, LL_RESERVED_SPACE(rt->dst.dev) + rt->dst.header_len))
		return -ENOMEM;
	IPCB(skb)->flags |= IPSKB_FORWARDED;
	iph = ip_hdr(skb);
	ip_decrease_ttl(iph);
	if (READ_ONCE(net->ipv4.sysctl_ip_fwd_update_priority))
		skb->priority = rt_tos2priority(iph->tos);
	__IP_INC_STATS(net, IPSTATS_MIB_OUTFORWDATAGRAMS);
	__IP_ADD_STATS(net, IPSTATS_MIB_OUTOCTETS, skb->len);
	skb_clear_tstamp(skb);
	dst_output(net, NULL, skb);
	return PODVS_SENT;
}

/* ip6_pkt_too_big() of ip6_output.c */
static bool podvs_too_big6(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb->len <= mtu)
		return false;
	if (IP6CB(skb)->frag_max_size && IP6CB(skb)->frag_max_size > mtu)
		return true;
	if (skb->ignore_df)
		return false;
	return !(skb_is_gso(skb) && skb_gso_validate_network_len(skb, mtu));
}

/* The route forwards to a unicast address, from an address that may be
 * forwarded (ip6_forward() refuses loopback, multicast and link-local
 * sources).
 */
static bool podvs_fwd_route6(struct net *net, const struct sk_buff *skb,
			     const struct dst_entry *dst)
{
	const struct ipv6hdr *hdr = ipv6_hdr(skb);
	int st = ipv6_addr_type(&hdr->saddr);

	return dst && !dst->error && dst->input != ip6_input &&
	       !dst->lwtstate && net->ipv6.devconf_all->forwarding &&
	       !ipv6_addr_is_multicast(&hdr->daddr) &&
	       st != IPV6_ADDR_ANY &&
	       !(st & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LOOPBACK |
		       IPV6_ADDR_LINKLOCAL)) &&
	       !(IP6CB(skb)->flags & IP6SKB_ROUTERALERT);
}

static int podvs_send6(struct net *net, struct sk_buff *skb)
{
	struct dst_entry *dst = skb_dst(skb);
	unsigned int mtu;

	if (!podvs_fwd_route6(net, skb, dst) || !podvs_send_plain(skb) ||
	    !xfrm6_policy_check(NULL, XFRM_POLICY_FWD, skb))
		return PODVS_SEND_STACK;
	skb_forward_csum(skb);
	if (ipv6_hdr(skb)->hop_limit <= 1 || !xfrm6_route_forward(skb))
		return PODVS_SEND_STACK;
	dst = skb_dst(skb);
	mtu = max_t(unsigned int, ip6_dst_mtu_maybe_forward(dst, true),
		    IPV6_MIN_MTU);
	if (podvs_too_big6(skb, mtu))
		return PODVS_SEND_STACK;
	if (skb_cow(skb, dst->dev->hard_header_len))
		return -ENOMEM;
	IP6CB(skb)->flags |= IP6SKB_FORWARDED;
	ipv6_hdr(skb)->hop_limit--;
	__IP6_INC_STATS(net, ip6_dst_idev(dst), IPSTATS_MIB_OUTFORWDATAGRAMS);
	__IP6_ADD_STATS(net, ip6_dst_idev(dst), IPSTATS_MIB_OUTOCTETS,
			skb->len);
	skb_clear_tstamp(skb);
	dst_output(net, NULL, skb);
	return PODVS_SENT;
}

int podvs_send(struct net *net, struct sk_buff *skb, u16 af)
{
	if (af == AF_INET)
		return podvs_send4(net, skb);
	return podvs_send6(net, skb);
}
