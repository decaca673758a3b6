// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual services, the VIP reference counts and the batch transaction.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "conn.h"
#include "dest.h"
#include "filter.h"
#include "service.h"

/* VIPs in use, with the number of services on each. */
struct podvs_vip_key {
	union nf_inet_addr addr;
	u16 af;
	u8 pad[2];
};

struct podvs_vip {
	struct rhash_head node;
	struct podvs_vip_key key;
	u32 refs;		/* under pn->lock */
	struct rcu_head rcu;
};

static const struct rhashtable_params podvs_svc_params = {
	.head_offset = offsetof(struct podvs_service, hnode),
	.key_offset = offsetof(struct podvs_service, key),
	.key_len = sizeof(struct podvs_svc_key),
	.automatic_shrinking = true,
};

static const struct rhashtable_params podvs_vip_params = {
	.head_offset = offsetof(struct podvs_vip, node),
	.key_offset = offsetof(struct podvs_vip, key),
	.key_len = sizeof(struct podvs_vip_key),
	.automatic_shrinking = true,
};

static void podvs_addr_copy(union nf_inet_addr *dst, u16 af,
			    const union nf_inet_addr *src)
{
	memset(dst, 0, sizeof(*dst));
	if (af == AF_INET)
		dst->ip = src->ip;
	else
		dst->in6 = src->in6;
}

void podvs_svc_key_init(struct podvs_svc_key *k, u16 af, u8 proto,
			const union nf_inet_addr *addr, __be16 port)
{
	memset(k, 0, sizeof(*k));
	podvs_addr_copy(&k->addr, af, addr);
	k->port = port;
	k->af = af;
	k->protocol = proto;
}

static void podvs_vip_key_init(struct podvs_vip_key *k, u16 af,
			       const union nf_inet_addr *addr)
{
	memset(k, 0, sizeof(*k));
	podvs_addr_copy(&k->addr, af, addr);
	k->af = af;
}

struct podvs_service *podvs_svc_lookup(struct podvs_net *pn, u16 af, u8 proto,
				       const union nf_inet_addr *addr,
				       __be16 port)
{
	struct podvs_svc_table *tab = rcu_dereference(pn->svc);
	struct podvs_service *svc;
	struct podvs_svc_key k;

	podvs_svc_key_init(&k, af, proto, addr, port);
	svc = rhashtable_lookup(&tab->ht, &k, podvs_svc_params);
	if (svc && READ_ONCE(svc->dead))
		return NULL;
	return svc;
}

bool podvs_vip_known(struct podvs_net *pn, u16 af,
		     const union nf_inet_addr *addr)
{
	struct podvs_svc_table *tab = rcu_dereference(pn->svc);
	struct podvs_vip_key k;

	podvs_vip_key_init(&k, af, addr);
	return rhashtable_lookup(&tab->vips, &k, podvs_vip_params);
}

/* One more service on the VIP of sk: a count in the VIP table and in
 * the address filter.
 */
static int podvs_vip_get(struct podvs_net *pn, const struct podvs_svc_key *sk)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);
	struct podvs_vip_key k;
	struct podvs_vip *vip;
	int ret;

	podvs_vip_key_init(&k, sk->af, &sk->addr);
	vip = rhashtable_lookup_fast(&tab->vips, &k, podvs_vip_params);
	if (vip) {
		vip->refs++;
		goto count;
	}
	vip = kzalloc(sizeof(*vip), GFP_KERNEL_ACCOUNT);
	if (!vip)
		return -ENOMEM;
	vip->key = k;
	vip->refs = 1;
	ret = rhashtable_insert_fast(&tab->vips, &vip->node, podvs_vip_params);
	if (ret) {
		kfree(vip);
		return ret;
	}
count:
	podvs_filter_add(pn->filter, sk->af, &sk->addr);
	return 0;
}

static void podvs_vip_put(struct podvs_net *pn, const struct podvs_svc_key *sk)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);
	struct podvs_vip_key k;
	struct podvs_vip *vip;

	podvs_vip_key_init(&k, sk->af, &sk->addr);
	vip = rhashtable_lookup_fast(&tab->vips, &k, podvs_vip_params);
	if (WARN_ON(!vip))
		return;
	podvs_filter_del(pn->filter, sk->af, &sk->addr);
	if (--vip->refs)
		return;
	rhashtable_remove_fast(&tab->vips, &vip->node, podvs_vip_params);
	kfree_rcu(vip, rcu);
}

