// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd diff: minimal operations, canonical order independent of input
 * order, adoption of podvsd-owned entries, foreign entries untouched,
 * drained lingering dests, and apply(diff(want, have), have) == want.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "podvsd/sync/diff.h"

#define OWNER	"podvsd:shop/web"

static struct pd_vs *mk_vs(uint8_t proto, const char *vip, uint16_t port,
			   const char *sched, const char *owner)
{
	struct pd_addr a;
	struct pd_vs_key k;
	struct pd_vs *vs;

	assert_int_equal(pd_addr_parse(vip, &a), 0);
	pd_vs_key_init(&k, &a, proto, port);
	vs = pd_vs_new(&k);
	assert_non_null(vs);
	snprintf(vs->sched, sizeof(vs->sched), "%s", sched);
	snprintf(vs->owner, sizeof(vs->owner), "%s", owner);
	return vs;
}

static struct pd_dest *add_dest(struct pd_vs *vs, const char *ip,
				uint16_t port, uint8_t flags)
{
	struct pd_addr a;
	struct pd_dest d = { .port = port, .weight = 1, .flags = flags };
	long i;

	assert_int_equal(pd_addr_parse(ip, &a), 0);
	memcpy(d.addr, a.b, sizeof(d.addr));
	assert_int_equal(pd_vs_dest_insert(vs, &d), 0);
	i = pd_vs_dest_find(vs, &d);
	assert_true(i >= 0);
	return &vs->dests[i];
}

static const char *chg(uint32_t m, char *buf)
{
	snprintf(buf, 64, "%s%s%s%s%s%s%s%s", m & PD_CHG_SCHED ? " sched" : "",
		 m & PD_CHG_FLAGS ? " flags" : "",
		 m & PD_CHG_TIMEOUT ? " timeout" : "",
		 m & PD_CHG_NETMASK ? " netmask" : "",
		 m & PD_CHG_OWNER ? " owner" : "",
		 m & PD_CHG_WEIGHT ? " weight" : "",
		 m & PD_CHG_DFLAGS ? " dflags" : "",
		 m & PD_CHG_SNAT ? " snat" : "");
	return buf;
}

static const char *render(const struct pd_ops *ops, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ops->n; i++) {
		char d[128], c[64];

		o += snprintf(buf + o, len - o, "%s%s%s", i ? "; " : "",
			      pd_op_str(&ops->v[i], d, sizeof(d)),
			      chg(ops->v[i].mask, c));
	}
	return buf;
}

static void expect(struct pd_vs **want, size_t nw, struct pd_vs **have,
		   size_t nh, const struct pd_diff_policy *pol, const char *ops)
{
	struct pd_ops o = { 0 };
	char buf[4096];

	assert_int_equal(pd_diff(want, nw, have, nh, pol, &o), 0);
	assert_string_equal(render(&o, buf, sizeof(buf)), ops);
	pd_ops_fini(&o);
}

static void free_all(struct pd_vs **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pd_vs_free(v[i]);
}

static void test_empty(void **state)
{
	(void)state;
	expect(NULL, 0, NULL, 0, NULL, "");
}

static void test_add_all(void **state)
{
	struct pd_vs *w = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh", OWNER);

	(void)state;
	add_dest(w, "10.0.0.2", 8080, 0);
	add_dest(w, "10.0.0.1", 8080, PODVS_DEST_F_DRAIN);
	expect(&w, 1, NULL, 0, NULL,
	       "add service TCP 192.0.2.1:80; "
	       "add dest TCP 192.0.2.1:80 -> 10.0.0.1:8080; "
	       "add dest TCP 192.0.2.1:80 -> 10.0.0.2:8080");
	pd_vs_free(w);
}

static void test_delete_owned_keep_foreign(void **state)
{
	struct pd_vs *h[2] = {
		mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh", OWNER),
		mk_vs(IPPROTO_UDP, "192.0.2.1", 53, "rr", "admin"),
	};

	(void)state;
	add_dest(h[0], "10.0.0.1", 8080, 0);
	add_dest(h[1], "10.0.0.9", 53, 0);
	expect(NULL, 0, h, 2, NULL, "delete service TCP 192.0.2.1:80");
	free_all(h, 2);
}

