/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's view of the cluster: API server configuration, the HTTP
 * client, one informer per resource feeding the reconciler, and the
 * Events podvsd writes about Services it cannot program.
 */
#ifndef PODVSD_CLUSTER_H
#define PODVSD_CLUSTER_H

#include "k8s/http_client.h"
#include "k8s/informer.h"
#include "k8s/kubeconfig.h"
#include "k8s/lease.h"

struct podvsd;

struct pd_cluster {
	struct pd_kube_config cfg;
	struct pd_http http;
	struct pd_informer services;
	struct pd_informer slices;
	struct pd_informer pods;	/* gated and deleting Pods (gate.c) */
	unsigned long rejected;		/* objects that failed to parse */
	unsigned long events_posted;
	unsigned long events_failed;
	unsigned long vips_allocated;
	struct pd_hmap pool_busy;	/* "ns/name": status patch sent */
	struct pd_elector leader;	/* Lease podvsd-leader */
	struct pd_elector gw;		/* Lease podvsd-gw-<node>: our report */
	bool up;
};

/* An informer finished its first list: maybe every cache is synced. */
void pd_cluster_synced(void *ctx);
/* Load the configuration, start the informers.  Errors go to stderr. */
int pd_cluster_init(struct podvsd *d);
void pd_cluster_fini(struct podvsd *d);
/*
 * pd_cluster_pool_pass - give pool VIPs to the Services that need them and
 * write them to their status (see vippool.h); forget allocations whose
 * Service now shows its VIPs in status.
 */
void pd_cluster_pool_pass(struct podvsd *d);
/* Every retryPeriod: leader election and the gateway report. */
void pd_cluster_lease_tick(struct podvsd *d);
/* Shutdown: release both Leases; true once nothing is in flight. */
void pd_cluster_release(struct podvsd *d);
bool pd_cluster_released(const struct podvsd *d);
/* May this podvsd write cluster-wide state (Pod conditions, pool VIPs)? */
bool pd_cluster_leader(const struct podvsd *d);
/* Post a Warning Event about a Service (fire and forget). */
void pd_cluster_event(struct podvsd *d, const char *ns, const char *name,
		      const char *uid, const char *reason,
		      const char *message);

#endif /* PODVSD_CLUSTER_H */
