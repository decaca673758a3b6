// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the service table, VIP counts and batch transactions.
 */
#include "podvs_test.h"
#include "conn.h"

struct podvs_svc_case {
	u8 proto;
	const char *vip;
	u16 port;
};

/* Keys that differ in one field only, v4 and v6. */
static const struct podvs_svc_case podvs_svc_cases[] = {
	{ IPPROTO_TCP, "192.0.2.1", 80 },
	{ IPPROTO_TCP, "192.0.2.1", 443 },
	{ IPPROTO_UDP, "192.0.2.1", 80 },
	{ IPPROTO_TCP, "192.0.2.2", 80 },
	{ IPPROTO_TCP, "2001:db8::1", 80 },
	{ IPPROTO_UDP, "2001:db8::1", 53 },
	/* v6 address whose first 4 bytes spell 192.0.2.1 */
	{ IPPROTO_TCP, "c000:201::", 80 },
};

static struct podvs_service *podvs_lookup_case(struct podvs_net *pn,
					       const struct podvs_svc_case *c)
{
	union nf_inet_addr a = podvs_test_addr(c->vip);
	struct podvs_service *svc;

	rcu_read_lock();
	svc = podvs_svc_lookup(pn, podvs_test_af(c->vip), c->proto, &a,
			       htons(c->port));
	rcu_read_unlock();
	return svc;
}

static void podvs_svc_test_lookup(struct kunit *test)
{
	struct podvs_service *svcs[ARRAY_SIZE(podvs_svc_cases)];
	const struct podvs_svc_case *c;
	struct podvs_net *pn = test->priv;
	int i;

	for (i = 0; i < ARRAY_SIZE(podvs_svc_cases); i++) {
		c = &podvs_svc_cases[i];
		svcs[i] = podvs_test_svc(pn, c->proto, c->vip, c->port, NULL, 0);
		KUNIT_ASSERT_NOT_NULL(test, svcs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(podvs_svc_cases); i++) {
		c = &podvs_svc_cases[i];
		KUNIT_EXPECT_PTR_EQ(test, podvs_lookup_case(pn, c), svcs[i]);
		/* a second NEW of the same key fails */
		KUNIT_EXPECT_NULL(test, podvs_test_svc(pn, c->proto, c->vip,
						       c->port, NULL, 0));
	}
	c = &(struct podvs_svc_case){ IPPROTO_UDP, "192.0.2.1", 443 };
	KUNIT_EXPECT_NULL(test, podvs_lookup_case(pn, c));
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->nsvc,
			(u32)ARRAY_SIZE(podvs_svc_cases));
}

static int podvs_test_del(struct podvs_net *pn, const struct podvs_svc_key *k)
{
	struct podvs_service *svc;
	struct podvs_txn t;
	int ret;

	mutex_lock(&pn->lock);
	svc = podvs_svc_find(pn, k);
	ret = svc ? podvs_txn_begin(&t, pn, 1) : -ENOENT;
	if (!ret) {
		podvs_svc_del(&t, svc);
		ret = podvs_txn_commit(&t);
	}
	mutex_unlock(&pn->lock);
	return ret;
}

static void podvs_svc_test_delete(struct kunit *test)
{
	const struct podvs_svc_case *c = &podvs_svc_cases[0];
	struct podvs_net *pn = test->priv;
	struct podvs_service *svc;
	struct podvs_svc_key k;

	svc = podvs_test_svc(pn, c->proto, c->vip, c->port, "rr", 0);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, "10.0.0.1", 80, 1), 0);
	podvs_test_key(&k, c->proto, c->vip, c->port);
	KUNIT_EXPECT_EQ(test, podvs_test_del(pn, &k), 0);
	KUNIT_EXPECT_NULL(test, podvs_lookup_case(pn, c));
	KUNIT_EXPECT_EQ(test, podvs_test_del(pn, &k), -ENOENT);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->nsvc, 0U);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->ndests, 0U);
	/* the key can be used again */
	KUNIT_EXPECT_NOT_NULL(test, podvs_test_svc(pn, c->proto, c->vip,
						   c->port, NULL, 0));
}

static bool podvs_vip(struct podvs_net *pn, const char *vip)
{
	union nf_inet_addr a = podvs_test_addr(vip);
	bool known;

	rcu_read_lock();
	known = podvs_vip_known(pn, podvs_test_af(vip), &a);
	rcu_read_unlock();
	return known;
}

