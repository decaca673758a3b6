// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: podvs_conn, the connection table.  Each case runs on a namespace
 * state of its own (podvs_net_setup on init_net, no hooks) with one dest.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include "conn.h"
#include "dest.h"
#include "pernet.h"

struct podvs_conn_fixture {
	struct podvs_net *pn;
	struct podvs_dest *dest;
};

static int podvs_conn_test_init(struct kunit *test)
{
	union nf_inet_addr a = { .ip = htonl(0xcb007102) };	/* 203.0.113.2 */
	struct podvs_conn_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->pn = kunit_kzalloc(test, sizeof(*f->pn), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->pn);
	KUNIT_ASSERT_EQ(test, podvs_net_setup(f->pn, &init_net), 0);
	f->dest = podvs_dest_alloc(AF_INET, &a, htons(8080));
	KUNIT_ASSERT_NOT_NULL(test, f->dest);
	test->priv = f;
	return 0;
}

static void podvs_conn_test_exit(struct kunit *test)
{
	struct podvs_conn_fixture *f = test->priv;

	podvs_net_teardown(f->pn);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, refcount_read(&f->dest->refcnt), 1);
	podvs_dest_put(f->dest);
	rcu_barrier();
}

/* client 198.51.100.<host>:<port> -> VIP 192.0.2.10:80 */
static void podvs_tuple4(struct podvs_tuple *t, u8 proto, u8 host, u16 port)
{
	memset(t, 0, sizeof(*t));
	t->af = AF_INET;
	t->protocol = proto;
	t->src.ip = htonl(0xc6336400 | host);
	t->sport = htons(port);
	t->dst.ip = htonl(0xc000020a);
	t->dport = htons(80);
}

/* The reply tuple of c: Pod -> client. */
static void podvs_reply_of(const struct podvs_conn *c, struct podvs_tuple *r)
{
	memset(r, 0, sizeof(*r));
	r->af = c->af;
	r->protocol = c->protocol;
	r->src = c->daddr;
	r->sport = c->dport;
	r->dst = c->caddr;
	r->dport = c->cport;
}

static struct podvs_conn *podvs_test_conn(struct kunit *test, u8 proto,
					  u8 host, u16 port, u8 state)
{
	struct podvs_conn_fixture *f = test->priv;
	struct podvs_tuple t;
	struct podvs_conn *c;
	int err;

	podvs_tuple4(&t, proto, host, port);
	c = podvs_conn_create(f->pn, &t, f->dest, state, &err);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

static void podvs_conn_test_lookup(struct kunit *test)
{
	struct podvs_conn_fixture *f = test->priv;
	struct podvs_tuple t, r;
	struct podvs_conn *c;
	enum podvs_dir dir;

	c = podvs_test_conn(test, IPPROTO_TCP, 1, 40000,
			    PODVS_CONN_S_SYN_SENT);
	podvs_tuple4(&t, IPPROTO_TCP, 1, 40000);
	podvs_reply_of(c, &r);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, podvs_conn_lookup(f->pn, &t, &dir), c);
	KUNIT_EXPECT_EQ(test, dir, PODVS_DIR_ORIG);
	KUNIT_EXPECT_PTR_EQ(test, podvs_conn_lookup(f->pn, &r, &dir), c);
	KUNIT_EXPECT_EQ(test, dir, PODVS_DIR_REPLY);
	t.sport = htons(40001);
	KUNIT_EXPECT_NULL(test, podvs_conn_lookup(f->pn, &t, &dir));
	t.sport = htons(40000);
	t.protocol = IPPROTO_UDP;
	KUNIT_EXPECT_NULL(test, podvs_conn_lookup(f->pn, &t, &dir));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, podvs_conn_count(f->pn), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->dest->inactive_conns), 1);
	KUNIT_EXPECT_EQ(test, refcount_read(&f->dest->refcnt), 2);
}

static void podvs_conn_test_collisions(struct kunit *test)
{
	struct podvs_conn_fixture *f = test->priv;
	struct podvs_tuple t;
	int err;

	podvs_test_conn(test, IPPROTO_TCP, 2, 40000, PODVS_CONN_S_SYN_SENT);
	podvs_tuple4(&t, IPPROTO_TCP, 2, 40000);
	KUNIT_EXPECT_NULL(test, podvs_conn_create(f->pn, &t, f->dest,
						  PODVS_CONN_S_SYN_SENT, &err));
	KUNIT_EXPECT_EQ(test, err, -EEXIST);
	/* same client address and port to another VIP port: same reply tuple */
	t.dport = htons(81);
	KUNIT_EXPECT_NULL(test, podvs_conn_create(f->pn, &t, f->dest,
						  PODVS_CONN_S_SYN_SENT, &err));
	KUNIT_EXPECT_EQ(test, err, -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(f->pn), 1U);
	KUNIT_EXPECT_EQ(test, refcount_read(&f->dest->refcnt), 2);
}

