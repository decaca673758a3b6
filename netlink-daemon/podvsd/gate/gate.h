/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The readiness gate podvs.io/backend-ready, and what podvsd knows about
 * Pods.
 *
 * Pods are watched (all namespaces); only those that carry the gate or are
 * being deleted are kept.  They feed the desired state (pd_desired_view):
 *   - a not-ready endpoint whose Pod carries the gate and whose containers
 *     are ready (ContainersReady=True) is programmed: its Pod cannot turn
 *     Ready before the gate is True, and the gate waits for the dest, so
 *     waiting for "ready" here would deadlock;
 *   - a ready endpoint of a Pod with a deletionTimestamp is drained at
 *     once, before the EndpointSlice catches up;
 *   - a removed dest of a deleting Pod lingers (drained, flows finishing)
 *     at most the Pod's grace period; once the Pod object is gone, the
 *     dest goes at once (its processes are gone too).
 *
 * A gated Pod is "programmed here" when, for every podvs Service with an
 * endpoint for it and every virtual service of its address family, the
 * kernel holds the dest undrained and its health check passed.  Every
 * podvsd publishes a report of constant size in its gateway Lease
 * (podvsd-gw-<node>, annotation podvs.io/programmed): its watermark, the
 * resourceVersion of each watched stream up to which the kernel holds
 * every event (the rule and why it is sound: report.c), plus at most
 * PD_GATE_UNSETTLED_MAX candidates not usable here yet.  The leader sets
 * the condition True only when the Pod is programmed on the leader and
 * every other gateway that may carry traffic (leader.c) has a watermark
 * covering the one at which the Pod became usable on the leader and does
 * not list it; it decides nothing until a Lease list newer than its
 * election is in (D8).  It PATCHes pods/NAME/status only when status or
 * reason would change (lastTransitionTime only moves with status).
 *
 * The rule (verdict.c), in this order:
 *   - a Pod in no podvs Service (none lists it in an EndpointSlice, none
 *     in its namespace selects its labels): True, NotLoadBalanced;
 *   - programmed here and on every other live gateway: True, Programmed;
 *   - the condition is True already: it stays True, unless the failure
 *     belongs to the Pod itself (HealthCheckFailed: checks observed
 *     failing here; NotProgrammed while its containers are not ready: it
 *     left the dest set).  A restart (every check UNKNOWN; an UNKNOWN
 *     check of a ready endpoint passes), a leader change, a gateway's
 *     missing report, a deselected Service never turn it False;
 *   - held (containers ready, every other readiness gate True) for
 *     PD_GATE_TIMEOUT_S since the later of ContainersReady's and our
 *     False condition's lastTransitionTime: True, ReadinessTimeout
 *     (counted, logged); it stays True until it passes;
 *   - else False with the reason.
 * PATCHes carry metadata.uid (a re-created Pod of that name is never
 * patched), at most PD_GATE_PATCH_INFLIGHT at once (a new leader's burst
 * waits for free slots); a failed one is retried after a backoff
 * (PD_GATE_RETRY_MIN_MS doubling up to PD_GATE_RETRY_MAX_MS), not at
 * every evaluation.
 *
 * The Pod cache, the view and Service membership are in pods.c, the
 * evaluation and our report in eval.c, the leader's verdicts and the
 * other gateways' reports in leader.c, the rule in verdict.c, the PATCHes
 * in patch.c, the pure condition helpers in cond.c, setup in gate.c.
 */
#ifndef PODVSD_GATE_H
#define PODVSD_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/hmap.h"
#include "base/log.h"
#include "k8s/http_client.h"
#include "k8s/k8s.h"
#include "k8s/lease.h"
#include "node/health.h"
#include "sync/desired.h"
#include "sync/reconcile.h"

#define PD_GATE_TYPE		"podvs.io/backend-ready"
#define PD_GONE_KEEP_MS		600000	/* remember deleted Pods' IPs */
#define PD_GATE_MSG_LEN		160
/*
 * The fail-safe: a Pod our gate alone held this long is let through.
 * Ten minutes, as GKE's NEG controller (LoadBalancerNegTimeout): longer
 * than any healthy rollout step with default checks (2 x 5 s) and a
 * leader failover (15 s), short enough that a broken gate (probes
 * blocked by a NetworkPolicy, a UDP port with nothing to probe) stalls a
 * rollout for minutes, not forever.
 */
