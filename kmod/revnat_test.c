// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: reverse translation (revnat.h).  The dest index through batch
 * commit and abort, the ownership rule, the state a flow learned from one
 * Pod packet gets, and, through the hook itself on a private namespace
 * state (IPv6: its replies need no route lookup), what happens to SYN-ACK,
 * RST, UDP and ICMP error packets from a Pod, to an ambiguous one and to a
 * packet from an address that is no dest.
 */
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip6_checksum.h>
#include "podvs_test.h"
#include "conn.h"
#include "revnat.h"

#define VIP4		"192.0.2.10"
#define VIP4B		"192.0.2.11"
#define POD1		"10.0.0.1"
#define POD2		"10.0.0.2"
#define POD3		"10.0.0.3"
#define CLIENT4		"198.51.100.7"
#define VIP6		"2001:db8::10"
#define VIP6B		"2001:db8::11"
#define POD6		"2001:db8:1::1"
#define CLIENT6		"2001:db8:2::7"
#define PODPORT		8080
#define CPORT		40000

/* The tuple of a packet from pod:PODPORT to client:cport. */
static void rt_reply(struct podvs_tuple *t, u8 proto, const char *pod,
		     const char *client, u16 cport)
{
	memset(t, 0, sizeof(*t));
	t->af = podvs_test_af(pod);
	t->protocol = proto;
	t->src = podvs_test_addr(pod);
	t->sport = htons(PODPORT);
	t->dst = podvs_test_addr(client);
	t->dport = htons(cport);
}

static int rt_owner(struct podvs_net *pn, const struct podvs_tuple *t,
		    struct podvs_dest **d)
{
	int ret;

	*d = NULL;
	rcu_read_lock();
	ret = podvs_rev_owner(pn, t, d);
	rcu_read_unlock();
	return ret;
}

/* Elements under the key of t, hidden ones included. */
static int rt_indexed(struct podvs_net *pn, const struct podvs_tuple *t)
{
	struct podvs_svc_table *tab = podvs_test_tab(pn);
	struct rhlist_head *list, *pos;
	struct podvs_rev_key k = {};
	struct podvs_dest *d;
	int n = 0;

	k.af = t->af;
	k.protocol = t->protocol;
	k.addr = t->src;
	k.port = t->sport;
	rcu_read_lock();
	list = rhltable_lookup(&tab->rev, &k, (struct rhashtable_params) {
		.head_offset = offsetof(struct podvs_dest, rnode),
		.key_offset = offsetof(struct podvs_dest, rkey),
		.key_len = sizeof(struct podvs_rev_key),
	});
	rhl_for_each_entry_rcu(d, pos, list, rnode)
		n++;
	rcu_read_unlock();
	return n;
}

static u64 rt_counter(struct podvs_net *pn, unsigned int i)
{
	u64 v[PODVS_CNT_MAX];

	podvs_drops_read(pn, v);
	return v[i];
}

/* A dest added by a batch is indexed at once but owns nothing until the
 * batch commits; abort takes it out; a deleted dest owns until commit.
 */
static void rt_test_index_txn(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *svc;
	struct podvs_dest_conf c;
	struct podvs_dest *d, *o;
	struct podvs_tuple t;
	struct podvs_txn txn;

	svc = podvs_test_svc(pn, IPPROTO_TCP, VIP4, 80, NULL, 251);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	rt_reply(&t, IPPROTO_TCP, POD1, CLIENT4, CPORT);

	podvs_test_dest_conf(&c, POD1, PODPORT, 1);
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &txn, 1));
	KUNIT_EXPECT_EQ(test, podvs_dest_new(&txn, svc, &c), 0);
	KUNIT_EXPECT_EQ(test, rt_indexed(pn, &t), 1);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), -ENOENT);
	podvs_txn_abort(&txn);
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_EQ(test, rt_indexed(pn, &t), 0);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), -ENOENT);

	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, POD1, PODPORT, 1), 0);
	d = podvs_test_find(svc, POD1, PODPORT);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), 0);
	KUNIT_EXPECT_PTR_EQ(test, o, d);

	/* delete, abort: still the owner */
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &txn, 1));
	KUNIT_EXPECT_EQ(test, podvs_dest_del(&txn, d), 0);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), 0);
	podvs_txn_abort(&txn);
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), 0);

	/* delete, commit: gone from the index */
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &txn, 1));
	KUNIT_EXPECT_EQ(test, podvs_dest_del(&txn, d), 0);
	KUNIT_EXPECT_EQ(test, podvs_txn_commit(&txn), 0);
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_EQ(test, rt_indexed(pn, &t), 0);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), -ENOENT);
}

