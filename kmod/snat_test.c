// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: hairpin SNAT (snat.c and its part of conn.c): prefix matching,
 * the port range and its walk, and new flows on a private namespace whose
 * one service has one dest: the client's port when free, another from
 * the range when taken, -EADDRNOTAVAIL when the range is used up, and the
 * reply tuple hashed with the gateway address.
 */
#include <kunit/test.h>
#include <net/ip.h>

#include "conn.h"
#include "podvs_test.h"
#include "snat.h"

#define PODVS_T_GW	"203.0.113.1"
#define PODVS_T_POD	"203.0.113.2"

static void podvs_t_prefix(struct podvs_prefix *p, const char *a, u8 plen)
{
	memset(p, 0, sizeof(*p));
	p->addr = podvs_test_addr(a);
	p->plen = plen;
}

static void podvs_snat_test_match(struct kunit *test)
{
	struct podvs_snat *s = kunit_kzalloc(test, struct_size(s, p, 3),
					     GFP_KERNEL);
	union nf_inet_addr a;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->n = 2;
	podvs_t_prefix(&s->p[0], "10.1.0.0", 16);
	podvs_t_prefix(&s->p[1], "203.0.113.0", 24);
	a = podvs_test_addr("10.1.255.7");
	KUNIT_EXPECT_TRUE(test, podvs_snat_match(s, AF_INET, &a));
	a = podvs_test_addr("10.2.0.1");
	KUNIT_EXPECT_FALSE(test, podvs_snat_match(s, AF_INET, &a));
	a = podvs_test_addr("203.0.113.9");
	KUNIT_EXPECT_TRUE(test, podvs_snat_match(s, AF_INET, &a));
	KUNIT_EXPECT_FALSE(test, podvs_snat_match(NULL, AF_INET, &a));
	/* /0 holds everything, /32 one address */
	s->n = 1;
	podvs_t_prefix(&s->p[0], "0.0.0.0", 0);
	KUNIT_EXPECT_TRUE(test, podvs_snat_match(s, AF_INET, &a));
	podvs_t_prefix(&s->p[0], "203.0.113.8", 32);
	KUNIT_EXPECT_FALSE(test, podvs_snat_match(s, AF_INET, &a));
	/* IPv6, a prefix not on a byte boundary */
	podvs_t_prefix(&s->p[0], "2001:db8:1::", 52);
	a = podvs_test_addr("2001:db8:1:fff::2");
	KUNIT_EXPECT_TRUE(test, podvs_snat_match(s, AF_INET6, &a));
	a = podvs_test_addr("2001:db8:1:1000::2");
	KUNIT_EXPECT_FALSE(test, podvs_snat_match(s, AF_INET6, &a));
}

static void podvs_snat_test_valid(struct kunit *test)
{
	union nf_inet_addr a = podvs_test_addr("10.1.0.0");

	KUNIT_EXPECT_TRUE(test, podvs_prefix_valid(AF_INET, &a, 16));
	KUNIT_EXPECT_FALSE(test, podvs_prefix_valid(AF_INET, &a, 33));
	a = podvs_test_addr("10.1.0.1");
	KUNIT_EXPECT_FALSE(test, podvs_prefix_valid(AF_INET, &a, 24));
	KUNIT_EXPECT_TRUE(test, podvs_prefix_valid(AF_INET, &a, 32));
	a = podvs_test_addr("2001:db8:1:8000::");
	KUNIT_EXPECT_TRUE(test, podvs_prefix_valid(AF_INET6, &a, 49));
	KUNIT_EXPECT_FALSE(test, podvs_prefix_valid(AF_INET6, &a, 48));
	KUNIT_EXPECT_FALSE(test, podvs_prefix_valid(AF_INET6, &a, 129));
}

static void podvs_snat_test_ports(struct kunit *test)
{
	u16 lo, hi;
	u32 i, seen = 0;

	/* the default ip_local_port_range is 32768-60999 */
	podvs_snat_ports(&init_net, &lo, &hi);
	KUNIT_EXPECT_EQ(test, lo, 61000);
	KUNIT_EXPECT_EQ(test, hi, 65535);
	/* every port of 100..103 once, from the start, then 0 */
	for (i = 0; i < 4; i++) {
		u16 p = podvs_snat_port_try(100, 103, 6, i);

		KUNIT_EXPECT_GE(test, p, 100);
		KUNIT_EXPECT_LE(test, p, 103);
		seen |= BIT(p - 100);
	}
	KUNIT_EXPECT_EQ(test, seen, 0xfU);
	KUNIT_EXPECT_EQ(test, podvs_snat_port_try(100, 103, 6, 0), 102);
	KUNIT_EXPECT_EQ(test, podvs_snat_port_try(100, 103, 6, 4), 0);
	KUNIT_EXPECT_EQ(test, podvs_snat_port_try(65535, 65535, 7, 0), 65535);
	KUNIT_EXPECT_EQ(test, podvs_snat_port_try(5, 4, 0, 0), 0);
}

