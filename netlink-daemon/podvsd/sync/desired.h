/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Desired state: the virtual services one Kubernetes Service asks for.
 *
 * Selection: spec.loadBalancerClass "podvs.io/direct", or the annotation
 * podvs.io/direct-access: "true".  Deleting and ExternalName Services
 * want nothing.
 *
 * VIPs: status.loadBalancer.ingress[].ip, spec.externalIPs and addresses
 * allocated from --vip-pool (not yet in status); each VIP gets one VS per
 * TCP/UDP Service port (SCTP is skipped), dests of the VIP's family only:
 * a dual-stack Service gets one VS per family.
 *
 * Dest ports: the EndpointSlice port with the Service port's name and
 * protocol (that is how the targetPort resolves per Pod); a slice without
 * ports uses a numeric targetPort.  Dest address: addresses[0] of each
 * endpoint, as kube-proxy does.
 *
 * Endpoint state -> dest:
 *   ready                       active (weight 1)
 *   serving && terminating      draining (PODVS_DEST_F_DRAIN), or active if
 *                               no endpoint of the VS is ready (kube-proxy's
 *                               fallback)
 *   otherwise, or absent        not desired (diff drains it while it has
 *                               flows, then deletes it)
 * The same address:port in several slices counts once, in its best state.
 *
 * With a view (podvsd's Pods and health checks; none in plain tests):
 *   not ready, not terminating, and view->gated (the Pod carries our
 *   readiness gate and its containers are ready)
 *                               programmed like a ready one: the gate
 *                               cannot turn True before it is, and the
 *                               Pod cannot turn Ready before the gate
 *   ready, but view->deleting   draining (the Pod has a deletionTimestamp
 *                               the EndpointSlice does not show yet)
 *   view->unhealthy             draining, weight kept; unless none of the
 *                               ready ones would be left active (fail
 *                               open: those stay active)
 * "Any endpoint ready", for the terminating fallback, means any dest that
 * ends up active: a gated endpoint still pending its checks does not
 * count, so serving-terminating Pods keep traffic until a replacement
 * passes (KEP-1669; never zero active dests while they exist).
 *
 * Service attributes:
 *   podvs.io/scheduler: mh|rr|wrr|lc|sh      (default mh)
 *   podvs.io/scheduler-flags: comma list of mh-port, mh-fallback, sh-port,
 *                             sh-fallback (must match the scheduler)
 *   spec.sessionAffinity ClientIP -> persistent, timeout
 *     sessionAffinityConfig.clientIP.timeoutSeconds (default 10800), per
 *     client address (netmask /32, /128)
 *   owner tag pd_owner_tag(namespace, name)
 *   podvs.io/snat-from: "CIDR,..." hairpin SNAT client prefixes; replaces
 *     in->snat_from (--snat-from) for this Service, "" means none; each VS
 *     gets the prefixes of its own family, sorted
 * A bad annotation value (scheduler, flags, snat-from) is reported (the
 * return value PD_DESIRED_BAD and a reason) but freezes nothing: that
 * attribute keeps its value in @in->last (the plan in force), else its
 * default, and the dests are computed as usual.
 */
#ifndef PODVSD_DESIRED_H
#define PODVSD_DESIRED_H

#include "k8s/k8s.h"
#include "base/log.h"
#include "sync/table.h"

#define PD_LB_CLASS			"podvs.io/direct"
#define PD_ANN_DIRECT			"podvs.io/direct-access"
#define PD_ANN_SCHED			"podvs.io/scheduler"
#define PD_ANN_SCHED_FLAGS		"podvs.io/scheduler-flags"
#define PD_DEFAULT_AFFINITY_TIMEOUT	10800

enum pd_selection {
	PD_SEL_NONE,
	PD_SEL_CLASS,		/* spec.loadBalancerClass */
	PD_SEL_ANNOTATION,	/* podvs.io/direct-access: "true" */
};

enum pd_selection pd_svc_selected(const struct k8s_service *s);

/* What podvsd knows beyond the EndpointSlices. */
struct pd_desired_view {
	bool (*gated)(void *ctx, const char *svc, const struct k8s_endpoint *e);
	bool (*deleting)(void *ctx, const char *svc,
			 const struct k8s_endpoint *e);
	/* @ready: Kubernetes calls the endpoint ready */
	bool (*unhealthy)(void *ctx, const char *svc,
			  const struct k8s_service *s, const struct pd_addr *a,
			  uint8_t proto, uint16_t port, bool ready);
	void *ctx;
};

/* What one Service wants: VSes sorted by key, owned by the plan. */
struct pd_plan {
	struct pd_vs **vs;
	size_t n;
};

struct pd_desired_in {
	const struct k8s_service *svc;
	const struct k8s_slice *const *slices;	/* the Service's slices */
	size_t n_slices;
	const struct pd_addr *alloc;		/* VIPs from --vip-pool */
	size_t n_alloc;
	struct pd_log *log;			/* decisions, at debug/info */
	const struct pd_desired_view *view;	/* NULL: slices only */
	const char *key;			/* "ns/name", with a view */
	const struct pd_cidr *snat_from;	/* --snat-from (default) */
	size_t n_snat_from;
	const struct pd_plan *last;		/* in force; NULL: none */
};


/* pd_desired_service: computed, but an annotation was bad (see @err). */
#define PD_DESIRED_BAD	1

/*
 * pd_desired_service - compute @in->svc's VSes into @out (emptied first).
 * Returns 0 (an empty plan if nothing is wanted), PD_DESIRED_BAD with
 * @err when an annotation is bad (@out is complete, that attribute taken
 * from @in->last or its default), or -ENOMEM.
 */
int pd_desired_service(const struct pd_desired_in *in, struct pd_plan *out,
		       char *err, size_t errlen);
void pd_plan_fini(struct pd_plan *p);

/* Scheduler attributes from annotations; exported for tests. */
int pd_desired_sched(const struct k8s_service *s, char *sched, uint32_t *flags,
		     char *err, size_t errlen);

#endif /* PODVSD_DESIRED_H */