/* Added and deleted in one batch, or with its service: never shown. */
static void rt_test_index_same_batch(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *svc;
	struct podvs_dest_conf c;
	struct podvs_dest *o;
	struct podvs_tuple t;
	struct podvs_txn txn;

	svc = podvs_test_svc(pn, IPPROTO_TCP, VIP4, 80, NULL, 251);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	rt_reply(&t, IPPROTO_TCP, POD1, CLIENT4, CPORT);
	podvs_test_dest_conf(&c, POD1, PODPORT, 1);
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &txn, 2));
	KUNIT_EXPECT_EQ(test, podvs_dest_new(&txn, svc, &c), 0);
	KUNIT_EXPECT_EQ(test, podvs_svc_del(&txn, svc), 0);
	KUNIT_EXPECT_EQ(test, podvs_txn_commit(&txn), 0);
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_EQ(test, rt_indexed(pn, &t), 0);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), -ENOENT);
}

/* One service per key: the owner, whatever its scheduler; the protocol is
 * part of the key.
 */
static void rt_test_owner_one(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *tcp, *udp;
	struct podvs_dest *o;
	struct podvs_tuple t;

	tcp = podvs_test_svc(pn, IPPROTO_TCP, VIP4, 80, "rr", 0);
	udp = podvs_test_svc(pn, IPPROTO_UDP, VIP4, 80, "rr", 0);
	KUNIT_ASSERT_NOT_NULL(test, tcp);
	KUNIT_ASSERT_NOT_NULL(test, udp);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(tcp, POD1, PODPORT, 1), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(udp, POD1, PODPORT, 1), 0);
	rt_reply(&t, IPPROTO_TCP, POD1, CLIENT4, CPORT);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), 0);
	KUNIT_EXPECT_PTR_EQ(test, o, podvs_test_find(tcp, POD1, PODPORT));
	t.protocol = IPPROTO_UDP;
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), 0);
	KUNIT_EXPECT_PTR_EQ(test, o, podvs_test_find(udp, POD1, PODPORT));
	/* another port of the same Pod is no dest */
	t.sport = htons(PODPORT + 1);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), -ENOENT);
}

/* Two rr services on one Pod port: nothing can tell them apart, until
 * one of them no longer has it.
 */
static void rt_test_owner_rr(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *a, *b;
	struct podvs_dest *o;
	struct podvs_tuple t;

	a = podvs_test_svc(pn, IPPROTO_TCP, VIP4, 80, "rr", 0);
	b = podvs_test_svc(pn, IPPROTO_TCP, VIP4B, 80, "rr", 0);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(a, POD1, PODPORT, 1), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(b, POD1, PODPORT, 1), 0);
	rt_reply(&t, IPPROTO_TCP, POD1, CLIENT4, CPORT);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), -ENOTUNIQ);
	KUNIT_ASSERT_EQ(test, podvs_test_dest_op(b, POD1, PODPORT, true, 0, 0),
			0);
	KUNIT_EXPECT_EQ(test, rt_owner(pn, &t, &o), 0);
	KUNIT_EXPECT_PTR_EQ(test, o, podvs_test_find(a, POD1, PODPORT));
}

/* Two mh services share POD1 but not their other dest: for each client,
 * the owner is the one service whose table sends it to POD1, and a client
 * both (or neither) send there is ambiguous.  Both kinds must occur.
 */
