/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's view of the cluster: API server configuration, the HTTP
 * client, one informer per resource (Services and EndpointSlices feed the
 * reconciler; Pods feed the callbacks the owner names, the gate's), the
 * two Leases (leader election; our gateway report) and the Events
 * client.  It owns nothing it does not start: what an event means for a
 * sync, and what the leader writes, is the owner's (hooks).
 */
#ifndef PODVSD_CLUSTER_H
#define PODVSD_CLUSTER_H

#include "base/log.h"
#include "base/loop.h"
#include "k8s/events.h"
#include "k8s/http_client.h"
#include "k8s/api_fresh.h"
#include "k8s/informer.h"
#include "k8s/kubeconfig.h"
#include "k8s/lease.h"
#include "sync/reconcile.h"

struct pd_cluster_hooks {
	void (*changed)(void *ctx);	/* an informer event: sync soon */
	void (*synced)(void *ctx);	/* an informer's first list is in */
	void (*leader)(void *ctx, bool leader);	/* the election moved */
	/* Our Node's podvs.io/decommissioned annotation: NULL when absent
	 * (or the Node is gone).  Called on every list and event of it. */
	void (*node)(void *ctx, const char *decommissioned);
	void *ctx;
};

struct pd_cluster_cfg {
	const char *kubeconfig;		/* NULL: in-cluster configuration */
	const char *node_name;		/* Lease names, identity, Events */
	struct pd_loop *loop;
	struct pd_log *log;
	struct pd_reconciler *rec;	/* fed Services and EndpointSlices */
	const struct pd_informer_ops *pod_ops;	/* the Pod informer's */
	void *pod_ctx;
};

struct pd_cluster {
	struct pd_log *log;
	struct pd_reconciler *rec;
	struct pd_cluster_hooks hooks;
	struct pd_kube_config cfg;
	struct pd_http http;
	struct pd_informer services;
	struct pd_informer slices;
	struct pd_informer pods;	/* gated and deleting Pods (gate/) */
	/* our own Node only (fieldSelector); not part of "synced": the
	 * decommission switch is no precondition for programming */
	struct pd_informer node;
	char node_name[254];
	char node_path[400];
	unsigned long rejected;		/* objects that failed to parse */
	struct pd_events events;	/* Warning Events about Services */
	struct pd_elector leader;	/* Lease podvsd-leader */
	struct pd_elector gw;		/* Lease podvsd-gw-<node>: our report */
	/* the staleness signal (k8s/api_fresh.h): the connection and the
	 * Service, EndpointSlice and Pod informers; read it, never write */
	struct pd_api_fresh fresh;
	bool up;
};

/* Load the configuration, start the informers.  Errors go to stderr. */
int pd_cluster_init(struct pd_cluster *c, const struct pd_cluster_cfg *cfg,
		    const struct pd_cluster_hooks *hooks);
void pd_cluster_fini(struct pd_cluster *c);
/* Has every informer finished its first list? */
bool pd_cluster_synced(const struct pd_cluster *c);
/* Is the API server reachable: the view is not stale (api_fresh.h)? */
bool pd_cluster_api_ok(const struct pd_cluster *c);
/*
 * pd_cluster_view_rv - the resourceVersions of the Services,
 * EndpointSlices and Pods caches (in that order) as integers: 0, or
 * -EAGAIN while one is listing (its cache is between versions), -EINVAL
 * when one is not a decimal integer.  For the gateway report (gate.h).
 */
int pd_cluster_view_rv(const struct pd_cluster *c, uint64_t rv[3]);
/* The staleness signal: 0 when fresh, else stale since (monotonic ms). */
uint64_t pd_cluster_api_stale_since(const struct pd_cluster *c,
				    uint64_t now_ms);
/* Every retryPeriod: leader election and the gateway report. */
void pd_cluster_lease_tick(struct pd_cluster *c);
/* Shutdown: release both Leases; true once nothing is in flight. */
void pd_cluster_release(struct pd_cluster *c);
bool pd_cluster_released(const struct pd_cluster *c);
/* May this podvsd write cluster-wide state (Pod conditions, pool VIPs)? */
bool pd_cluster_leader(const struct pd_cluster *c);

#endif /* PODVSD_CLUSTER_H */
