/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The leader's --vip-pool pass (rules in vippool.h): every Service that
 * needs a pool VIP gets one, recorded in the reconciler's allocations and
 * written to the Service's status with a merge patch (pd_api_write()).
 * A Service whose patch is in flight or written waits in @busy until its
 * status shows the VIP; a failed patch (a 409: the Service moved since
 * it was read) leaves @busy, so the next pass writes it again from the
 * newer copy.  An answer with Retry-After (429, 503) holds every status
 * patch until then (@hold_until_ms): allocations are still made and
 * programmed, their patches go out at the first pass after the hold.
 * The owner runs the pass only on the leader, once the
 * caches are synced (followers wait for the status), and calls
 * pd_pool_pass_stepdown() when leadership is lost.  A pool with no free
 * address for a Service is logged and told (Warning Event
 * VIPPoolExhausted) once until it changes, and counted each pass.
 */
#ifndef PODVSD_VIPPOOL_PASS_H
#define PODVSD_VIPPOOL_PASS_H

#include <stdint.h>

#include "base/addr.h"
#include "base/hmap.h"
#include "base/log.h"
#include "k8s/events.h"
#include "k8s/http_client.h"
#include "sync/reconcile.h"

#define PD_POOL_PASS_MAX	2	/* pools: one per family */

struct pd_pool_pass {
	struct pd_reconciler *rec;
	struct pd_http *http;
	struct pd_log *log;
	const struct pd_cidr *pools;
	unsigned int n_pools;
	struct pd_hmap busy;		/* "ns/name": status patch sent */
	struct pd_hmap starved;		/* "ns/name": exhaustion told */
	struct pd_events *events;	/* NULL: no Events */
	unsigned long allocated;	/* VIPs handed out */
	unsigned long exhausted;	/* Services a pass found no VIP for */
	unsigned long stepdowns;	/* allocations forgotten, not leader */
	uint64_t hold_until_ms;		/* Retry-After: no patch before */
};

void pd_pool_pass_init(struct pd_pool_pass *p, struct pd_reconciler *rec,
		       struct pd_http *http, struct pd_log *log,
		       const struct pd_cidr *pools, unsigned int n_pools);
void pd_pool_pass_fini(struct pd_pool_pass *p);
/*
 * pd_pool_pass - give pool VIPs to the Services that need them and write
 * them to their status; forget allocations whose Service now shows its
 * VIPs in status.  No-op without pools.
 */
void pd_pool_pass(struct pd_pool_pass *p);
/*
 * pd_pool_pass_stepdown - no longer leader: forget the allocations not
 * yet seen in a status (they are unprogrammed at the next sync, so an ex-
 * leader cannot keep a VIP the new leader gives to another Service) and
 * the writes in flight.
 */
void pd_pool_pass_stepdown(struct pd_pool_pass *p);

#endif /* PODVSD_VIPPOOL_PASS_H */