struct podvs_service *podvs_svc_find(struct podvs_net *pn,
				     const struct podvs_svc_key *key)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);
	struct podvs_service *svc;

	svc = rhashtable_lookup_fast(&tab->ht, key, podvs_svc_params);
	return svc && !svc->zombie ? svc : NULL;
}

static void podvs_svc_free_rcu(struct rcu_head *rcu)
{
	struct podvs_service *svc = container_of(rcu, struct podvs_service,
						 rcu);

	podvs_stats_free(&svc->stats);
	kfree(svc);
}

/* Copy the attributes present in c; timeout and netmask were range
 * checked by the caller.
 */
static void podvs_svc_apply(struct podvs_service *svc,
			    const struct podvs_svc_conf *c)
{
	u32 mask = c->flags_mask;

	if (c->present & BIT(PODVS_SVC_A_SCHED))
		svc->sched = c->sched;
	if (c->present & BIT(PODVS_SVC_A_FLAGS)) {
		if (!(c->present & BIT(PODVS_SVC_A_FLAGS_MASK)))
			mask = PODVS_SVC_F_ALL;
		WRITE_ONCE(svc->flags, (svc->flags & ~mask) | (c->flags & mask));
	}
	if (c->present & BIT(PODVS_SVC_A_TIMEOUT))
		WRITE_ONCE(svc->timeout, (unsigned long)c->timeout * HZ);
	if (c->present & BIT(PODVS_SVC_A_NETMASK))
		WRITE_ONCE(svc->netmask, c->netmask);
	if (c->present & BIT(PODVS_SVC_A_MH_TABLE_SIZE))
		svc->mh_size = c->mh_size;
	if (c->present & BIT(PODVS_SVC_A_OWNER))
		strscpy(svc->owner, c->owner, sizeof(svc->owner));
}

static struct podvs_service *podvs_svc_alloc(struct podvs_net *pn,
					     const struct podvs_svc_conf *c)
{
	struct podvs_service *svc;

	svc = kzalloc(sizeof(*svc), GFP_KERNEL_ACCOUNT);
	if (!svc)
		return NULL;
	if (podvs_stats_init(&svc->stats)) {
		kfree(svc);
		return NULL;
	}
	svc->key = c->key;
	svc->pn = pn;
	INIT_LIST_HEAD(&svc->dests);
	INIT_LIST_HEAD(&svc->txn_node);
	svc->sched = podvs_sched_find(PODVS_DEFAULT_SCHED);
	svc->timeout = PODVS_DEFAULT_PERSIST_TIMEOUT * HZ;
	svc->netmask = c->key.af == AF_INET ? 32 : 128;
	svc->mh_size = PODVS_DEFAULT_MH_TABLE_SIZE;
	podvs_svc_apply(svc, c);
	return svc;
}

/* Put svc in the hash table, in place of a zombie of the same key if
 * there is one.
 */
static int podvs_svc_hash(struct podvs_svc_table *tab,
			  struct podvs_service *svc, struct podvs_service *old)
{
	int ret;

	if (old)
		ret = rhashtable_replace_fast(&tab->ht, &old->hnode,
					      &svc->hnode, podvs_svc_params);
	else
		ret = rhashtable_insert_fast(&tab->ht, &svc->hnode,
					     podvs_svc_params);
	if (ret)
		return ret;
	if (old)
		old->hashed = false;
	svc->hashed = true;
	return 0;
}

static void podvs_svc_unhash(struct podvs_svc_table *tab,
			     struct podvs_service *svc,
			     struct podvs_service *replaced)
{
	if (!svc->hashed)
		return;
	if (replaced) {
		WARN_ON(rhashtable_replace_fast(&tab->ht, &svc->hnode,
						&replaced->hnode,
						podvs_svc_params));
		replaced->hashed = true;
	} else {
		rhashtable_remove_fast(&tab->ht, &svc->hnode,
				       podvs_svc_params);
	}
	svc->hashed = false;
}

