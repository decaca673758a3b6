/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leases (coordination.k8s.io/v1), for two things:
 *
 *  - leader election, as client-go's leaderelection does it: every
 *    retryPeriod (2 s) read the Lease "podvsd-leader"; create it when
 *    absent; renew it when we hold it; take it over when its holder is
 *    empty or when its (holderIdentity, renewTime) has not changed for
 *    leaseDuration (15 s) by OUR clock (no clock comparison between
 *    nodes).  Writes are PUTs carrying the resourceVersion read, so two
 *    candidates cannot both win (the loser gets 409).  A leader that has
 *    not renewed for renewDeadline (10 s) steps down at once, before the
 *    others may take over.  On shutdown the leader clears holderIdentity.
 *
 *  - the gateway report: every podvsd, leader or not, keeps its own Lease
 *    "podvsd-gw-<node>" renewed (liveness) with the annotation
 *    podvs.io/programmed: a report of bounded size, its watermark (the
 *    API view its kernel holds) and the few gated Pods not usable there
 *    yet (gate/report.c).  It rides on the renewal: no write of its own.
 *
 * Only the state machine's pure parts are here with the HTTP glue; the
 * daemon drives pd_elector_tick() from its 2 s timer.
 */
#ifndef PODVSD_LEASE_H
#define PODVSD_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "k8s/http_client.h"
#include "base/log.h"

#define PD_LEASE_DURATION_S	15
#define PD_RENEW_DEADLINE_MS	10000
#define PD_RETRY_PERIOD_MS	2000
/*
 * A Retry-After on a Lease request holds the next one that long, but at
 * most a leaseDuration: past it the gateway is dead to the others anyway
 * (its report and, for the leader, the lead are lost), so waiting longer
 * only delays the recovery once the server accepts writes again.
 */
#define PD_LEASE_HOLD_MAX_MS	(PD_LEASE_DURATION_S * 1000)
#define PD_LEADER_LEASE		"podvsd-leader"
#define PD_GW_LEASE_PREFIX	"podvsd-gw-"
#define PD_ANN_PROGRAMMED	"podvs.io/programmed"
#define PD_DEFAULT_LEASE_NS	"kube-system"
#define PD_HOLDER_LEN		320
#define PD_LEASE_NAME_LEN	254

/* What we last saw of a Lease. */
struct pd_lease_obs {
	bool exists;
	char holder[PD_HOLDER_LEN];	/* "" when released */
	char renew_time[40];
	char acquire_time[40];
	char rv[64];
	long duration_s;
	long transitions;
	uint64_t seen_ms;	/* our clock when holder/renewTime last moved */
};

enum pd_lease_act {
	PD_LEASE_WAIT,		/* someone else holds a live lease */
	PD_LEASE_CREATE,	/* absent: POST it */
	PD_LEASE_RENEW,		/* ours: PUT a new renewTime */
	PD_LEASE_TAKE,		/* free or expired: PUT ourselves as holder */
};

struct pd_elector;
typedef void (*pd_leader_fn)(void *ctx, bool leader);

struct pd_elector_stats {
	unsigned long transitions;	/* our leader <-> follower changes */
	unsigned long acquired;
	unsigned long conflicts;	/* 409s */
	unsigned long errors;
	unsigned long throttled;	/* answers with Retry-After */
};

struct pd_elector {
	char ns[PD_LEASE_NAME_LEN];
	char name[PD_LEASE_NAME_LEN];
	char me[PD_HOLDER_LEN];
	struct pd_http *http;		/* NULL: tests drive it by hand */
	struct pd_log *log;
	pd_leader_fn changed;
	void *ctx;
	cJSON *ann;			/* annotations written with each renew */

	bool leader;
	uint64_t renewed_ms;		/* last successful write as leader */
	struct pd_lease_obs obs;
	bool busy;			/* a request is in flight */
	uint64_t hold_until_ms;		/* Retry-After: no request before */
	bool releasing;
	bool release_reread;		/* a 409 on release: read, tried again */
	bool released;			/* release finished (or not needed) */
	struct pd_http_req req;
	char *body;
	struct pd_elector_stats stats;
};

void pd_elector_init(struct pd_elector *e, struct pd_http *http,
		     struct pd_log *log, const char *ns, const char *name,
		     const char *me, pd_leader_fn changed, void *ctx);
void pd_elector_fini(struct pd_elector *e);
/* Every retryPeriod: step down if the renew deadline passed, then read. */
void pd_elector_tick(struct pd_elector *e, uint64_t now_ms);
/* Shutdown: if leader, clear holderIdentity; ->released when done. */
void pd_elector_release(struct pd_elector *e);

/* ---- pure parts, exported for tests ----------------------------------- */

/*
 * pd_lease_observe - record Lease JSON @obj (NULL: 404) seen at @now_ms.
 * -EINVAL (with @err) when it is not a Lease we can read.
 */
int pd_lease_observe(struct pd_lease_obs *o, const cJSON *obj,
		     uint64_t now_ms, char *err, size_t errlen);
/* What to do about @o as candidate @me at @now_ms. */
enum pd_lease_act pd_lease_decide(const struct pd_lease_obs *o,
				  const char *me, uint64_t now_ms);
/*
 * pd_lease_body - the Lease JSON to write: @holder ("" releases), the
 * observed resourceVersion and transitions (+1 when the holder changes),
 * @now_wall as renewTime (and acquireTime on a change).  @annotations:
 * extra metadata.annotations (may be NULL; not consumed).  Malloc'ed.
 */
char *pd_lease_body(const struct pd_lease_obs *o, const char *ns,
		    const char *name, const char *holder, const cJSON *ann,
		    int64_t now_wall_us);
/* Should a leader that last renewed at @renewed_ms step down? */
bool pd_lease_deadline_passed(uint64_t renewed_ms, uint64_t now_ms);
/* "2026-01-02T03:04:05.123456Z" */
void pd_micro_time(int64_t wall_us, char *buf, size_t len);

#endif /* PODVSD_LEASE_H */