static void podvs_svc_test_vip_known(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_svc_key k80, k443;

	KUNIT_EXPECT_FALSE(test, podvs_vip(pn, "192.0.2.1"));
	KUNIT_ASSERT_NOT_NULL(test, podvs_test_svc(pn, IPPROTO_TCP, "192.0.2.1",
						   80, NULL, 0));
	KUNIT_ASSERT_NOT_NULL(test, podvs_test_svc(pn, IPPROTO_UDP, "192.0.2.1",
						   443, NULL, 0));
	KUNIT_EXPECT_TRUE(test, podvs_vip(pn, "192.0.2.1"));
	KUNIT_EXPECT_FALSE(test, podvs_vip(pn, "192.0.2.2"));
	/* same leading bytes, other family */
	KUNIT_EXPECT_FALSE(test, podvs_vip(pn, "c000:201::"));
	podvs_test_key(&k80, IPPROTO_TCP, "192.0.2.1", 80);
	podvs_test_key(&k443, IPPROTO_UDP, "192.0.2.1", 443);
	KUNIT_ASSERT_EQ(test, podvs_test_del(pn, &k80), 0);
	KUNIT_EXPECT_TRUE(test, podvs_vip(pn, "192.0.2.1"));
	KUNIT_ASSERT_EQ(test, podvs_test_del(pn, &k443), 0);
	KUNIT_EXPECT_FALSE(test, podvs_vip(pn, "192.0.2.1"));
}

#define PODVS_MANY	100000

static void podvs_many_key(struct podvs_svc_key *k, u32 i)
{
	union nf_inet_addr a = {};

	/* 198.18.0.0/15 style spread: 40 ports per address */
	a.ip = htonl(0xc6120000 + i / 40);
	podvs_svc_key_init(k, AF_INET, IPPROTO_TCP, &a, htons(1 + i % 40));
}

/* NEW (or DEL) every one of the PODVS_MANY services in one transaction. */
static int podvs_many(struct podvs_net *pn, bool del)
{
	struct podvs_svc_conf c = {};
	struct podvs_txn t;
	int ret;
	u32 i;

	mutex_lock(&pn->lock);
	ret = podvs_txn_begin(&t, pn, PODVS_MANY);
	for (i = 0; !ret && i < PODVS_MANY; i++) {
		podvs_many_key(&c.key, i);
		if (del && !podvs_svc_find(pn, &c.key))
			ret = -ENOENT;
		else if (del)
			ret = podvs_svc_del(&t, podvs_svc_find(pn, &c.key));
		else
			ret = podvs_svc_new(&t, &c);
		cond_resched();
	}
	if (ret)
		podvs_txn_abort(&t);
	else
		ret = podvs_txn_commit(&t);
	mutex_unlock(&pn->lock);
	return ret;
}

static void podvs_svc_test_many(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *svc;
	struct podvs_svc_key k;
	u32 i, found = 0;

	KUNIT_ASSERT_EQ(test, podvs_many(pn, false), 0);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->nsvc, PODVS_MANY);
	/* the table grew (it starts with a handful of buckets) */
	KUNIT_EXPECT_GE(test, podvs_svc_buckets(pn), PODVS_MANY / 2);
	for (i = 0; i < PODVS_MANY; i++) {
		podvs_many_key(&k, i);
		rcu_read_lock();
		svc = podvs_svc_lookup(pn, AF_INET, IPPROTO_TCP, &k.addr, k.port);
		found += svc && !memcmp(&svc->key, &k, sizeof(k));
		rcu_read_unlock();
		if (!(i % 1024))
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, found, PODVS_MANY);
	podvs_many_key(&k, PODVS_MANY);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, podvs_svc_lookup(pn, AF_INET, IPPROTO_TCP,
						 &k.addr, k.port));
	rcu_read_unlock();
	KUNIT_ASSERT_EQ(test, podvs_many(pn, true), 0);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->nsvc, 0U);
	podvs_many_key(&k, 0);
	rcu_read_lock();
	KUNIT_EXPECT_FALSE(test, podvs_vip_known(pn, AF_INET, &k.addr));
	rcu_read_unlock();
}

