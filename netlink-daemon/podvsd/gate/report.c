// SPDX-License-Identifier: GPL-2.0
/*
 * The gateway report: a watermark instead of a list of Pods.
 *
 * Every podvsd writes, in the annotation podvs.io/programmed of its
 * gateway Lease (renewed every retryPeriod anyway, so the report adds no
 * write of its own), a JSON object of bounded size:
 *
 *   {"v":1,"rv":{"services":"R1","endpointslices":"R2","pods":"R3"},
 *    "serving":true,"hold":60,"unsettled":["uid",...],"horizon":"R4"}
 *
 *  - rv: the watermark.  For each watched stream, the resourceVersion R
 *    such that every event of that stream up to R is in the kernel here
 *    (the caches were at R and a sync left nothing pending);
 *  - unsettled: the gated Pods with ready containers, in a podvs Service
 *    here, that are not usable here yet (dest missing or drained, health
 *    check pending or failing): at most PD_GATE_UNSETTLED_MAX, the ones
 *    with the lowest Pod resourceVersion; horizon: the Pod
 *    resourceVersion of the first one left out (absent: none was);
 *  - serving, hold: whether the gateway announces its VIPs, and its
 *    announcement grace (how long a dead or cut-off podvsd may still be
 *    in the data path), for the leader's rule on which gateways count.
 *
 * The leader lets Pod P's gate turn True only when, for every gateway
 * that counts, the watermark covers need(P), P is not listed, and P's
 * resourceVersion is below the horizon.  need(P) is the leader's own view
 * (the same three resourceVersions of its caches) when P became usable on
 * the leader.
 *
 * Why it is sound:
 *  - within the watch of one resource type, events arrive in increasing
 *    resourceVersion, and a list is a consistent snapshot at its
 *    resourceVersion; resourceVersions are etcd revisions, one counter,
 *    so the same event has the same resourceVersion on every gateway, and
 *    two gateways that processed one stream up to R hold the same objects
 *    of that stream.  Streams are compared one by one (resource types may
 *    live in separate etcd clusters), never with each other;
 *  - the desired state is a function of Services, EndpointSlices and the
 *    gated Pods, the same code on every gateway: a gateway whose
 *    watermark covers need(P) holds at least the inputs that made P
 *    usable on the leader, so P is a dest there unless its health check
 *    has not passed there, and then P is listed, or left out past the
 *    horizon (a Pod's resourceVersion is the same everywhere; any later
 *    version of P is higher still);
 *  - a watermark is a lower bound: it advances only after a sync that
 *    left nothing pending; while a list is in progress (first list, 410
 *    Gone and relist, a resumed paged list) the informer's
 *    resourceVersion does not describe the cache, so the view is not
 *    known and neither mark moves.  After a relist the mark is the list's
 *    resourceVersion (a consistent snapshot); if that is lower than the
 *    last one (a list from a lagging cache) the claim is only weaker.
 *    Bookmarks move the informer's resourceVersion with nothing to apply:
 *    the next tick with nothing pending advances the mark;
 *  - a resourceVersion that is not a decimal integer leaves the view
 *    unknown: the leader then holds the Pods that need that gateway
 *    (the gate's fail-safe timeout applies), it never guesses;
 *  - later events are not covered: P may leave the dest set after it
 *    turned True; that is the Pod's own reason, and the leader sees it
 *    too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate_int.h"

static const char *const stream_names[PD_GS_N] = {
	[PD_GS_SERVICES] = "services",
	[PD_GS_SLICES] = "endpointslices",
	[PD_GS_PODS] = "pods",
};

int pd_gate_rv_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s || strlen(s) > 19)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

bool pd_gate_mark_covers(const struct pd_gate_mark *have,
			 const struct pd_gate_mark *need)
{
	if (!have->valid || !need->valid)
		return false;
	for (int i = 0; i < PD_GS_N; i++)
		if (have->rv[i] < need->rv[i])
			return false;
	return true;
}

static void add_rv(cJSON *o, const char *name, uint64_t rv)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)rv);
	cJSON_AddStringToObject(o, name, buf);
}

char *pd_gate_report_fmt(const struct pd_gate_mark *m, bool serving,
			 unsigned int hold_s, const char *const *uids, size_t n,
			 uint64_t horizon)
{
	cJSON *r = cJSON_CreateObject(), *rv, *arr;
	char *out = NULL;

	if (!r)
		return NULL;
	cJSON_AddNumberToObject(r, "v", 1);
	if (m->valid) {
		rv = cJSON_AddObjectToObject(r, "rv");
		for (int i = 0; rv && i < PD_GS_N; i++)
			add_rv(rv, stream_names[i], m->rv[i]);
	}
	cJSON_AddBoolToObject(r, "serving", serving);
	cJSON_AddNumberToObject(r, "hold", hold_s);
	arr = cJSON_AddArrayToObject(r, "unsettled");
	for (size_t i = 0; arr && i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(uids[i]));
	if (horizon)
		add_rv(r, "horizon", horizon);
	if (arr)
		out = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return out;
}

static int parse_rv_field(const cJSON *o, const char *name, uint64_t *out,
			  char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsString(v) || pd_gate_rv_parse(v->valuestring, out)) {
		snprintf(err, errlen, "report: %s is not a resourceVersion",
			 name);
		return -EINVAL;
	}
	return 0;
}

static int parse_mark(const cJSON *rv, struct pd_gate_mark *m, char *err,
		      size_t errlen)
{
	m->valid = false;
	if (!rv)
		return 0;	/* not known there: covers nothing */
	if (!cJSON_IsObject(rv)) {
		snprintf(err, errlen, "report: rv is not an object");
		return -EINVAL;
	}
	for (int i = 0; i < PD_GS_N; i++)
		if (parse_rv_field(rv, stream_names[i], &m->rv[i], err,
				   errlen))
			return -EINVAL;
	m->valid = true;
	return 0;
}