#define PD_GATE_TIMEOUT_S	600
#define PD_GATE_R_TIMEOUT	"ReadinessTimeout"
#define PD_GATE_PATCH_INFLIGHT	16	/* concurrent condition PATCHes */
#define PD_GATE_RETRY_MIN_MS	1000	/* a failed PATCH: first retry */
#define PD_GATE_RETRY_MAX_MS	300000	/* ... doubling up to this */

/*
 * A watermark: per watched stream, the resourceVersion (an etcd revision,
 * parsed as an integer) up to which every event is in the kernel here.
 * !valid: not known (a list in progress, a sync pending, an RV that is no
 * integer); it then covers nothing.
 */
enum pd_gate_stream {
	PD_GS_SERVICES,
	PD_GS_SLICES,
	PD_GS_PODS,
	PD_GS_N,
};

struct pd_gate_mark {
	uint64_t rv[PD_GS_N];
	bool valid;
};

/* Unsettled candidates a report lists at most (~40 bytes each). */
#define PD_GATE_UNSETTLED_MAX	128
/* A gateway that stopped announcing may still get packets this long. */
#define PD_GW_SETTLE_MS		10000

struct pd_gate_stats {
	unsigned long patches;
	unsigned long patch_failures;
	unsigned long gated_true;	/* gated Pods whose gate we hold True */
	unsigned long gated_false;
	unsigned long live_gateways;	/* other live gateways seen */
	unsigned long evals;		/* Pods evaluated (the work done) */
	unsigned long full_evals;	/* evaluations of every Pod */
	unsigned long held;		/* leader evaluations held (D8) */
	unsigned long gw_list_failures;	/* gateway Lease lists failed */
	unsigned long timeouts;		/* Pods let through by the timeout */
	unsigned long patch_waits;	/* PATCHes put off: too many at once */
	unsigned long patch_throttled;	/* 429 answers to PATCHes */
};

/* What the gate asks of its owner (each may be NULL: never leader). */
struct pd_gate_hooks {
	void (*changed)(void *ctx);	/* a Pod event: sync soon */
	void (*synced)(void *ctx);	/* the first Pod list is in */
	void (*rejected)(void *ctx);	/* a Pod failed to parse */
	bool (*leader)(void *ctx);	/* may we write Pod conditions? */
	/* Is our API view fresh (NULL: yes)?  The leader decides nothing
	 * on a stale view. */
	bool (*api_fresh)(void *ctx);
	/* Are we announcing our VIPs (NULL: yes)?  In our report. */
	bool (*serving)(void *ctx);
	void *ctx;
};

struct pd_gate {
	/* what it uses, from pd_gate_init and pd_gate_connect */
	struct pd_log *log;
	struct pd_reconciler *rec;	/* plans, slices, the kernel image */
	struct pd_health *health;	/* verdicts on dests */
	struct pd_http *http;		/* the PATCHes, the Lease list */
	struct pd_elector *gw;		/* our gateway Lease: our report */
	struct pd_gate_hooks hooks;
	struct pd_desired_view view;	/* the reconciler's view of Pods */
	bool up;			/* connected to the API server */

	struct pd_hmap pods;		/* "ns/name" -> struct gate_pod */
	struct pd_hmap deleting;	/* pd_addr -> struct gate_pod */
	struct pd_hmap gone;		/* pd_addr -> (uintptr_t) ms deleted */
	struct pd_hmap refs;		/* "ns/pod" -> struct gate_refs */
	struct pd_hmap members;		/* "ns/svc" -> its Pods' keys */
	struct pd_hmap gateways;	/* Lease name -> struct gate_gw */
	struct pd_hmap dirty;		/* "ns/pod" -> struct gate_pod */
	char *report;			/* our podvs.io/programmed value */
	struct pd_gate_mark viewed;	/* our caches hold this view */
	struct pd_gate_mark applied;	/* the kernel holds this view */
	unsigned int hold_s;		/* our announcement grace, reported */
	uint64_t lead_since_ms;		/* leader since (0: not leader) */
	uint64_t gw_list_ms;		/* last good Lease list: sent at */
	uint64_t gw_sent_ms;		/* the list in flight: sent at */
	bool held;			/* the leader held its last call */
	bool synced;			/* Pods listed */
	bool listing_gws;		/* a Lease list is in flight */
	bool all_dirty;			/* next evaluation: every Pod */
	bool report_dirty;		/* a Pod's local result flipped */
	bool was_leader;		/* at the last evaluation */
	uint64_t full_seen;		/* rec full_syncs at the last one */
	uint64_t gw_gen;		/* bumped when a gateway report moves */
	uint64_t gw_sig;		/* gw_gen and live set last decided */
	int64_t timeout_s;		/* PD_GATE_TIMEOUT_S; 0: none */
	unsigned int patching;		/* PATCHes in flight */
	struct pd_hmap patch_wait;	/* "ns/pod" -> gate_pod: no slot */
	uint64_t patch_hold_ms;		/* Retry-After: no PATCH before */
	uint64_t gw_hold_ms;		/* ... no gateway Lease list */
	uint64_t wake_ms;		/* earliest gate_pod.wake_ms; 0: none */
	struct pd_gate_stats stats;
};

