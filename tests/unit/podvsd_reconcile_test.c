// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd reconciler against the in-memory kernel: first full sync, restart
 * adoption without operations, incremental updates touching only what
 * changed, Service deletion, invalid annotations changing nothing, VS
 * conflicts between Services, drained dests lingering until their flows
 * end or the drain timeout, apply errors healed by a full re-read, drift
 * repair, resourceVersion dedup and relist pruning.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "podvsd_json.h"

#include "podvsd/sync/reconcile.h"

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };

static struct k8s_service *svc(const char *name, const char *rv,
			       const char *ann, const char *vip)
{
	char buf[2048], err[256];
	cJSON *j;
	struct k8s_service *s;

	snprintf(buf, sizeof(buf),
		 "{'metadata': {'name': '%s', 'namespace': 'ns', 'uid': 'u',"
		 " 'resourceVersion': '%s', 'annotations': {%s}},"
		 " 'spec': {'type': 'LoadBalancer', "
		 "'loadBalancerClass': 'podvs.io/direct', 'ports': "
		 "[{'name': 'http', 'port': 80, 'targetPort': 8080}]},"
		 " 'status': {'loadBalancer': {'ingress': [{'ip': '%s'}]}}}",
		 name, rv, ann, vip);
	j = json(buf);
	s = k8s_service_parse(j, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	cJSON_Delete(j);
	return s;
}

/* A slice of Service @svc_name; @eps: "1r 2t 3g" = 10.0.0.1 ready,
 * .2 serving-terminating, .3 gone (not serving). */
static struct k8s_slice *slice(const char *name, const char *svc_name,
			       const char *rv, const char *eps)
{
	char buf[4096], err[256];
	size_t o = 0;
	cJSON *j;
	struct k8s_slice *s;
	const char *p = eps;

	o += snprintf(buf + o, sizeof(buf) - o,
		      "{'metadata': {'name': '%s', 'namespace': 'ns', "
		      "'uid': 'x', 'resourceVersion': '%s', 'labels': "
		      "{'kubernetes.io/service-name': '%s'}}, "
		      "'addressType': 'IPv4', 'ports': [{'name': 'http', "
		      "'port': 8080}], 'endpoints': [", name, rv, svc_name);
	while (*p) {
		int ip, n;
		char st;

		if (sscanf(p, "%d%c%n", &ip, &st, &n) != 2)
			break;
		o += snprintf(buf + o, sizeof(buf) - o,
			      "%s{'addresses': ['10.0.0.%d'], 'conditions': "
			      "{'ready': %s, 'serving': %s, 'terminating': %s}}",
			      p == eps ? "" : ",", ip,
			      st == 'r' ? "true" : "false",
			      st == 'g' ? "false" : "true",
			      st == 'r' ? "false" : "true");
		p += n;
		while (*p == ' ')
			p++;
	}
	snprintf(buf + o, sizeof(buf) - o, "]}");
	j = json(buf);
	s = k8s_slice_parse(j, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	cJSON_Delete(j);
	return s;
}

/* The fake kernel's table: "TCP 192.0.2.1:80 mh podvsd:ns/a = 10.0.0.1:8080
 * 10.0.0.2:8080(d)" joined by "; ", sorted. */
static const char *dump(const struct pd_table *t, char *buf, size_t len)
{
	struct pd_vs **v;
	size_t n, o = 0;

	assert_int_equal(pd_table_sorted(t, &v, &n), 0);
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++) {
		char k[PD_VS_KEY_STRLEN];

		o += snprintf(buf + o, len - o, "%s%s %s %s =", i ? "; " : "",
			      pd_vs_key_str(&v[i]->key, k), v[i]->sched,
			      v[i]->owner);
		for (size_t j = 0; j < v[i]->n_dests && o < len; j++) {
			char d[PD_ADDR_STRLEN + 8];

			o += snprintf(buf + o, len - o, " %s%s",
				      pd_dest_str(&v[i]->key,
						  &v[i]->dests[j], d),
				      v[i]->dests[j].flags ? "(d)" : "");
		}
	}
	free(v);
	return buf;
}

struct env {
	struct pd_memkernel mk;
	struct pd_backend be;
	struct pd_reconciler r;
	char buf[16384];
	int invalid;
	char last_invalid[256];
	int vip_adds, vip_dels;
};

static void on_invalid(void *ctx, const struct k8s_service *s,
		       const char *why)
{
	struct env *e = ctx;

	(void)s;
	e->invalid++;
	snprintf(e->last_invalid, sizeof(e->last_invalid), "%s", why);
}

static void on_vip(void *ctx, const struct pd_addr *vip, bool add)
{
	struct env *e = ctx;

	(void)vip;
	if (add)
		e->vip_adds++;
	else
		e->vip_dels++;
}

static struct env *env_new(unsigned int drain_s)
{
	struct env *e = calloc(1, sizeof(*e));

	pd_memkernel_init(&e->mk, NULL);
	pd_memkernel_backend(&e->mk, &e->be);
	pd_rec_init(&e->r, &quiet, &e->be, drain_s);
	e->r.hooks.invalid = on_invalid;
	e->r.hooks.vip = on_vip;
	e->r.hooks.ctx = e;
	return e;
}

static void env_free(struct env *e)
{
	pd_rec_fini(&e->r);
	pd_memkernel_fini(&e->mk);
	free(e);
}

static const char *kernel(struct env *e)
{
	return dump(&e->mk.t, e->buf, sizeof(e->buf));
}

/* Dests in @t, counted the slow way. */
static size_t walk_dests(const struct pd_table *t)
{
	struct pd_hmap_iter it;
	size_t n = 0;

	for (struct pd_hmap_ent *e = pd_hmap_first(&t->map, &it); e;
	     e = pd_hmap_next(&t->map, &it))
		n += ((const struct pd_vs *)e->val)->n_dests;
	return n;
}

static size_t sync_ops(struct env *e, uint64_t now)
{
	size_t before = e->mk.applied;
	char img[sizeof(e->buf)];

	assert_int_equal(pd_rec_sync(&e->r, now), 0);
	assert_false(pd_rec_pending(&e->r));
	/* the image always equals the kernel after a successful sync (in
	 * its own buffer: kernel() writes e->buf) */
	assert_string_equal(dump(&e->r.actual, img, sizeof(img)), kernel(e));
	/* and the dest gauge, kept counted, equals the image's dests */
	assert_int_equal(pd_rec_programmed_dests(&e->r),
			 walk_dests(&e->mk.t));
	return e->mk.applied - before;
}

static void populate(struct env *e)
{
	assert_int_equal(pd_rec_service_upsert(&e->r, svc("a", "1", "",
							"192.0.2.1")), 0);
	assert_int_equal(pd_rec_service_upsert(&e->r, svc("b", "1",
				"'podvs.io/scheduler': 'rr'", "192.0.2.2")), 0);
	assert_int_equal(pd_rec_slice_upsert(&e->r, slice("a-1", "a", "1",
						       "1r 2r")), 0);
	assert_int_equal(pd_rec_slice_upsert(&e->r, slice("a-2", "a", "1",
						       "3t")), 0);
	assert_int_equal(pd_rec_slice_upsert(&e->r, slice("b-1", "b", "1",
						       "5r")), 0);
}

#define STATE_AB "TCP 192.0.2.1:80 mh podvsd:ns/a = 10.0.0.1:8080 " \
		 "10.0.0.2:8080 10.0.0.3:8080(d); " \
		 "TCP 192.0.2.2:80 rr podvsd:ns/b = 10.0.0.5:8080"

static void test_first_sync(void **state)
{
	struct env *e = env_new(300);

	(void)state;
	populate(e);
	assert_true(pd_rec_pending(&e->r));
	assert_int_equal(sync_ops(e, 1000), 6);
	assert_string_equal(kernel(e), STATE_AB);
	assert_int_equal(e->mk.batches, 1);	/* one batch for everything */
	assert_int_equal(e->r.stats.full_syncs, 1);
	assert_int_equal(e->vip_adds, 2);
	assert_int_equal(pd_rec_programmed_services(&e->r), 2);
	assert_int_equal(pd_rec_programmed_dests(&e->r), 4);
	/* nothing changed: nothing to do */
	assert_int_equal(sync_ops(e, 1001), 0);
	env_free(e);
}

static void test_restart_adopts(void **state)
{
	struct env *e = env_new(300), *e2 = env_new(300);
	struct pd_vs_key k;
	struct pd_addr a;
	struct pd_vs *foreign, *stale;

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	/* the kernel also holds a foreign VS and a stale podvsd one */
	pd_addr_parse("198.51.100.1", &a);
	pd_vs_key_init(&k, &a, IPPROTO_TCP, 22);
	foreign = pd_vs_new(&k);
	strcpy(foreign->owner, "admin");
	strcpy(foreign->sched, "rr");
	pd_table_put(&e->mk.t, foreign);
	pd_vs_key_init(&k, &a, IPPROTO_TCP, 23);
	stale = pd_vs_new(&k);
	strcpy(stale->owner, "podvsd:ns/deleted");
	strcpy(stale->sched, "mh");
	pd_table_put(&e->mk.t, stale);
	/* a new daemon (same kernel) with the same cluster state */
	pd_memkernel_fini(&e2->mk);
	e2->mk.t = e->mk.t;
	pd_table_init(&e->mk.t);
	populate(e2);
	assert_int_equal(sync_ops(e2, 5000), 1);	/* only the stale VS */
	assert_string_equal(kernel(e2), STATE_AB
			    "; TCP 198.51.100.1:22 rr admin =");
	env_free(e);
	env_free(e2);
}

static bool has_vip(const struct pd_hmap *m, const char *ip)
{
	struct pd_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(pd_addr_parse(ip, &a), 0);
	return pd_hmap_get(m, &a, sizeof(a));
}

/*
 * The VIPs a gateway may announce: a VS in the kernel with a usable dest.
 * A restarted podvsd over the same kernel applies nothing and finds the
 * same VIPs (the announcement's "restart changes nothing").
 */
static void test_usable_vips_and_restart(void **state)
{
	struct env *e = env_new(300), *e2 = env_new(300);
	struct pd_hmap v;

	(void)state;
	populate(e);
	/* c: every endpoint gone; d: only draining (weight kept, drained) */
	assert_int_equal(pd_rec_service_upsert(&e->r, svc("c", "1", "",
							"192.0.2.3")), 0);
	assert_int_equal(pd_rec_slice_upsert(&e->r, slice("c-1", "c", "1",
						       "7g")), 0);
	sync_ops(e, 1000);
	pd_hmap_init(&v);
	assert_int_equal(pd_rec_usable_vips(&e->r, &v), 0);
	assert_int_equal(v.n, 2);
	assert_true(has_vip(&v, "192.0.2.1") && has_vip(&v, "192.0.2.2"));
	assert_false(has_vip(&v, "192.0.2.3"));
	pd_hmap_fini(&v);
	/* b's only dest drains: its VIP is no longer usable */
	assert_int_equal(pd_rec_slice_upsert(&e->r, slice("b-1", "b", "2",
						       "5t 6g")), 0);
	sync_ops(e, 2000);
	pd_hmap_init(&v);
	assert_int_equal(pd_rec_usable_vips(&e->r, &v), 0);
	assert_true(has_vip(&v, "192.0.2.2"));	/* fallback: kept active */
	pd_hmap_fini(&v);
	assert_int_equal(pd_rec_slice_upsert(&e->r, slice("b-1", "b", "3",
						       "6g")), 0);
	sync_ops(e, 3000);
	pd_hmap_init(&v);
	assert_int_equal(pd_rec_usable_vips(&e->r, &v), 0);
	assert_false(has_vip(&v, "192.0.2.2"));	/* drained, lingering */
	assert_int_equal(v.n, 1);
	pd_hmap_fini(&v);
	/* restart: same kernel, same cluster: no op, same VIPs */
	pd_memkernel_fini(&e2->mk);
	e2->mk.t = e->mk.t;
	pd_table_init(&e->mk.t);
	populate(e2);
	assert_int_equal(pd_rec_service_upsert(&e2->r, svc("c", "1", "",
							 "192.0.2.3")), 0);
	assert_int_equal(pd_rec_slice_upsert(&e2->r, slice("c-1", "c", "1",
							"7g")), 0);
	assert_int_equal(pd_rec_slice_upsert(&e2->r, slice("b-1", "b", "3",
							"6g")), 0);
	assert_int_equal(sync_ops(e2, 4000), 0);
	pd_hmap_init(&v);
	assert_int_equal(pd_rec_usable_vips(&e2->r, &v), 0);
	assert_int_equal(v.n, 1);
	assert_true(has_vip(&v, "192.0.2.1"));
	pd_hmap_fini(&v);
	env_free(e);
	env_free(e2);
}

static void test_incremental(void **state)
{
	struct env *e = env_new(300);

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	/* a new ready endpoint in one slice: one op */
	pd_rec_slice_upsert(&e->r, slice("b-1", "b", "2", "5r 6r"));
	assert_int_equal(e->r.dirty.n, 1);
	assert_int_equal(sync_ops(e, 1001), 1);
	assert_int_equal(e->r.stats.full_syncs, 1);
	/* terminating -> ready: the drain flag clears */
	pd_rec_slice_upsert(&e->r, slice("a-2", "a", "2", "3r"));
	assert_int_equal(sync_ops(e, 1002), 1);
	assert_string_equal(kernel(e),
			    "TCP 192.0.2.1:80 mh podvsd:ns/a = 10.0.0.1:8080 "
			    "10.0.0.2:8080 10.0.0.3:8080; "
			    "TCP 192.0.2.2:80 rr podvsd:ns/b = 10.0.0.5:8080 "
			    "10.0.0.6:8080");
	/* scheduler annotation change: one edit */
	pd_rec_service_upsert(&e->r, svc("b", "2", "'podvs.io/scheduler': "
					 "'lc'", "192.0.2.2"));
	assert_int_equal(sync_ops(e, 1003), 1);
	/* same resourceVersion again: not even marked dirty */
	pd_rec_service_upsert(&e->r, svc("b", "2", "", "192.0.2.9"));
	assert_false(pd_rec_pending(&e->r));
	env_free(e);
}

static void test_vip_change_and_delete(void **state)
{
	struct env *e = env_new(300);

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	pd_rec_service_upsert(&e->r, svc("b", "2", "'podvs.io/scheduler': "
					 "'rr'", "192.0.2.7"));
	assert_int_equal(sync_ops(e, 1001), 3);	/* del VS, add VS + dest */
	assert_int_equal(e->vip_adds, 3);
	assert_int_equal(e->vip_dels, 1);
	pd_rec_service_delete(&e->r, "ns", "b");
	assert_int_equal(sync_ops(e, 1002), 1);
	assert_int_equal(e->vip_dels, 2);
	pd_rec_service_delete(&e->r, "ns", "a");
	pd_rec_slice_delete(&e->r, "ns", "a-1");
	assert_int_equal(sync_ops(e, 1003), 1);
	assert_string_equal(kernel(e), "");
	/* slices of a deleted Service alone change nothing */
	pd_rec_slice_upsert(&e->r, slice("a-2", "a", "9", "7r"));
	assert_int_equal(sync_ops(e, 1004), 0);
	env_free(e);
}

/*
 * D14: a bad annotation keeps that attribute as programmed (b's rr), is
 * reported once with its reason (the Warning Event), and freezes nothing
 * else: b's dests still follow its endpoints.
 */
static void test_invalid_keeps_state(void **state)
{
	struct env *e = env_new(300);

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	pd_rec_service_upsert(&e->r, svc("b", "2", "'podvs.io/scheduler': "
					 "'fastest'", "192.0.2.2"));
	assert_int_equal(sync_ops(e, 1001), 0);
	assert_string_equal(kernel(e), STATE_AB);
	assert_int_equal(e->invalid, 1);
	assert_string_equal(e->last_invalid, "annotation podvs.io/scheduler: "
			    "'fastest' is not one of mh, sh, rr, wrr, lc");
	/* endpoint churn while invalid: the dests move, reported once */
	pd_rec_slice_upsert(&e->r, slice("b-1", "b", "2", "5r 6r"));
	assert_int_equal(sync_ops(e, 1002), 1);
	assert_non_null(strstr(kernel(e), "TCP 192.0.2.2:80 rr podvsd:ns/b = "
			       "10.0.0.5:8080 10.0.0.6:8080"));
	assert_int_equal(e->invalid, 1);
	/* fixed: applied (the default scheduler) */
	pd_rec_service_upsert(&e->r, svc("b", "3", "", "192.0.2.2"));
	assert_int_equal(sync_ops(e, 1003), 1);
	assert_non_null(strstr(kernel(e), "TCP 192.0.2.2:80 mh podvsd:ns/b"));
	/* a new Service that is invalid: programmed with the default */
	pd_rec_service_upsert(&e->r, svc("c", "1", "'podvs.io/scheduler': "
					 "'x'", "192.0.2.3"));
	assert_int_equal(sync_ops(e, 1004), 1);
	assert_non_null(strstr(kernel(e), "TCP 192.0.2.3:80 mh podvsd:ns/c"));
	assert_int_equal(e->invalid, 2);
	env_free(e);
}

static void test_conflict(void **state)
{
	struct env *e = env_new(300);

	(void)state;
	/* "ns/z" and "ns/m" both want 192.0.2.1:80: "ns/m" wins */
	pd_rec_service_upsert(&e->r, svc("z", "1", "", "192.0.2.1"));
	pd_rec_slice_upsert(&e->r, slice("z-1", "z", "1", "9r"));
	sync_ops(e, 1000);
	pd_rec_service_upsert(&e->r, svc("m", "1", "", "192.0.2.1"));
	pd_rec_slice_upsert(&e->r, slice("m-1", "m", "1", "1r"));
	sync_ops(e, 1001);
	/* z's Pod leaves that VS: drained while it may have flows */
	assert_string_equal(kernel(e), "TCP 192.0.2.1:80 mh podvsd:ns/m = "
			    "10.0.0.1:8080 10.0.0.9:8080(d)");
	assert_true(e->r.stats.conflicts >= 1);
	pd_rec_tick(&e->r, 3000);
	sync_ops(e, 3000);
	assert_string_equal(kernel(e), "TCP 192.0.2.1:80 mh podvsd:ns/m = "
			    "10.0.0.1:8080");
	/* the winner leaves: the other takes the VS over in place */
	pd_rec_service_delete(&e->r, "ns", "m");
	assert_int_equal(sync_ops(e, 4000), 3);	/* owner, drain, +dest */
	assert_string_equal(kernel(e), "TCP 192.0.2.1:80 mh podvsd:ns/z = "
			    "10.0.0.1:8080(d) 10.0.0.9:8080");
	assert_int_equal(e->vip_dels, 0);
	env_free(e);
}

static struct pd_dest *kdest(struct env *e, const char *vip, int last)
{
	struct pd_addr a, d;
	struct pd_vs_key k;
	struct pd_vs *vs;
	char ip[32];

	pd_addr_parse(vip, &a);
	pd_vs_key_init(&k, &a, IPPROTO_TCP, 80);
	vs = pd_table_get(&e->mk.t, &k);
	assert_non_null(vs);
	snprintf(ip, sizeof(ip), "10.0.0.%d", last);
	pd_addr_parse(ip, &d);
	for (size_t i = 0; i < vs->n_dests; i++)
		if (!memcmp(vs->dests[i].addr, d.b, 16))
			return &vs->dests[i];
	return NULL;
}

static void test_linger_until_flows_end(void **state)
{
	struct env *e = env_new(300);

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	kdest(e, "192.0.2.1", 2)->conns = 4;	/* 10.0.0.2 has flows */
	/* 10.0.0.2 and 10.0.0.3 leave the Service */
	pd_rec_slice_upsert(&e->r, slice("a-1", "a", "2", "1r"));
	pd_rec_slice_delete(&e->r, "ns", "a-2");
	assert_int_equal(sync_ops(e, 2000), 1);	/* .2 drained, .3 was */
	assert_string_equal(kernel(e),
			    "TCP 192.0.2.1:80 mh podvsd:ns/a = 10.0.0.1:8080 "
			    "10.0.0.2:8080(d) 10.0.0.3:8080(d); "
			    "TCP 192.0.2.2:80 rr podvsd:ns/b = 10.0.0.5:8080");
	/* the tick reads conns: .3 has none and goes, .2 stays */
	assert_int_equal(pd_rec_tick(&e->r, 4000), 1);
	assert_int_equal(sync_ops(e, 4000), 1);
	assert_null(kdest(e, "192.0.2.1", 3));
	assert_non_null(kdest(e, "192.0.2.1", 2));
	/* its flows end: deleted at the next tick */
	kdest(e, "192.0.2.1", 2)->conns = 0;
	pd_rec_tick(&e->r, 6000);
	assert_int_equal(sync_ops(e, 6000), 1);
	assert_null(kdest(e, "192.0.2.1", 2));
	assert_int_equal(pd_rec_tick(&e->r, 8000), 0);
	env_free(e);
}

static void test_linger_timeout(void **state)
{
	struct env *e = env_new(10);

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	kdest(e, "192.0.2.2", 5)->conns = 100;
	pd_rec_slice_upsert(&e->r, slice("b-1", "b", "2", "6r"));
	assert_int_equal(sync_ops(e, 2000), 2);	/* drain .5, add .6 */
	assert_int_equal(kdest(e, "192.0.2.2", 5)->flags, PODVS_DEST_F_DRAIN);
	pd_rec_tick(&e->r, 11999);
	assert_int_equal(sync_ops(e, 11999), 0);
	pd_rec_tick(&e->r, 12000);		/* 10 s after draining */
	assert_int_equal(sync_ops(e, 12000), 1);
	assert_null(kdest(e, "192.0.2.2", 5));
	env_free(e);
}

static void test_linger_comes_back(void **state)
{
	struct env *e = env_new(300);

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	kdest(e, "192.0.2.2", 5)->conns = 1;
	pd_rec_slice_upsert(&e->r, slice("b-1", "b", "2", ""));
	sync_ops(e, 2000);
	assert_int_equal(e->r.linger.n, 1);
	/* ready again before its flows ended: undrained, forgotten */
	pd_rec_slice_upsert(&e->r, slice("b-1", "b", "3", "5r"));
	assert_int_equal(sync_ops(e, 3000), 1);
	assert_int_equal(kdest(e, "192.0.2.2", 5)->flags, 0);
	assert_int_equal(e->r.linger.n, 0);
	env_free(e);
}

static void test_no_drain_timeout(void **state)
{
	struct env *e = env_new(0);

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	kdest(e, "192.0.2.2", 5)->conns = 1;
	pd_rec_slice_upsert(&e->r, slice("b-1", "b", "2", ""));
	assert_int_equal(sync_ops(e, 2000), 1);
	assert_null(kdest(e, "192.0.2.2", 5));
	env_free(e);
}

/* The removal rule with Pod knowledge: a deleting Pod's dest lingers at
 * most its grace period; a gone Pod's dest goes at once. */
static uint64_t grace_hook(void *ctx, const struct pd_vs *have,
			   const struct pd_dest *d)
{
	(void)ctx;
	(void)have;
	if (d->addr[3] == 5)
		return 3000;		/* deleting, grace 3 s */
	if (d->addr[3] == 2)
		return PD_LINGER_NONE;	/* the Pod object is gone */
	return 0;			/* unknown: --drain-timeout */
}

static void test_linger_pod_grace(void **state)
{
	struct env *e = env_new(300);

	(void)state;
	e->r.hooks.grace_ms = grace_hook;
	populate(e);
	sync_ops(e, 1000);
	kdest(e, "192.0.2.2", 5)->conns = 7;
	kdest(e, "192.0.2.1", 2)->conns = 7;
	kdest(e, "192.0.2.1", 1)->conns = 7;
	pd_rec_slice_upsert(&e->r, slice("b-1", "b", "2", ""));
	pd_rec_slice_upsert(&e->r, slice("a-1", "a", "2", ""));
	/* .2 deleted despite its flows; .1 and .5 drained */
	sync_ops(e, 2000);
	assert_null(kdest(e, "192.0.2.1", 2));
	assert_int_equal(kdest(e, "192.0.2.1", 1)->flags, PODVS_DEST_F_DRAIN);
	assert_int_equal(kdest(e, "192.0.2.2", 5)->flags, PODVS_DEST_F_DRAIN);
	pd_rec_tick(&e->r, 4999);
	sync_ops(e, 4999);
	assert_non_null(kdest(e, "192.0.2.2", 5));
	/* grace over: .5 goes with live flows; .1 waits for the timeout */
	pd_rec_tick(&e->r, 5000);
	sync_ops(e, 5000);
	assert_null(kdest(e, "192.0.2.2", 5));
	assert_non_null(kdest(e, "192.0.2.1", 1));
	env_free(e);
}

static void test_apply_error_full_resync(void **state)
{
	struct env *e = env_new(300);

	(void)state;
	populate(e);
	e->mk.fail_at = 3;			/* ops 0..2 stay applied */
	assert_int_equal(pd_rec_sync(&e->r, 1000), -EIO);
	assert_true(pd_rec_pending(&e->r));
	assert_int_equal(e->r.stats.sync_errors, 1);
	e->mk.fail_at = -1;
	sync_ops(e, 1001);
	assert_int_equal(e->r.stats.full_syncs, 1);
	assert_string_equal(kernel(e), STATE_AB);
	env_free(e);
}

static void test_drift_repair(void **state)
{
	struct env *e = env_new(0);
	struct pd_addr a;
	struct pd_vs_key k;
	struct pd_vs *vs;

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	/* someone deletes a VS and edits a dest behind podvsd's back */
	pd_addr_parse("192.0.2.2", &a);
	pd_vs_key_init(&k, &a, IPPROTO_TCP, 80);
	pd_vs_free(pd_table_take(&e->mk.t, &k));
	pd_addr_parse("192.0.2.1", &a);
	pd_vs_key_init(&k, &a, IPPROTO_TCP, 80);
	vs = pd_table_get(&e->mk.t, &k);
	vs->dests[0].weight = 9;
	pd_rec_request_full(&e->r);
	assert_int_equal(sync_ops(e, 2000), 3);
	assert_string_equal(kernel(e), STATE_AB);
	env_free(e);
}

static void test_slice_moves_service(void **state)
{
	struct env *e = env_new(0);

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	pd_rec_slice_upsert(&e->r, slice("a-2", "b", "2", "3r"));
	assert_int_equal(e->r.dirty.n, 2);
	assert_int_equal(sync_ops(e, 2000), 2);
	assert_string_equal(kernel(e),
			    "TCP 192.0.2.1:80 mh podvsd:ns/a = 10.0.0.1:8080 "
			    "10.0.0.2:8080; "
			    "TCP 192.0.2.2:80 rr podvsd:ns/b = 10.0.0.3:8080 "
			    "10.0.0.5:8080");
	env_free(e);
}

static void test_relist_prune(void **state)
{
	struct env *e = env_new(0);
	struct pd_hmap keep;

	(void)state;
	populate(e);
	sync_ops(e, 1000);
	pd_hmap_init(&keep);
	pd_hmap_sput(&keep, "ns/a", (void *)1, NULL);
	pd_rec_services_prune(&e->r, &keep);
	pd_hmap_sput(&keep, "ns/a-1", (void *)1, NULL);
	pd_rec_slices_prune(&e->r, &keep);
	pd_hmap_fini(&keep);
	assert_int_equal(sync_ops(e, 2000), 2);	/* -VS b, -dest .3 */
	assert_string_equal(kernel(e), "TCP 192.0.2.1:80 mh podvsd:ns/a = "
			    "10.0.0.1:8080 10.0.0.2:8080");
	env_free(e);
}

static void test_alloc(void **state)
{
	struct env *e = env_new(0);
	struct pd_addr a;
	char err[256];
	cJSON *j = json("{'metadata': {'name': 'p', 'namespace': 'ns', "
			"'uid': 'u', 'resourceVersion': '1'}, 'spec': "
			"{'type': 'LoadBalancer', 'loadBalancerClass': "
			"'podvs.io/direct', 'ports': [{'port': 80}]}}");

	(void)state;
	pd_rec_service_upsert(&e->r, k8s_service_parse(j, err, sizeof(err)));
	cJSON_Delete(j);
	sync_ops(e, 1000);
	assert_string_equal(kernel(e), "");
	pd_addr_parse("203.0.113.1", &a);
	pd_rec_set_alloc(&e->r, "ns/p", &a, 1);
	assert_int_equal(sync_ops(e, 1001), 1);
	assert_string_equal(kernel(e), "TCP 203.0.113.1:80 mh podvsd:ns/p =");
	pd_rec_set_alloc(&e->r, "ns/p", NULL, 0);
	assert_int_equal(sync_ops(e, 1002), 1);
	env_free(e);
}

static size_t count_lines(const char *buf, const char *what)
{
	size_t n = 0;

	for (const char *p = buf; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* One debug line per op, and none built or written above debug. */
static void test_op_log(void **state)
{
	static const struct {
		enum pd_log_level level;
		size_t ops_lines;
	} cases[] = { { PD_LOG_DEBUG, 6 }, { PD_LOG_INFO, 0 } };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct env *e = env_new(300);
		struct pd_log log = { .level = cases[i].level, .no_time = true };
		char *buf = NULL;
		size_t len = 0;

		log.out = open_memstream(&buf, &len);
		e->r.log = &log;
		populate(e);
		sync_ops(e, 1000);
		fclose(log.out);
		assert_int_equal(count_lines(buf, "msg=\"operation\""),
				 cases[i].ops_lines);
		assert_int_equal(count_lines(buf, "msg=\"applied\" ops=6 "), 1);
		free(buf);
		e->r.log = &quiet;
		env_free(e);
	}
}

/* A big sync's op scratch is released; a small one's kept. */
static void test_ops_released(void **state)
{
	struct env *e = env_new(300);
	char name[16], vip[32];

	(void)state;
	for (int i = 1; i <= 100; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		snprintf(vip, sizeof(vip), "192.0.2.%d", i);
		pd_rec_service_upsert(&e->r, svc(name, "1", "", vip));
		pd_rec_slice_upsert(&e->r, slice(name, name, "1", "1r 2r 3r"));
	}
	assert_int_equal(sync_ops(e, 1000), 400);
	assert_true(e->r.ops.cap <= PD_OPS_KEEP);
	assert_int_equal(pd_rec_programmed_dests(&e->r), 300);
	pd_rec_slice_upsert(&e->r, slice("s7", "s7", "2", "1r 2r"));
	assert_int_equal(sync_ops(e, 1001), 1);
	assert_int_equal(e->r.stats.change_count, 2);
	assert_true(e->r.ops.cap > 0 && e->r.ops.cap <= PD_OPS_KEEP);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_sync),
		cmocka_unit_test(test_restart_adopts),
		cmocka_unit_test(test_usable_vips_and_restart),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_vip_change_and_delete),
		cmocka_unit_test(test_invalid_keeps_state),
		cmocka_unit_test(test_conflict),
		cmocka_unit_test(test_linger_until_flows_end),
		cmocka_unit_test(test_linger_timeout),
		cmocka_unit_test(test_linger_comes_back),
		cmocka_unit_test(test_no_drain_timeout),
		cmocka_unit_test(test_linger_pod_grace),
		cmocka_unit_test(test_apply_error_full_resync),
		cmocka_unit_test(test_drift_repair),
		cmocka_unit_test(test_slice_moves_service),
		cmocka_unit_test(test_relist_prune),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_op_log),
		cmocka_unit_test(test_ops_released),
	};

	return cmocka_run_group_tests_name("podvsd_reconcile", tests, NULL,
					   NULL);
}
