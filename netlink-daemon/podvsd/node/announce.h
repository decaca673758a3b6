/* SPDX-License-Identifier: GPL-2.0 */
/*
 * When this gateway announces its VIPs (uapi "VIP announcement"): which
 * addresses are on the podvs link, and the kernel's READY switch, its
 * watchdog (HOLD) and, from the Node annotation, DECOMMISSIONED.
 *
 * The rule, evaluated on every input and every tick:
 *  - nothing is touched (READY, the link's addresses) before the first
 *    full list of every informer and the first successful sync after it
 *    (pd_ann_synced()): a podvsd restarted within the grace period finds
 *    the kernel, the link and the carrier as its predecessor left them;
 *    but one that finds READY=1 with the carrier off (the predecessor's
 *    watchdog fired: dead longer than the grace period) sends READY=0
 *    with its first heartbeat, which restarts the watchdog: the tables
 *    are as old as that death, and nothing is announced before the sync;
 *  - after it, the link holds exactly the VIPs whose kernel service has a
 *    usable dest (weight > 0, not draining) (pd_ann_vips(), after each
 *    successful sync); a VIP that loses its last usable dest is removed
 *    (withdrawn, reason no_dest);
 *  - READY=1 while the API server and the kernel are both healthy, or
 *    unhealthy for less than the grace period (fail-static: the gateway
 *    keeps forwarding and announcing its last tables); READY=0 once
 *    either has been unhealthy for the grace period (reason api_lost or
 *    kernel_error), and before the first sync when the grace period
 *    since start ran out (reason not_synced);
 *  - heartbeat: SET_ANNOUNCE HOLD=grace every grace/6 seconds, with
 *    READY once it is decided, from the start on (a dead podvsd lets the
 *    kernel's watchdog drop the carrier after the grace period);
 *  - DECOMMISSIONED follows the Node annotation podvs.io/decommissioned
 *    only when it is present at start or changes (absent after present:
 *    0); the kernel holds the switch, so `podvsadm --decommission` sets
 *    it too and podvsd leaves it until the annotation changes again.
 *  - a heartbeat that finds HOLD 0 in the kernel after podvsd set it (the
 *    module was reloaded) calls ->reloaded: reprogram, recreate the link.
 *
 * No I/O of its own: the kernel switch is struct pd_ann_ops, the link is
 * ->link_sync, the clock is the callers' @now_ms (tests inject it).
 */
#ifndef PODVSD_ANNOUNCE_H
#define PODVSD_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hmap.h"
#include "base/log.h"

#define PD_ANN_ANNOTATION	"podvs.io/decommissioned"

/* The kernel's announcement state (PODVS_A_ANNOUNCE). */
struct pd_ann_state {
	uint32_t hold;			/* s; 0: the watchdog never ran */
	bool ready, decommissioned, up;
	uint32_t expiries, links;
};

/* A SET_ANNOUNCE: only the has_* fields are sent. */
struct pd_ann_req {
	uint32_t hold;
	bool ready, decommissioned;
	bool has_hold, has_ready, has_decommissioned;
};

struct pd_ann_ops {
	/* 0 or -errno; -EOPNOTSUPP: the module has no announcement. */
	int (*get)(void *ctx, struct pd_ann_state *st, char *err,
		   size_t errlen);
	int (*set)(void *ctx, const struct pd_ann_req *req, char *err,
		   size_t errlen);
	void *ctx;
};

struct pd_ann_hooks {
	/* Make the link's VIPs the keys of @vips (struct pd_addr); 0/-errno */
	int (*link_sync)(void *ctx, const struct pd_hmap *vips);
	/* The module was reloaded: reprogram everything. May be NULL. */
	void (*reloaded)(void *ctx);
	void *ctx;
};