/* The gateway address towards any Pod, without a route lookup. */
static int podvs_t_gw(struct net *net, u16 af, const union nf_inet_addr *pod,
		      union nf_inet_addr *out)
{
	*out = podvs_test_addr(PODVS_T_GW);
	return 0;
}

static int podvs_t_noaddr(struct net *net, u16 af,
			  const union nf_inet_addr *pod,
			  union nf_inet_addr *out)
{
	return -EHOSTUNREACH;
}

static struct podvs_service *podvs_t_svc(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *svc;

	svc = podvs_test_svc(pn, IPPROTO_TCP, "192.0.2.10", 80, "rr", 0);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, PODVS_T_POD, 8080, 1), 0);
	return svc;
}

static void podvs_t_tuple(struct podvs_tuple *t, const char *client, u16 port)
{
	memset(t, 0, sizeof(*t));
	t->af = AF_INET;
	t->protocol = IPPROTO_TCP;
	t->src = podvs_test_addr(client);
	t->sport = htons(port);
	t->dst = podvs_test_addr("192.0.2.10");
	t->dport = htons(80);
}

/* A SNAT flow from client:port with the port range lo..hi. */
static int podvs_t_flow(struct kunit *test, struct podvs_service *svc,
			const char *client, u16 port, u16 lo, u16 hi,
			struct podvs_conn **c)
{
	struct podvs_snat_req req = { .addr = podvs_t_gw, .lo = lo, .hi = hi };
	struct podvs_tuple t;
	int err;

	podvs_t_tuple(&t, client, port);
	rcu_read_lock();
	err = podvs_conn_schedule_snat(test->priv, svc, &t,
				       PODVS_CONN_S_SYN_SENT, 0, &req, c);
	rcu_read_unlock();
	return err;
}

/* The reply tuple Pod:8080 -> addr:port. */
static void podvs_t_reply(struct podvs_tuple *r, const char *addr, u16 port)
{
	memset(r, 0, sizeof(*r));
	r->af = AF_INET;
	r->protocol = IPPROTO_TCP;
	r->src = podvs_test_addr(PODVS_T_POD);
	r->sport = htons(8080);
	r->dst = podvs_test_addr(addr);
	r->dport = htons(port);
}

static void podvs_snat_test_free_port(struct kunit *test)
{
	struct podvs_service *svc = podvs_t_svc(test);
	union nf_inet_addr gw = podvs_test_addr(PODVS_T_GW);
	struct podvs_conn *c, *found;
	struct podvs_tuple r;
	enum podvs_dir dir;

	KUNIT_ASSERT_EQ(test, podvs_t_flow(test, svc, "10.1.0.5", 40000,
					   61000, 61001, &c), 0);
	KUNIT_EXPECT_TRUE(test, nf_inet_addr_cmp(&c->laddr, &gw));
	KUNIT_EXPECT_EQ(test, ntohs(c->lport), 40000);
	KUNIT_EXPECT_EQ(test, c->cflags, (u8)PODVS_CONN_FL_SNAT);
	/* the reply is hashed with the gateway address, not the client's */
	podvs_t_reply(&r, PODVS_T_GW, 40000);
	rcu_read_lock();
	found = podvs_conn_lookup(test->priv, &r, &dir);
	KUNIT_EXPECT_PTR_EQ(test, found, c);
	KUNIT_EXPECT_EQ(test, dir, PODVS_DIR_REPLY);
	podvs_t_reply(&r, "10.1.0.5", 40000);
	KUNIT_EXPECT_NULL(test, podvs_conn_lookup(test->priv, &r, &dir));
	rcu_read_unlock();
}

