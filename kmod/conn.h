/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection table: each flow pinned to its dest for its whole life.
 * Entries are hashed twice, by the client tuple (client -> VIP) and by the
 * reply tuple (Pod -> client), so both directions find them in O(1).
 * Persistence templates (client address -> dest) live in the same table
 * with state PODVS_CONN_S_PERSIST.
 */
#ifndef _PODVS_CONN_H
#define _PODVS_CONN_H

#include <linux/netfilter.h>
#include "podvs.h"

struct podvs_dest;
struct podvs_service;
struct sk_buff;

struct podvs_conn {
	/* client side: caddr:cport -> vaddr:vport */
	union nf_inet_addr caddr, vaddr, daddr;
	__be16 cport, vport, dport;
	u16 af;
	u8 protocol;
	u8 state;			/* enum podvs_conn_state */
	struct podvs_dest *dest;	/* holds a reference */
	unsigned long expires;		/* jiffies */
	/* ... hash nodes, lock, rcu: private to conn.c */
};

int podvs_conn_net_init(struct podvs_net *pn);
void podvs_conn_net_exit(struct podvs_net *pn);

/* Iterate for a GET_CONN dump; the callback returns non-zero to stop and
 * the position is saved in *pos so the dump can resume.
 */
int podvs_conn_walk(struct podvs_net *pn, unsigned long *pos,
		    int (*fn)(const struct podvs_conn *c, void *arg),
		    void *arg);
/* Counts for GET_INFO. */
u32 podvs_conn_count(struct podvs_net *pn);
u32 podvs_conn_buckets(struct podvs_net *pn);

/* End every flow of a dest that was deleted (it is marked dead first). */
void podvs_conn_flush_dest(struct podvs_net *pn, struct podvs_dest *d);

/* Netfilter hooks, registered per namespace by hooks.c. */
int podvs_hooks_net_init(struct podvs_net *pn);
void podvs_hooks_net_exit(struct podvs_net *pn);

#endif /* _PODVS_CONN_H */
