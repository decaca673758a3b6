// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: podvs_xmit, the NAT rewrite.  Each case builds a TCP or UDP packet
 * over IPv4 or IPv6 with correct checksums in one of the skb checksum
 * modes, rewrites its destination (client -> Pod) or source (Pod -> VIP),
 * and verifies the result against a full recomputation.
 */
#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/inet.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/tcp.h>
#include "xmit.h"

#define PODVS_TEST_PAYLOAD	37	/* odd: exercises the odd trailing byte */

struct podvs_xmit_case {
	const char *name;
	u16 af;
	u8 proto;
	bool dst;		/* rewrite the destination (else the source) */
	u8 summed;		/* CHECKSUM_NONE, _PARTIAL or _COMPLETE */
	bool udp_zero;		/* IPv4 UDP sent without a checksum */
};

static const struct podvs_xmit_case podvs_xmit_cases[] = {
	{ "tcp4 dnat", AF_INET, IPPROTO_TCP, true, CHECKSUM_NONE },
	{ "tcp4 snat", AF_INET, IPPROTO_TCP, false, CHECKSUM_NONE },
	{ "udp4 dnat", AF_INET, IPPROTO_UDP, true, CHECKSUM_NONE },
	{ "udp4 snat", AF_INET, IPPROTO_UDP, false, CHECKSUM_NONE },
	{ "udp4 no checksum", AF_INET, IPPROTO_UDP, true, CHECKSUM_NONE, true },
	{ "tcp4 partial", AF_INET, IPPROTO_TCP, true, CHECKSUM_PARTIAL },
	{ "udp4 partial", AF_INET, IPPROTO_UDP, false, CHECKSUM_PARTIAL },
	{ "tcp4 complete", AF_INET, IPPROTO_TCP, true, CHECKSUM_COMPLETE },
	{ "udp4 complete", AF_INET, IPPROTO_UDP, false, CHECKSUM_COMPLETE },
	{ "tcp6 dnat", AF_INET6, IPPROTO_TCP, true, CHECKSUM_NONE },
	{ "udp6 snat", AF_INET6, IPPROTO_UDP, false, CHECKSUM_NONE },
	{ "tcp6 partial", AF_INET6, IPPROTO_TCP, false, CHECKSUM_PARTIAL },
	{ "udp6 partial", AF_INET6, IPPROTO_UDP, true, CHECKSUM_PARTIAL },
	{ "tcp6 complete", AF_INET6, IPPROTO_TCP, true, CHECKSUM_COMPLETE },
	{ "udp6 complete", AF_INET6, IPPROTO_UDP, false, CHECKSUM_COMPLETE },
};

static void podvs_xmit_case_desc(const struct podvs_xmit_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(podvs_xmit, podvs_xmit_cases, podvs_xmit_case_desc);

/* KUnit compares integers: a checksum as one */
static u16 csum16(__sum16 s)
{
	return (__force u16)s;
}

static unsigned int podvs_l3len(u16 af)
{
	return af == AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
}

static unsigned int podvs_l4len(u8 proto)
{
	return (proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
				       sizeof(struct udphdr)) + PODVS_TEST_PAYLOAD;
}

static __sum16 *podvs_l4check(struct sk_buff *skb, u8 proto)
{
	void *l4 = skb_transport_header(skb);

	if (proto == IPPROTO_TCP)
		return &((struct tcphdr *)l4)->check;
	return &((struct udphdr *)l4)->check;
}

/* The L4 checksum over the pseudo header and csum (0: the pseudo part). */
static __sum16 podvs_pseudo(struct sk_buff *skb, u16 af, u8 proto, __wsum csum)
{
	unsigned int len = podvs_l4len(proto);

	if (af == AF_INET)
		return csum_tcpudp_magic(ip_hdr(skb)->saddr, ip_hdr(skb)->daddr,
					 len, proto, csum);
	return csum_ipv6_magic(&ipv6_hdr(skb)->saddr, &ipv6_hdr(skb)->daddr,
			       len, proto, csum);
}

static void podvs_fill_l3(struct sk_buff *skb, u16 af, u8 proto)
{
	if (af == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->version = 4;
		iph->ihl = 5;
		iph->ttl = 64;
		iph->protocol = proto;
		iph->tot_len = htons(skb->len);
		iph->saddr = htonl(0xc6336407);		/* 198.51.100.7 */
		iph->daddr = htonl(0xc000020a);		/* 192.0.2.10 */
		ip_send_check(iph);
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6h->version = 6;
		ip6h->nexthdr = proto;
		ip6h->hop_limit = 64;
		ip6h->payload_len = htons(podvs_l4len(proto));
		ipv6_addr_set(&ip6h->saddr, htonl(0x20010db8), 0, 0, htonl(7));
		ipv6_addr_set(&ip6h->daddr, htonl(0x20010db8), htonl(0xf), 0,
			      htonl(0x10));
	}
}

static struct sk_buff *podvs_test_skb(struct kunit *test,
				      const struct podvs_xmit_case *tc)
{
	unsigned int l3 = podvs_l3len(tc->af), l4 = podvs_l4len(tc->proto);
	struct sk_buff *skb = alloc_skb(LL_MAX_HEADER + l3 + l4, GFP_KERNEL);
	__be16 *ports;
	u8 *data;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, LL_MAX_HEADER);
	data = skb_put_zero(skb, l3 + l4);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, l3);
	memset(data + l3, 0x5a, l4);
	ports = (__be16 *)(data + l3);
	ports[0] = htons(40000);
	ports[1] = htons(80);
	if (tc->proto == IPPROTO_TCP) {
		tcp_hdr(skb)->doff = 5;
		tcp_flag_byte(tcp_hdr(skb)) = TCPHDR_ACK;
	} else {
		udp_hdr(skb)->len = htons(l4);
	}
	podvs_fill_l3(skb, tc->af, tc->proto);
	*podvs_l4check(skb, tc->proto) = 0;
	return skb;
}