int podvs_svc_new(struct podvs_txn *t, const struct podvs_svc_conf *c)
{
	struct podvs_svc_table *tab = podvs_svc_table(t->pn);
	struct podvs_service *svc, *old;
	struct podvs_undo *u;
	int ret;

	if (WARN_ON_ONCE(t->len == t->cap))
		return -ENOBUFS;
	old = rhashtable_lookup_fast(&tab->ht, &c->key, podvs_svc_params);
	if (old && !old->zombie)
		return -EEXIST;
	svc = podvs_svc_alloc(t->pn, c);
	if (!svc)
		return -ENOMEM;
	ret = podvs_vip_get(t->pn, &svc->key);
	if (ret)
		goto free_svc;
	ret = podvs_svc_hash(tab, svc, old);
	if (ret)
		goto put_vip;

	svc->id = ++tab->next_id;
	list_add_tail(&svc->node, &tab->list);
	tab->nsvc++;
	podvs_est_add(&t->pn->est, &svc->stats);
	u = podvs_txn_log(t, PODVS_UNDO_SVC_NEW, svc);
	u->replaced = old;
	podvs_txn_touch(t, svc);
	return 0;

put_vip:
	podvs_vip_put(t->pn, &svc->key);
free_svc:
	podvs_svc_free_rcu(&svc->rcu);
	return ret;
}

static void podvs_svc_undo_new(struct podvs_net *pn, struct podvs_service *svc,
			       struct podvs_service *replaced)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);

	/* its dests, all new in this batch, were undone before */
	WARN_ON(!list_empty(&svc->dests));
	podvs_svc_unhash(tab, svc, replaced);
	podvs_vip_put(pn, &svc->key);
	list_del(&svc->node);
	tab->nsvc--;
	podvs_est_del(&pn->est, &svc->stats);
	WRITE_ONCE(svc->dead, true);
	call_rcu(&svc->rcu, podvs_svc_free_rcu);
}

int podvs_svc_set(struct podvs_txn *t, struct podvs_service *svc,
		  const struct podvs_svc_conf *c)
{
	struct podvs_undo *u;

	if (WARN_ON_ONCE(t->len == t->cap))
		return -ENOBUFS;
	u = podvs_txn_log(t, PODVS_UNDO_SVC_SET, svc);
	u->svc.sched = svc->sched;
	u->svc.timeout = svc->timeout;
	u->svc.flags = svc->flags;
	u->svc.mh_size = svc->mh_size;
	u->svc.netmask = svc->netmask;
	memcpy(u->owner, svc->owner, sizeof(u->owner));
	podvs_svc_apply(svc, c);
	if (svc->sched != u->svc.sched || svc->mh_size != u->svc.mh_size)
		podvs_txn_touch(t, svc);
	return 0;
}

static void podvs_svc_undo_set(struct podvs_service *svc,
			       const struct podvs_undo *u)
{
	svc->sched = u->svc.sched;
	WRITE_ONCE(svc->timeout, u->svc.timeout);
	WRITE_ONCE(svc->flags, u->svc.flags);
	svc->mh_size = u->svc.mh_size;
	WRITE_ONCE(svc->netmask, u->svc.netmask);
	memcpy(svc->owner, u->owner, sizeof(svc->owner));
}

int podvs_svc_del(struct podvs_txn *t, struct podvs_service *svc)
{
	if (WARN_ON_ONCE(t->len == t->cap))
		return -ENOBUFS;
	svc->zombie = true;
	podvs_txn_log(t, PODVS_UNDO_SVC_DEL, svc);
	return 0;
}

/* Delete now: no new flows find it, its dests die.  True if their flows
 * need a podvs_conn_flush_dead().
 */
static bool podvs_svc_kill(struct podvs_net *pn, struct podvs_service *svc)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);
	struct podvs_dest *d, *tmp;
	bool flush = false;

	WRITE_ONCE(svc->dead, true);
	podvs_svc_unhash(tab, svc, NULL);
	podvs_vip_put(pn, &svc->key);
	list_del(&svc->node);
	tab->nsvc--;
	list_for_each_entry_safe(d, tmp, &svc->dests, node)
		flush |= podvs_dest_kill(pn, d);
	svc->sched->done(svc);
	podvs_est_del(&pn->est, &svc->stats);
	call_rcu(&svc->rcu, podvs_svc_free_rcu);
	return flush;
}