/* A failing transaction leaves no trace: new objects gone, changed ones
 * restored, deleted ones back.
 */
static void podvs_svc_test_txn_abort(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_svc_conf c = {}, set = {};
	struct podvs_service *old, *svc;
	struct podvs_dest_conf dc;
	struct podvs_dest *d;
	struct podvs_txn t;

	old = podvs_test_svc(pn, IPPROTO_TCP, "192.0.2.1", 80, "rr", 0);
	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(old, "10.0.0.1", 80, 5), 0);
	d = podvs_test_find(old, "10.0.0.1", 80);

	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &t, 6));
	podvs_test_key(&c.key, IPPROTO_TCP, "192.0.2.2", 80);
	KUNIT_EXPECT_EQ(test, podvs_svc_new(&t, &c), 0);
	svc = podvs_svc_find(pn, &c.key);
	podvs_test_dest_conf(&dc, "10.0.0.2", 80, 1);
	KUNIT_EXPECT_EQ(test, podvs_dest_new(&t, svc, &dc), 0);
	set.sched = podvs_sched_find("lc");
	set.flags = PODVS_SVC_F_PERSISTENT;
	set.present = BIT(PODVS_SVC_A_SCHED) | BIT(PODVS_SVC_A_FLAGS);
	KUNIT_EXPECT_EQ(test, podvs_svc_set(&t, old, &set), 0);
	podvs_test_dest_conf(&dc, "10.0.0.1", 80, 9);
	KUNIT_EXPECT_EQ(test, podvs_dest_set(&t, d, &dc), 0);
	KUNIT_EXPECT_EQ(test, podvs_dest_del(&t, d), 0);
	KUNIT_EXPECT_NULL(test, podvs_dest_find(old, &d->addr, d->port));
	KUNIT_EXPECT_EQ(test, podvs_svc_del(&t, old), 0);
	KUNIT_EXPECT_NULL(test, podvs_svc_find(pn, &old->key));
	podvs_txn_abort(&t);

	KUNIT_EXPECT_NULL(test, podvs_svc_find(pn, &c.key));
	KUNIT_EXPECT_PTR_EQ(test, podvs_svc_find(pn, &old->key), old);
	KUNIT_EXPECT_PTR_EQ(test, podvs_dest_find(old, &d->addr, d->port), d);
	KUNIT_EXPECT_STREQ(test, old->sched->name, "rr");
	KUNIT_EXPECT_EQ(test, old->flags, 0U);
	KUNIT_EXPECT_EQ(test, d->weight, 5U);
	KUNIT_EXPECT_EQ(test, old->num_dests, 1U);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->nsvc, 1U);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->ndests, 1U);
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_PTR_EQ(test, podvs_test_pick(old, "198.51.100.1", 1), d);
}

/* DEL then NEW of the same keys in one transaction replaces the objects. */
static void podvs_svc_test_txn_replace(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_service *old, *svc;
	struct podvs_dest_conf dc;
	struct podvs_svc_conf c = {};
	struct podvs_dest *d, *nd;
	struct podvs_txn t;

	old = podvs_test_svc(pn, IPPROTO_TCP, "192.0.2.1", 80, "rr", 0);
	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_EQ(test, podvs_test_dest(old, "10.0.0.1", 80, 1), 0);
	d = podvs_test_find(old, "10.0.0.1", 80);

	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &t, 4));
	KUNIT_EXPECT_EQ(test, podvs_dest_del(&t, d), 0);
	podvs_test_dest_conf(&dc, "10.0.0.1", 80, 3);
	KUNIT_EXPECT_EQ(test, podvs_dest_new(&t, old, &dc), 0);
	nd = podvs_dest_find(old, &dc.addr, dc.port);
	KUNIT_EXPECT_PTR_NE(test, nd, d);
	KUNIT_EXPECT_EQ(test, podvs_svc_del(&t, old), 0);
	c.key = old->key;
	c.sched = podvs_sched_find("lc");
	c.present = BIT(PODVS_SVC_A_SCHED);
	KUNIT_EXPECT_EQ(test, podvs_svc_new(&t, &c), 0);
	KUNIT_EXPECT_EQ(test, podvs_txn_commit(&t), 0);
	svc = podvs_svc_find(pn, &c.key);
	KUNIT_EXPECT_PTR_NE(test, svc, old);
	KUNIT_EXPECT_STREQ(test, svc->sched->name, "lc");
	KUNIT_EXPECT_EQ(test, svc->num_dests, 0U);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->nsvc, 1U);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->ndests, 0U);
	mutex_unlock(&pn->lock);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, podvs_svc_lookup(pn, AF_INET, IPPROTO_TCP,
						   &c.key.addr, c.key.port), svc);
	rcu_read_unlock();
}