struct podvs_tcp_step {
	enum podvs_dir dir;
	u8 flags;
	u8 state;		/* expected afterwards */
};

struct podvs_tcp_case {
	const char *name;
	u8 first;		/* state the flow is created in */
	struct podvs_tcp_step steps[8];
	int n;
};

#define O PODVS_DIR_ORIG
#define R PODVS_DIR_REPLY
#define SYN PODVS_TCP_SYN
#define ACK PODVS_TCP_ACK
#define FIN PODVS_TCP_FIN
#define RST PODVS_TCP_RST

static const struct podvs_tcp_case podvs_tcp_cases[] = {
	{ "handshake, close from client", PODVS_CONN_S_SYN_SENT, {
		{ R, SYN | ACK, PODVS_CONN_S_SYN_RECV },
		{ O, ACK, PODVS_CONN_S_ESTABLISHED },
		{ R, ACK, PODVS_CONN_S_ESTABLISHED },
		{ O, FIN | ACK, PODVS_CONN_S_FIN_WAIT },
		{ R, ACK, PODVS_CONN_S_FIN_WAIT },
		{ R, FIN | ACK, PODVS_CONN_S_TIME_WAIT },
		{ O, ACK, PODVS_CONN_S_TIME_WAIT } }, 7 },
	{ "close from the Pod", PODVS_CONN_S_ESTABLISHED, {
		{ R, FIN | ACK, PODVS_CONN_S_FIN_WAIT },
		{ O, FIN | ACK, PODVS_CONN_S_TIME_WAIT } }, 2 },
	{ "repeated FIN one side stays FIN_WAIT", PODVS_CONN_S_ESTABLISHED, {
		{ O, FIN | ACK, PODVS_CONN_S_FIN_WAIT },
		{ O, FIN | ACK, PODVS_CONN_S_FIN_WAIT } }, 2 },
	{ "RST from the Pod on SYN", PODVS_CONN_S_SYN_SENT, {
		{ R, RST | ACK, PODVS_CONN_S_CLOSE } }, 1 },
	{ "RST from client when established", PODVS_CONN_S_ESTABLISHED, {
		{ O, RST, PODVS_CONN_S_CLOSE },
		{ O, ACK, PODVS_CONN_S_CLOSE } }, 2 },
	{ "SYN retransmit", PODVS_CONN_S_SYN_SENT, {
		{ O, SYN, PODVS_CONN_S_SYN_SENT },
		{ R, SYN | ACK, PODVS_CONN_S_SYN_RECV },
		{ O, SYN, PODVS_CONN_S_SYN_RECV } }, 3 },
	{ "picked up mid-flow (no SYN seen)", PODVS_CONN_S_NONE, {
		{ O, ACK, PODVS_CONN_S_ESTABLISHED } }, 1 },
	{ "only the Pod's side seen", PODVS_CONN_S_SYN_RECV, {
		{ R, SYN | ACK, PODVS_CONN_S_SYN_RECV },
		{ R, ACK, PODVS_CONN_S_ESTABLISHED },
		{ R, FIN | ACK, PODVS_CONN_S_FIN_WAIT } }, 3 },
	{ "SYN-ACK from the client is ignored", PODVS_CONN_S_SYN_SENT, {
		{ O, SYN | ACK, PODVS_CONN_S_SYN_SENT } }, 1 },
};