static int conflicts;

static void on_conflict(void *ctx, const struct pd_vs *want,
			const struct pd_vs *have)
{
	(void)ctx;
	assert_int_equal(pd_vs_key_cmp(&want->key, &have->key), 0);
	conflicts++;
}

static void test_foreign_key_conflict(void **state)
{
	struct pd_vs *w = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh", OWNER);
	struct pd_vs *h = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "rr", "");
	struct pd_diff_policy pol = { .conflict = on_conflict };

	(void)state;
	add_dest(w, "10.0.0.1", 8080, 0);
	add_dest(h, "10.0.0.7", 80, 0);
	conflicts = 0;
	/* an entry without podvsd's tag is never changed, even if wanted */
	expect(&w, 1, &h, 1, &pol, "");
	assert_int_equal(conflicts, 1);
	pd_vs_free(w);
	pd_vs_free(h);
}

static void test_identical_no_ops(void **state)
{
	struct pd_vs *w = mk_vs(IPPROTO_TCP, "2001:db8::1", 443, "mh", OWNER);
	struct pd_vs *h;

	(void)state;
	w->flags = PODVS_SVC_F_PERSISTENT;
	w->timeout = 10800;
	w->netmask = 128;
	add_dest(w, "fd00::1", 8443, 0);
	add_dest(w, "fd00::2", 8443, PODVS_DEST_F_DRAIN);
	h = pd_vs_dup(w);
	h->dests[0].conns = 17;		/* counters never matter */
	/* a restarted podvsd adopts its own entries: nothing to do */
	expect(&w, 1, &h, 1, NULL, "");
	pd_vs_free(w);
	pd_vs_free(h);
}

static void test_service_attrs(void **state)
{
	struct pd_vs *w = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "rr", OWNER);
	struct pd_vs *h = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh",
				"podvsd:old/name");

	(void)state;
	/* timeout/netmask are ignored unless persistent */
	h->timeout = 300;
	h->netmask = 24;
	expect(&w, 1, &h, 1, NULL,
	       "edit service TCP 192.0.2.1:80 sched owner");
	w->flags = PODVS_SVC_F_PERSISTENT | PODVS_SVC_F_HASH_PORT;
	w->timeout = 10800;
	w->netmask = 32;
	snprintf(h->sched, sizeof(h->sched), "rr");
	snprintf(h->owner, sizeof(h->owner), OWNER);
	expect(&w, 1, &h, 1, NULL,
	       "edit service TCP 192.0.2.1:80 flags timeout netmask");
	h->flags = w->flags;
	h->timeout = w->timeout;
	expect(&w, 1, &h, 1, NULL, "edit service TCP 192.0.2.1:80 netmask");
	pd_vs_free(w);
	pd_vs_free(h);
}

static void prefix(struct pd_vs *vs, const char *cidr)
{
	char err[128];

	assert_int_equal(pd_prefix_parse(cidr, &vs->snat[vs->n_snat++], err,
					 sizeof(err)), 0);
	pd_vs_snat_sort(vs);
}

/* A changed SNAT list is one SET_SERVICE of the list; order is no change. */
static void test_snat_change(void **state)
{
	struct pd_vs *w = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh", OWNER);
	struct pd_vs *h = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh", OWNER);
	struct pd_table t;
	struct pd_ops o = { 0 };

	(void)state;
	prefix(w, "10.0.0.0/8");
	expect(&w, 1, &h, 1, NULL, "edit service TCP 192.0.2.1:80 snat");
	prefix(h, "10.0.0.0/8");
	expect(&w, 1, &h, 1, NULL, "");
	prefix(w, "10.0.0.0/16");	/* same prefix, other length */
	expect(&w, 1, &h, 1, NULL, "edit service TCP 192.0.2.1:80 snat");
	prefix(h, "10.0.0.0/16");
	expect(&w, 1, &h, 1, NULL, "");
	w->n_snat = 0;			/* cleared */
	expect(&w, 1, &h, 1, NULL, "edit service TCP 192.0.2.1:80 snat");
	/* the in-memory kernel applies it */
	pd_table_init(&t);
	assert_int_equal(pd_table_put(&t, pd_vs_dup(h)), 0);
	w->n_snat = 0;
	prefix(w, "192.168.0.0/16");
	assert_int_equal(pd_diff(&w, 1, &h, 1, NULL, &o), 0);
	assert_int_equal(pd_table_apply(&t, &o.v[0]), 0);
	assert_true(pd_snat_eq(pd_table_get(&t, &w->key), w));
	pd_ops_fini(&o);
	pd_table_fini(&t);
	pd_vs_free(w);
	pd_vs_free(h);
}

