// SPDX-License-Identifier: GPL-2.0
/*
 * Dests: allocation, references, and their part of the batch transaction.
 */
#include <linux/slab.h>

#include "dest.h"
#include "filter.h"
#include "revnat.h"
#include "service.h"
#include "txn.h"

static const struct rhashtable_params podvs_dest_params = {
	.head_offset = offsetof(struct podvs_dest, hnode),
	.key_offset = offsetof(struct podvs_dest, hkey),
	.key_len = sizeof(struct podvs_dest_key),
	.automatic_shrinking = true,
};

static void podvs_dest_key_init(struct podvs_dest_key *k,
				const struct podvs_service *svc,
				const union nf_inet_addr *addr, __be16 port)
{
	memset(k, 0, sizeof(*k));
	k->svc = svc;
	if (svc->key.af == AF_INET)
		k->addr.ip = addr->ip;
	else
		k->addr.in6 = addr->in6;
	k->port = port;
}

struct podvs_dest *podvs_dest_alloc(u16 af, const union nf_inet_addr *addr,
				    __be16 port)
{
	struct podvs_dest *d;

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return NULL;
	if (podvs_stats_init(&d->stats)) {
		kfree(d);
		return NULL;
	}
	INIT_LIST_HEAD(&d->node);
	if (af == AF_INET)
		d->addr.ip = addr->ip;
	else
		d->addr.in6 = addr->in6;
	d->port = port;
	d->af = af;
	d->weight = 1;
	refcount_set(&d->refcnt, 1);
	return d;
}

static void podvs_dest_free_rcu(struct rcu_head *rcu)
{
	struct podvs_dest *d = container_of(rcu, struct podvs_dest, rcu);

	podvs_stats_free(&d->stats);
	kfree(d);
}

/* Any context: the last reference may go in a timer or RCU callback. */
void podvs_dest_put(struct podvs_dest *d)
{
	if (!refcount_dec_and_test(&d->refcnt))
		return;
	if (d->filter) {
		podvs_filter_del(d->filter, d->af, &d->addr);
		podvs_filter_del(d->filter, d->af, &d->vip);
	}
	call_rcu(&d->rcu, podvs_dest_free_rcu);
}

static struct rhashtable *podvs_dest_ht(struct podvs_net *pn)
{
	return &podvs_svc_table(pn)->dests;
}

struct podvs_dest *podvs_dest_find(struct podvs_service *svc,
				   const union nf_inet_addr *addr,
				   __be16 port)
{
	struct podvs_dest_key k;
	struct podvs_dest *d;

	podvs_dest_key_init(&k, svc, addr, port);
	d = rhashtable_lookup_fast(podvs_dest_ht(svc->pn), &k,
				   podvs_dest_params);
	return d && !d->zombie ? d : NULL;
}

static void podvs_dest_apply(struct podvs_dest *d,
			     const struct podvs_dest_conf *c)
{
	u32 mask = c->flags_mask;

	if (c->present & BIT(PODVS_DEST_A_WEIGHT))
		WRITE_ONCE(d->weight, c->weight);
	if (c->present & BIT(PODVS_DEST_A_FLAGS)) {
		if (!(c->present & BIT(PODVS_DEST_A_FLAGS_MASK)))
			mask = PODVS_DEST_F_ALL;
		WRITE_ONCE(d->flags, (d->flags & ~mask) | (c->flags & mask));
	}
	if (c->present & BIT(PODVS_DEST_A_OWNER))
		strscpy(d->owner, c->owner, sizeof(d->owner));
}

/* Put d in the hash table, in place of a zombie of the same key. */
static int podvs_dest_hash(struct rhashtable *ht, struct podvs_dest *d,
			   struct podvs_dest *old)
{
	int ret;

	if (old)
		ret = rhashtable_replace_fast(ht, &old->hnode, &d->hnode,
					      podvs_dest_params);
	else
		ret = rhashtable_insert_fast(ht, &d->hnode, podvs_dest_params);
	if (ret)
		return ret;
	if (old)
		old->hashed = false;
	d->hashed = true;
	return 0;
}

static void podvs_dest_unhash(struct rhashtable *ht, struct podvs_dest *d,
			      struct podvs_dest *replaced)
{
	if (!d->hashed)
		return;
	if (replaced) {
		WARN_ON(rhashtable_replace_fast(ht, &d->hnode, &replaced->hnode,
						podvs_dest_params));
		replaced->hashed = true;
	} else {
		rhashtable_remove_fast(ht, &d->hnode, podvs_dest_params);
	}
	d->hashed = false;
}

static void podvs_dest_link(struct podvs_net *pn, struct podvs_service *svc,
			    struct podvs_dest *d)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);

	d->id = ++tab->next_id;
	/* no flow can find d yet: the counts are in before any can */
	d->filter = pn->filter;
	d->vip = svc->key.addr;
	podvs_filter_add(d->filter, d->af, &d->addr);
	podvs_filter_add(d->filter, d->af, &d->vip);
	rcu_assign_pointer(d->svc, svc);
	list_add_tail_rcu(&d->node, &svc->dests);
	svc->num_dests++;
	tab->ndests++;
	podvs_est_add(&pn->est, &d->stats);
}

