/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Active health checks from the gateway to each dest (Pod address and
 * dest port, or the port podvs.io/health-port names), run from podvsd's
 * own network namespace on the epoll loop with non-blocking sockets: a
 * TCP connect, or an HTTP/1.0 GET whose status must be 2xx or 3xx.
 *
 * The check fits the protocol: a UDP dest is never probed with a TCP
 * connect to its own port (nothing listens there over TCP).  Without
 * podvs.io/health-port, a UDP dest has no active check: the Pod's own
 * readiness (its endpoint's conditions, its containers' readiness probes)
 * is its health.  With it, UDP and TCP dests alike are probed at that TCP
 * port.  Targets are keyed by Service, protocol, address and dest port.
 *
 * Per Service, by annotation (a bad value is reported with an Event and
 * its default used; the rest of the Service is unaffected):
 *   podvs.io/health-check               tcp | http | none     (tcp)
 *   podvs.io/health-path                /absolute/path        (/)
 *   podvs.io/health-interval            seconds, 1..300       (5)
 *   podvs.io/health-timeout             seconds, 1..60        (2)
 *   podvs.io/health-healthy-threshold   1..10                 (2)
 *   podvs.io/health-unhealthy-threshold 1..10                 (3)
 *   podvs.io/health-port                1..65535  (the dest port; UDP:
 *                                        no active check)
 *
 * A dest starts UNKNOWN.  One whose endpoint Kubernetes calls ready counts
 * as healthy until checks say otherwise (a restart drains nothing); one
 * programmed ahead of readiness for the readiness gate counts as unhealthy
 * until it passes healthy-threshold checks in a row.  Unhealthy dests are
 * drained (weight kept); healthy again, undrained.
 */
#ifndef PODVSD_HEALTH_H
#define PODVSD_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/hmap.h"
#include "k8s/k8s.h"
#include "base/log.h"
#include "base/loop.h"

#define PD_ANN_HC		"podvs.io/health-check"
#define PD_ANN_HC_PATH		"podvs.io/health-path"
#define PD_ANN_HC_INTERVAL	"podvs.io/health-interval"
#define PD_ANN_HC_TIMEOUT	"podvs.io/health-timeout"
#define PD_ANN_HC_HEALTHY	"podvs.io/health-healthy-threshold"
#define PD_ANN_HC_UNHEALTHY	"podvs.io/health-unhealthy-threshold"
#define PD_ANN_HC_PORT		"podvs.io/health-port"
#define PD_HC_PATH_LEN		128
#define PD_HC_SCAN_MS		200	/* how often due checks are started */
/* Probes in flight at most (sockets); due checks beyond wait a scan. */
#define PD_HC_MAX_INFLIGHT	256
/*
 * Probes started by one scan at most, so that a scan stays short even
 * when probes fail at once (no route: 100,000 dests would all be probed
 * in one go every interval); the rest wait for the next scan.
 */
#define PD_HC_SCAN_BUDGET	1024

enum pd_hc_type {
	PD_HC_TCP,
	PD_HC_HTTP,
	PD_HC_NONE,
};

struct pd_hc_cfg {
	enum pd_hc_type type;
	char path[PD_HC_PATH_LEN];
	unsigned int interval_s;
	unsigned int timeout_s;
	unsigned int healthy;
	unsigned int unhealthy;
	unsigned int port;		/* podvs.io/health-port; 0: dest's */
};

/*
 * pd_hc_parse - the check Service @s asks for.  Every bad annotation falls
 * back to its default; the first problem is described in @err (empty when
 * all are fine).  Returns the number of bad annotations.
 */
int pd_hc_parse(const struct k8s_service *s, struct pd_hc_cfg *cfg,
		char *err, size_t errlen);

enum pd_hc_state {
	PD_HC_UNKNOWN,
	PD_HC_UP,
	PD_HC_DOWN,
};

/* One probe's outcome on a target's counters; true if its state moved. */
struct pd_hc_counts {
	enum pd_hc_state state;
	unsigned int ok_run;
	unsigned int fail_run;
};

bool pd_hc_record(struct pd_hc_counts *c, const struct pd_hc_cfg *cfg,
		  bool ok);