/* Every service, then the flows of all their dests in one walk. */
void podvs_svc_flush(struct podvs_net *pn)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);
	struct podvs_service *svc, *tmp;
	bool flush = false;

	list_for_each_entry_safe(svc, tmp, &tab->list, node) {
		flush |= podvs_svc_kill(pn, svc);
		cond_resched();
	}
	if (flush)
		podvs_conn_flush_dead(pn);
	podvs_bump_generation(pn);
}

void podvs_svc_zero(struct podvs_net *pn, struct podvs_service *svc)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);
	struct podvs_dest *d;

	if (!svc) {
		list_for_each_entry(svc, &tab->list, node)
			podvs_svc_zero(pn, svc);
		podvs_drops_zero(pn);
		return;
	}
	podvs_stats_zero(&svc->stats);
	list_for_each_entry(d, &svc->dests, node)
		podvs_stats_zero(&d->stats);
}

struct podvs_service *podvs_svc_next(struct podvs_net *pn,
				     struct podvs_service *prev, u64 id)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);
	struct podvs_service *svc;

	if (prev) {
		if (list_is_last(&prev->node, &tab->list))
			return NULL;
		return list_next_entry(prev, node);
	}
	list_for_each_entry(svc, &tab->list, node)
		if (svc->id > id)
			return svc;
	return NULL;
}

u32 podvs_svc_buckets(struct podvs_net *pn)
{
	struct podvs_svc_table *tab;
	u32 size;

	rcu_read_lock();
	tab = rcu_dereference(pn->svc);
	size = rcu_dereference(tab->ht.tbl)->size;
	rcu_read_unlock();
	return size;
}

/* Transactions */

int podvs_txn_begin(struct podvs_txn *t, struct podvs_net *pn, u32 nops)
{
	lockdep_assert_held(&pn->lock);
	t->pn = pn;
	t->len = 0;
	t->cap = nops;
	t->ntouched = 0;
	INIT_LIST_HEAD(&t->touched);
	t->log = kvcalloc(max(nops, 1U), sizeof(*t->log), GFP_KERNEL_ACCOUNT);
	return t->log ? 0 : -ENOMEM;
}

struct podvs_undo *podvs_txn_log(struct podvs_txn *t,
				 enum podvs_undo_type type, void *obj)
{
	struct podvs_undo *u = &t->log[t->len++];

	u->type = type;
	u->obj = obj;
	u->replaced = NULL;
	return u;
}

void podvs_txn_touch(struct podvs_txn *t, struct podvs_service *svc)
{
	if (!list_empty(&svc->txn_node))
		return;
	list_add_tail(&svc->txn_node, &t->touched);
	t->ntouched++;
}

static void podvs_txn_undo(struct podvs_txn *t, struct podvs_undo *u)
{
	struct podvs_service *svc = u->obj;
	struct podvs_dest *d = u->obj;

	switch (u->type) {
	case PODVS_UNDO_SVC_NEW:
		podvs_svc_undo_new(t->pn, svc, u->replaced);
		break;
	case PODVS_UNDO_SVC_SET:
		podvs_svc_undo_set(svc, u);
		break;
	case PODVS_UNDO_SVC_DEL:
		svc->zombie = false;
		break;
	case PODVS_UNDO_DEST_NEW:
		podvs_dest_undo_new(t->pn, d, u->replaced);
		break;
	case PODVS_UNDO_DEST_SET:
		podvs_dest_undo_set(d, u);
		break;
	case PODVS_UNDO_DEST_DEL:
		podvs_dest_undo_del(t->pn, d);
		break;
	}
}

/* Drop prepared states and forget the touched services. */
static void podvs_txn_untouch(struct podvs_txn *t)
{
	struct podvs_service *svc, *tmp;

	list_for_each_entry_safe(svc, tmp, &t->touched, txn_node) {
		if (svc->txn_state)
			svc->sched->abort(svc, svc->txn_state);
		svc->txn_state = NULL;
		list_del_init(&svc->txn_node);
	}
}

