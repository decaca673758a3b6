/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The batch transaction: every change of services and dests goes through
 * one, under podvs_net.lock.
 *
 * service.c and dest.c only record into it: each operation applies at
 * once and logs how to undo it (podvs_txn_log), and marks the service
 * whose scheduler state must be rebuilt (podvs_txn_touch).  Deletions only
 * mark the object (zombie), so that undo never has to re-insert (which
 * could fail).  txn.c alone finishes the batch: at commit it builds the
 * scheduler states of the touched services, all prepared first, then all
 * swapped in, then reaps the deleted objects and ends their flows; on
 * abort, or when a build fails, it undoes every operation in reverse.
 * Either the whole transaction commits or nothing of it stays.
 */
#ifndef _PODVS_TXN_H
#define _PODVS_TXN_H

#include <linux/list.h>
#include <linux/types.h>
#include "service.h"

struct podvs_net;

enum podvs_undo_type {
	PODVS_UNDO_SVC_NEW,
	PODVS_UNDO_SVC_SET,
	PODVS_UNDO_SVC_DEL,
	PODVS_UNDO_DEST_NEW,
	PODVS_UNDO_DEST_SET,
	PODVS_UNDO_DEST_DEL,
};

/* One logged operation: the object, the object it replaced in a hash
 * table (a zombie of the same key), and the values a SET overwrote.
 */
struct podvs_undo {
	enum podvs_undo_type type;
	void *obj;
	void *replaced;
	union {
		struct {
			const struct podvs_sched_ops *sched;
			unsigned long timeout;
			u32 flags;
			u32 mh_size;
			u8 netmask;
			/* the SNAT list a SET replaced (snat_set):
			 * freed at commit, put back on abort
			 */
			struct podvs_snat *snat;
			bool snat_set;
		} svc;
		struct {
			u32 weight;
			u32 flags;
		} dest;
	};
	char owner[PODVS_OWNER_LEN];
};

struct podvs_txn {
	struct podvs_net *pn;
	struct podvs_undo *log;
	u32 len, cap;
	struct list_head touched;	/* services whose scheduler rebuilds */
	u32 ntouched;			/* entries of touched */
};

/* Begin with room for nops operations (-ENOMEM); under pn->lock until
 * commit or abort.
 */
int podvs_txn_begin(struct podvs_txn *t, struct podvs_net *pn, u32 nops);
/* Rebuild schedulers and finish deletions.  On -ENOMEM everything was
 * undone.  Bumps the generation on success.
 */
int podvs_txn_commit(struct podvs_txn *t);
void podvs_txn_abort(struct podvs_txn *t);

/* Recording, for service.c and dest.c; the caller checked that the log
 * has room (t->len < t->cap).
 */
static inline struct podvs_undo *podvs_txn_log(struct podvs_txn *t,
					       enum podvs_undo_type type,
					       void *obj)
{
	struct podvs_undo *u = &t->log[t->len++];

	u->type = type;
	u->obj = obj;
	u->replaced = NULL;
	return u;
}

/* Rebuild svc's scheduler state at commit (once, however often touched). */
static inline void podvs_txn_touch(struct podvs_txn *t,
				   struct podvs_service *svc)
{
	if (!list_empty(&svc->txn_node))
		return;
	list_add_tail(&svc->txn_node, &t->touched);
	t->ntouched++;
}

#endif /* _PODVS_TXN_H */
