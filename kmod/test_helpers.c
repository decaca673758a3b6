// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit helpers shared by the suites of podvs_test.ko (see podvs_test.h).
 */
#include <linux/inet.h>
#include <linux/slab.h>

#include "dest.h"
#include "service.h"
#include "podvs_test.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("podvs KUnit suites");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/*
 * podvs_test.ko's suites run when it is COMING, after podvs.ko's init has
 * registered the schedulers; a suite registers them for its run only if
 * they are not (then unregisters them again at its end).
 */
static bool podvs_test_scheds;

int podvs_test_suite_init(struct kunit_suite *suite)
{
	if (podvs_sched_find(PODVS_DEFAULT_SCHED))
		return 0;
	podvs_test_scheds = true;
	return podvs_sched_register_all();
}

void podvs_test_suite_exit(struct kunit_suite *suite)
{
	if (podvs_test_scheds)
		podvs_sched_unregister_all();
	podvs_test_scheds = false;
}

/* suite .init / .exit: test->priv is a fresh struct podvs_net */
int podvs_test_init(struct kunit *test)
{
	struct podvs_net *pn = kzalloc(sizeof(*pn), GFP_KERNEL);

	if (!pn)
		return -ENOMEM;
	if (podvs_net_setup(pn, &init_net)) {
		kfree(pn);
		return -ENOMEM;
	}
	test->priv = pn;
	return 0;
}

void podvs_test_exit(struct kunit *test)
{
	struct podvs_net *pn = test->priv;

	podvs_net_teardown(pn);
	kfree(pn);
}

/* Lock pn and begin a transaction; unlocked again on failure, so that a
 * failed assertion never leaves the lock held (teardown needs it).
 */
bool podvs_test_begin(struct podvs_net *pn, struct podvs_txn *t,
		      u32 nops)
{
	mutex_lock(&pn->lock);
	if (!podvs_txn_begin(t, pn, nops))
		return true;
	mutex_unlock(&pn->lock);
	return false;
}

union nf_inet_addr podvs_test_addr(const char *text)
{
	union nf_inet_addr a = {};

	if (!strchr(text, ':'))
		in4_pton(text, -1, (u8 *)&a.ip, -1, NULL);
	else
		in6_pton(text, -1, (u8 *)&a.in6, -1, NULL);
	return a;
}

u16 podvs_test_af(const char *text)
{
	return strchr(text, ':') ? AF_INET6 : AF_INET;
}

void podvs_test_key(struct podvs_svc_key *k, u8 proto,
		    const char *vip, u16 port)
{
	union nf_inet_addr a = podvs_test_addr(vip);

	podvs_svc_key_init(k, podvs_test_af(vip), proto, &a, htons(port));
}

/* A service with scheduler sched (NULL: default) and Maglev size m (0:
 * default), committed; NULL on failure.
 */
struct podvs_service *
podvs_test_svc(struct podvs_net *pn, u8 proto, const char *vip, u16 port,
	       const char *sched, u32 m)
{
	struct podvs_svc_conf c = {};
	struct podvs_service *svc = NULL;
	struct podvs_txn t;

	podvs_test_key(&c.key, proto, vip, port);
	if (sched) {
		c.sched = podvs_sched_find(sched);
		c.present |= BIT(PODVS_SVC_A_SCHED);
	}
	if (m) {
		c.mh_size = m;
		c.present |= BIT(PODVS_SVC_A_MH_TABLE_SIZE);
	}
	mutex_lock(&pn->lock);
	if (!podvs_txn_begin(&t, pn, 1)) {
		if (podvs_svc_new(&t, &c))
			podvs_txn_abort(&t);
		else if (!podvs_txn_commit(&t))
			svc = podvs_svc_find(pn, &c.key);
	}
	mutex_unlock(&pn->lock);
	return svc;
}

void podvs_test_dest_conf(struct podvs_dest_conf *c,
			  const char *ip, u16 port, u32 weight)
{
	memset(c, 0, sizeof(*c));
	c->addr = podvs_test_addr(ip);
	c->port = htons(port);
	c->weight = weight;
	c->present = BIT(PODVS_DEST_A_WEIGHT);
}

/* Add a dest and commit (rebuilding the scheduler); 0 or -errno. */
int podvs_test_dest(struct podvs_service *svc, const char *ip,
		    u16 port, u32 weight)
{
	struct podvs_net *pn = svc->pn;
	struct podvs_dest_conf c;
	struct podvs_txn t;
	int ret;

	podvs_test_dest_conf(&c, ip, port, weight);
	mutex_lock(&pn->lock);
	ret = podvs_txn_begin(&t, pn, 1);
	if (!ret) {
		ret = podvs_dest_new(&t, svc, &c);
		if (ret)
			podvs_txn_abort(&t);
		else
			ret = podvs_txn_commit(&t);
	}
	mutex_unlock(&pn->lock);
	return ret;
}

struct podvs_dest *podvs_test_find(struct podvs_service *svc,
				   const char *ip, u16 port)
{
	union nf_inet_addr a = podvs_test_addr(ip);
	struct podvs_dest *d;

	mutex_lock(&svc->pn->lock);
	d = podvs_dest_find(svc, &a, htons(port));
	mutex_unlock(&svc->pn->lock);
	return d;
}

/* Delete a dest (or change its weight/flags) and commit. */
int podvs_test_dest_op(struct podvs_service *svc, const char *ip,
		       u16 port, bool del, u32 weight, u32 flags)
{
	struct podvs_net *pn = svc->pn;
	union nf_inet_addr a = podvs_test_addr(ip);
	struct podvs_dest_conf c = {};
	struct podvs_dest *d;
	struct podvs_txn t;
	int ret;

	c.weight = weight;
	c.flags = flags;
	c.present = BIT(PODVS_DEST_A_WEIGHT) | BIT(PODVS_DEST_A_FLAGS);
	mutex_lock(&pn->lock);
	d = podvs_dest_find(svc, &a, htons(port));
	ret = d ? podvs_txn_begin(&t, pn, 1) : -ENOENT;
	if (!ret) {
		ret = del ? podvs_dest_del(&t, d) : podvs_dest_set(&t, d, &c);
		if (ret)
			podvs_txn_abort(&t);
		else
			ret = podvs_txn_commit(&t);
	}
	mutex_unlock(&pn->lock);
	return ret;
}

/* The tables, for counts: tests read them without the lock, nothing else
 * runs on their private namespace.
 */
struct podvs_svc_table *podvs_test_tab(struct podvs_net *pn)
{
	return rcu_dereference_protected(pn->svc, 1);
}

struct podvs_sched_state *podvs_test_state(struct podvs_service *svc)
{
	return rcu_dereference_protected(svc->sched_data, 1);
}

/* The dest a client gets (IPv4 or IPv6 text). */
struct podvs_dest *podvs_test_pick(struct podvs_service *svc,
				   const char *client, u16 sport)
{
	struct podvs_flow_key k = {
		.saddr = podvs_test_addr(client),
		.sport = htons(sport),
		.af = podvs_test_af(client),
	};
	struct podvs_dest *d;

	rcu_read_lock();
	d = podvs_sched_schedule(svc, &k);
	rcu_read_unlock();
	return d;
}