static void podvs_tcp_case_desc(const struct podvs_tcp_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(podvs_tcp, podvs_tcp_cases, podvs_tcp_case_desc);

static atomic_t *podvs_test_counter(struct podvs_dest *d, u8 state)
{
	return state == PODVS_CONN_S_ESTABLISHED ? &d->active_conns :
						   &d->inactive_conns;
}

/* Each step: the state, the timeout of that state, the dest counters. */
static void podvs_conn_test_tcp(struct kunit *test)
{
	const struct podvs_tcp_case *tc = test->param_value;
	struct podvs_conn_fixture *f = test->priv;
	struct podvs_conn *c;
	unsigned long left;
	int i;

	c = podvs_test_conn(test, IPPROTO_TCP, 3, 40000, tc->first);
	for (i = 0; i < tc->n; i++) {
		const struct podvs_tcp_step *s = &tc->steps[i];

		podvs_conn_update(c, s->dir, s->flags);
		KUNIT_EXPECT_EQ_MSG(test, c->state, s->state, "step %d", i);
		left = READ_ONCE(c->expires) - jiffies;
		KUNIT_EXPECT_LE_MSG(test, left, podvs_conn_timeout(f->pn, s->state),
				    "step %d", i);
		KUNIT_EXPECT_GE_MSG(test, left,
				    podvs_conn_timeout(f->pn, s->state) - HZ,
				    "step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(podvs_test_counter(f->dest, s->state)),
				    1, "step %d", i);
		KUNIT_EXPECT_EQ(test, atomic_read(&f->dest->active_conns) +
				atomic_read(&f->dest->inactive_conns), 1);
	}
}

static void podvs_conn_test_timeouts(struct kunit *test)
{
	struct podvs_conn_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, podvs_conn_timeout(f->pn, PODVS_CONN_S_ESTABLISHED),
			900UL * HZ);
	KUNIT_EXPECT_EQ(test, podvs_conn_timeout(f->pn, PODVS_CONN_S_FIN_WAIT),
			120UL * HZ);
	KUNIT_EXPECT_EQ(test, podvs_conn_timeout(f->pn, PODVS_CONN_S_SYN_RECV),
			60UL * HZ);
	KUNIT_EXPECT_EQ(test, podvs_conn_timeout(f->pn, PODVS_CONN_S_CLOSE),
			10UL * HZ);
	KUNIT_EXPECT_EQ(test, podvs_conn_timeout(f->pn, PODVS_CONN_S_UDP),
			300UL * HZ);
	f->pn->cfg.timeout[PODVS_CONN_S_UDP] = 7 * HZ;
	KUNIT_EXPECT_EQ(test, podvs_conn_timeout(f->pn, PODVS_CONN_S_UDP),
			7UL * HZ);
}

static void podvs_conn_test_gc(struct kunit *test)
{
	struct podvs_conn_fixture *f = test->priv;
	struct podvs_conn *c, *young;
	struct podvs_tuple t;
	enum podvs_dir dir;

	c = podvs_test_conn(test, IPPROTO_UDP, 4, 5000, PODVS_CONN_S_UDP);
	young = podvs_test_conn(test, IPPROTO_UDP, 4, 5001, PODVS_CONN_S_UDP);
	KUNIT_EXPECT_EQ(test, refcount_read(&f->dest->refcnt), 3);
	WRITE_ONCE(c->expires, jiffies - 1);
	podvs_conn_expire_now(c);
	podvs_conn_expire_now(young);	/* not due: re-armed, stays */
	podvs_tuple4(&t, IPPROTO_UDP, 4, 5000);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, podvs_conn_lookup(f->pn, &t, &dir));
	t.sport = htons(5001);
	KUNIT_EXPECT_PTR_EQ(test, podvs_conn_lookup(f->pn, &t, &dir), young);
	rcu_read_unlock();
	KUNIT_EXPECT_TRUE(test, timer_pending(&young->timer));
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, podvs_conn_count(f->pn), 1U);
	KUNIT_EXPECT_EQ(test, refcount_read(&f->dest->refcnt), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->dest->inactive_conns), 1);
}

static void podvs_conn_test_limit(struct kunit *test)
{
	struct podvs_conn_fixture *f = test->priv;
	struct podvs_tuple t;
	int err;

	f->pn->cfg.conn_max = 2;
	podvs_test_conn(test, IPPROTO_UDP, 5, 1, PODVS_CONN_S_UDP);
	podvs_test_conn(test, IPPROTO_UDP, 5, 2, PODVS_CONN_S_UDP);
	podvs_tuple4(&t, IPPROTO_UDP, 5, 3);
	KUNIT_EXPECT_NULL(test, podvs_conn_create(f->pn, &t, f->dest,
						  PODVS_CONN_S_UDP, &err));
	KUNIT_EXPECT_EQ(test, err, -ENOSPC);
	KUNIT_EXPECT_EQ(test, podvs_conn_count(f->pn), 2U);
	KUNIT_EXPECT_EQ(test, refcount_read(&f->dest->refcnt), 3);
}