static void test_dests(void **state)
{
	struct pd_vs *w = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh", OWNER);
	struct pd_vs *h = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh", OWNER);

	(void)state;
	add_dest(w, "10.0.0.1", 8080, 0);			/* same */
	add_dest(h, "10.0.0.1", 8080, 0);
	add_dest(w, "10.0.0.2", 8080, PODVS_DEST_F_DRAIN);	/* drain */
	add_dest(h, "10.0.0.2", 8080, 0);
	add_dest(w, "10.0.0.3", 8080, 0);			/* undrain */
	add_dest(h, "10.0.0.3", 8080, PODVS_DEST_F_DRAIN);
	add_dest(w, "10.0.0.4", 8080, 0)->weight = 5;		/* weight */
	add_dest(h, "10.0.0.4", 8080, 0);
	add_dest(w, "10.0.0.5", 9090, 0);			/* new port */
	add_dest(h, "10.0.0.5", 8080, 0);
	add_dest(h, "10.0.0.6", 8080, 0);			/* gone */
	add_dest(h, "10.0.0.7", 8080, 0)->foreign = true;	/* not ours */
	add_dest(w, "10.0.0.8", 8080, 0);			/* foreign */
	add_dest(h, "10.0.0.8", 8080, PODVS_DEST_F_DRAIN)->foreign = true;
	expect(&w, 1, &h, 1, NULL,
	       "delete dest TCP 192.0.2.1:80 -> 10.0.0.5:8080; "
	       "delete dest TCP 192.0.2.1:80 -> 10.0.0.6:8080; "
	       "edit dest TCP 192.0.2.1:80 -> 10.0.0.2:8080 dflags; "
	       "edit dest TCP 192.0.2.1:80 -> 10.0.0.3:8080 dflags; "
	       "edit dest TCP 192.0.2.1:80 -> 10.0.0.4:8080 weight; "
	       "add dest TCP 192.0.2.1:80 -> 10.0.0.5:9090");
	pd_vs_free(w);
	pd_vs_free(h);
}

static bool linger_all(void *ctx, const struct pd_vs *have,
		       const struct pd_dest *d)
{
	(void)ctx;
	(void)have;
	return d->conns > 0;
}

static void test_linger(void **state)
{
	struct pd_vs *w = mk_vs(IPPROTO_UDP, "192.0.2.1", 53, "mh", OWNER);
	struct pd_vs *h = mk_vs(IPPROTO_UDP, "192.0.2.1", 53, "mh", OWNER);
	struct pd_diff_policy pol = { .linger = linger_all };
	struct pd_ops o = { 0 };

	(void)state;
	add_dest(h, "10.0.0.1", 53, 0)->conns = 3;	/* flows: drain */
	add_dest(h, "10.0.0.2", 53, PODVS_DEST_F_DRAIN)->conns = 1; /* kept */
	add_dest(h, "10.0.0.3", 53, 0);			/* no flows: delete */
	expect(&w, 1, &h, 1, &pol,
	       "delete dest UDP 192.0.2.1:53 -> 10.0.0.3:53; "
	       "edit dest UDP 192.0.2.1:53 -> 10.0.0.1:53 dflags");
	assert_int_equal(pd_diff(&w, 1, &h, 1, &pol, &o), 0);
	assert_int_equal(o.v[1].dest.flags, PODVS_DEST_F_DRAIN);
	assert_int_equal(o.v[1].dest.weight, 1);
	pd_ops_fini(&o);
	/* the whole VS unwanted: deleted, lingering is per dest only */
	expect(NULL, 0, &h, 1, &pol, "delete service UDP 192.0.2.1:53");
	pd_vs_free(w);
	pd_vs_free(h);
}

