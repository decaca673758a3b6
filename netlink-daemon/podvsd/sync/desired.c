// SPDX-License-Identifier: GPL-2.0
/* Desired state of one Service: selection, VIPs, ports, dests. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sync/desired.h"

static const char *const schedulers[] = { PODVS_SCHED_NAMES };

/* podvs.io/scheduler-flags tokens */
static const struct {
	const char *name;
	const char *sched;
	uint32_t flag;
} sched_flags[] = {
	{ "mh-port", "mh", PODVS_SVC_F_HASH_PORT },
	{ "mh-fallback", "mh", PODVS_SVC_F_HASH_FALLBACK },
	{ "sh-port", "sh", PODVS_SVC_F_HASH_PORT },
	{ "sh-fallback", "sh", PODVS_SVC_F_HASH_FALLBACK },
};

/* Endpoint states, best last. */
enum ep_state {
	EP_NONE,
	EP_TERMINATING,		/* serving && terminating */
	EP_READY,
};

struct candidate {
	struct pd_dest d;
	enum ep_state st;
	bool ready;		/* Kubernetes calls it ready */
	bool sick;		/* drained for its health */
	struct pd_addr a;
};

enum pd_selection pd_svc_selected(const struct k8s_service *s)
{
	const char *ann = k8s_annotation(&s->meta, PD_ANN_DIRECT);

	if (s->lb_class && !strcmp(s->lb_class, PD_LB_CLASS))
		return PD_SEL_CLASS;
	if (ann && !strcmp(ann, "true"))
		return PD_SEL_ANNOTATION;
	return PD_SEL_NONE;
}

static int parse_sched(const char *v, char *sched, char *err, size_t errlen)
{
	size_t i, len;

	for (i = 0; i < sizeof(schedulers) / sizeof(*schedulers); i++) {
		if (!strcmp(v, schedulers[i])) {
			strcpy(sched, v);
			return 0;
		}
	}
	len = (size_t)snprintf(err, errlen, "annotation " PD_ANN_SCHED
			       ": '%.32s' is not one of ", v);
	for (i = 0; i < sizeof(schedulers) / sizeof(*schedulers); i++)
		if (len < errlen)
			len += (size_t)snprintf(err + len, errlen - len, "%s%s",
						i ? ", " : "", schedulers[i]);
	return -EINVAL;
}

static int parse_flag(const char *tok, const char *sched, uint32_t *flags,
		      char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(sched_flags) / sizeof(*sched_flags);
	     i++) {
		if (strcmp(tok, sched_flags[i].name))
			continue;
		if (strcmp(sched, sched_flags[i].sched)) {
			snprintf(err, errlen, "annotation " PD_ANN_SCHED_FLAGS
				 ": '%s' needs scheduler %s, not %s", tok,
				 sched_flags[i].sched, sched);
			return -EINVAL;
		}
		*flags |= sched_flags[i].flag;
		return 0;
	}
	snprintf(err, errlen, "annotation " PD_ANN_SCHED_FLAGS ": '%.32s' is "
		 "not one of mh-port, mh-fallback, sh-port, sh-fallback", tok);
	return -EINVAL;
}

static int parse_flags(const char *v, const char *sched, uint32_t *flags,
		       char *err, size_t errlen)
{
	char buf[128], *save = NULL, *tok;

	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, errlen, "annotation " PD_ANN_SCHED_FLAGS
			 ": value too long");
		return -EINVAL;
	}
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (parse_flag(tok, sched, flags, err, errlen))
			return -EINVAL;
	return 0;
}

int pd_desired_sched(const struct k8s_service *s, char *sched, uint32_t *flags,
		     char *err, size_t errlen)
{
	const char *v = k8s_annotation(&s->meta, PD_ANN_SCHED);
	const char *f = k8s_annotation(&s->meta, PD_ANN_SCHED_FLAGS);

	*flags = 0;
	strcpy(sched, PODVS_DEFAULT_SCHED);
	if (v && parse_sched(v, sched, err, errlen))
		return -EINVAL;
	if (f && parse_flags(f, sched, flags, err, errlen))
		return -EINVAL;
	return 0;
}

/* Both families' SNAT prefixes into @tmpl (filtered per VS later). */
static int snat_from(const struct pd_desired_in *in, struct pd_vs *tmpl,
		     char *err, size_t errlen)
{
	size_t n = 0;
	int ret = k8s_service_snat_from(in->svc, tmpl->snat,
					PODVS_SNAT_RANGES_MAX, &n, err, errlen);

	if (ret < 0)
		return ret;
	if (!ret) {
		n = in->n_snat_from < PODVS_SNAT_RANGES_MAX ?
		    in->n_snat_from : PODVS_SNAT_RANGES_MAX;
		if (n)
			memcpy(tmpl->snat, in->snat_from, n * sizeof(*tmpl->snat));
	}
	tmpl->n_snat = n;
	return 0;
}