static void podvs_conn_test_reuse(struct kunit *test)
{
	struct podvs_conn_fixture *f = test->priv;
	struct podvs_conn *c;
	struct podvs_tuple t;
	int err;

	c = podvs_test_conn(test, IPPROTO_TCP, 6, 40000,
			    PODVS_CONN_S_ESTABLISHED);
	KUNIT_EXPECT_FALSE(test, podvs_tcp_reusable(c, PODVS_TCP_SYN));
	podvs_conn_update(c, PODVS_DIR_ORIG, PODVS_TCP_FIN | PODVS_TCP_ACK);
	podvs_conn_update(c, PODVS_DIR_REPLY, PODVS_TCP_FIN | PODVS_TCP_ACK);
	KUNIT_EXPECT_EQ(test, c->state, PODVS_CONN_S_TIME_WAIT);
	KUNIT_EXPECT_FALSE(test, podvs_tcp_reusable(c, PODVS_TCP_ACK));
	KUNIT_EXPECT_FALSE(test, podvs_tcp_reusable(c, PODVS_TCP_SYN |
						     PODVS_TCP_ACK));
	KUNIT_EXPECT_TRUE(test, podvs_tcp_reusable(c, PODVS_TCP_SYN));
	podvs_conn_kill(c);
	podvs_tuple4(&t, IPPROTO_TCP, 6, 40000);
	c = podvs_conn_create(f->pn, &t, f->dest, PODVS_CONN_S_SYN_SENT, &err);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_NOT_NULL(test, c);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, podvs_conn_count(f->pn), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->dest->inactive_conns), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->dest->active_conns), 0);
}

/* A flow of client host:port on dest d (not the fixture's). */
static struct podvs_conn *podvs_test_conn_on(struct kunit *test,
					     struct podvs_dest *d, u8 proto,
					     u8 host, u16 port, u8 state)
{
	struct podvs_conn_fixture *f = test->priv;
	struct podvs_tuple t;
	struct podvs_conn *c;
	int err;

	podvs_tuple4(&t, proto, host, port);
	c = podvs_conn_create(f->pn, &t, d, state, &err);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

#define PODVS_TEST_DEAD	8

/* One walk ends the flows of every dead dest: TCP flows become
 * tombstones, UDP flows go; the flows of the live dest stay as they were.
 */
static void podvs_conn_test_flush_dead(struct kunit *test)
{
	struct podvs_conn_fixture *f = test->priv;
	struct podvs_dest *dead[PODVS_TEST_DEAD];
	struct podvs_conn *tcp[PODVS_TEST_DEAD], *live_tcp, *live_udp;
	union nf_inet_addr a = {};
	unsigned long walks;
	int i;

	for (i = 0; i < PODVS_TEST_DEAD; i++) {
		a.ip = htonl(0xcb007110 + i);		/* 203.0.113.16 + i */
		dead[i] = podvs_dest_alloc(AF_INET, &a, htons(8080));
		KUNIT_ASSERT_NOT_NULL(test, dead[i]);
		tcp[i] = podvs_test_conn_on(test, dead[i], IPPROTO_TCP, 7,
					    40000 + i, PODVS_CONN_S_ESTABLISHED);
		podvs_test_conn_on(test, dead[i], IPPROTO_UDP, 7, 40000 + i,
				   PODVS_CONN_S_UDP);
	}
	live_tcp = podvs_test_conn(test, IPPROTO_TCP, 9, 40000,
				   PODVS_CONN_S_ESTABLISHED);
	live_udp = podvs_test_conn(test, IPPROTO_UDP, 9, 40000,
				   PODVS_CONN_S_UDP);
	for (i = 0; i < PODVS_TEST_DEAD; i++) {
		KUNIT_EXPECT_FALSE(test, podvs_conn_gone(tcp[i]));
		WRITE_ONCE(dead[i]->dead, true);
		KUNIT_EXPECT_TRUE(test, podvs_conn_gone(tcp[i]));
	}
	walks = podvs_conn_flush_walks(f->pn);
	mutex_lock(&f->pn->lock);
	podvs_conn_flush_dead(f->pn);
	mutex_unlock(&f->pn->lock);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, podvs_conn_flush_walks(f->pn), walks + 1);
	/* one tombstone per dead dest, both live flows */
	KUNIT_EXPECT_EQ(test, podvs_conn_count(f->pn), PODVS_TEST_DEAD + 2U);
	for (i = 0; i < PODVS_TEST_DEAD; i++) {
		KUNIT_EXPECT_EQ(test, tcp[i]->state, PODVS_CONN_S_CLOSE);
		KUNIT_EXPECT_TRUE(test, tcp[i]->flags & PODVS_CONN_F_GONE);
		KUNIT_EXPECT_EQ(test, atomic_read(&dead[i]->active_conns), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&dead[i]->inactive_conns), 1);
		/* the tombstone and this reference */
		KUNIT_EXPECT_EQ(test, refcount_read(&dead[i]->refcnt), 2);
		podvs_dest_put(dead[i]);
	}
	KUNIT_EXPECT_EQ(test, live_tcp->state, PODVS_CONN_S_ESTABLISHED);
	KUNIT_EXPECT_FALSE(test, live_tcp->flags & PODVS_CONN_F_GONE);
	KUNIT_EXPECT_FALSE(test, live_udp->flags & PODVS_CONN_F_UNLINKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->dest->active_conns), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->dest->inactive_conns), 1);
}