int podvs_dest_new(struct podvs_txn *t, struct podvs_service *svc,
		   const struct podvs_dest_conf *c)
{
	struct rhashtable *ht = podvs_dest_ht(t->pn);
	struct podvs_dest *d, *old;
	struct podvs_undo *u;
	int ret;

	if (WARN_ON_ONCE(t->len == t->cap))
		return -ENOBUFS;
	d = podvs_dest_alloc(svc->key.af, &c->addr, c->port);
	if (!d)
		return -ENOMEM;
	podvs_dest_key_init(&d->hkey, svc, &c->addr, c->port);
	old = rhashtable_lookup_fast(ht, &d->hkey, podvs_dest_params);
	if (old && !old->zombie) {
		ret = -EEXIST;
		goto put_dest;
	}
	podvs_dest_apply(d, c);
	ret = podvs_dest_hash(ht, d, old);
	if (ret)
		goto put_dest;
	ret = podvs_rev_add(t->pn, svc, d);
	if (ret)
		goto unhash_dest;

	podvs_dest_link(t->pn, svc, d);
	u = podvs_txn_log(t, PODVS_UNDO_DEST_NEW, d);
	u->replaced = old;
	podvs_txn_touch(t, svc);
	return 0;

unhash_dest:
	podvs_dest_unhash(ht, d, old);
put_dest:
	podvs_dest_put(d);
	return ret;
}

/* Only states built at commit would list d, and none was: no flow can
 * use it, and only the list's reference is left.
 */
void podvs_dest_undo_new(struct podvs_net *pn, struct podvs_dest *d,
			 struct podvs_dest *replaced)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);
	struct podvs_service *svc;

	svc = rcu_dereference_protected(d->svc, lockdep_is_held(&pn->lock));
	podvs_dest_unhash(&tab->dests, d, replaced);
	podvs_rev_del(pn, d);
	list_del_rcu(&d->node);
	svc->num_dests--;
	tab->ndests--;
	podvs_est_del(&pn->est, &d->stats);
	WRITE_ONCE(d->dead, true);
	RCU_INIT_POINTER(d->svc, NULL);
	podvs_dest_put(d);
}

static struct podvs_service *podvs_dest_svc(struct podvs_txn *t,
					    struct podvs_dest *d)
{
	return rcu_dereference_protected(d->svc,
					 lockdep_is_held(&t->pn->lock));
}

int podvs_dest_set(struct podvs_txn *t, struct podvs_dest *d,
		   const struct podvs_dest_conf *c)
{
	struct podvs_undo *u;

	if (WARN_ON_ONCE(t->len == t->cap))
		return -ENOBUFS;
	u = podvs_txn_log(t, PODVS_UNDO_DEST_SET, d);
	u->dest.weight = d->weight;
	u->dest.flags = d->flags;
	memcpy(u->owner, d->owner, sizeof(u->owner));
	podvs_dest_apply(d, c);
	if (d->weight != u->dest.weight || d->flags != u->dest.flags)
		podvs_txn_touch(t, podvs_dest_svc(t, d));
	return 0;
}

void podvs_dest_undo_set(struct podvs_dest *d, const struct podvs_undo *u)
{
	WRITE_ONCE(d->weight, u->dest.weight);
	WRITE_ONCE(d->flags, u->dest.flags);
	memcpy(d->owner, u->owner, sizeof(d->owner));
}

int podvs_dest_del(struct podvs_txn *t, struct podvs_dest *d)
{
	struct podvs_service *svc = podvs_dest_svc(t, d);

	if (WARN_ON_ONCE(t->len == t->cap))
		return -ENOBUFS;
	d->zombie = true;
	svc->num_dests--;
	podvs_txn_log(t, PODVS_UNDO_DEST_DEL, d);
	podvs_txn_touch(t, svc);
	return 0;
}

void podvs_dest_undo_del(struct podvs_net *pn, struct podvs_dest *d)
{
	struct podvs_service *svc;

	svc = rcu_dereference_protected(d->svc, lockdep_is_held(&pn->lock));
	d->zombie = false;
	svc->num_dests++;
}

/* The flush walks the whole connection table and finds only entries
 * that the counters count: skip it when they count none (a flow racing
 * in is ended by its next packet, which sees the dest dead), and when the
 * table is gone (namespace exit ends every flow first).
 */
static bool podvs_dest_has_conns(struct podvs_net *pn, struct podvs_dest *d)
{
	return pn->conn && (atomic_read(&d->active_conns) ||
			    atomic_read(&d->inactive_conns) ||
			    atomic_read(&d->persist_conns));
}

bool podvs_dest_kill(struct podvs_net *pn, struct podvs_dest *d)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);
	struct podvs_service *svc;
	bool flush;

	svc = rcu_dereference_protected(d->svc, lockdep_is_held(&pn->lock));
	WRITE_ONCE(d->dead, true);
	podvs_dest_unhash(&tab->dests, d, NULL);
	podvs_rev_del(pn, d);
	list_del_rcu(&d->node);
	if (!d->zombie)
		svc->num_dests--;
	tab->ndests--;
	RCU_INIT_POINTER(d->svc, NULL);
	podvs_est_del(&pn->est, &d->stats);
	flush = podvs_dest_has_conns(pn, d);
	podvs_dest_put(d);	/* flows, if any, hold their own references */
	return flush;
}

struct podvs_dest *podvs_dest_next(struct podvs_service *svc,
				   struct podvs_dest *prev, u64 id)
{
	struct podvs_dest *d;

	if (prev) {
		if (list_is_last(&prev->node, &svc->dests))
			return NULL;
		return list_next_entry(prev, node);
	}
	list_for_each_entry(d, &svc->dests, node)
		if (d->id > id)
			return d;
	return NULL;
}

int podvs_dest_table_init(struct podvs_svc_table *tab)
{
	int ret = rhashtable_init(&tab->dests, &podvs_dest_params);

	if (ret)
		return ret;
	ret = podvs_rev_table_init(tab);
	if (ret)
		rhashtable_destroy(&tab->dests);
	return ret;
}

void podvs_dest_table_exit(struct podvs_svc_table *tab)
{
	podvs_rev_table_exit(tab);
	rhashtable_destroy(&tab->dests);
}