/* Put the skb in the case's checksum mode, with correct values. */
static void podvs_test_summed(struct sk_buff *skb,
			      const struct podvs_xmit_case *tc)
{
	unsigned int l4 = podvs_l4len(tc->proto);
	__sum16 *check = podvs_l4check(skb, tc->proto);

	if (tc->udp_zero)
		return;
	if (tc->summed == CHECKSUM_PARTIAL) {
		*check = ~podvs_pseudo(skb, tc->af, tc->proto, 0);
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_transport_header(skb) - skb->head;
		skb->csum_offset = (u8 *)check - skb_transport_header(skb);
		return;
	}
	*check = podvs_pseudo(skb, tc->af, tc->proto,
			      csum_partial(skb_transport_header(skb), l4, 0));
	if (tc->proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
	skb->ip_summed = tc->summed;
	if (tc->summed == CHECKSUM_COMPLETE)	/* from the network header */
		skb->csum = csum_partial(skb->data, skb->len, 0);
}

static void podvs_test_verify(struct kunit *test, struct sk_buff *skb,
			      const struct podvs_xmit_case *tc)
{
	unsigned int l4 = podvs_l4len(tc->proto);
	__sum16 check = *podvs_l4check(skb, tc->proto);

	if (tc->af == AF_INET)
		KUNIT_EXPECT_EQ(test, csum16(ip_fast_csum(skb->data, 5)), 0);
	if (tc->udp_zero) {
		KUNIT_EXPECT_EQ(test, csum16(check), 0);
		return;
	}
	if (tc->summed == CHECKSUM_PARTIAL) {
		KUNIT_EXPECT_EQ(test, csum16(check),
				csum16(~podvs_pseudo(skb, tc->af, tc->proto, 0)));
		return;
	}
	KUNIT_EXPECT_EQ(test, csum16(podvs_pseudo(skb, tc->af, tc->proto,
						  csum_partial(skb_transport_header(skb),
							       l4, 0))), 0);
	if (tc->summed == CHECKSUM_COMPLETE)
		KUNIT_EXPECT_EQ(test, csum16(csum_fold(skb->csum)),
				csum16(csum_fold(csum_partial(skb->data, skb->len, 0))));
}

static void podvs_test_addr(u16 af, union nf_inet_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (af == AF_INET)
		a->ip = htonl(0xcb00710e);		/* 203.0.113.14 */
	else
		ipv6_addr_set(&a->in6, htonl(0x20010db8), htonl(0x10003),
			      0, htonl(2));
}

static void podvs_xmit_test_rewrite(struct kunit *test)
{
	const struct podvs_xmit_case *tc = test->param_value;
	struct sk_buff *skb = podvs_test_skb(test, tc);
	union nf_inet_addr to;
	__be16 *ports;

	podvs_test_summed(skb, tc);
	podvs_test_addr(tc->af, &to);
	KUNIT_ASSERT_EQ(test, podvs_nat_l4(skb, tc->af, tc->proto,
					   podvs_l3len(tc->af), tc->dst, &to,
					   htons(8080)), 0);
	ports = (__be16 *)skb_transport_header(skb);
	KUNIT_EXPECT_EQ(test, ntohs(ports[tc->dst]), 8080);
	KUNIT_EXPECT_EQ(test, ntohs(ports[!tc->dst]), tc->dst ? 40000 : 80);
	if (tc->af == AF_INET)
		KUNIT_EXPECT_EQ(test, ntohl(tc->dst ? ip_hdr(skb)->daddr :
					    ip_hdr(skb)->saddr), ntohl(to.ip));
	else
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(tc->dst ?
				  &ipv6_hdr(skb)->daddr : &ipv6_hdr(skb)->saddr,
				  &to.in6));
	podvs_test_verify(test, skb, tc);
	kfree_skb(skb);
}