static void rt_test_owner_mh(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_dest *o, *da, *db;
	struct podvs_service *a, *b;
	int owned = 0, ambiguous = 0;
	struct podvs_tuple t;
	char client[24];
	int i, ret;

	a = podvs_test_svc(pn, IPPROTO_TCP, VIP4, 80, "mh", 251);
	b = podvs_test_svc(pn, IPPROTO_TCP, VIP4B, 80, "mh", 251);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(a, POD1, PODPORT, 1), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(a, POD2, PODPORT, 1), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(b, POD1, PODPORT, 1), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(b, POD3, PODPORT, 1), 0);
	da = podvs_test_find(a, POD1, PODPORT);
	db = podvs_test_find(b, POD1, PODPORT);
	for (i = 1; i < 255; i++) {
		bool ta, tb;

		snprintf(client, sizeof(client), "198.51.100.%d", i);
		ta = podvs_test_pick(a, client, CPORT) == da;
		tb = podvs_test_pick(b, client, CPORT) == db;
		rt_reply(&t, IPPROTO_TCP, POD1, client, CPORT);
		ret = rt_owner(pn, &t, &o);
		if (ta != tb) {
			KUNIT_EXPECT_EQ(test, ret, 0);
			KUNIT_EXPECT_PTR_EQ(test, o, ta ? da : db);
			owned++;
		} else {
			KUNIT_EXPECT_EQ(test, ret, -ENOTUNIQ);
			ambiguous++;
		}
	}
	KUNIT_EXPECT_GT(test, owned, 0);
	KUNIT_EXPECT_GT(test, ambiguous, 0);
}

struct rt_learn_case {
	const char *name;
	u8 flags;		/* PODVS_TCP_* of the Pod's segment */
	u8 state;		/* learned state, NONE: no entry */
	u8 fin;			/* PODVS_CONN_F_FIN_* of the entry */
};

static const struct rt_learn_case rt_learn_cases[] = {
	{ "syn-ack", PODVS_TCP_SYN | PODVS_TCP_ACK, PODVS_CONN_S_SYN_RECV, 0 },
	{ "ack", PODVS_TCP_ACK, PODVS_CONN_S_ESTABLISHED, 0 },
	{ "fin", PODVS_TCP_FIN | PODVS_TCP_ACK, PODVS_CONN_S_FIN_WAIT,
	  PODVS_CONN_F_FIN_REPLY },
	{ "rst", PODVS_TCP_RST | PODVS_TCP_ACK, PODVS_CONN_S_NONE, 0 },
	{ "syn", PODVS_TCP_SYN, PODVS_CONN_S_NONE, 0 },
};

static void rt_test_tcp_learn(struct kunit *test)
{
	u8 fl;
	int i;

	for (i = 0; i < ARRAY_SIZE(rt_learn_cases); i++) {
		const struct rt_learn_case *c = &rt_learn_cases[i];

		KUNIT_EXPECT_EQ_MSG(test, podvs_tcp_learn(c->flags, &fl),
				    c->state, "%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, fl, c->fin, "%s", c->name);
	}
}

static struct podvs_conn *rt_learn(struct kunit *test, struct podvs_dest *d,
				   const struct podvs_tuple *r, u8 state,
				   u8 fl)
{
	struct podvs_net *pn = test->priv;
	struct podvs_conn *c = NULL;
	int ret;

	rcu_read_lock();
	ret = podvs_conn_learn(pn, r, d, state, fl, &c);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, ret, 0);
	return c;
}

/* A learned entry: found by both tuples, marked, counted, no template
 * (the service is persistent), and it moves on like a scheduled one:
 * SYN_RECV to ESTABLISHED on the client's ACK, FIN_WAIT (the Pod's FIN)
 * to TIME_WAIT on the client's FIN.
 */