/* Commit bumps the generation, abort does not. */
static void podvs_svc_test_generation(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_svc_conf c = {};
	struct podvs_txn t;
	u32 gen = pn->generation;

	KUNIT_ASSERT_NOT_NULL(test, podvs_test_svc(pn, IPPROTO_TCP, "192.0.2.1",
						   80, NULL, 0));
	KUNIT_EXPECT_EQ(test, pn->generation, gen + 1);
	KUNIT_ASSERT_TRUE(test, podvs_test_begin(pn, &t, 1));
	podvs_test_key(&c.key, IPPROTO_TCP, "192.0.2.1", 80);
	KUNIT_EXPECT_EQ(test, podvs_svc_new(&t, &c), -EEXIST);
	podvs_txn_abort(&t);
	mutex_unlock(&pn->lock);
	KUNIT_EXPECT_EQ(test, pn->generation, gen + 1);
}

/* Mass deletion: a transaction deleting many dests, a DEL_SERVICE of a
 * service with many dests, a FLUSH: each ends all their flows in one walk
 * of the connection table; the other service's flows are left alone
 * (except by FLUSH, which deletes it too).
 */
enum podvs_mass_op { PODVS_MASS_DESTS, PODVS_MASS_SVC, PODVS_MASS_FLUSH };

struct podvs_mass_case {
	const char *name;
	enum podvs_mass_op op;
};

static const struct podvs_mass_case podvs_mass_cases[] = {
	{ "batch deleting every dest", PODVS_MASS_DESTS },
	{ "DEL_SERVICE", PODVS_MASS_SVC },
	{ "FLUSH", PODVS_MASS_FLUSH },
};

static void podvs_mass_desc(const struct podvs_mass_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(podvs_mass, podvs_mass_cases, podvs_mass_desc);

#define PODVS_MASS_N	64

/* n dests 10.<net>.0.<i>:80 in one transaction. */
static int podvs_mass_dests(struct podvs_service *svc, u8 net, int n)
{
	struct podvs_net *pn = svc->pn;
	struct podvs_dest_conf c;
	struct podvs_txn t;
	char ip[16];
	int i, ret;

	mutex_lock(&pn->lock);
	ret = podvs_txn_begin(&t, pn, n);
	for (i = 0; !ret && i < n; i++) {
		snprintf(ip, sizeof(ip), "10.%u.0.%d", net, i + 1);
		podvs_test_dest_conf(&c, ip, 80, 1);
		ret = podvs_dest_new(&t, svc, &c);
	}
	if (ret)
		podvs_txn_abort(&t);
	else
		ret = podvs_txn_commit(&t);
	mutex_unlock(&pn->lock);
	return ret;
}

/* A TCP (established) and a UDP flow from client 198.51.100.<host> on
 * every dest of svc; the TCP entries go into tcp[].
 */
static void podvs_mass_flows(struct kunit *test, struct podvs_service *svc,
			     u8 host, struct podvs_conn **tcp)
{
	struct podvs_tuple t = { .af = AF_INET, .dport = svc->key.port };
	struct podvs_net *pn = svc->pn;
	struct podvs_conn *c;
	struct podvs_dest *d;
	int err, i = 0;

	t.src.ip = htonl(0xc6336400 | host);
	t.dst = svc->key.addr;
	list_for_each_entry(d, &svc->dests, node) {
		t.sport = htons(1000 + i);
		t.protocol = IPPROTO_TCP;
		c = podvs_conn_create(pn, &t, d, PODVS_CONN_S_ESTABLISHED, &err);
		KUNIT_ASSERT_NOT_NULL(test, c);
		tcp[i++] = c;
		t.protocol = IPPROTO_UDP;
		c = podvs_conn_create(pn, &t, d, PODVS_CONN_S_UDP, &err);
		KUNIT_ASSERT_NOT_NULL(test, c);
	}
}

static int podvs_mass_run(struct podvs_net *pn, struct podvs_service *svc,
			  enum podvs_mass_op op)
{
	struct podvs_dest *d;
	struct podvs_txn t;
	int ret = 0;

	mutex_lock(&pn->lock);
	if (op == PODVS_MASS_FLUSH) {
		podvs_svc_flush(pn);
		goto unlock;
	}
	ret = podvs_txn_begin(&t, pn, op == PODVS_MASS_SVC ? 1 : svc->num_dests);
	if (ret)
		goto unlock;
	if (op == PODVS_MASS_SVC)
		ret = podvs_svc_del(&t, svc);
	else
		list_for_each_entry(d, &svc->dests, node)
			ret = ret ?: podvs_dest_del(&t, d);
	if (ret)
		podvs_txn_abort(&t);
	else
		ret = podvs_txn_commit(&t);
unlock:
	mutex_unlock(&pn->lock);
	return ret;
}

static void podvs_mass_expect(struct kunit *test, struct podvs_conn **tcp,
			      int n, bool gone)
{
	int i;

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, !!(tcp[i]->flags & PODVS_CONN_F_GONE),
				    gone, "flow %d", i);
		KUNIT_EXPECT_EQ_MSG(test, tcp[i]->state,
				    gone ? PODVS_CONN_S_CLOSE :
					   PODVS_CONN_S_ESTABLISHED,
				    "flow %d", i);
	}
}

