// SPDX-License-Identifier: GPL-2.0
/*
 * The dest index and the ownership rule of reverse translation (revnat.h).
 *
 * Locking: the rhltable is changed only under podvs_net.lock (add, del,
 * publish), read under RCU.  d->rev_live is written under the lock and
 * read with READ_ONCE; d->rev_hashed is the lock's only.
 */
#include <linux/rhashtable.h>

#include "conn.h"
#include "dest.h"
#include "filter.h"
#include "podvs_kunit.h"
#include "revnat.h"
#include "sched.h"
#include "service.h"
#include "txn.h"

static const struct rhashtable_params podvs_rev_params = {
	.head_offset = offsetof(struct podvs_dest, rnode),
	.key_offset = offsetof(struct podvs_dest, rkey),
	.key_len = sizeof(struct podvs_rev_key),
	.automatic_shrinking = true,
};

#ifdef PODVS_KUNIT
struct podvs_rev_test_hooks podvs_rev_test_hooks;

static void podvs_rev_test_lookup(void)
{
	atomic_inc(&podvs_rev_test_hooks.lookups);
}
#else
static void podvs_rev_test_lookup(void)
{
}
#endif

static void podvs_rev_key_init(struct podvs_rev_key *k, u16 af, u8 proto,
			       const union nf_inet_addr *addr, __be16 port)
{
	memset(k, 0, sizeof(*k));
	if (af == AF_INET)
		k->addr.ip = addr->ip;
	else
		k->addr.in6 = addr->in6;
	k->port = port;
	k->af = af;
	k->protocol = proto;
}

int podvs_rev_table_init(struct podvs_svc_table *tab)
{
	return rhltable_init(&tab->rev, &podvs_rev_params);
}

void podvs_rev_table_exit(struct podvs_svc_table *tab)
{
	rhltable_destroy(&tab->rev);
}

int podvs_rev_add(struct podvs_net *pn, struct podvs_service *svc,
		  struct podvs_dest *d)
{
	int ret;

	lockdep_assert_held(&pn->lock);
	podvs_rev_key_init(&d->rkey, svc->key.af, svc->key.protocol,
			   &d->addr, d->port);
	d->rev_live = false;
	ret = rhltable_insert(&podvs_svc_table(pn)->rev, &d->rnode,
			      podvs_rev_params);
	if (!ret)
		d->rev_hashed = true;
	return ret;
}

void podvs_rev_del(struct podvs_net *pn, struct podvs_dest *d)
{
	lockdep_assert_held(&pn->lock);
	WRITE_ONCE(d->rev_live, false);
	if (!d->rev_hashed)
		return;
	WARN_ON(rhltable_remove(&podvs_svc_table(pn)->rev, &d->rnode,
				podvs_rev_params));
	d->rev_hashed = false;
}

static void podvs_rev_show(struct podvs_dest *d, bool live)
{
	if (d->rev_hashed)
		WRITE_ONCE(d->rev_live, live);
}

/* Before the reap: every object the log names is still alive.  A dest
 * added and deleted (or added to a service deleted) in the same batch
 * stays hidden.
 */
void podvs_rev_publish(struct podvs_txn *t)
{
	struct podvs_dest *d;
	u32 i;

	lockdep_assert_held(&t->pn->lock);
	for (i = 0; i < t->len; i++) {
		struct podvs_undo *u = &t->log[i];
		struct podvs_service *svc = u->obj;

		if (u->type == PODVS_UNDO_DEST_DEL) {
			podvs_rev_show(u->obj, false);
		} else if (u->type == PODVS_UNDO_SVC_DEL) {
			list_for_each_entry(d, &svc->dests, node)
				podvs_rev_show(d, false);
		}
	}
	for (i = 0; i < t->len; i++) {
		struct podvs_undo *u = &t->log[i];
		struct podvs_service *svc;

		if (u->type != PODVS_UNDO_DEST_NEW)
			continue;
		d = u->obj;
		svc = rcu_dereference_protected(d->svc,
						lockdep_is_held(&t->pn->lock));
		podvs_rev_show(d, !d->zombie && !svc->zombie);
	}
}

/* A live dest of a live service, or NULL. */
static struct podvs_service *podvs_rev_svc(const struct podvs_dest *d)
{
	struct podvs_service *svc;

	if (!READ_ONCE(d->rev_live) || READ_ONCE(d->dead))
		return NULL;
	svc = rcu_dereference(d->svc);
	return svc && !READ_ONCE(svc->dead) ? svc : NULL;
}

/* Would svc's committed state, if its scheduler is hashed, send a new flow
 * of key to d now?  It reads the state as podvs_sched_schedule() does, here
 * rather than in sched.c, which calls into dest.c: dest.c keeps the index
 * and must not be called back through the scheduler (no call circle).
 */
static bool podvs_rev_maps(struct podvs_service *svc,
			   const struct podvs_flow_key *key,
			   const struct podvs_dest *d)
{
	struct podvs_sched_state *st = rcu_dereference(svc->sched_data);

	if (!st || !st->n || !st->ops->hashed)
		return false;
	return st->ops->pick(st, svc, key) == d;
}

/* Several services have the key: those whose consistent-hash scheduler
 * sends this client (t->dst, t->dport) to their dest now; exactly one.
 */
static int podvs_rev_choose(struct rhlist_head *list,
			    const struct podvs_tuple *t,
			    struct podvs_dest **out)
{
	struct podvs_flow_key key = {
		.saddr = t->dst,
		.sport = t->dport,
		.af = t->af,
	};
	struct podvs_dest *d, *found = NULL;
	struct podvs_service *svc;
	struct rhlist_head *pos;

	rhl_for_each_entry_rcu(d, pos, list, rnode) {
		svc = podvs_rev_svc(d);
		if (!svc || !podvs_rev_maps(svc, &key, d))
			continue;
		if (found)
			return -ENOTUNIQ;
		found = d;
	}
	*out = found;
	return found ? 0 : -ENOTUNIQ;
}

int podvs_rev_owner(struct podvs_net *pn, const struct podvs_tuple *t,
		    struct podvs_dest **out)
{
	struct podvs_svc_table *tab;
	struct podvs_dest *d, *found = NULL;
	struct rhlist_head *list, *pos;
	struct podvs_rev_key k;
	u32 n = 0;

	if (t->tmpl || !podvs_filter_has(pn->filter, t->af, &t->src))
		return -ENOENT;
	podvs_rev_test_lookup();
	tab = rcu_dereference(pn->svc);
	podvs_rev_key_init(&k, t->af, t->protocol, &t->src, t->sport);
	list = rhltable_lookup(&tab->rev, &k, podvs_rev_params);
	rhl_for_each_entry_rcu(d, pos, list, rnode) {
		if (!podvs_rev_svc(d))
			continue;
		found = d;
		n++;
	}
	if (n == 1)
		*out = found;
	if (n <= 1)
		return n ? 0 : -ENOENT;
	return podvs_rev_choose(list, t, out);
}