static void rt_test_learned_entry(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_svc_conf sc = {};
	struct podvs_service *svc;
	struct podvs_tuple r, o;
	struct podvs_conn *c;
	struct podvs_dest *d;
	struct podvs_txn txn;
	enum podvs_dir dir;
	u8 fl;

	svc = podvs_test_svc(pn, IPPROTO_TCP, VIP4, 80, NULL, 251);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	sc.flags = PODVS_SVC_F_PERSISTENT;
	sc.present = BIT(PODVS_SVC_A_FLAGS);
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &txn, 1));
	KUNIT_EXPECT_EQ(test, podvs_svc_set(&txn, svc, &sc), 0);
	KUNIT_EXPECT_EQ(test, podvs_txn_commit(&txn), 0);
	mutex_unlock(&pn->lock);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, POD1, PODPORT, 1), 0);
	d = podvs_test_find(svc, POD1, PODPORT);

	rt_reply(&r, IPPROTO_TCP, POD1, CLIENT4, CPORT);
	c = rt_learn(test, d, &r, PODVS_CONN_S_SYN_RECV, 0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, podvs_conn_uflags(c), PODVS_CONN_FL_LEARNED);
	KUNIT_EXPECT_EQ(test, c->state, PODVS_CONN_S_SYN_RECV);
	KUNIT_EXPECT_TRUE(test, nf_inet_addr_cmp(&c->vaddr, &svc->key.addr));
	KUNIT_EXPECT_EQ(test, ntohs(c->vport), 80);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(pn), 1U);	/* no template */
	KUNIT_EXPECT_EQ(test, rt_counter(pn, PODVS_CNT_LEARNED), 1ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->inactive_conns), 1);
	memset(&o, 0, sizeof(o));
	o.af = AF_INET;
	o.protocol = IPPROTO_TCP;
	o.src = r.dst;
	o.sport = r.dport;
	o.dst = svc->key.addr;
	o.dport = svc->key.port;
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, podvs_conn_lookup(pn, &r, &dir), c);
	KUNIT_EXPECT_EQ(test, dir, PODVS_DIR_REPLY);
	KUNIT_EXPECT_PTR_EQ(test, podvs_conn_lookup(pn, &o, &dir), c);
	KUNIT_EXPECT_EQ(test, dir, PODVS_DIR_ORIG);
	rcu_read_unlock();
	podvs_conn_update(c, PODVS_DIR_ORIG, PODVS_TCP_ACK);
	KUNIT_EXPECT_EQ(test, c->state, PODVS_CONN_S_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->active_conns), 1);
	KUNIT_EXPECT_GT(test, (long)(c->expires - jiffies), 800L * HZ);

	/* the Pod closes first */
	r.dport = htons(CPORT + 1);
	KUNIT_EXPECT_EQ(test, podvs_tcp_learn(PODVS_TCP_FIN | PODVS_TCP_ACK,
					      &fl), PODVS_CONN_S_FIN_WAIT);
	c = rt_learn(test, d, &r, PODVS_CONN_S_FIN_WAIT, fl);
	KUNIT_ASSERT_NOT_NULL(test, c);
	podvs_conn_update(c, PODVS_DIR_ORIG, PODVS_TCP_FIN | PODVS_TCP_ACK);
	KUNIT_EXPECT_EQ(test, c->state, PODVS_CONN_S_TIME_WAIT);
	KUNIT_EXPECT_EQ(test, rt_counter(pn, PODVS_CNT_LEARNED), 2ULL);
}

/* UDP learns a UDP entry; learned entries count toward conn_max. */
static void rt_test_learn_udp_limit(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *svc;
	struct podvs_conn *c = NULL;
	struct podvs_dest *d;
	struct podvs_tuple r;
	int ret;

	svc = podvs_test_svc(pn, IPPROTO_UDP, VIP4, 53, NULL, 251);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, POD1, PODPORT, 1), 0);
	d = podvs_test_find(svc, POD1, PODPORT);
	rt_reply(&r, IPPROTO_UDP, POD1, CLIENT4, CPORT);
	c = rt_learn(test, d, &r, PODVS_CONN_S_UDP, 0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, c->state, PODVS_CONN_S_UDP);
	KUNIT_EXPECT_EQ(test, ntohs(c->vport), 53);

	WRITE_ONCE(pn->cfg.conn_max, 1);	/* the entry above fills it */
	r.dport = htons(CPORT + 1);
	rcu_read_lock();
	ret = podvs_conn_learn(pn, &r, d, PODVS_CONN_S_UDP, 0, &c);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(pn), 1U);
	KUNIT_EXPECT_EQ(test, rt_counter(pn, PODVS_CNT_LEARNED), 1ULL);
}

/* Review #14: a client's first segment with FIN keeps its FIN bit, so
 * the Pod's FIN then reaches TIME_WAIT.
 */