static void podvs_snat_test_taken(struct kunit *test)
{
	struct podvs_service *svc = podvs_t_svc(test);
	struct podvs_conn *a, *b, *found;
	struct podvs_tuple r;
	enum podvs_dir dir;

	KUNIT_ASSERT_EQ(test, podvs_t_flow(test, svc, "10.1.0.5", 40000,
					   61000, 61001, &a), 0);
	/* another client, same port: the Pod would see the same peer */
	KUNIT_ASSERT_EQ(test, podvs_t_flow(test, svc, "10.1.0.6", 40000,
					   61000, 61001, &b), 0);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_GE(test, ntohs(b->lport), 61000);
	KUNIT_EXPECT_LE(test, ntohs(b->lport), 61001);
	podvs_t_reply(&r, PODVS_T_GW, ntohs(b->lport));
	rcu_read_lock();
	found = podvs_conn_lookup(test->priv, &r, &dir);
	rcu_read_unlock();
	KUNIT_EXPECT_PTR_EQ(test, found, b);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(test->priv), 2U);
}

static void podvs_snat_test_exhausted(struct kunit *test)
{
	struct podvs_service *svc = podvs_t_svc(test);
	struct podvs_dest *d = podvs_test_find(svc, PODVS_T_POD, 8080);
	struct podvs_snat_req req = { .addr = podvs_t_noaddr };
	struct podvs_conn *c;
	struct podvs_tuple t;
	int refs;

	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_EQ(test, podvs_t_flow(test, svc, "10.1.0.5", 40000,
					   61000, 61000, &c), 0);
	KUNIT_ASSERT_EQ(test, podvs_t_flow(test, svc, "10.1.0.6", 40000,
					   61000, 61000, &c), 0);
	KUNIT_EXPECT_EQ(test, ntohs(c->lport), 61000);
	refs = refcount_read(&d->refcnt);
	KUNIT_EXPECT_EQ(test, podvs_t_flow(test, svc, "10.1.0.7", 40000,
					   61000, 61000, &c), -EADDRNOTAVAIL);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(test->priv), 2U);
	KUNIT_EXPECT_EQ(test, refcount_read(&d->refcnt), refs);
	/* its own port is free, but the range matters only when it is not */
	KUNIT_EXPECT_EQ(test, podvs_t_flow(test, svc, "10.1.0.7", 40001,
					   61000, 61000, &c), 0);
	/* no address towards the Pod: nothing inserted, nothing held */
	podvs_t_tuple(&t, "10.1.0.8", 40000);
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, podvs_conn_schedule_snat(test->priv, svc, &t,
						       PODVS_CONN_S_SYN_SENT, 0,
						       &req, &c), -EHOSTUNREACH);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, podvs_conn_count(test->priv), 3U);
	KUNIT_EXPECT_EQ(test, refcount_read(&d->refcnt), refs + 1);
}

/* Without SNAT the Pod sees the client: laddr:lport is caddr:cport. */
static void podvs_snat_test_none(struct kunit *test)
{
	struct podvs_service *svc = podvs_t_svc(test);
	struct podvs_conn *c;
	struct podvs_tuple t;

	podvs_t_tuple(&t, "10.1.0.5", 40000);
	rcu_read_lock();
	KUNIT_ASSERT_EQ(test, podvs_conn_schedule_snat(test->priv, svc, &t,
						       PODVS_CONN_S_SYN_SENT, 0,
						       NULL, &c), 0);
	rcu_read_unlock();
	KUNIT_EXPECT_TRUE(test, nf_inet_addr_cmp(&c->laddr, &c->caddr));
	KUNIT_EXPECT_EQ(test, ntohs(c->lport), ntohs(c->cport));
	KUNIT_EXPECT_EQ(test, c->cflags, 0);
}

static struct kunit_case podvs_snat_cases[] = {
	KUNIT_CASE(podvs_snat_test_match),
	KUNIT_CASE(podvs_snat_test_valid),
	KUNIT_CASE(podvs_snat_test_ports),
	KUNIT_CASE(podvs_snat_test_free_port),
	KUNIT_CASE(podvs_snat_test_taken),
	KUNIT_CASE(podvs_snat_test_exhausted),
	KUNIT_CASE(podvs_snat_test_none),
	{}
};

static struct kunit_suite podvs_snat_suite = {
	.name = "podvs_snat",
	.suite_init = podvs_test_suite_init,
	.suite_exit = podvs_test_suite_exit,
	.init = podvs_test_init,
	.exit = podvs_test_exit,
	.test_cases = podvs_snat_cases,
};

kunit_test_suite(podvs_snat_suite);
