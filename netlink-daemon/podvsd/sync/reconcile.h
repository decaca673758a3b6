/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reconciler: owns the object store of Services and EndpointSlices
 * (k8s/store.h), each Service's plan (its desired VSes), and an image of
 * what the kernel holds; turns changes into the minimal operations and
 * applies them.
 *
 *  - Incremental: a changed object marks its Service dirty; a sync
 *    recomputes only dirty Services and diffs only the VS keys they touch,
 *    so one EndpointSlice change costs the same at 10 or 10,000 Services.
 *  - Full: at start, after any apply error and every --resync-period, the
 *    kernel's tables are read back and everything is diffed (adopting what
 *    podvsd owns, repairing drift, leaving foreign entries alone).
 *  - Two Services claiming one VS key: the first by "namespace/name" wins,
 *    the other is logged and reported.
 *  - A dest leaving the desired set is drained and kept while it has flows,
 *    at most --drain-timeout; pd_rec_tick() re-reads those VSes' connection
 *    counts and deletes the dests whose flows ended.  Drain lives in the
 *    kernel (the dest's flag), so a restarted podvsd finds it there.
 *  - A Service with an invalid annotation keeps that attribute as it is
 *    programmed (bad input changes nothing) and is reported through
 *    ->invalid; its dests still follow its endpoints (one typo never
 *    freezes them).
 */
#ifndef PODVSD_RECONCILE_H
#define PODVSD_RECONCILE_H

#include <stdint.h>

#include "sync/backend.h"
#include "sync/desired.h"
#include "base/hmap.h"
#include "k8s/k8s.h"
#include "k8s/store.h"
#include "base/log.h"
#include "sync/table.h"

/* Upper bounds (ms) of the change-to-kernel latency histogram buckets. */
#define PD_LAT_BUCKETS	{ 1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 5000 }
#define PD_N_LAT	11

struct pd_rec_stats {
	uint64_t syncs;			/* successful syncs */
	uint64_t full_syncs;		/* of which full */
	uint64_t sync_errors;		/* failed reads or applies */
	uint64_t ops;			/* operations applied */
	uint64_t last_sync_ms;		/* monotonic time of the last success */
	uint64_t last_duration_us;
	uint64_t total_duration_us;
	int64_t last_sync_wall;		/* Unix time of the last success */
	/* from the first object change a sync covers to its batch ack */
	uint64_t last_change_us;
	uint64_t change_hist[PD_N_LAT + 1];	/* per bucket, +Inf last */
	uint64_t change_sum_us;
	uint64_t change_count;
	uint64_t invalid_services;	/* rejections by desired state */
	uint64_t conflicts;
};

struct pd_rec_hooks {
	/* A selected Service is invalid for podvs (Event + log). */
	void (*invalid)(void *ctx, const struct k8s_service *svc,
			const char *reason);
	/* A VIP starts (@add) or stops being used by any desired VS. */
	void (*vip)(void *ctx, const struct pd_addr *vip, bool add);
	/* Service @key's plan is about to be recomputed (may be NULL). */
	void (*recompute)(void *ctx, const char *key);
	/*
	 * How long (ms) an undesired dest may linger drained with flows;
	 * 0: drain_timeout.  PD_LINGER_NONE: delete it now.  May be NULL.
	 */
	uint64_t (*grace_ms)(void *ctx, const struct pd_vs *have,
			     const struct pd_dest *d);
	void *ctx;
};

#define PD_LINGER_NONE	UINT64_MAX

/*
 * Op scratch entries kept between syncs.  A full sync at 10,000 Services
 * makes 110,000 ops (~9 MiB): freed after it, not held for ever.
 */
#define PD_OPS_KEEP	256

struct pd_reconciler {
	struct pd_log *log;
	struct pd_backend be;
	struct pd_rec_hooks hooks;
	const struct pd_desired_view *view;	/* NULL: slices only */
	uint64_t drain_timeout_ms;	/* 0: delete removed dests at once */
	const struct pd_cidr *snat_from;	/* --snat-from, may be NULL */
	size_t n_snat_from;

	struct pd_store store;		/* Services, EndpointSlices */
	struct pd_hmap plans;		/* "ns/name" -> struct pd_plan */
	struct pd_hmap allocs;		/* "ns/name" -> struct pd_alloc */
	struct pd_hmap claims;		/* pd_vs_key -> struct claim_list */
	struct pd_hmap vips;		/* pd_addr -> (uintptr_t) refcount */
	struct pd_table actual;		/* image of the kernel's tables */
	size_t actual_dests;		/* dests in ->actual, kept counted */
	struct pd_hmap linger;		/* pd_vs_key -> struct linger_list */

	struct pd_hmap dirty;		/* "ns/name" of changed Services */
	struct pd_hmap pending;		/* pd_vs_key to re-diff */
	bool need_full;			/* re-read the kernel, diff all */
	uint64_t first_change_us;	/* oldest change not yet synced */
	uint64_t now_ms;		/* time of the running sync */

	struct pd_ops ops;		/* scratch */
	struct pd_rec_stats stats;
};

/* VIPs allocated from --vip-pool for one Service (not yet in status). */
struct pd_alloc {
	struct pd_addr addr[2];
	size_t n;
};

void pd_rec_init(struct pd_reconciler *r, struct pd_log *log,
		 const struct pd_backend *be, unsigned int drain_timeout_s);
void pd_rec_fini(struct pd_reconciler *r);

/*
 * Cache updates, into ->store (see k8s/store.h); a change marks the
 * Service dirty.  Upserts take ownership of the object (freed at once if
 * its resourceVersion is the cached one: nothing changed).
 */
int pd_rec_service_upsert(struct pd_reconciler *r, struct k8s_service *s);
void pd_rec_service_delete(struct pd_reconciler *r, const char *ns,
			   const char *name);
int pd_rec_slice_upsert(struct pd_reconciler *r, struct k8s_slice *s);
void pd_rec_slice_delete(struct pd_reconciler *r, const char *ns,
			 const char *name);
/* After a relist: delete every cached object whose key is not in @keep
 * ("ns/name" -> anything). */
void pd_rec_services_prune(struct pd_reconciler *r,
			   const struct pd_hmap *keep);
void pd_rec_slices_prune(struct pd_reconciler *r, const struct pd_hmap *keep);

/* Record (or with @n 0 clear) VIPs allocated to Service @key. */
int pd_rec_set_alloc(struct pd_reconciler *r, const char *key,
		     const struct pd_addr *addrs, size_t n);

/* Ask for a full sync (read back the kernel) at the next pd_rec_sync(). */
void pd_rec_request_full(struct pd_reconciler *r);
/* Is there anything for pd_rec_sync() to do? */
bool pd_rec_pending(const struct pd_reconciler *r);

/*
 * pd_rec_sync - bring the kernel to the desired state (incremental, or full
 * when requested or after an error).  @now_ms: monotonic time (drain
 * ageing).  0, or -errno after logging; the next call then runs full.
 */
int pd_rec_sync(struct pd_reconciler *r, uint64_t now_ms);

/*
 * pd_rec_tick - re-read the VSes that have lingering (drained, undesired)
 * dests and queue them for the next sync.  Returns how many VSes linger.
 */
size_t pd_rec_tick(struct pd_reconciler *r, uint64_t now_ms);

/* Recompute Service @key ("ns/name") at the next sync. */
void pd_rec_mark_service(struct pd_reconciler *r, const char *key);

/* Each Service plan with its slices (for the readiness gate). */
typedef void (*pd_rec_plan_fn)(void *ctx, const char *svc,
			       const struct pd_plan *plan,
			       const struct k8s_slice *const *slices,
			       size_t n_slices);
void pd_rec_each_plan(const struct pd_reconciler *r, pd_rec_plan_fn fn,
		      void *ctx);

/* The same for Service @svc only (nothing if it has no plan). */
void pd_rec_one_plan(const struct pd_reconciler *r, const char *svc,
		     pd_rec_plan_fn fn, void *ctx);
/* Service @svc's cached slices (@n of them; NULL if none). */
const struct k8s_slice *const *
pd_rec_service_slices(const struct pd_reconciler *r, const char *svc,
		      size_t *n);

/*
 * pd_rec_usable_vips - put into @out (pd_addr keys, value 1) every VIP of
 * a desired VS that the kernel image holds as podvsd's with at least one
 * usable dest (weight > 0, not draining): the VIPs this gateway may
 * announce.  0 or -ENOMEM.
 */
int pd_rec_usable_vips(const struct pd_reconciler *r, struct pd_hmap *out);

/* Counts for metrics. */
size_t pd_rec_programmed_services(const struct pd_reconciler *r);
size_t pd_rec_programmed_dests(const struct pd_reconciler *r);

#endif /* PODVSD_RECONCILE_H */