/* A UDP checksum that becomes 0 after the rewrite is sent as 0xffff. */
static void podvs_xmit_test_udp_mangled(struct kunit *test)
{
	union nf_inet_addr from = { .ip = htonl(0xc000020a) }, to;
	struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
	__sum16 check, seed;
	u32 v;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	podvs_test_addr(AF_INET, &to);
	/* find the checksum that the rewrite turns into 0 */
	for (v = 1; v <= 0xffff; v++) {
		check = (__force __sum16)v;
		csum_replace4(&check, from.ip, to.ip);
		csum_replace2(&check, htons(80), htons(8080));
		if (!check)
			break;
	}
	KUNIT_ASSERT_LE(test, v, 0xffffU);
	seed = (__force __sum16)v;
	podvs_csum_l4(skb, AF_INET, IPPROTO_UDP, &seed, &from, &to,
		      htons(80), htons(8080));
	KUNIT_EXPECT_EQ(test, csum16(seed), csum16(CSUM_MANGLED_0));
	kfree_skb(skb);
}

/* Set the packet's addresses and ports (the L4 checksum zero until
 * podvs_test_summed; the IPv4 header's is fixed here).
 */
static void podvs_test_set(struct sk_buff *skb, u16 af, u8 proto,
			   const union nf_inet_addr *s, __be16 sp,
			   const union nf_inet_addr *d, __be16 dp)
{
	__be16 *ports = (__be16 *)skb_transport_header(skb);

	*podvs_l4check(skb, proto) = 0;	/* podvs_test_summed sums over it */
	if (af == AF_INET) {
		ip_hdr(skb)->saddr = s->ip;
		ip_hdr(skb)->daddr = d->ip;
		ip_hdr(skb)->check = 0;
		ip_send_check(ip_hdr(skb));
	} else {
		ipv6_hdr(skb)->saddr = s->in6;
		ipv6_hdr(skb)->daddr = d->in6;
	}
	ports[0] = sp;
	ports[1] = dp;
}

static void podvs_test_expect(struct kunit *test, struct sk_buff *skb, u16 af,
			      const union nf_inet_addr *s, u16 sp,
			      const union nf_inet_addr *d, u16 dp)
{
	__be16 *ports = (__be16 *)skb_transport_header(skb);

	if (af == AF_INET) {
		KUNIT_EXPECT_EQ(test, ntohl(ip_hdr(skb)->saddr), ntohl(s->ip));
		KUNIT_EXPECT_EQ(test, ntohl(ip_hdr(skb)->daddr), ntohl(d->ip));
	} else {
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&ipv6_hdr(skb)->saddr,
							&s->in6));
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&ipv6_hdr(skb)->daddr,
							&d->in6));
	}
	KUNIT_EXPECT_EQ(test, ntohs(ports[0]), sp);
	KUNIT_EXPECT_EQ(test, ntohs(ports[1]), dp);
}

static union nf_inet_addr podvs_xa(const char *text)
{
	union nf_inet_addr a = {};

	if (!strchr(text, ':'))
		in4_pton(text, -1, (u8 *)&a.ip, -1, NULL);
	else
		in6_pton(text, -1, (u8 *)&a.in6, -1, NULL);
	return a;
}

