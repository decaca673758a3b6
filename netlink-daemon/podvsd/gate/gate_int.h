/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gate's private parts, shared by its files: the Pod cache and its
 * indexes (pods.c), the evaluation here (eval.c), the leader's verdicts
 * and the other gateways' reports (leader.c), the PATCHes (patch.c),
 * setup (gate.c); the pure rule and condition helpers (verdict.c,
 * cond.c) need none of this.  All run on the daemon's one thread.  Calls
 * go one way: gate.c and eval.c -> leader.c -> patch.c -> pods.c ->
 * verdict.c -> cond.c, so the files make no circle
 * (scripts/check-layers.py).
 */
#ifndef PODVSD_GATE_INT_H
#define PODVSD_GATE_INT_H

#include "gate/gate.h"

/* The leader's last decision on a Pod (counted in the stats). */
enum gate_verdict {
	GATE_UNDECIDED,
	GATE_TRUE,
	GATE_FALSE,
};

struct gate_pod {
	struct k8s_pod *pod;
	uint64_t deleting_ms;		/* first seen deleting; 0: not */
	/* the last evaluation */
	bool found;			/* an endpoint in a podvs plan */
	bool in_svc;			/* found, or a podvs Service selects it */
	bool own;			/* the failure is the Pod's own */
	bool local_ok;
	bool was_ok;			/* local_ok before evaluating */
	enum gate_verdict verdict;
	/* our view when it last became usable here (leader.c) */
	struct pd_gate_mark need;
	char why[PD_GATE_MSG_LEN];
	/* the last patch */
	bool inflight;
	bool sent_status;
	char sent_rv[64];
	char sent_reason[32];
	unsigned int fails;		/* failed PATCHes in a row */
	uint64_t retry_ms;		/* no PATCH before (backoff) */
	uint64_t wake_ms;		/* decide again then; 0: no need */
	char key[];
};

/* Services with an endpoint for one Pod; or Pods of one Service. */
struct gate_refs {
	char **svc;
	size_t n;
};

/* Another gateway's report. */
struct gate_gw {
	struct pd_lease_obs obs;
	struct pd_gw_report rep;	/* valid while ->reporting */
	char *raw;			/* the annotation as last read */
	bool reporting;			/* the annotation is there */
	bool seen;			/* in the last list */
	uint64_t quiet_since_ms;	/* reported not serving since (0) */
};

/* pods.c */
extern const struct pd_desired_view gate_view;
void gate_refs_free(void *p);
/* Evaluate @gp again at the next pd_gate_eval(). */
void gate_pod_dirty(struct pd_gate *g, struct gate_pod *gp);
void gate_verdict_set(struct pd_gate *g, struct gate_pod *gp,
		      enum gate_verdict v);
/* Decide @gp again at @at ms (a timeout, a backoff); the earliest wins. */
void gate_wake_at(struct pd_gate *g, struct gate_pod *gp, uint64_t at);
/* Mark the Pods due at @now dirty. */
void gate_wake(struct pd_gate *g, uint64_t now);
/* The cached Pod of endpoint @e (indexed under @svc unless NULL). */
struct gate_pod *gate_ep_pod(struct pd_gate *g, const char *svc,
			     const struct k8s_endpoint *e);

/* report.c: is @gp a candidate the leader may want, but not usable here?
 * (containers ready, in a podvs Service, not deleting, not programmed) */
bool gate_unsettled(const struct gate_pod *gp);
/* The Pod's resourceVersion as a number (0: none or not one). */
uint64_t gate_pod_rv(const struct gate_pod *gp);
/* patch.c */
/*
 * gate_patch - PATCH @gp's condition to @d unless one is in flight, the
 * backoff runs (a wake-up decides again), or PD_GATE_PATCH_INFLIGHT are
 * in flight (it waits in g->patch_wait for a slot).  True: sent.
 */
bool gate_patch(struct pd_gate *g, struct gate_pod *gp,
		const struct pd_gate_decision *d);

/* leader.c */
bool gate_leader(struct pd_gate *g);
/* Leader: decide the Pods of @work, or all if the gateways moved. */
void gate_decide_pods(struct pd_gate *g, const struct pd_hmap *work,
		      bool all);
/* No longer leader: nothing decided here any more. */
void gate_undecide_all(struct pd_gate *g);
void gate_gw_free(void *p);

#endif /* PODVSD_GATE_INT_H */