/* The prefixes of @vs's family from @tmpl, sorted. */
static void vs_snat(struct pd_vs *vs, const struct pd_vs *tmpl)
{
	vs->n_snat = 0;
	for (size_t i = 0; i < tmpl->n_snat; i++)
		if (tmpl->snat[i].addr.af == vs->key.vip.af)
			vs->snat[vs->n_snat++] = tmpl->snat[i];
	pd_vs_snat_sort(vs);
}

#define SCHED_FLAGS	(PODVS_SVC_F_HASH_PORT | PODVS_SVC_F_HASH_FALLBACK)

/* A bad scheduler annotation: the plan in force keeps its scheduler. */
static void keep_sched(const struct pd_desired_in *in, struct pd_vs *tmpl)
{
	const struct pd_plan *l = in->last;

	strcpy(tmpl->sched, PODVS_DEFAULT_SCHED);
	tmpl->flags = 0;
	if (!l || !l->n)
		return;
	memcpy(tmpl->sched, l->vs[0]->sched, sizeof(tmpl->sched));
	tmpl->flags = l->vs[0]->flags & SCHED_FLAGS;
}

/* A bad snat-from annotation: the plan in force keeps its prefixes (its
 * first VS of each family holds that family's), else --snat-from. */
static void keep_snat(const struct pd_desired_in *in, struct pd_vs *tmpl)
{
	const struct pd_plan *l = in->last;
	static const uint16_t afs[] = { AF_INET, AF_INET6 };
	size_t n;

	if (!l || !l->n) {
		n = in->n_snat_from < PODVS_SNAT_RANGES_MAX ?
		    in->n_snat_from : PODVS_SNAT_RANGES_MAX;
		if (n)
			memcpy(tmpl->snat, in->snat_from, n * sizeof(*tmpl->snat));
		tmpl->n_snat = n;
		return;
	}
	tmpl->n_snat = 0;
	for (size_t f = 0; f < 2; f++) {
		size_t i = 0;

		while (i < l->n && l->vs[i]->key.vip.af != afs[f])
			i++;
		for (size_t j = 0; i < l->n && j < l->vs[i]->n_snat &&
		     tmpl->n_snat < PODVS_SNAT_RANGES_MAX; j++)
			tmpl->snat[tmpl->n_snat++] = l->vs[i]->snat[j];
	}
}

/*
 * VS attributes shared by all of the Service's VSes.  A bad annotation
 * leaves its attribute as it is programmed (keep_*) and returns
 * PD_DESIRED_BAD with the first problem in @err.
 */
static int base_vs(const struct pd_desired_in *in, struct pd_vs *tmpl,
		   char *err, size_t errlen)
{
	const struct k8s_service *s = in->svc;
	char more[256];
	int ret = 0;

	memset(tmpl, 0, sizeof(*tmpl));
	if (pd_desired_sched(s, tmpl->sched, &tmpl->flags, err, errlen)) {
		keep_sched(in, tmpl);
		ret = PD_DESIRED_BAD;
	}
	if (snat_from(in, tmpl, ret ? more : err, ret ? sizeof(more) :
		      errlen)) {
		keep_snat(in, tmpl);
		ret = PD_DESIRED_BAD;
	}
	if (s->affinity_client_ip) {
		tmpl->flags |= PODVS_SVC_F_PERSISTENT;
		tmpl->timeout = s->affinity_timeout ?: PD_DEFAULT_AFFINITY_TIMEOUT;
	}
	pd_owner_tag(s->meta.ns, s->meta.name, tmpl->owner);
	return ret;
}

static int addr_cmp_v(const void *a, const void *b)
{
	return pd_addr_cmp(a, b);
}

/* Every VIP once, sorted; *out is malloc'ed. */
/* memcpy of @n addresses; @src may be NULL when @n is 0 (memcpy's may not) */
static void copy_addrs(struct pd_addr *dst, const struct pd_addr *src, size_t n)
{
	if (n)
		memcpy(dst, src, n * sizeof(*dst));
}

