/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --vip-pool: VIPs for loadBalancerClass Services nobody else serves.
 *
 * A Service selected by spec.loadBalancerClass (type LoadBalancer) whose
 * status has no ingress IP of a pool's family gets the lowest address of
 * that pool that no Service uses (ingress, externalIPs, allocations),
 * skipping the pool's network address (and the IPv4 broadcast address).
 * The families are spec.ipFamilies (default: every pool's).  podvsd
 * programs the address at once and writes it to the Service's status with
 * a merge patch (resourceVersion precondition; other entries kept); from
 * then on the status is the record, so a restart keeps it.  Every gateway
 * computes the same choice from the same state.  A leader that steps down
 * forgets what it allocated and did not see in status (the new leader
 * decides); a pool with no free address is logged, told by a Warning
 * Event on the Service and counted.
 */
#ifndef PODVSD_VIPPOOL_H
#define PODVSD_VIPPOOL_H

#include "base/addr.h"
#include "base/hmap.h"
#include "k8s/k8s.h"

/* Scan at most this many candidates of a pool (large IPv6 pools). */
#define PD_POOL_SCAN_MAX	(1u << 20)

/* The lowest free address of @pool (@used: pd_addr keys).  -ENOSPC. */
int pd_pool_alloc(const struct pd_cidr *pool, const struct pd_hmap *used,
		  struct pd_addr *out);

/* Does Service @s need an address of family @af from a pool? */
bool pd_pool_wants(const struct k8s_service *s, uint16_t af);

/* Add the VIPs Service @s uses to @used. */
int pd_pool_mark_used(struct pd_hmap *used, const struct k8s_service *s);

/*
 * pd_pool_status_patch - the merge patch appending @addrs to the
 * Service's ingress entries @ingress_json (as read: hostname, ipMode and
 * ports of other writers kept), with resourceVersion @rv as precondition.
 * Malloc'ed; NULL without @rv.
 */
char *pd_pool_status_patch(const char *rv, const char *ingress_json,
			   const struct pd_addr *addrs, size_t n);

#endif /* PODVSD_VIPPOOL_H */
