/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-network-namespace state shared by every part of the module: struct
 * podvs_net, found from a struct net with podvs_pernet() (net_generic on
 * podvs_net_id, which main.c's pernet_operations register), and the
 * namespace's drop counters (pernet.c).
 */
#ifndef _PODVS_PERNET_H
#define _PODVS_PERNET_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/podvs.h>
#include "announce.h"
#include "stats.h"

struct podvs_svc_table;
struct podvs_conn_table;
struct podvs_filter;

/* Per-namespace settings; read locklessly with READ_ONCE, written under
 * podvs_net.lock.  Timeouts are in jiffies, indexed by enum
 * podvs_conn_state: ESTABLISHED (tcp), FIN_WAIT and TIME_WAIT (tcpfin),
 * SYN_SENT and SYN_RECV (synrecv), CLOSE (close), UDP (udp).  PERSIST
 * and NONE are unused: persistence uses the service's own timeout.
 */
struct podvs_config {
	unsigned long timeout[__PODVS_CONN_S_MAX];
	u32 conn_max;
};

/* The namespace's packet counters: the drops, indexed by enum
 * podvs_drop_attr, then the flows learned from a Pod's packet (revnat.h).
 */
#define PODVS_CNT_LEARNED	__PODVS_DROP_A_MAX
#define PODVS_CNT_MAX		(__PODVS_DROP_A_MAX + 1)

struct podvs_drops {
	u64_stats_t cnt[PODVS_CNT_MAX];
	struct u64_stats_sync syncp;
};

struct podvs_net {
	struct net *net;
	/* protects every write to the service table, dests, schedulers and
	 * config of this namespace; readers use RCU
	 */
	struct mutex lock;
	struct podvs_svc_table __rcu *svc;
	struct podvs_conn_table *conn;
	/* VIP and Pod addresses in use, for the datapath (filter.h) */
	struct podvs_filter *filter;
	struct podvs_config cfg;
	struct podvs_drops __percpu *drops;
	/* bumped under lock on every committed change */
	u32 generation;
	/* counters at the last ZERO (read minus this); under lock */
	u64 drops_zero[PODVS_CNT_MAX];
	/* rate estimator of every service and dest of the namespace */
	struct podvs_est est;
	/* VIP announcement: the watchdog and the podvs links (own lock) */
	struct podvs_announce ann;
};

extern unsigned int podvs_net_id;

static inline struct podvs_net *podvs_pernet(const struct net *net)
{
	return net_generic(net, podvs_net_id);
}

/* Never 0, so that dumps (cb->seq) can tell "changed" from "unset". */
static inline void podvs_bump_generation(struct podvs_net *pn)
{
	lockdep_assert_held(&pn->lock);
	if (!++pn->generation)
		pn->generation = 1;
}

/* Set up / tear down everything of a namespace except the netfilter hooks
 * (main.c).  KUnit suites use them on a namespace of their own making.
 */
int podvs_net_setup(struct podvs_net *pn, struct net *net);
void podvs_net_teardown(struct podvs_net *pn);

/* Counters (drops, then PODVS_CNT_LEARNED) summed over CPUs, minus the
 * last ZERO (pernet.c).
 */
void podvs_drops_read(struct podvs_net *pn, u64 out[PODVS_CNT_MAX]);
void podvs_drops_zero(struct podvs_net *pn);

/* Callable from any context (LOCAL_OUT runs preemptible). */
static inline void podvs_count_ns(struct podvs_net *pn, unsigned int i)
{
	struct podvs_drops *d = get_cpu_ptr(pn->drops);

	u64_stats_update_begin(&d->syncp);
	u64_stats_inc(&d->cnt[i]);
	u64_stats_update_end(&d->syncp);
	put_cpu_ptr(pn->drops);
}

static inline void podvs_drop(struct podvs_net *pn, enum podvs_drop_attr why)
{
	podvs_count_ns(pn, why);
}

#endif /* _PODVS_PERNET_H */