/* The UDP flow of a dead dest is no longer found; its TCP flow is. */
static void podvs_conn_test_flush_lookup(struct kunit *test)
{
	struct podvs_conn_fixture *f = test->priv;
	struct podvs_conn *tcp;
	struct podvs_tuple t;
	enum podvs_dir dir;

	tcp = podvs_test_conn(test, IPPROTO_TCP, 7, 40000,
			      PODVS_CONN_S_ESTABLISHED);
	podvs_test_conn(test, IPPROTO_UDP, 7, 40000, PODVS_CONN_S_UDP);
	WRITE_ONCE(f->dest->dead, true);
	mutex_lock(&f->pn->lock);
	podvs_conn_flush_dead(f->pn);
	mutex_unlock(&f->pn->lock);
	rcu_barrier();
	podvs_tuple4(&t, IPPROTO_UDP, 7, 40000);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, podvs_conn_lookup(f->pn, &t, &dir));
	t.protocol = IPPROTO_TCP;
	KUNIT_EXPECT_PTR_EQ(test, podvs_conn_lookup(f->pn, &t, &dir), tcp);
	rcu_read_unlock();
}

static int podvs_count_one(const struct podvs_conn *c, void *arg)
{
	int *budget = arg;

	return --(*budget) < 0;
}

static void podvs_conn_test_walk(struct kunit *test)
{
	struct podvs_conn_fixture *f = test->priv;
	unsigned long pos = 0;
	int i, budget, seen = 0, rounds = 0;

	for (i = 0; i < 5; i++)
		podvs_test_conn(test, IPPROTO_UDP, 8, 100 + i, PODVS_CONN_S_UDP);
	/* two entries per round, as a dump filling small messages */
	do {
		budget = 2;
		i = podvs_conn_walk(f->pn, &pos, podvs_count_one, &budget);
		seen += 2 - max(budget, 0);
		rounds++;
	} while (i && rounds < 10);
	KUNIT_EXPECT_EQ(test, seen, 5);
	KUNIT_EXPECT_EQ(test, rounds, 3);
	KUNIT_EXPECT_EQ(test, podvs_conn_buckets(f->pn) & (podvs_conn_buckets(f->pn) - 1), 0U);
}

static struct kunit_case podvs_conn_test_cases[] = {
	KUNIT_CASE(podvs_conn_test_lookup),
	KUNIT_CASE(podvs_conn_test_collisions),
	KUNIT_CASE_PARAM(podvs_conn_test_tcp, podvs_tcp_gen_params),
	KUNIT_CASE(podvs_conn_test_timeouts),
	KUNIT_CASE(podvs_conn_test_gc),
	KUNIT_CASE(podvs_conn_test_limit),
	KUNIT_CASE(podvs_conn_test_reuse),
	KUNIT_CASE(podvs_conn_test_flush_dead),
	KUNIT_CASE(podvs_conn_test_flush_lookup),
	KUNIT_CASE(podvs_conn_test_walk),
	{}
};

static struct kunit_suite podvs_conn_test_suite = {
	.name = "podvs_conn",
	.init = podvs_conn_test_init,
	.exit = podvs_conn_test_exit,
	.test_cases = podvs_conn_test_cases,
};

kunit_test_suite(podvs_conn_test_suite);