static void test_canonical_order(void **state)
{
	struct pd_vs *w[3], *h[3];

	(void)state;
	w[0] = mk_vs(IPPROTO_TCP, "192.0.2.2", 80, "mh", OWNER);
	add_dest(w[0], "10.0.0.1", 80, 0);
	w[1] = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "rr", OWNER);
	add_dest(w[1], "10.0.0.3", 80, 0);
	w[2] = mk_vs(IPPROTO_TCP, "192.0.2.3", 80, "mh", OWNER);
	h[0] = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh", OWNER);
	add_dest(h[0], "10.0.0.4", 80, 0);
	h[1] = mk_vs(IPPROTO_TCP, "192.0.2.9", 80, "mh", OWNER);
	h[2] = mk_vs(IPPROTO_TCP, "192.0.2.0", 80, "mh", OWNER);
	expect(w, 3, h, 3, NULL,
	       "delete service TCP 192.0.2.0:80; "
	       "delete service TCP 192.0.2.9:80; "
	       "add service TCP 192.0.2.2:80; "
	       "add service TCP 192.0.2.3:80; "
	       "edit service TCP 192.0.2.1:80 sched; "
	       "delete dest TCP 192.0.2.1:80 -> 10.0.0.4:80; "
	       "add dest TCP 192.0.2.1:80 -> 10.0.0.3:80; "
	       "add dest TCP 192.0.2.2:80 -> 10.0.0.1:80");
	free_all(w, 3);
	free_all(h, 3);
}

/* ---- randomized properties ------------------------------------------- */

static unsigned int seed = 12345;

static unsigned int rnd(unsigned int n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

/* A random table: VIPs 192.0.2.0..7 port 80/81, dests 10.0.0.0..15. */
static size_t random_table(struct pd_vs **v, size_t max, bool foreign)
{
	size_t n = 0;

	for (int ip = 0; ip < 8; ip++) {
		for (int port = 80; port < 82; port++) {
			char vip[32];
			struct pd_vs *vs;
			int nd = rnd(6);

			if (rnd(3) == 0 || n == max)
				continue;
			snprintf(vip, sizeof(vip), "192.0.2.%d", ip);
			vs = mk_vs(rnd(2) ? IPPROTO_TCP : IPPROTO_UDP, vip,
				   port, rnd(2) ? "mh" : "rr",
				   foreign && !rnd(5) ? "admin" : OWNER);
			vs->flags = rnd(2) ? PODVS_SVC_F_PERSISTENT : 0;
			vs->timeout = vs->flags ? 100 + rnd(3) : 0;
			vs->netmask = vs->flags ? 32 : 0;
			for (int i = 0; i < nd; i++) {
				char ip4[32];
				struct pd_dest d = { .port = 8080 + rnd(2),
						     .weight = 1 + rnd(2),
						     .flags = rnd(2) };
				struct pd_addr a;

				snprintf(ip4, sizeof(ip4), "10.0.0.%u",
					 rnd(16));
				pd_addr_parse(ip4, &a);
				memcpy(d.addr, a.b, 16);
				pd_vs_dest_insert(vs, &d);	/* dups: skip */
			}
			v[n++] = vs;
		}
	}
	return n;
}

static void shuffle(struct pd_vs **v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd(i);
		struct pd_vs *t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

static bool same_ops(const struct pd_ops *a, const struct pd_ops *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct pd_op *x = &a->v[i], *y = &b->v[i];

		if (x->cmd != y->cmd || x->mask != y->mask ||
		    pd_vs_key_cmp(&x->key, &y->key) ||
		    memcmp(&x->dest, &y->dest, sizeof(x->dest)))
			return false;
	}
	return true;
}

static void test_order_independent(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		struct pd_vs *w[16], *h[16];
		size_t nw = random_table(w, 16, false);
		size_t nh = random_table(h, 16, true);
		struct pd_ops a = { 0 }, b = { 0 };

		assert_int_equal(pd_diff(w, nw, h, nh, NULL, &a), 0);
		shuffle(w, nw);
		shuffle(h, nh);
		assert_int_equal(pd_diff(w, nw, h, nh, NULL, &b), 0);
		assert_true(same_ops(&a, &b));
		pd_ops_fini(&a);
		pd_ops_fini(&b);
		free_all(w, nw);
		free_all(h, nh);
	}
}