static void rt_test_client_fin_first(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *svc;
	struct podvs_conn *c = NULL;
	struct podvs_tuple t;
	u8 fl = 0, st;
	int ret;

	svc = podvs_test_svc(pn, IPPROTO_TCP, VIP4, 80, NULL, 251);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, POD1, PODPORT, 1), 0);
	st = podvs_tcp_next(PODVS_CONN_S_NONE, PODVS_DIR_ORIG,
			    PODVS_TCP_FIN | PODVS_TCP_ACK, &fl);
	KUNIT_EXPECT_EQ(test, st, PODVS_CONN_S_FIN_WAIT);
	KUNIT_EXPECT_EQ(test, fl, PODVS_CONN_F_FIN_ORIG);
	memset(&t, 0, sizeof(t));
	t.af = AF_INET;
	t.protocol = IPPROTO_TCP;
	t.src = podvs_test_addr(CLIENT4);
	t.sport = htons(CPORT);
	t.dst = svc->key.addr;
	t.dport = svc->key.port;
	rcu_read_lock();
	ret = podvs_conn_schedule(pn, svc, &t, st, fl, &c);
	rcu_read_unlock();
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, podvs_conn_uflags(c), 0U);
	podvs_conn_update(c, PODVS_DIR_REPLY, PODVS_TCP_FIN | PODVS_TCP_ACK);
	KUNIT_EXPECT_EQ(test, c->state, PODVS_CONN_S_TIME_WAIT);
}

/* Packets through the hook.  IPv6 only: an IPv4 reply is routed by the
 * hook before its rewrite, which needs a device KUnit has not.
 */
static struct sk_buff *rt_skb6(struct kunit *test, const char *src,
			       u16 sport, const char *dst, u16 dport, u8 proto,
			       u8 tcpflags)
{
	unsigned int l4 = proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
						 sizeof(struct udphdr);
	union nf_inet_addr s = podvs_test_addr(src), d = podvs_test_addr(dst);
	struct ipv6hdr *ip6h;
	struct sk_buff *skb;
	struct udphdr *uh;
	__sum16 *check;

	skb = alloc_skb(LL_MAX_HEADER + sizeof(*ip6h) + l4, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, LL_MAX_HEADER);
	skb_reset_network_header(skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->nexthdr = proto;
	ip6h->hop_limit = 64;
	ip6h->payload_len = htons(l4);
	ip6h->saddr = s.in6;
	ip6h->daddr = d.in6;
	skb_set_transport_header(skb, sizeof(*ip6h));
	uh = skb_put_zero(skb, l4);
	uh->source = htons(sport);
	uh->dest = htons(dport);
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = (struct tcphdr *)uh;

		th->doff = sizeof(*th) / 4;
		((u8 *)th)[13] = tcpflags;
		check = &th->check;
	} else {
		uh->len = htons(l4);
		check = &uh->check;
	}
	*check = csum_ipv6_magic(&s.in6, &d.in6, l4, proto,
				 csum_partial(uh, l4, 0));
	skb->protocol = htons(ETH_P_IPV6);
	return skb;
}

/* An ICMPv6 port unreachable from src about a UDP datagram qsrc:qsport
 * -> qdst:qdport (8 bytes of it quoted).
 */
static struct sk_buff *rt_icmp6(struct kunit *test, const char *src,
				const char *qsrc, u16 qsport,
				const char *qdst, u16 qdport)
{
	struct sk_buff *q = rt_skb6(test, qsrc, qsport, qdst, qdport,
				    IPPROTO_UDP, 0);
	union nf_inet_addr s = podvs_test_addr(src);
	unsigned int len = sizeof(struct icmp6hdr) + q->len;
	struct icmp6hdr *ih;
	struct ipv6hdr *ip6h;
	struct sk_buff *skb;

	skb = alloc_skb(LL_MAX_HEADER + sizeof(*ip6h) + len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, LL_MAX_HEADER);
	skb_reset_network_header(skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->nexthdr = IPPROTO_ICMPV6;
	ip6h->hop_limit = 64;
	ip6h->payload_len = htons(len);
	ip6h->saddr = s.in6;
	ip6h->daddr = ipv6_hdr(q)->saddr;
	skb_set_transport_header(skb, sizeof(*ip6h));
	ih = skb_put_zero(skb, sizeof(*ih));
	ih->icmp6_type = ICMPV6_DEST_UNREACH;
	ih->icmp6_code = ICMPV6_PORT_UNREACH;
	skb_put_data(skb, q->data, q->len);
	kfree_skb(q);
	ih->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
					  IPPROTO_ICMPV6,
					  csum_partial(ih, len, 0));
	skb->protocol = htons(ETH_P_IPV6);
	return skb;
}