/* "HTTP/1.1 204 No Content\r\n..." -> 204; -1 if not a status line. */
int pd_hc_http_status(const char *buf, size_t len);

struct pd_health;
struct hc_target;
/* A target of Service @svc changed state. */
typedef void (*pd_hc_changed_fn)(void *ctx, const char *svc);

struct pd_hc_stats {
	unsigned long probes;
	unsigned long failures;
	unsigned long transitions;
	unsigned long deferred;		/* due probes put off: too many in flight */
};

struct pd_health {
	struct pd_loop *loop;
	struct pd_log *log;
	struct pd_hmap targets;		/* target key -> struct hc_target */
	struct pd_hmap gens;		/* "ns/name" -> (uintptr_t) generation */
	struct pd_hmap reported;	/* "ns/name" -> strdup'ed bad version */
	struct pd_timer scan;
	pd_hc_changed_fn changed;
	void *ctx;
	unsigned int inflight;
	/* the targets with a probe running ([0, inflight)): their timeouts
	 * are checked first, so due targets waiting for a free slot never
	 * hide them */
	struct hc_target *flying[PD_HC_MAX_INFLIGHT];
	/* targets by next due time (probe or timeout): a scan visits only
	 * the due ones, not all 100,000 */
	struct hc_target **heap;
	size_t n_heap;
	size_t heap_cap;
	size_t count[3];		/* targets per enum pd_hc_state */
	struct pd_hc_stats stats;
	bool up;
};

int pd_health_init(struct pd_health *h, struct pd_loop *loop,
		   struct pd_log *log, pd_hc_changed_fn changed, void *ctx);
void pd_health_fini(struct pd_health *h);

/*
 * Service @svc is being recomputed: targets it does not touch now go (when
 * next due: a scan visits only due targets); one touched again after a
 * recompute without it starts over as new.
 */
void pd_health_begin(struct pd_health *h, const char *svc);

/* One dest as the checks see it: @proto is IPPROTO_TCP or IPPROTO_UDP. */
struct pd_hc_dest {
	const struct pd_addr *addr;
	uint8_t proto;
	uint16_t port;
};

/* Does dest @d of a Service configured as @cfg get an active check? */
bool pd_hc_active(const struct pd_hc_cfg *cfg, const struct pd_hc_dest *d);

/*
 * pd_health_drain - should dest @d of Service @s (key @svc) be drained
 * for its health?  Creates its target when new, unless the dest has no
 * active check (pd_hc_active: then none is kept, nothing to probe, scan
 * or count).  @optimistic: Kubernetes calls its endpoint ready.
 */
bool pd_health_drain(struct pd_health *h, const char *svc,
		     const struct k8s_service *s, const struct pd_hc_dest *d,
		     bool optimistic);

enum pd_hc_verdict {
	PD_HCV_PASS,		/* passed, or no active check */
	PD_HCV_PENDING,		/* not decided yet: no failure seen */
	PD_HCV_FAILED,		/* observed failing (DOWN) */
};

/*
 * pd_health_verdict - for the readiness gate.  PASS when the dest passed,
 * has no active check, or is UNKNOWN while Kubernetes calls its endpoint
 * ready (optimistic, as for draining: a restarted podvsd fails nothing);
 * else PENDING or FAILED with the reason in @why.
 */
enum pd_hc_verdict pd_health_verdict(const struct pd_health *h,
				     const char *svc,
				     const struct pd_hc_dest *d, char *why,
				     size_t len);

/*
 * pd_hc_report - should a bad annotation of Service @svc at
 * resourceVersion @rv be reported?  True once per version.
 */
bool pd_hc_report(struct pd_health *h, const char *svc, const char *rv);

/*
 * pd_health_scan - what the PD_HC_SCAN_MS timer runs: the targets due at
 * @now (earliest first): drop the stale, time out probes, start at most
 * PD_HC_SCAN_BUDGET probes.
 */
void pd_health_scan(struct pd_health *h, uint64_t now);

/* Targets in state @st (kept counted: /metrics does not walk them). */
size_t pd_health_count(const struct pd_health *h, enum pd_hc_state st);

#endif /* PODVSD_HEALTH_H */