static int parse_unsettled(const cJSON *arr, struct pd_hmap *uids, char *err,
			   size_t errlen)
{
	const cJSON *u;

	if (!cJSON_IsArray(arr) ||
	    cJSON_GetArraySize(arr) > PD_GATE_UNSETTLED_MAX) {
		snprintf(err, errlen, "report: unsettled is not an array of "
			 "at most %d", PD_GATE_UNSETTLED_MAX);
		return -EINVAL;
	}
	cJSON_ArrayForEach(u, arr) {
		if (!cJSON_IsString(u)) {
			snprintf(err, errlen, "report: a UID is no string");
			return -EINVAL;
		}
		if (pd_hmap_sput(uids, u->valuestring, (void *)1, NULL)) {
			snprintf(err, errlen, "report: out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

static int parse_report(const cJSON *j, struct pd_gw_report *r, char *err,
			size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "v");
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(j, "serving");
	const cJSON *hold = cJSON_GetObjectItemCaseSensitive(j, "hold");

	if (!cJSON_IsObject(j) || !cJSON_IsNumber(v) || v->valuedouble != 1) {
		snprintf(err, errlen, "report: not a version 1 object");
		return -EINVAL;
	}
	if (!cJSON_IsBool(sv) || !cJSON_IsNumber(hold) ||
	    hold->valuedouble < 0 || hold->valuedouble > 86400) {
		snprintf(err, errlen, "report: serving or hold missing");
		return -EINVAL;
	}
	r->serving = cJSON_IsTrue(sv);
	r->hold_s = (unsigned int)hold->valuedouble;
	r->horizon = 0;
	if (cJSON_GetObjectItemCaseSensitive(j, "horizon") &&
	    parse_rv_field(j, "horizon", &r->horizon, err, errlen))
		return -EINVAL;
	return parse_mark(cJSON_GetObjectItemCaseSensitive(j, "rv"), &r->mark,
			  err, errlen) ?:
	       parse_unsettled(cJSON_GetObjectItemCaseSensitive(j,
						"unsettled"),
			       &r->unsettled, err, errlen);
}

int pd_gate_report_parse(const char *s, struct pd_gw_report *r, char *err,
			 size_t errlen)
{
	cJSON *j = s ? cJSON_Parse(s) : NULL;
	int ret = parse_report(j, r, err, errlen);

	cJSON_Delete(j);
	if (ret) {
		pd_hmap_fini(&r->unsettled);
		pd_hmap_init(&r->unsettled);
		r->mark.valid = false;
	}
	return ret;
}

bool pd_gw_report_agrees(const struct pd_gw_report *r, const char *uid,
			 uint64_t pod_rv, const struct pd_gate_mark *need)
{
	if (!pd_gate_mark_covers(&r->mark, need))
		return false;
	if (pd_hmap_sget(&r->unsettled, uid))
		return false;
	return !r->horizon || (pod_rv && pod_rv < r->horizon);
}

/* ---- our side ----------------------------------------------------------- */

uint64_t gate_pod_rv(const struct gate_pod *gp)
{
	uint64_t v;

	return pd_gate_rv_parse(gp->pod->meta.resource_version, &v) ? 0 : v;
}

bool gate_unsettled(const struct gate_pod *gp)
{
	const struct k8s_pod *p = gp->pod;

	return pd_pod_gated(p) && !p->meta.deleting && gp->found &&
	       !gp->local_ok && pd_pod_containers_ready(p);
}

void pd_gate_viewed(struct pd_gate *g, const struct pd_gate_mark *m,
		    bool applied)
{
	if (!m->valid)
		return;
	g->viewed = *m;
	if (applied)
		g->applied = *m;
}

struct unsettled {
	const char *uid;
	uint64_t rv;
};

static int unsettled_cmp(const void *a, const void *b)
{
	const struct unsettled *x = a, *y = b;

	if (x->rv != y->rv)
		return x->rv < y->rv ? -1 : 1;
	return strcmp(x->uid, y->uid);
}

/* Our report, once a tick: O(gated Pods) of CPU, constant size. */
static char *report(struct pd_gate *g)
{
	struct unsettled *v = calloc(g->pods.n + 1, sizeof(*v));
	const char *uids[PD_GATE_UNSETTLED_MAX];
	struct pd_hmap_iter it;
	uint64_t horizon = 0;
	size_t n = 0;
	char *out;
	bool serving = !g->hooks.serving || g->hooks.serving(g->hooks.ctx);

	if (!v)
		return NULL;
	for (struct pd_hmap_ent *e = pd_hmap_first(&g->pods, &it); e;
	     e = pd_hmap_next(&g->pods, &it)) {
		const struct gate_pod *gp = e->val;

		if (gate_unsettled(gp))
			v[n++] = (struct unsettled){ gp->pod->meta.uid,
						     gate_pod_rv(gp) };
	}
	/* an unordered Pod (no numeric RV) sorts first: it is listed */
	qsort(v, n, sizeof(*v), unsettled_cmp);
	if (n > PD_GATE_UNSETTLED_MAX)
		horizon = v[PD_GATE_UNSETTLED_MAX].rv ?: 1;
	for (size_t i = 0; i < n && i < PD_GATE_UNSETTLED_MAX; i++)
		uids[i] = v[i].uid;
	out = pd_gate_report_fmt(&g->applied, serving, g->hold_s, uids,
				 n < PD_GATE_UNSETTLED_MAX ? n :
				 PD_GATE_UNSETTLED_MAX, horizon);
	free(v);
	return out;
}

void pd_gate_publish(struct pd_gate *g)
{
	char *r;
	cJSON *ann;

	if (!g->gw)
		return;
	r = report(g);
	g->report_dirty = false;
	if (!r || (g->report && !strcmp(r, g->report))) {
		free(r);
		return;
	}
	ann = cJSON_CreateObject();
	if (!ann || !cJSON_AddStringToObject(ann, PD_ANN_PROGRAMMED, r)) {
		cJSON_Delete(ann);
		free(r);
		return;
	}
	free(g->report);
	g->report = r;
	cJSON_Delete(g->gw->ann);
	g->gw->ann = ann;
}