static unsigned int rt_hook(struct podvs_net *pn, struct sk_buff *skb)
{
	struct nf_hook_state st = {
		.hook = NF_INET_PRE_ROUTING,
		.pf = NFPROTO_IPV6,
		.net = &init_net,
	};
	unsigned int v;

	rcu_read_lock();
	local_bh_disable();
	v = podvs_hook_pn(pn, skb, &st);
	local_bh_enable();
	rcu_read_unlock();
	return v;
}

static bool rt_src_is(const struct sk_buff *skb, const char *a, u16 port)
{
	union nf_inet_addr x = podvs_test_addr(a);
	const struct udphdr *uh = (const struct udphdr *)(skb->data +
							  sizeof(struct ipv6hdr));

	return ipv6_addr_equal(&ipv6_hdr(skb)->saddr, &x.in6) &&
	       uh->source == htons(port);
}

static int rt_lookups(void)
{
	return atomic_read(&podvs_rev_test_hooks.lookups);
}

/* SYN-ACK, RST and UDP from a Pod without an entry: translated to the
 * VIP; the SYN-ACK and the datagram learn an entry, the RST none.
 */
static void rt_test_hook_reply(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *tcp, *udp;
	struct sk_buff *skb;
	struct podvs_tuple r;
	struct podvs_conn *c;
	enum podvs_dir dir;

	tcp = podvs_test_svc(pn, IPPROTO_TCP, VIP6, 80, NULL, 251);
	udp = podvs_test_svc(pn, IPPROTO_UDP, VIP6, 53, NULL, 251);
	KUNIT_ASSERT_NOT_NULL(test, tcp);
	KUNIT_ASSERT_NOT_NULL(test, udp);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(tcp, POD6, PODPORT, 1), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(udp, POD6, PODPORT, 1), 0);

	skb = rt_skb6(test, POD6, PODPORT, CLIENT6, CPORT, IPPROTO_TCP,
		      PODVS_TCP_RST | PODVS_TCP_ACK);
	KUNIT_EXPECT_EQ(test, rt_hook(pn, skb), NF_ACCEPT);
	KUNIT_EXPECT_TRUE(test, rt_src_is(skb, VIP6, 80));
	KUNIT_EXPECT_EQ(test, podvs_conn_count(pn), 0U);
	kfree_skb(skb);

	skb = rt_skb6(test, POD6, PODPORT, CLIENT6, CPORT, IPPROTO_TCP,
		      PODVS_TCP_SYN | PODVS_TCP_ACK);
	KUNIT_EXPECT_EQ(test, rt_hook(pn, skb), NF_ACCEPT);
	KUNIT_EXPECT_TRUE(test, rt_src_is(skb, VIP6, 80));
	kfree_skb(skb);
	rt_reply(&r, IPPROTO_TCP, POD6, CLIENT6, CPORT);
	rcu_read_lock();
	c = podvs_conn_lookup(pn, &r, &dir);
	KUNIT_EXPECT_NOT_NULL(test, c);
	if (c) {
		KUNIT_EXPECT_EQ(test, c->state, PODVS_CONN_S_SYN_RECV);
		KUNIT_EXPECT_EQ(test, podvs_conn_uflags(c),
				PODVS_CONN_FL_LEARNED);
	}
	rcu_read_unlock();

	skb = rt_skb6(test, POD6, PODPORT, CLIENT6, CPORT, IPPROTO_UDP, 0);
	KUNIT_EXPECT_EQ(test, rt_hook(pn, skb), NF_ACCEPT);
	KUNIT_EXPECT_TRUE(test, rt_src_is(skb, VIP6, 53));
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(pn), 2U);
	KUNIT_EXPECT_EQ(test, rt_counter(pn, PODVS_CNT_LEARNED), 2ULL);

	/* a Pod's own SYN is no reply: untouched, nothing learned */
	skb = rt_skb6(test, POD6, PODPORT, CLIENT6, CPORT + 1, IPPROTO_TCP,
		      PODVS_TCP_SYN);
	KUNIT_EXPECT_EQ(test, rt_hook(pn, skb), NF_ACCEPT);
	KUNIT_EXPECT_TRUE(test, rt_src_is(skb, POD6, PODPORT));
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(pn), 2U);
}

/* An ICMP error the Pod sends about a client's datagram: from the VIP,
 * quoting client -> VIP:port; no entry.
 */
