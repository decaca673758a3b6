/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-network-namespace state shared by every part of the module.
 */
#ifndef _PODVS_PODVS_H
#define _PODVS_PODVS_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>
#include <uapi/linux/podvs.h>

#define PODVS_VERSION "0.1.0"

struct podvs_svc_table;
struct podvs_conn_table;

/* Per-namespace settings; read locklessly with READ_ONCE, written under
 * podvs_net.lock.  Timeouts are in jiffies.
 */
struct podvs_config {
	unsigned long timeout[__PODVS_CONN_S_MAX];
	u32 conn_max;
};

/* Global drop counters, indexed by enum podvs_drop_attr. */
struct podvs_drops {
	u64_stats_t cnt[__PODVS_DROP_A_MAX];
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
	struct podvs_config cfg;
	struct podvs_drops __percpu *drops;
	/* bumped under lock on every committed change */
	u32 generation;
};

struct podvs_net *podvs_pernet(const struct net *net);

static inline void podvs_drop(struct podvs_net *pn, enum podvs_drop_attr why)
{
	struct podvs_drops *d = this_cpu_ptr(pn->drops);

	u64_stats_update_begin(&d->syncp);
	u64_stats_inc(&d->cnt[why]);
	u64_stats_update_end(&d->syncp);
}

#endif /* _PODVS_PODVS_H */