struct pd_informer_ops;

/*
 * pd_gate_init - an empty gate consulted by @rec: @rec->view becomes the
 * gate's view of the desired state (gated, deleting, unhealthy
 * endpoints).  The reconciler's recompute and grace_ms hooks belong to
 * its owner, which forwards them to pd_gate_recompute() and
 * pd_gate_grace_ms().  Nothing is evaluated before pd_gate_connect().
 */
void pd_gate_init(struct pd_gate *g, struct pd_log *log,
		  struct pd_reconciler *rec, struct pd_health *health,
		  const struct pd_gate_hooks *hooks);
/* The API client is up: @http writes, @gw carries our report. */
void pd_gate_connect(struct pd_gate *g, struct pd_http *http,
		     struct pd_elector *gw);
/*
 * pd_gate_ungated - Pods in an EndpointSlice of a podvs Service, in a
 * namespace @ns_on calls enabled, not being deleted, and without our
 * readiness gate (ungated.c).  O(endpoints).
 */
size_t pd_gate_ungated(const struct pd_gate *g,
		       bool (*ns_on)(const void *ctx, const char *ns),
		       const void *ctx);
/* The Pod informer's callbacks (ctx: the gate). */
extern const struct pd_informer_ops pd_gate_pod_ops;
/*
 * pd_gate_recompute - Service @svc is about to be recomputed: its Pods
 * (those its slices list now and those they listed before) are evaluated
 * again after the sync.  For the reconciler's recompute hook.
 */
void pd_gate_recompute(struct pd_gate *g, const char *svc);
/*
 * pd_gate_grace_ms - for the reconciler's grace_ms hook: a removed dest
 * of a deleting Pod lingers at most its grace period; of a Pod deleted
 * already, not at all; else 0 (drain_timeout).
 */
uint64_t pd_gate_grace_ms(const struct pd_gate *g, const struct pd_vs *have,
			  const struct pd_dest *dst);
void pd_gate_fini(struct pd_gate *g);
/*
 * pd_gate_eval - recompute the gated Pods' conditions here, update our
 * report, and (leader only) patch what changed.  After every sync and
 * every tick, once the caches are synced.  Incremental: only the Pods
 * marked since the last call (by their own events, their Services'
 * recomputes, their patches) are evaluated, across the Services that list
 * them; every Pod after a full sync, a Pod relist, or a call that could
 * not run.  The leader decides every gated Pod again when it becomes
 * leader or another gateway's report or liveness moves.  Our report:
 * pd_gate_publish().
 */
void pd_gate_eval(struct pd_gate *g);
/*
 * pd_gate_publish - our report for the gateway Lease (report.c): the
 * watermark and the unsettled candidates.  O(gated Pods) of CPU once a
 * tick, before the Lease's renewal; its size is bounded.
 */
void pd_gate_publish(struct pd_gate *g);
/* Every retryPeriod: leader reads the gateway Leases; forget old IPs. */
void pd_gate_tick(struct pd_gate *g);
/*
 * pd_gate_viewed - our caches hold the API view @m now; @applied: the
 * kernel holds all of it too (a sync with nothing pending after it).  An
 * invalid @m changes nothing (the last marks still hold).  The view is
 * what a Pod turning usable here needs of the others; what is applied
 * is our report's watermark.  Before every pd_gate_eval().
 */
void pd_gate_viewed(struct pd_gate *g, const struct pd_gate_mark *m,
		    bool applied);
/*
 * pd_gate_gateways_listed - the Lease list sent at @sent_ms is in
 * (@items: its "items"; NULL: the list failed).  For the HTTP callback
 * and for tests.
 */
void pd_gate_gateways_listed(struct pd_gate *g, const cJSON *items,
			     uint64_t sent_ms);

/* ---- pure parts, exported for tests ----------------------------------- */

/* Pod's condition of @type, or NULL. */
const struct k8s_pod_condition *pd_pod_cond(const struct k8s_pod *p,
					    const char *type);