static void podvs_test_conn_addrs(struct podvs_conn *c, u16 af)
{
	bool v4 = af == AF_INET;

	memset(c, 0, sizeof(*c));
	c->af = af;
	c->caddr = podvs_xa(v4 ? "10.1.0.5" : "2001:db8:1:5::2");
	c->vaddr = podvs_xa(v4 ? "192.0.2.10" : "2001:db8:f::10");
	c->daddr = podvs_xa(v4 ? "10.1.0.9" : "2001:db8:1:9::2");
	c->laddr = podvs_xa(v4 ? "10.1.0.1" : "2001:db8:1:9::1");
	c->cport = htons(40000);
	c->vport = htons(80);
	c->dport = htons(8080);
	c->lport = htons(61234);
	c->cflags = PODVS_CONN_FL_SNAT;
}

/* Hairpin SNAT: the client's packet leaves with the gateway (laddr:lport)
 * as source and the Pod as destination; the Pod's reply to laddr:lport
 * leaves from the VIP to the client.  Checksums verified each way.
 */
static void podvs_xmit_test_hairpin(struct kunit *test)
{
	const struct podvs_xmit_case *tc = test->param_value;
	struct sk_buff *skb = podvs_test_skb(test, tc);
	struct podvs_pkt p = {};
	struct podvs_conn c;

	podvs_test_conn_addrs(&c, tc->af);
	c.protocol = tc->proto;
	p.thoff = podvs_l3len(tc->af);
	p.t.protocol = tc->proto;
	p.t.af = tc->af;
	podvs_test_set(skb, tc->af, tc->proto, &c.caddr, c.cport, &c.vaddr, c.vport);
	podvs_test_summed(skb, tc);
	KUNIT_ASSERT_EQ(test, podvs_xmit_nat(skb, &p, &c, PODVS_DIR_ORIG), 0);
	podvs_test_expect(test, skb, tc->af, &c.laddr, 61234, &c.daddr, 8080);
	podvs_test_verify(test, skb, tc);

	podvs_test_set(skb, tc->af, tc->proto, &c.daddr, c.dport, &c.laddr, c.lport);
	podvs_test_summed(skb, tc);
	KUNIT_ASSERT_EQ(test, podvs_xmit_nat(skb, &p, &c, PODVS_DIR_REPLY), 0);
	podvs_test_expect(test, skb, tc->af, &c.vaddr, 80, &c.caddr, 40000);
	podvs_test_verify(test, skb, tc);

	/* without SNAT only the VIP side changes */
	c.cflags = 0;
	c.laddr = c.caddr;
	c.lport = c.cport;
	podvs_test_set(skb, tc->af, tc->proto, &c.caddr, c.cport, &c.vaddr, c.vport);
	podvs_test_summed(skb, tc);
	KUNIT_ASSERT_EQ(test, podvs_xmit_nat(skb, &p, &c, PODVS_DIR_ORIG), 0);
	podvs_test_expect(test, skb, tc->af, &c.caddr, 40000, &c.daddr, 8080);
	podvs_test_verify(test, skb, tc);
	kfree_skb(skb);
}

static const struct podvs_xmit_case podvs_hairpin_cases[] = {
	{ "tcp4", AF_INET, IPPROTO_TCP, true, CHECKSUM_NONE },
	{ "udp4 complete", AF_INET, IPPROTO_UDP, true, CHECKSUM_COMPLETE },
	{ "tcp4 partial", AF_INET, IPPROTO_TCP, true, CHECKSUM_PARTIAL },
	{ "tcp6 complete", AF_INET6, IPPROTO_TCP, true, CHECKSUM_COMPLETE },
	{ "udp6", AF_INET6, IPPROTO_UDP, true, CHECKSUM_NONE },
	{ "udp6 partial", AF_INET6, IPPROTO_UDP, true, CHECKSUM_PARTIAL },
};

KUNIT_ARRAY_PARAM(podvs_hairpin, podvs_hairpin_cases, podvs_xmit_case_desc);

static struct kunit_case podvs_xmit_test_cases[] = {
	KUNIT_CASE_PARAM(podvs_xmit_test_hairpin, podvs_hairpin_gen_params),
	KUNIT_CASE_PARAM(podvs_xmit_test_rewrite, podvs_xmit_gen_params),
	KUNIT_CASE(podvs_xmit_test_udp_mangled),
	{}
};

static struct kunit_suite podvs_xmit_test_suite = {
	.name = "podvs_xmit",
	.test_cases = podvs_xmit_test_cases,
};

kunit_test_suite(podvs_xmit_test_suite);
