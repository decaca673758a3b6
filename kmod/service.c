// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual services and the VIP reference counts.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "dest.h"
#include "filter.h"
#include "service.h"
#include "txn.h"

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
	kfree(rcu_dereference_protected(svc->snat, 1));
	kfree(svc);
}

/* The SNAT list a request gives (NULL for an empty one), in *s: 0 or
 * -ENOMEM.
 */
static int podvs_svc_snat(const struct podvs_svc_conf *c,
			  struct podvs_snat **s)
{
	*s = NULL;
	if (!c->nsnat)
		return 0;
	*s = podvs_snat_alloc(c->snat, c->key.af, c->nsnat);
	return *s ? 0 : -ENOMEM;
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
	struct podvs_snat *snat = NULL;
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
	if ((c->present & BIT(PODVS_SVC_A_SNAT_FROM)) &&
	    podvs_svc_snat(c, &snat)) {
		podvs_stats_free(&svc->stats);
		kfree(svc);
		return NULL;
	}
	RCU_INIT_POINTER(svc->snat, snat);
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

void podvs_svc_undo_new(struct podvs_net *pn, struct podvs_service *svc,
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
	bool snat_set = c->present & BIT(PODVS_SVC_A_SNAT_FROM);
	struct podvs_snat *snat = NULL;
	struct podvs_undo *u;

	if (WARN_ON_ONCE(t->len == t->cap))
		return -ENOBUFS;
	if (snat_set && podvs_svc_snat(c, &snat))
		return -ENOMEM;
	u = podvs_txn_log(t, PODVS_UNDO_SVC_SET, svc);
	u->svc.snat_set = snat_set;
	u->svc.snat = NULL;
	if (snat_set) {
		u->svc.snat = rcu_dereference_protected(svc->snat,
							lockdep_is_held(&t->pn->lock));
		rcu_assign_pointer(svc->snat, snat);
	}
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

void podvs_svc_undo_set(struct podvs_service *svc, const struct podvs_undo *u)
{
	if (u->svc.snat_set) {
		podvs_snat_free(rcu_dereference_protected(svc->snat,
							  lockdep_is_held(&svc->pn->lock)));
		rcu_assign_pointer(svc->snat, u->svc.snat);
	}
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

bool podvs_svc_kill(struct podvs_net *pn, struct podvs_service *svc)
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
	podvs_sched_done(svc);
	podvs_est_del(&pn->est, &svc->stats);
	call_rcu(&svc->rcu, podvs_svc_free_rcu);
	return flush;
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
