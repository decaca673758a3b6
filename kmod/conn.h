/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection table: each flow pinned to its dest for its whole life.
 * Entries are hashed twice, by the client tuple (client -> VIP) and by the
 * reply tuple (Pod -> client), both into ONE table, so a single lookup with
 * a packet's own (src, sport, dst, dport) finds its flow whichever way it
 * travels.  Persistence templates (client address -> dest) live in the same
 * table with state PODVS_CONN_S_PERSIST and only their client tuple.
 *
 * Table: a fixed array of hlist_nulls buckets sized from conn_max when the
 * namespace is created (conn_max / 16, 256..65536 buckets), with a striped
 * array of spinlocks for writers and RCU for readers.  Fixed rather than
 * resizable: the walk for dumps and flushes can then keep a plain bucket
 * index as its position, and nothing ever has to move entries while
 * readers run.  The cost is 512 KiB of buckets per namespace at the default
 * conn_max and chains of ~16 entries when a table is full.
 *
 * Expiry: one timer per entry, re-armed lazily.  A packet only stores a new
 * expiry time in the entry; when the timer fires early it re-arms itself
 * for the stored time, so the datapath never touches the timer wheel except
 * when a state change shortens the timeout.  Nothing scans the table, so
 * expiry never competes with the datapath and idle namespaces cost nothing.
 */
#ifndef _PODVS_CONN_H
#define _PODVS_CONN_H

#include <linux/list_nulls.h>
#include <linux/netfilter.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include "pernet.h"

struct podvs_dest;
struct podvs_service;
struct podvs_conn_table;
struct sk_buff;

enum podvs_dir {
	PODVS_DIR_ORIG,		/* client -> VIP, hashed by the client tuple */
	PODVS_DIR_REPLY,	/* Pod -> client, hashed by the reply tuple */
};

/* A lookup key: a packet's own addresses and ports, as they are on the
 * wire.  tmpl is 1 only for persistence templates (sport 0, src masked).
 * No padding: it is hashed and compared as bytes.
 */
struct podvs_tuple {
	union nf_inet_addr src, dst;
	__be16 sport, dport;
	u16 af;
	u8 protocol;
	u8 tmpl;
};

struct podvs_conn_node {
	struct hlist_nulls_node node;
	u8 dir;				/* enum podvs_dir */
};

/* podvs_conn.flags */
#define PODVS_CONN_F_UNLINKED	BIT(0)	/* out of the table, dying */
#define PODVS_CONN_F_GONE	BIT(1)	/* tombstone: dest deleted (TCP) */
#define PODVS_CONN_F_FIN_ORIG	BIT(2)	/* FIN seen from the client */
#define PODVS_CONN_F_FIN_REPLY	BIT(3)	/* FIN seen from the Pod */
#define PODVS_CONN_F_LEARNED	BIT(4)	/* made from a Pod's packet */

struct podvs_conn {
	/* client side: caddr:cport -> vaddr:vport; Pod: daddr:dport */
	union nf_inet_addr caddr, vaddr, daddr;
	__be16 cport, vport, dport;
	u16 af;
	u8 protocol;
	u8 state;			/* enum podvs_conn_state */
	struct podvs_dest *dest;	/* holds a reference */
	unsigned long expires;		/* jiffies; READ_ONCE */

	/* private to conn.c */
	struct podvs_conn_node hn[2];	/* REPLY unused by templates */
	/* protects state, flags, and every (re-)arming of timer */
	spinlock_t lock;
	u8 flags;			/* PODVS_CONN_F_* */
	/* one for the table (owned by the timer), one per controlled flow */
	refcount_t refcnt;
	struct podvs_conn *ctl;		/* persistence template, a reference */
	unsigned long tmpl_timeout;	/* templates: svc->timeout, jiffies */
	struct timer_list timer;
	struct podvs_conn_table *tab;
	struct rcu_head rcu;
};

int podvs_conn_net_init(struct podvs_net *pn);
void podvs_conn_net_exit(struct podvs_net *pn);

/* Iterate for a GET_CONN dump; the callback returns non-zero to stop and
 * the position is saved in *pos so the dump can resume (*pos = 0 starts).
 * Returns the callback's non-zero value, or 0 at the end of the table.
 * The callback runs under rcu_read_lock and must not sleep.  Entries
 * inserted or removed during a dump may or may not be seen.
 */
int podvs_conn_walk(struct podvs_net *pn, unsigned long *pos,
		    int (*fn)(const struct podvs_conn *c, void *arg),
		    void *arg);
/* Counts for GET_INFO. */
u32 podvs_conn_count(struct podvs_net *pn);
u32 podvs_conn_buckets(struct podvs_net *pn);

/* End every flow whose dest was deleted (marked dead), for all the dests
 * a transaction, FLUSH or DEL_SERVICE deleted, in ONE walk of the table.
 * UDP flows and persistence templates go at once; TCP flows become
 * tombstones for the FIN timeout, so the client's next packet is answered
 * with a RST (PODVS_DROP_A_DEST_GONE) instead of vanishing.  Flows of live
 * dests are not touched.  Process context, under pn->lock; walks every
 * bucket (the cost follows the table size, not the number of flows or of
 * deleted dests), rescheduling in between.  Packets of a dead dest's
 * flows are handled the same way even before the walk reaches them
 * (podvs_conn_gone()).
 */
