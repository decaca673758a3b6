/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual services: an RCU hash table keyed by (af, protocol, VIP, port),
 * resizable without stopping readers.  A second count per VIP lets the
 * datapath tell "VIP with no service on this port" (reject, count) from
 * "not ours" (accept, let the stack have it).
 */
#ifndef _PODVS_SERVICE_H
#define _PODVS_SERVICE_H

#include <linux/netfilter.h>
#include <linux/rhashtable.h>
#include "podvs.h"
#include "sched.h"
#include "stats.h"

struct podvs_svc_key {
	union nf_inet_addr addr;
	__be16 port;
	u16 af;
	u8 protocol;
	u8 pad[3];
};

struct podvs_service {
	struct podvs_svc_key key;
	struct rhash_head hnode;
	struct podvs_net *pn;
	/* dests; modified under pn->lock, walked by schedulers under RCU */
	struct list_head dests;
	u32 num_dests;
	const struct podvs_sched_ops *sched;
	void __rcu *sched_data;
	u32 flags;		/* enum podvs_svc_flags */
	unsigned long timeout;	/* persistence, jiffies */
	u8 netmask;		/* persistence prefix length */
	u32 mh_size;
	char owner[PODVS_OWNER_LEN];
	struct podvs_stats stats;
	bool dead;
	struct rcu_head rcu;
};

/* Datapath: under rcu_read_lock. */
struct podvs_service *podvs_svc_lookup(struct podvs_net *pn, u16 af, u8 proto,
				       const union nf_inet_addr *addr,
				       __be16 port);
/* Does any service use this VIP (any port, same af)?  rcu_read_lock. */
bool podvs_vip_known(struct podvs_net *pn, u16 af,
		     const union nf_inet_addr *addr);

int podvs_svc_net_init(struct podvs_net *pn);
void podvs_svc_net_exit(struct podvs_net *pn);

#endif /* _PODVS_SERVICE_H */
