/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The podvsd daemon: one struct holding all state, passed explicitly, and
 * one epoll loop driving signals, timers, the netlink socket, the
 * Kubernetes client and the HTTP server.
 */
#ifndef PODVSD_DAEMON_H
#define PODVSD_DAEMON_H

#include <signal.h>
#include <stdbool.h>

#include "sync/backend.h"
#include "cluster.h"
#include "gate/gate.h"
#include "node/announce.h"
#include "node/health.h"
#include "base/log.h"
#include "base/loop.h"
#include "metrics.h"
#include "options.h"
#include "sync/reconcile.h"
#include "sync/vippool_pass.h"
#include "node/viplink.h"
#include "webhook/webhook.h"

/* Delay from a change to its sync: coalesces bursts of watch events. */
#define PD_SYNC_DELAY_MS	5
/* Period of the drain tick (re-read connection counts of drained dests). */
#define PD_TICK_MS		2000
/* Period of the announcement tick (heartbeat every grace/6, >= 500 ms). */
#define PD_ANN_TICK_MS		250
/* Re-apply send_redirects=0 to new interfaces every this many ticks. */
#define PD_SYSCTL_TICKS		5
/* On SIGTERM: wait at most this long for the Leases to be released. */
#define PD_RELEASE_WAIT_MS	3000

struct podvsd {
	struct pd_opts opts;
	struct pd_log log;
	struct pd_loop loop;
	struct pd_io sig;		/* signalfd: SIGTERM, SIGINT */
	sigset_t old_mask;
	struct pd_timer sync_timer;	/* one-shot: run a sync soon */
	struct pd_timer tick_timer;	/* periodic: drain tick, resync */
	struct pd_timer stop_timer;	/* after SIGTERM: wait for releases */
	struct pd_timer ann_timer;	/* periodic: announcement heartbeat */
	unsigned int ticks;
	uint64_t stop_deadline_ms;
	bool sync_armed;
	uint64_t next_resync_ms;
	bool caches_synced;		/* initial lists done: may sync */

	struct pd_kernel kernel;
	struct pd_memkernel mem;	/* --dry-run */
	struct pd_backend be;
	struct pd_reconciler rec;
	struct pd_cluster cluster;
	struct pd_gate gate;		/* readiness gate, Pod cache */
	struct pd_health health;	/* active health checks */
	struct pd_pool_pass pool;	/* --vip-pool, leader only */
	struct pd_metrics metrics;
	struct pd_webhook webhook;	/* --webhook-address */
	struct pd_viplink vip;
	bool vip_link_on;
	struct pd_announce ann;		/* READY, HOLD, the link's VIPs */
	bool ann_on;
	unsigned long sysctl_errors;	/* send_redirects writes that failed */
	unsigned long sysctl_failing;	/* of the last pass, for the log */
};

/* Whole program: parse options, run, return the exit status. */
int podvsd_main(int argc, char **argv);

/* Pieces, for tests. */
int podvsd_init(struct podvsd *d);
void podvsd_fini(struct podvsd *d);
/* Ask for a sync after PD_SYNC_DELAY_MS (no-op until caches_synced). */
void podvsd_schedule_sync(struct podvsd *d);

#endif /* PODVSD_DAEMON_H */
