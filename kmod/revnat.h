/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reverse translation without an entry (a fleet of gateways behind ECMP;
 * the uapi header's "Reverse translation" block is the rule).
 *
 * A packet from a Pod address and port that finds no connection entry,
 * because the client's packets came in through another gateway, or the
 * entry was lost to a reload or an idle timeout, is given to the service
 * that owns that dest, translated back to its VIP and port, and (TCP,
 * UDP) an entry is learned from it (PODVS_CONN_FL_LEARNED).
 *
 * The index: every dest, by (af, protocol, Pod address, Pod port), in an
 * rhltable of the namespace (podvs_svc_table.rev), one element per
 * service that has that key.  Writers, under podvs_net.lock, follow the
 * batch transaction: a dest joins the index in the op that adds it (which
 * may fail and then changes nothing) but the datapath skips it until the
 * batch commits (rev_live); an aborted batch takes it out again; a dest
 * deleted by a batch is hidden at commit and leaves the index when it is
 * reaped.  So the datapath sees only committed dests, never a half-made
 * batch.  Readers: RCU.
 *
 * Cost: only a packet whose source the address filter counts (a dest or
 * VIP address, or a collision), that missed the connection table and is
 * not to a VIP ever looks at the index; everything else pays nothing.
 */
#ifndef _PODVS_REVNAT_H
#define _PODVS_REVNAT_H

#include <linux/types.h>

struct podvs_dest;
struct podvs_net;
struct podvs_service;
struct podvs_svc_table;
struct podvs_tuple;
struct podvs_txn;

int podvs_rev_table_init(struct podvs_svc_table *tab);
void podvs_rev_table_exit(struct podvs_svc_table *tab);

/* Control plane, under pn->lock.  add: d of svc joins the index, hidden
 * (-ENOMEM, -E2BIG); del: d leaves it (if it is in); publish: at commit,
 * hide the dests the transaction deleted and show those it added.
 */
int podvs_rev_add(struct podvs_net *pn, struct podvs_service *svc,
		  struct podvs_dest *d);
void podvs_rev_del(struct podvs_net *pn, struct podvs_dest *d);
void podvs_rev_publish(struct podvs_txn *t);

/* Datapath, under rcu_read_lock.  The dest that owns a packet whose own
 * tuple t (Pod -> client; for an ICMP error, the quoted packet reversed)
 * found no entry: 0 and *out (no reference taken), -ENOENT (the source is
 * no live dest: not ours), -ENOTUNIQ (several services have it and the
 * rule cannot tell them apart: drop, PODVS_DROP_A_AMBIGUOUS).
 */
int podvs_rev_owner(struct podvs_net *pn, const struct podvs_tuple *t,
		    struct podvs_dest **out);

#endif /* _PODVS_REVNAT_H */