void podvs_conn_flush_dead(struct podvs_net *pn);
/* Walks podvs_conn_flush_dead() made so far (KUnit counts them). */
unsigned long podvs_conn_flush_walks(struct podvs_net *pn);

/* Datapath, under rcu_read_lock. */

/* The entry whose client or reply tuple is t; *dir tells which. */
struct podvs_conn *podvs_conn_lookup(struct podvs_net *pn,
				     const struct podvs_tuple *t,
				     enum podvs_dir *dir);
/* A new flow t (client -> VIP) of svc, in state (SYN_SENT, ESTABLISHED,
 * FIN_WAIT or UDP) with the PODVS_CONN_F_FIN_* bits flags (from
 * podvs_tcp_next): persistence, scheduler, dest reference, insert.
 * 0 and *out, or -ENOENT (no usable dest), -ENOSPC (conn_max),
 * -ENOMEM, -EADDRINUSE (another flow from the same client address and
 * port already goes to the chosen Pod address and port: the Pod could not
 * tell them apart).
 */
int podvs_conn_schedule(struct podvs_net *pn, struct podvs_service *svc,
			const struct podvs_tuple *t, u8 state, u8 flags,
			struct podvs_conn **out);
/* A flow learned from a Pod's packet whose own tuple r (Pod -> client)
 * found no entry, on d (found by revnat.c, no reference held), in state
 * with flags (from podvs_tcp_learn, or UDP and 0): the entry is marked
 * learned, has no persistence template and counts toward conn_max.  0 and
 * *out (maybe an entry another CPU learned first), or -ENOENT (d died),
 * -ENOSPC, -ENOMEM, -EEXIST / -EADDRINUSE (the client tuple is another
 * flow's, of another Pod: nothing learned).
 */
int podvs_conn_learn(struct podvs_net *pn, const struct podvs_tuple *r,
		     struct podvs_dest *d, u8 state, u8 flags,
		     struct podvs_conn **out);
/* PODVS_CONN_FL_* bits of c, for dumps. */
u32 podvs_conn_uflags(const struct podvs_conn *c);
/* A packet of c went dir with these TCP flags (0 for UDP): state, dest
 * counters, expiry.
 */
void podvs_conn_update(struct podvs_conn *c, enum podvs_dir dir, u8 tcpflags);
/* Remove c now (port reuse, UDP flow of a deleted dest). */
void podvs_conn_kill(struct podvs_conn *c);
/* The flow's dest was deleted: TCP entries become tombstones in CLOSE for
 * the FIN timeout (PODVS_CONN_F_GONE), everything else is killed.
 */
void podvs_conn_end(struct podvs_conn *c);

/* The flow's dest is gone: tombstone, or dest deleted but not yet flushed. */
bool podvs_conn_gone(const struct podvs_conn *c);

/* TCP flags as the state machine sees them (subset of tcp_flag_byte). */
#define PODVS_TCP_FIN	0x01
#define PODVS_TCP_SYN	0x02
#define PODVS_TCP_RST	0x04
#define PODVS_TCP_ACK	0x10

/* Next TCP state after a packet with flags went dir; *flags holds the
 * PODVS_CONN_F_FIN_* bits of the entry and is updated.  Pure (KUnit).
 */
u8 podvs_tcp_next(u8 state, enum podvs_dir dir, u8 tcpflags, u8 *flags);
/* The state of a flow learned from one TCP segment of the Pod, and its
 * PODVS_CONN_F_FIN_* bits in *flags: SYN-ACK SYN_RECV, FIN FIN_WAIT with
 * FIN_REPLY, any other segment ESTABLISHED; NONE for a RST (translate,
 * learn nothing) and a SYN without ACK (not a reply).  Pure (KUnit).
 */
u8 podvs_tcp_learn(u8 tcpflags, u8 *flags);
/* A client SYN on an entry in this state starts a new flow (port reuse). */
bool podvs_tcp_reusable(const struct podvs_conn *c, u8 tcpflags);
/* Timeout in jiffies of an entry in state. */
unsigned long podvs_conn_timeout(struct podvs_net *pn, u8 state);

/* For KUnit: create an entry for t on dest d (a reference is taken) without
 * a scheduler, and run an entry's expiry as if its timer had fired.
 */
struct podvs_conn *podvs_conn_create(struct podvs_net *pn,
				     const struct podvs_tuple *t,
				     struct podvs_dest *d, u8 state, int *err);
void podvs_conn_expire_now(struct podvs_conn *c);

/* Netfilter hooks, registered per namespace by hooks.c. */
int podvs_hooks_net_init(struct podvs_net *pn);
void podvs_hooks_net_exit(struct podvs_net *pn);

#endif /* _PODVS_CONN_H */