enum pd_ann_reason {
	PD_ANN_NO_DEST,		/* a VIP lost its last usable dest */
	PD_ANN_API_LOST,	/* API server unreachable > grace */
	PD_ANN_KERNEL_ERROR,	/* the kernel refused programming > grace */
	PD_ANN_NOT_SYNCED,	/* no first sync within grace of start */
	PD_ANN_DECOMMISSIONED,	/* the Node annotation switched it on */
	PD_ANN_WATCHDOG,	/* the kernel's watchdog fired */
	PD_ANN_N_REASONS,
};

/* One unhealthy input: since when (0: healthy). */
struct pd_ann_health {
	uint64_t bad_since_ms;
	bool logged;		/* the grace expiry was logged */
};

enum pd_ann_decom { PD_DECOM_UNSEEN, PD_DECOM_ABSENT, PD_DECOM_OFF,
		    PD_DECOM_ON };

struct pd_ann_stats {
	bool ready;		/* READY as last written or read */
	bool up;		/* the carrier, as last read */
	size_t vips;		/* addresses on the link */
	uint64_t withdrawals[PD_ANN_N_REASONS];
	uint64_t heartbeats, errors;
	bool unsupported;	/* the module has no announcement commands */
};

struct pd_announce {
	struct pd_log *log;
	struct pd_ann_ops ops;
	struct pd_ann_hooks hooks;
	uint32_t grace_s;
	uint64_t start_ms;
	bool synced;		/* first full list + sync done */
	struct pd_ann_health api, kernel;	/* API server, syncs */
	struct pd_ann_health sw;	/* SET_ANNOUNCE itself */
	int want_ready;		/* -1: undecided (before first sync) */
	bool ready_known;	/* stats.ready is the kernel's */
	bool hold_set;		/* we started the watchdog */
	bool await_sync;	/* reloaded: nothing until the next sync */
	bool stale_ready;	/* found READY=1, carrier off: READY=0 first */
	uint64_t next_beat_ms;
	uint32_t last_expiries;
	enum pd_ann_decom decom;	/* the annotation, as last seen */
	bool decom_dirty;	/* to be written */
	struct pd_hmap usable;	/* pd_addr: VIPs with a usable dest */
	struct pd_hmap on_link;	/* pd_addr: what the link holds */
	bool link_dirty;
	struct pd_ann_stats stats;
};

/* Reads the kernel state once (nothing written). @grace_s >= 1. */
void pd_ann_init(struct pd_announce *a, struct pd_log *log, uint32_t grace_s,
		 const struct pd_ann_ops *ops, const struct pd_ann_hooks *hooks,
		 uint64_t now_ms);
void pd_ann_fini(struct pd_announce *a);

/* The API view, from the staleness signal (k8s/api_fresh.h), every tick:
 * @stale_since_ms 0 when fresh; the grace period counts from when it
 * became stale. */
void pd_ann_api_stale(struct pd_announce *a, uint64_t stale_since_ms,
		      uint64_t now_ms);
/* A sync (or other kernel write) succeeded or failed now. */
void pd_ann_kernel(struct pd_announce *a, bool ok, uint64_t now_ms);
/* First full list and sync are done: the rule may act. */
void pd_ann_synced(struct pd_announce *a, uint64_t now_ms);
/* After a successful sync: the VIPs (pd_addr keys) with a usable dest. */
int pd_ann_vips(struct pd_announce *a, const struct pd_hmap *usable,
		uint64_t now_ms);
/*
 * The Node's podvs.io/decommissioned annotation: NULL when absent.  A
 * value other than "true" or "false" is logged and ignored (-EINVAL).
 */
int pd_ann_node(struct pd_announce *a, const char *value, uint64_t now_ms);
/* Heartbeat, grace expiry, retries.  Call at least every second. */
void pd_ann_tick(struct pd_announce *a, uint64_t now_ms);
/* The link was recreated (empty): put the VIPs back at the next tick. */
void pd_ann_link_reset(struct pd_announce *a);

const char *pd_ann_reason_str(enum pd_ann_reason r);
/* Heartbeat period for @grace_s: grace/6, at least 1 s (ms). */
uint64_t pd_ann_beat_ms(uint32_t grace_s);

#endif /* PODVSD_ANNOUNCE_H */