static void podvs_svc_test_mass_delete(struct kunit *test)
{
	const struct podvs_mass_case *mc = test->param_value;
	struct podvs_conn *tcp[PODVS_MASS_N], *other[2];
	struct podvs_net *pn = test->priv;
	struct podvs_service *svc, *keep;
	bool flush = mc->op == PODVS_MASS_FLUSH;
	unsigned long walks;

	svc = podvs_test_svc(pn, IPPROTO_TCP, "192.0.2.1", 80, "rr", 0);
	keep = podvs_test_svc(pn, IPPROTO_TCP, "192.0.2.2", 80, "rr", 0);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_EQ(test, podvs_mass_dests(svc, 1, PODVS_MASS_N), 0);
	KUNIT_ASSERT_EQ(test, podvs_mass_dests(keep, 2, 2), 0);
	podvs_mass_flows(test, svc, 1, tcp);
	podvs_mass_flows(test, keep, 2, other);
	KUNIT_ASSERT_EQ(test, podvs_conn_count(pn), 2U * (PODVS_MASS_N + 2));

	walks = podvs_conn_flush_walks(pn);
	KUNIT_ASSERT_EQ(test, podvs_mass_run(pn, svc, mc->op), 0);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, podvs_conn_flush_walks(pn), walks + 1);
	podvs_mass_expect(test, tcp, PODVS_MASS_N, true);
	podvs_mass_expect(test, other, 2, flush);
	/* tombstones of the deleted dests' TCP flows; UDP flows gone */
	KUNIT_EXPECT_EQ(test, podvs_conn_count(pn),
			flush ? PODVS_MASS_N + 2U : PODVS_MASS_N + 4U);
	KUNIT_EXPECT_EQ(test, podvs_test_tab(pn)->ndests, flush ? 0U : 2U);
}

static struct kunit_case podvs_service_cases[] = {
	KUNIT_CASE(podvs_svc_test_lookup),
	KUNIT_CASE(podvs_svc_test_delete),
	KUNIT_CASE(podvs_svc_test_vip_known),
	KUNIT_CASE(podvs_svc_test_txn_abort),
	KUNIT_CASE(podvs_svc_test_txn_replace),
	KUNIT_CASE(podvs_svc_test_generation),
	KUNIT_CASE_PARAM(podvs_svc_test_mass_delete, podvs_mass_gen_params),
	KUNIT_CASE(podvs_svc_test_many),
	{}
};

static struct kunit_suite podvs_service_suite = {
	.name = "podvs_service",
	.suite_init = podvs_test_suite_init,
	.suite_exit = podvs_test_suite_exit,
	.init = podvs_test_init,
	.exit = podvs_test_exit,
	.test_cases = podvs_service_cases,
};

kunit_test_suite(podvs_service_suite);
