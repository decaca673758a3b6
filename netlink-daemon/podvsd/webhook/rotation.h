/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Renewing the webhook's self-managed certificates without a window in
 * which the API server cannot verify the webhook (issue 12, D10).
 *
 * The Secret holds the bundle published as caBundle (ca.crt), the serving
 * pair (tls.crt, tls.key), the newest CA's key (ca.key) and, while a CA
 * is replaced, the phase and its start in the annotation
 * podvs.io/ca-rotation ("publish 1800000000").  Every podvsd serves the
 * Secret's pair; only the leader moves it along:
 *
 *   steady   one CA.  The leaf ends within PD_CERT_RENEW_S: a new leaf
 *            from the same CA (NEW_LEAF; caBundle unchanged, so nothing
 *            can fail to verify).  The CA ends within PD_CA_RENEW_S, or
 *            its key is unknown (a Secret of an older podvsd) when the
 *            leaf needs renewing: PUBLISH.
 *   publish  a new CA is appended to the bundle (old + new in caBundle),
 *            the old leaf still served.  After the overlap: SWITCH.
 *   switch   the leaf is now from the new CA, both CAs still published
 *            (a podvsd that has not seen the new Secret yet still serves
 *            the old leaf).  After the overlap: DROP, back to steady with
 *            the new CA alone.
 *
 * A set that cannot be served at all (pd_certs_check) is REBUILT at once:
 * that is disaster recovery, not rotation, and there is nothing valid to
 * overlap with.  The leader also waits, before SWITCH and DROP, until the
 * MutatingWebhookConfiguration is known to carry the current bundle.
 */
#ifndef PODVSD_ROTATION_H
#define PODVSD_ROTATION_H

#include <stddef.h>
#include <time.h>

#include "webhook/certs.h"

#define PD_ANN_CA_ROTATION	"podvs.io/ca-rotation"
/*
 * Start replacing the CA this long before it ends: far more than the two
 * overlaps, so a cluster without a leader for weeks still rotates in
 * time, and every leaf issued before has its own month of margin.
 */
#define PD_CA_RENEW_S		(90LL * 24 * 3600)
/*
 * Each overlap (publish -> switch, switch -> drop) lasts at least this
 * long, and at least three --webhook-check-periods: a bundle change must
 * reach every kube-apiserver (they watch the configuration: seconds) and
 * a changed Secret every podvsd (they watch it: seconds; at worst their
 * next check).  Ten minutes also covers a leader change (15 s Lease) and
 * the 2 s retries of a failed write many times over.
 */
#define PD_CA_OVERLAP_S		600

enum pd_rot_act {
	PD_ROT_KEEP,		/* serve as it is */
	PD_ROT_NEW_LEAF,	/* new leaf, same CA */
	PD_ROT_PUBLISH,		/* a new CA next to the old one */
	PD_ROT_SWITCH,		/* leaf from the new CA, both published */
	PD_ROT_DROP,		/* the old CA out of the bundle */
	PD_ROT_REBUILD,		/* unusable: new CA and leaf at once */
};

/* The overlap for --webhook-check-period @period_s. */
long long pd_rot_overlap_s(unsigned int period_s);
/*
 * pd_rot_decide - what the leader does with stored set @c at @now; @why
 * says why (a log line).  Followers serve @c unless REBUILD.
 */
enum pd_rot_act pd_rot_decide(const struct pd_certs *c,
			      const char *const *names, size_t n, time_t now,
			      unsigned int period_s, char *why,
			      size_t whylen);
/*
 * pd_rot_apply - the set after @act on @c (not REBUILD or KEEP) into
 * @out.  0, or -errno with @err.
 */
int pd_rot_apply(const struct pd_certs *c, enum pd_rot_act act,
		 const char *const *names, size_t n, time_t now,
		 struct pd_certs *out, char *err, size_t errlen);
const char *pd_rot_act_name(enum pd_rot_act act);

#endif /* PODVSD_ROTATION_H */
