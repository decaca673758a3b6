/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mutating admission decision (admission.k8s.io/v1 AdmissionReview),
 * kept apart from HTTP so that it is a pure function of the request body
 * and a view of the cluster.
 *
 * A Pod gets the readiness gate {conditionType: podvs.io/backend-ready}
 * when it is CREATEd in a namespace labelled
 * podvs.io/readiness-gate-inject=enabled and its labels match the selector
 * of a podvs Service of that namespace (as podvsd's cache knows them at
 * that moment: a Pod created before its Service gets no gate, and is never
 * blocked).  The patch is a JSON Patch: "add /spec/readinessGates" when the
 * Pod has none, "add /spec/readinessGates/-" otherwise, nothing when the
 * gate is there already.
 *
 * Answers:
 *   400, text    the body is not an admission.k8s.io/v1 AdmissionReview
 *                with a request.uid (no uid: nothing to answer to)
 *   200, review  allowed: true always; with the patch, or unchanged; a
 *                request podvs cannot read (not a Pod, a malformed Pod)
 *                is admitted unchanged with a response.warnings entry
 */
#ifndef PODVSD_ADMISSION_H
#define PODVSD_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "k8s/k8s_json.h"

#define PD_GATE_CONDITION	"podvs.io/backend-ready"
#define PD_NS_INJECT_LABEL	"podvs.io/readiness-gate-inject"
#define PD_NS_INJECT_VALUE	"enabled"
#define PD_ADMISSION_VERSION	"admission.k8s.io/v1"
#define PD_ADMIT_MAX_BODY	(8u << 20)	/* larger requests: 413 */

/* What the decision may read about the cluster. */
struct pd_admit_view {
	/* Does namespace @ns carry the inject label? */
	bool (*ns_enabled)(void *ctx, const char *ns);
	/* A podvs Service of @ns whose selector matches @labels, or NULL. */
	const char *(*service_for)(void *ctx, const char *ns,
				   const struct k8s_kv *labels, size_t n);
	void *ctx;
};

enum pd_admit_verdict {
	PD_ADMIT_BAD_REQUEST,	/* 400 */
	PD_ADMIT_UNCHANGED,	/* allowed, no patch */
	PD_ADMIT_WARNED,	/* allowed, no patch, a warning */
	PD_ADMIT_PATCHED,	/* allowed with the gate patch */
};

struct pd_admit_out {
	unsigned int status;		/* HTTP status */
	const char *content_type;
	char *body;			/* malloc'd response body */
	size_t len;
	enum pd_admit_verdict verdict;
	char uid[128];			/* request.uid ("" if none) */
	char why[256];			/* the reason, for one log line */
};

/*
 * pd_admit - decide on one request body.  Fills @out (free with
 * pd_admit_out_fini) and returns 0, or -ENOMEM (then @out holds nothing).
 */
int pd_admit(const char *body, size_t len, const struct pd_admit_view *v,
	     struct pd_admit_out *out);
void pd_admit_out_fini(struct pd_admit_out *out);

/*
 * Kubernetes equality-based selection: every key of @sel has the same
 * value in @labels.  An empty selector selects nothing (a Service without
 * a selector has no Pods of its own).
 */
bool pd_selector_match(const struct k8s_kv *sel, size_t nsel,
		       const struct k8s_kv *labels, size_t n);

/*
 * pd_gate_patch - the JSON Patch that adds the gate to @pod.  0 and *out
 * NULL when the gate is present, 0 and a patch array, -EINVAL with @err
 * when spec or spec.readinessGates has the wrong shape, -ENOMEM.
 */
int pd_gate_patch(const cJSON *pod, cJSON **out, char *err, size_t errlen);

#endif /* PODVSD_ADMISSION_H */