/* Apply the diff to @have with the fake kernel: the result must diff empty
 * against @want, and each op must have been necessary (no -EEXIST etc.). */
static void test_apply_converges(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		struct pd_vs *w[16], *h[16], **got;
		size_t nw = random_table(w, 16, false);
		size_t nh = random_table(h, 16, false), ng;
		struct pd_ops a = { 0 }, b = { 0 };
		struct pd_table t;

		pd_table_init(&t);
		for (size_t i = 0; i < nh; i++)
			assert_int_equal(pd_table_put(&t, pd_vs_dup(h[i])), 0);
		assert_int_equal(pd_diff(w, nw, h, nh, NULL, &a), 0);
		for (size_t i = 0; i < a.n; i++)
			assert_int_equal(pd_table_apply(&t, &a.v[i]), 0);
		assert_int_equal(pd_table_sorted(&t, &got, &ng), 0);
		assert_int_equal(pd_diff(w, nw, got, ng, NULL, &b), 0);
		assert_int_equal(b.n, 0);
		assert_int_equal(ng, nw);
		free(got);
		pd_table_fini(&t);
		pd_ops_fini(&a);
		pd_ops_fini(&b);
		free_all(w, nw);
		free_all(h, nh);
	}
}

/* Minimality: the number of ops equals the number of differing items. */
static void test_minimal_count(void **state)
{
	struct pd_vs *w = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh", OWNER);
	struct pd_vs *h;
	struct pd_ops o = { 0 };

	(void)state;
	for (int i = 0; i < 100; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "10.0.1.%d", i);
		add_dest(w, ip, 80, 0);
	}
	h = pd_vs_dup(w);
	/* one endpoint changes in a Service of 100: one op */
	w->dests[50].flags = PODVS_DEST_F_DRAIN;
	assert_int_equal(pd_diff(&w, 1, &h, 1, NULL, &o), 0);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.v[0].cmd, PODVS_CMD_SET_DEST);
	pd_ops_fini(&o);
	pd_vs_free(w);
	pd_vs_free(h);
}

static void test_table_apply_errors(void **state)
{
	struct pd_table t;
	struct pd_vs *w = mk_vs(IPPROTO_TCP, "192.0.2.1", 80, "mh", OWNER);
	struct pd_op op = { .cmd = PODVS_CMD_NEW_DEST, .key = w->key,
			    .vs = w };

	(void)state;
	pd_table_init(&t);
	assert_int_equal(pd_table_apply(&t, &op), -ENOENT);
	op.cmd = PODVS_CMD_NEW_SERVICE;
	assert_int_equal(pd_table_apply(&t, &op), 0);
	assert_int_equal(pd_table_apply(&t, &op), -EEXIST);
	op.cmd = PODVS_CMD_DEL_DEST;
	assert_int_equal(pd_table_apply(&t, &op), -ENOENT);
	op.cmd = PODVS_CMD_NEW_DEST;
	assert_int_equal(pd_table_apply(&t, &op), 0);
	assert_int_equal(pd_table_apply(&t, &op), -EEXIST);
	op.cmd = PODVS_CMD_DEL_SERVICE;
	assert_int_equal(pd_table_apply(&t, &op), 0);
	assert_null(pd_table_get(&t, &w->key));
	pd_table_fini(&t);
	pd_vs_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_add_all),
		cmocka_unit_test(test_delete_owned_keep_foreign),
		cmocka_unit_test(test_foreign_key_conflict),
		cmocka_unit_test(test_identical_no_ops),
		cmocka_unit_test(test_service_attrs),
		cmocka_unit_test(test_snat_change),
		cmocka_unit_test(test_dests),
		cmocka_unit_test(test_linger),
		cmocka_unit_test(test_canonical_order),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_apply_converges),
		cmocka_unit_test(test_minimal_count),
		cmocka_unit_test(test_table_apply_errors),
	};

	return cmocka_run_group_tests_name("podvsd_diff", tests, NULL, NULL);
}