static void rt_test_hook_icmp(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	union nf_inet_addr vip = podvs_test_addr(VIP6);
	struct podvs_service *svc;
	const struct ipv6hdr *in;
	const struct udphdr *uh;
	struct sk_buff *skb;
	unsigned int off;

	svc = podvs_test_svc(pn, IPPROTO_UDP, VIP6, 53, NULL, 251);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, POD6, PODPORT, 1), 0);
	skb = rt_icmp6(test, POD6, CLIENT6, CPORT, POD6, PODPORT);
	KUNIT_EXPECT_EQ(test, rt_hook(pn, skb), NF_ACCEPT);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&ipv6_hdr(skb)->saddr,
						&vip.in6));
	off = sizeof(struct ipv6hdr) + sizeof(struct icmp6hdr);
	in = (const struct ipv6hdr *)(skb->data + off);
	uh = (const struct udphdr *)(skb->data + off + sizeof(*in));
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&in->daddr, &vip.in6));
	KUNIT_EXPECT_EQ(test, ntohs(uh->dest), 53);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(pn), 0U);
	kfree_skb(skb);
}

/* Ambiguous: dropped and counted.  A source that is no dest address (the
 * filter says so) never reaches the index and goes on untouched.
 */
static void rt_test_hook_ambiguous_and_other(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *a, *b;
	struct sk_buff *skb;
	int before;

	a = podvs_test_svc(pn, IPPROTO_TCP, VIP6, 80, "rr", 0);
	b = podvs_test_svc(pn, IPPROTO_TCP, VIP6B, 80, "rr", 0);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(a, POD6, PODPORT, 1), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(b, POD6, PODPORT, 1), 0);

	before = rt_lookups();
	skb = rt_skb6(test, POD6, PODPORT, CLIENT6, CPORT, IPPROTO_TCP,
		      PODVS_TCP_ACK);
	KUNIT_EXPECT_EQ(test, rt_hook(pn, skb), NF_DROP);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, rt_lookups(), before + 1);
	KUNIT_EXPECT_EQ(test, rt_counter(pn, PODVS_DROP_A_AMBIGUOUS), 1ULL);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(pn), 0U);

	/* to a client, and to a Pod (the filter counts the destination) */
	before = rt_lookups();
	skb = rt_skb6(test, "2001:db8:9::9", PODPORT, CLIENT6, CPORT,
		      IPPROTO_TCP, PODVS_TCP_ACK);
	KUNIT_EXPECT_EQ(test, rt_hook(pn, skb), NF_ACCEPT);
	KUNIT_EXPECT_TRUE(test, rt_src_is(skb, "2001:db8:9::9", PODPORT));
	kfree_skb(skb);
	skb = rt_skb6(test, "2001:db8:9::9", CPORT, POD6, PODPORT,
		      IPPROTO_TCP, PODVS_TCP_ACK);
	KUNIT_EXPECT_EQ(test, rt_hook(pn, skb), NF_ACCEPT);
	KUNIT_EXPECT_TRUE(test, rt_src_is(skb, "2001:db8:9::9", CPORT));
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, rt_lookups(), before);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(pn), 0U);
}

static struct kunit_case podvs_revnat_cases[] = {
	KUNIT_CASE(rt_test_index_txn),
	KUNIT_CASE(rt_test_index_same_batch),
	KUNIT_CASE(rt_test_owner_one),
	KUNIT_CASE(rt_test_owner_rr),
	KUNIT_CASE(rt_test_owner_mh),
	KUNIT_CASE(rt_test_tcp_learn),
	KUNIT_CASE(rt_test_learned_entry),
	KUNIT_CASE(rt_test_learn_udp_limit),
	KUNIT_CASE(rt_test_client_fin_first),
	KUNIT_CASE(rt_test_hook_reply),
	KUNIT_CASE(rt_test_hook_icmp),
	KUNIT_CASE(rt_test_hook_ambiguous_and_other),
	{}
};

static struct kunit_suite podvs_revnat_suite = {
	.name = "podvs_revnat",
	.suite_init = podvs_test_suite_init,
	.suite_exit = podvs_test_suite_exit,
	.init = podvs_test_init,
	.exit = podvs_test_exit,
	.test_cases = podvs_revnat_cases,
};

kunit_test_suite(podvs_revnat_suite);