static int collect_vips(const struct pd_desired_in *in, struct pd_addr **out,
			size_t *n)
{
	const struct k8s_service *s = in->svc;
	size_t max = s->n_ingress_ips + s->n_external_ips + in->n_alloc, k = 0;
	struct pd_addr *v = malloc((max ? max : 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	copy_addrs(v, s->ingress_ips, s->n_ingress_ips);
	copy_addrs(v + s->n_ingress_ips, s->external_ips, s->n_external_ips);
	copy_addrs(v + s->n_ingress_ips + s->n_external_ips, in->alloc,
		   in->n_alloc);
	qsort(v, max, sizeof(*v), addr_cmp_v);
	for (size_t i = 0; i < max; i++)
		if (!k || pd_addr_cmp(&v[k - 1], &v[i]))
			v[k++] = v[i];
	*out = v;
	*n = k;
	return 0;
}

/* The dest port of @sp in slice @sl; 0 if the slice does not serve it. */
static uint16_t slice_port(const struct k8s_slice *sl,
			   const struct k8s_service_port *sp)
{
	if (!sl->n_ports)
		return sp->target_name ? 0 : sp->target_port;
	for (size_t i = 0; i < sl->n_ports; i++) {
		const struct k8s_slice_port *p = &sl->ports[i];

		if (p->proto == sp->proto && !strcmp(p->name, sp->name))
			return p->port ? p->port :
			       sp->target_name ? 0 : sp->target_port;
	}
	return 0;
}

static enum ep_state ep_state(const struct pd_desired_in *in,
			      const struct k8s_endpoint *e)
{
	const struct pd_desired_view *v = in->view;

	if (e->ready && !e->terminating)
		return v && v->deleting(v->ctx, in->key, e) ? EP_TERMINATING : EP_READY;
	if (e->serving && e->terminating)
		return EP_TERMINATING;
	if (v && !e->terminating && v->gated(v->ctx, in->key, e))
		return EP_READY;
	return EP_NONE;
}

struct cand_vec {
	struct candidate *v;
	size_t n;
	size_t cap;
};

static int cand_push(struct cand_vec *cv, const struct candidate *c)
{
	if (cv->n == cv->cap) {
		size_t cap = cv->cap ? cv->cap * 2 : 16;
		struct candidate *v = realloc(cv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		cv->v = v;
		cv->cap = cap;
	}
	cv->v[cv->n++] = *c;
	return 0;
}

static int slice_candidates(const struct pd_desired_in *in,
			    const struct k8s_slice *sl, uint16_t port,
			    struct cand_vec *cv)
{
	for (size_t i = 0; i < sl->n_endpoints; i++) {
		const struct k8s_endpoint *e = &sl->endpoints[i];
		struct candidate c = { .st = ep_state(in, e) };

		if (c.st == EP_NONE || !e->n_addrs)
			continue;
		c.ready = e->ready;
		c.a = e->addrs[0];
		memcpy(c.d.addr, e->addrs[0].b, sizeof(c.d.addr));
		c.d.port = port;
		c.d.weight = 1;
		if (cand_push(cv, &c))
			return -ENOMEM;
	}
	return 0;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	int c = pd_dest_cmp(&x->d, &y->d);

	return c ? c : (int)y->st - (int)x->st;	/* best state first */
}

/* Sort, keep each key once in its best state. */
static void cand_unique(struct cand_vec *cv)
{
	size_t k = 0;

	if (cv->n > 1)
		qsort(cv->v, cv->n, sizeof(*cv->v), cand_cmp);
	for (size_t i = 0; i < cv->n; i++) {
		if (k && !pd_dest_cmp(&cv->v[k - 1].d, &cv->v[i].d))
			continue;
		cv->v[k++] = cv->v[i];
	}
	cv->n = k;
}

/*
 * Will any dest be active without the terminating ones?  Ready (or gated)
 * and not drained for health: a gated endpoint still pending its checks
 * is drained, so it must not push the serving-terminating ones out too.
 */
static bool any_active(const struct cand_vec *cv)
{
	for (size_t i = 0; i < cv->n; i++)
		if (cv->v[i].st == EP_READY && !cv->v[i].sick)
			return true;
	return false;
}

/* Mark the unhealthy candidates; none if that would leave no active one. */
static void health_drains(const struct pd_desired_in *in, uint8_t proto,
			  struct cand_vec *cv)
{
	const struct pd_desired_view *v = in->view;
	size_t active = 0, sick = 0;

	if (!v)
		return;
	for (size_t i = 0; i < cv->n; i++) {
		struct candidate *c = &cv->v[i];

		c->sick = v->unhealthy(v->ctx, in->key, in->svc, &c->a,
				       proto, c->d.port, c->ready);
		if (c->st != EP_READY || !c->ready)
			continue;
		sick += c->sick;
		active += !c->sick;
	}
	if (active || !sick)
		return;
	for (size_t i = 0; i < cv->n; i++)
		if (cv->v[i].ready)
			cv->v[i].sick = false;	/* fail open */
}

/* The dests of Service port @sp for family @af, into @vs (sorted). */
static int build_dests(const struct pd_desired_in *in,
		       const struct k8s_service_port *sp, uint16_t af,
		       uint8_t proto, struct pd_vs *vs)
{
	enum k8s_addr_type at = af == AF_INET ? K8S_ADDR_IPV4 : K8S_ADDR_IPV6;
	struct cand_vec cv = { 0 };
	bool any_ready;
	int err = 0;

	for (size_t i = 0; !err && i < in->n_slices; i++) {
		const struct k8s_slice *sl = in->slices[i];
		uint16_t port = sl->addr_type == at ? slice_port(sl, sp) : 0;

		if (port)
			err = slice_candidates(in, sl, port, &cv);
	}
	cand_unique(&cv);
	health_drains(in, proto, &cv);
	any_ready = any_active(&cv);
	for (size_t i = 0; !err && i < cv.n; i++) {
		if ((any_ready && cv.v[i].st == EP_TERMINATING) || cv.v[i].sick)
			cv.v[i].d.flags = PODVS_DEST_F_DRAIN;
		err = pd_vs_dest_append(vs, &cv.v[i].d);
	}
	free(cv.v);
	return err;
}

static int plan_push(struct pd_plan *p, struct pd_vs *vs)
{
	struct pd_vs **v = realloc(p->vs, (p->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	p->vs = v;
	p->vs[p->n++] = vs;
	return 0;
}

static bool plan_has(const struct pd_plan *p, const struct pd_vs_key *k)
{
	for (size_t i = 0; i < p->n; i++)
		if (!pd_vs_key_cmp(&p->vs[i]->key, k))
			return true;
	return false;
}

static int add_vs(const struct pd_desired_in *in, const struct pd_vs *tmpl,
		  const struct pd_addr *vip, const struct k8s_service_port *sp,
		  struct pd_plan *out)
{
	uint8_t proto = sp->proto == K8S_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	struct pd_vs_key key;
	struct pd_vs *vs;

	pd_vs_key_init(&key, vip, proto, sp->port);
	if (plan_has(out, &key))
		return 0;	/* the API server forbids duplicate ports */
	vs = pd_vs_new(&key);
	if (!vs)
		return -ENOMEM;
	memcpy(vs->sched, tmpl->sched, sizeof(vs->sched));
	memcpy(vs->owner, tmpl->owner, sizeof(vs->owner));
	vs->flags = tmpl->flags;
	vs->timeout = tmpl->timeout;
	vs_snat(vs, tmpl);
	if (vs->flags & PODVS_SVC_F_PERSISTENT)
		vs->netmask = vip->af == AF_INET ? 32 : 128;
	if (build_dests(in, sp, vip->af, proto, vs) || plan_push(out, vs)) {
		pd_vs_free(vs);
		return -ENOMEM;
	}
	return 0;
}

static int add_port(const struct pd_desired_in *in, const struct pd_vs *tmpl,
		    const struct pd_addr *vips, size_t n_vips,
		    const struct k8s_service_port *sp, struct pd_plan *out)
{
	int err = 0;

	if (sp->proto == K8S_PROTO_SCTP) {
		char key[K8S_KEY_LEN];

		pd_info(in->log, "msg=\"port skipped: SCTP not supported\" "
			"service=%s port=%u", k8s_key(&in->svc->meta, key),
			sp->port);
		return 0;
	}
	for (size_t i = 0; !err && i < n_vips; i++)
		err = add_vs(in, tmpl, &vips[i], sp, out);
	return err;
}

static int vs_ptr_cmp(const void *a, const void *b)
{
	const struct pd_vs *const *x = a, *const *y = b;

	return pd_vs_key_cmp(&(*x)->key, &(*y)->key);
}

static bool wants_nothing(const struct pd_desired_in *in)
{
	const struct k8s_service *s = in->svc;

	return pd_svc_selected(s) == PD_SEL_NONE || s->meta.deleting ||
	       s->type == K8S_SVC_EXTERNAL_NAME;
}

int pd_desired_service(const struct pd_desired_in *in, struct pd_plan *out,
		       char *err, size_t errlen)
{
	struct pd_addr *vips = NULL;
	struct pd_vs tmpl;
	size_t n_vips = 0;
	int ret, bad;

	pd_plan_fini(out);
	if (wants_nothing(in))
		return 0;
	bad = base_vs(in, &tmpl, err, errlen);
	ret = collect_vips(in, &vips, &n_vips);
	for (size_t i = 0; !ret && i < in->svc->n_ports; i++)
		ret = add_port(in, &tmpl, vips, n_vips, &in->svc->ports[i],
			       out);
	free(vips);
	if (ret) {
		pd_plan_fini(out);
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	if (out->n > 1)
		qsort(out->vs, out->n, sizeof(*out->vs), vs_ptr_cmp);
	return bad;
}

void pd_plan_fini(struct pd_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		pd_vs_free(p->vs[i]);
	free(p->vs);
	p->vs = NULL;
	p->n = 0;
}