void podvs_txn_abort(struct podvs_txn *t)
{
	lockdep_assert_held(&t->pn->lock);
	podvs_txn_untouch(t);
	while (t->len)
		podvs_txn_undo(t, &t->log[--t->len]);
	kvfree(t->log);
	t->log = NULL;
}

/* New scheduler states for every touched service: each built once per
 * batch, whatever number of its dests changed, and only once every op
 * has succeeded.  All allocations first, in this task; then the costly
 * part for all of them at once, on as many CPUs as it is worth.
 */
static int podvs_txn_prepare(struct podvs_txn *t)
{
	struct podvs_service *svc;
	void **states;
	u32 n = 0;
	int ret = 0;

	states = kvmalloc_array(max(t->ntouched, 1U), sizeof(*states),
				GFP_KERNEL);
	if (!states)
		return -ENOMEM;
	list_for_each_entry(svc, &t->touched, txn_node) {
		if (svc->zombie)
			continue;
		ret = podvs_sched_alloc(svc, &svc->txn_state);
		if (ret)
			break;
		states[n++] = svc->txn_state;
		cond_resched();
	}
	if (!ret)
		podvs_sched_fill(states, n);
	kvfree(states);
	return ret;
}

/* Finish deletions, in log order, once the new states no longer list the
 * deleted dests; then end the flows of all of them in one walk of the
 * connection table, however many dests the transaction deleted.
 */
static void podvs_txn_reap(struct podvs_txn *t)
{
	bool flush = false;
	u32 i;

	for (i = 0; i < t->len; i++) {
		struct podvs_undo *u = &t->log[i];

		if (u->type == PODVS_UNDO_DEST_DEL)
			flush |= podvs_dest_kill(t->pn, u->obj);
		else if (u->type == PODVS_UNDO_SVC_DEL)
			flush |= podvs_svc_kill(t->pn, u->obj);
	}
	if (flush)
		podvs_conn_flush_dead(t->pn);
}

int podvs_txn_commit(struct podvs_txn *t)
{
	struct podvs_service *svc, *tmp;
	int ret;

	lockdep_assert_held(&t->pn->lock);
	ret = podvs_txn_prepare(t);
	if (ret) {
		podvs_txn_abort(t);
		return ret;
	}
	list_for_each_entry_safe(svc, tmp, &t->touched, txn_node) {
		if (svc->txn_state)
			svc->sched->commit(svc, svc->txn_state);
		svc->txn_state = NULL;
		list_del_init(&svc->txn_node);
	}
	podvs_txn_reap(t);
	kvfree(t->log);
	t->log = NULL;
	podvs_bump_generation(t->pn);
	return 0;
}

int podvs_svc_net_init(struct podvs_net *pn)
{
	struct podvs_svc_table *tab;
	int ret;

	tab = kzalloc(sizeof(*tab), GFP_KERNEL);
	if (!tab)
		return -ENOMEM;
	INIT_LIST_HEAD(&tab->list);
	ret = rhashtable_init(&tab->ht, &podvs_svc_params);
	if (ret)
		goto free_tab;
	ret = rhashtable_init(&tab->vips, &podvs_vip_params);
	if (ret)
		goto destroy_ht;
	ret = podvs_dest_table_init(tab);
	if (ret)
		goto destroy_vips;
	RCU_INIT_POINTER(pn->svc, tab);
	return 0;

destroy_vips:
	rhashtable_destroy(&tab->vips);
destroy_ht:
	rhashtable_destroy(&tab->ht);
free_tab:
	kfree(tab);
	return ret;
}

/* After podvs_svc_flush(): the tables are empty and no reader is left. */
void podvs_svc_net_exit(struct podvs_net *pn)
{
	struct podvs_svc_table *tab = rcu_dereference_protected(pn->svc, 1);

	WARN_ON(tab->nsvc || tab->ndests);
	podvs_dest_table_exit(tab);
	rhashtable_destroy(&tab->vips);
	rhashtable_destroy(&tab->ht);
	RCU_INIT_POINTER(pn->svc, NULL);
	kfree(tab);
}
