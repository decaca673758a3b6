// SPDX-License-Identifier: GPL-2.0
/*
 * The batch transaction: undo, prepare, commit and reap (txn.h).
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "conn.h"
#include "dest.h"
#include "revnat.h"
#include "service.h"
#include "txn.h"

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
			podvs_sched_abort(svc, svc->txn_state);
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
			podvs_sched_commit(svc, svc->txn_state);
		svc->txn_state = NULL;
		list_del_init(&svc->txn_node);
	}
	podvs_rev_publish(t);	/* while every logged object lives */
	podvs_txn_reap(t);
	kvfree(t->log);
	t->log = NULL;
	podvs_bump_generation(t->pn);
	return 0;
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

