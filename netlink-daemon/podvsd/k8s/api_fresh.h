/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The staleness signal (issue 12, D7): "this podvsd's view of the API
 * is fresh", or "stale since T".  One signal, read by /readyz (503 while
 * stale, as kube-proxy's /healthz does), by the VIP announcement (which
 * withdraws once it has been stale for --announce-grace) and by any
 * other module that must not act on an old view (the gate leader).
 *
 * Stale since T when either
 *   - the API connection is declared dead (pd_http_dead_since(): a
 *     liveness probe got no answer, or a request timed out), from the
 *     moment that probe was sent; or
 *   - an informer backing the tables has failed to stay current (a
 *     failed list or watch, a watch silent past the bookmark period)
 *     for PD_API_STALE_GRACE_MS: one retried request, answered at the
 *     next attempt, is not staleness; T is when the failure began.
 * Fresh again as soon as the connection answers and every informer
 * lists or watches fine.  Before the first lists complete the view is
 * not stale but not synced either: /readyz says so on its own.
 *
 * The module only reads the state its inputs keep (no timers, no
 * allocation); pointers stay owned by the cluster.
 */
#ifndef PODVSD_API_FRESH_H
#define PODVSD_API_FRESH_H

#include <stdint.h>

#include "k8s/http_client.h"
#include "k8s/informer.h"

#define PD_API_FRESH_MAX	8
#define PD_API_STALE_GRACE_MS	5000

struct pd_api_fresh {
	const struct pd_http *http;	/* NULL: no connection input */
	const struct pd_informer *inf[PD_API_FRESH_MAX];
	unsigned int n;
};

void pd_api_fresh_init(struct pd_api_fresh *f, const struct pd_http *http);
/* Count @inf in the signal.  0, or -ENOSPC past PD_API_FRESH_MAX. */
int pd_api_fresh_add(struct pd_api_fresh *f, const struct pd_informer *inf);
/* 0 when fresh at @now_ms, else the monotonic ms it is stale since. */
uint64_t pd_api_stale_since(const struct pd_api_fresh *f, uint64_t now_ms);

#endif /* PODVSD_API_FRESH_H */
