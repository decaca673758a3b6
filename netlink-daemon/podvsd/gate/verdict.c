// SPDX-License-Identifier: GPL-2.0
/*
 * The gate's rule: from what the leader knows of one gated Pod to the
 * condition it should carry (see gate.h, "The rule").  Pure: no cache, no
 * clock of its own, no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate/gate.h"

int64_t pd_k8s_time_parse(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	if (!end)
		return -1;
	if (*end == '.')	/* fractions (MicroTime): whole seconds do */
		end += 1 + strspn(end + 1, "0123456789");
	if (strcmp(end, "Z"))
		return -1;	/* the API server writes UTC, "Z" */
	return (int64_t)timegm(&tm);
}

static void set(struct pd_gate_decision *d, bool status, const char *why)
{
	d->status = status;
	snprintf(d->msg, sizeof(d->msg), "%s", why);
	pd_gate_reason_word(why, d->reason, sizeof(d->reason));
}

/*
 * Since when has our gate been all that holds @p?  Its containers'
 * readiness, or our condition's turn to False if later (a Pod failed
 * after it was Ready starts over).  -1: not held (containers not ready),
 * or no time to go by.
 */
static int64_t held_since(const struct k8s_pod *p)
{
	const struct k8s_pod_condition *cr = pd_pod_cond(p, "ContainersReady");
	const struct k8s_pod_condition *c = pd_pod_cond(p, PD_GATE_TYPE);
	int64_t t, g;

	if (!cr || strcmp(cr->status, "True") || !pd_pod_other_gates_true(p))
		return -1;
	t = pd_k8s_time_parse(cr->last_transition);
	g = c && !strcmp(c->status, "False") ?
	    pd_k8s_time_parse(c->last_transition) : -1;
	return g > t ? g : t;
}

void pd_gate_verdict(const struct k8s_pod *p, const struct pd_gate_facts *f,
		     struct pd_gate_decision *d)
{
	const struct k8s_pod_condition *c = pd_pod_cond(p, PD_GATE_TYPE);
	bool cur = c && !strcmp(c->status, "True");
	int64_t since;

	memset(d, 0, sizeof(*d));
	if (!f->in_service)
		return set(d, true, "NotLoadBalanced: in no podvs Service");
	if (f->ok)
		return set(d, true, "Programmed: an active, healthy dest on "
			   "every live gateway");
	if (cur) {
		/*
		 * True -> False only for a failure of the Pod itself.  A
		 * restart, a leader change, a missing report, a check not
		 * run yet: the condition stays as it is.  A Pod the timeout
		 * let through stays through until it passes.
		 */
		if (f->own && !(c->reason &&
				!strcmp(c->reason, PD_GATE_R_TIMEOUT)))
			return set(d, false, f->why);
		d->status = true;
		d->keep = true;
		snprintf(d->reason, sizeof(d->reason), "%s",
			 c->reason ? c->reason : "");
		return;
	}
	since = f->timeout_s > 0 ? held_since(p) : -1;
	if (since >= 0 && f->now_s - since >= f->timeout_s) {
		d->timed_out = true;
		snprintf(d->msg, sizeof(d->msg), "%s: held %llds: %s",
			 PD_GATE_R_TIMEOUT, (long long)(f->now_s - since),
			 f->why);
		snprintf(d->reason, sizeof(d->reason), PD_GATE_R_TIMEOUT);
		d->status = true;
		return;
	}
	set(d, false, f->why);
	if (since >= 0)
		d->wake_s = since + f->timeout_s;
}