bool pd_pod_gated(const struct k8s_pod *p);
bool pd_pod_containers_ready(const struct k8s_pod *p);
/* Is every readiness gate but ours True on @p? */
bool pd_pod_other_gates_true(const struct k8s_pod *p);
/* "2026-12-03T07:00:00Z" (fractions allowed) -> Unix seconds; -1. */
int64_t pd_k8s_time_parse(const char *s);

/* What the leader knows about one gated Pod, for pd_gate_verdict(). */
struct pd_gate_facts {
	bool in_service;	/* a podvs Service lists or selects it */
	bool ok;		/* programmed on every live gateway */
	bool own;		/* the failure is the Pod's own */
	const char *why;	/* the failure: "Reason: message" */
	int64_t now_s;		/* wall clock */
	int64_t timeout_s;	/* the fail-safe; 0: none */
};

struct pd_gate_decision {
	bool status;
	bool keep;		/* leave the condition as it is */
	bool timed_out;		/* let through by the timeout */
	char reason[32];
	char msg[PD_GATE_MSG_LEN];
	int64_t wake_s;		/* decide again then (the timeout); 0 */
};

/* pd_gate_verdict - the rule above, for Pod @p. */
void pd_gate_verdict(const struct k8s_pod *p, const struct pd_gate_facts *f,
		     struct pd_gate_decision *d);

/* Does @p's condition already say @status / @reason? */
bool pd_gate_current(const struct k8s_pod *p, bool status,
		     const char *reason);
/*
 * pd_gate_cond_patch - the strategic merge patch setting the condition:
 * lastTransitionTime is @now unless the Pod's condition already has
 * @status (then its own time is kept).  Malloc'ed JSON or NULL.
 */
char *pd_gate_cond_patch(const struct k8s_pod *p, bool status,
			 const char *reason, const char *message,
			 const char *now);
/* ---- the gateway report (report.c) ------------------------------------ */

/* Another gateway's report, parsed. */
struct pd_gw_report {
	struct pd_gate_mark mark;
	bool serving;			/* announcing its VIPs */
	unsigned int hold_s;		/* its announcement grace */
	/* Pod resourceVersion from which candidates were left out of the
	 * list (0: none left out) */
	uint64_t horizon;
	struct pd_hmap unsettled;	/* Pod UID -> (void *)1 */
};

/* "123" -> 123; -EINVAL unless a decimal integer without sign. */
int pd_gate_rv_parse(const char *s, uint64_t *out);
/* Does @have cover @need (every stream at or past it)? */
bool pd_gate_mark_covers(const struct pd_gate_mark *have,
			 const struct pd_gate_mark *need);
/*
 * pd_gate_report_fmt - the annotation value: @m, @serving, @hold_s, the
 * @n UIDs in @uids (already at most PD_GATE_UNSETTLED_MAX) and @horizon.
 * Malloc'ed JSON or NULL.
 */
char *pd_gate_report_fmt(const struct pd_gate_mark *m, bool serving,
			 unsigned int hold_s, const char *const *uids, size_t n,
			 uint64_t horizon);
/* Parse @s into @r (pd_hmap_init'ed by the caller; filled).  -EINVAL
 * with @err on anything not a report of ours (then @r says nothing). */
int pd_gate_report_parse(const char *s, struct pd_gw_report *r, char *err,
			 size_t errlen);
/*
 * pd_gw_report_agrees - does a gateway with report @r have the Pod with
 * UID @uid and resourceVersion @pod_rv usable, given that the Pod became
 * usable on the leader at @need?
 */
bool pd_gw_report_agrees(const struct pd_gw_report *r, const char *uid,
			 uint64_t pod_rv, const struct pd_gate_mark *need);

/* What the leader knows of another gateway for the D7 rule. */
struct pd_gw_seen {
	bool live;			/* Lease held and renewed */
	bool has_report;
	bool serving;			/* as reported */
	unsigned int hold_s;		/* as reported (0: default) */
	uint64_t seen_ms;		/* holder/renewTime last moved */
	uint64_t quiet_since_ms;	/* reported not serving since (0) */
};

/*
 * pd_gw_counted - may this gateway carry traffic, so that a Pod must be
 * usable there before its gate turns True (rule in leader.c)?
 */
bool pd_gw_counted(const struct pd_gw_seen *s, uint64_t now_ms);

/* "Programmed" or "NotProgrammed" or "HealthCheckFailed: ..." -> the
 * CamelCase reason word (up to ':'), into @buf. */
const char *pd_gate_reason_word(const char *why, char *buf, size_t len);

#endif /* PODVSD_GATE_H */
