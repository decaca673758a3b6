// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the Maglev scheduler: full tables, balance, minimal disruption,
 * weights, independence from insertion order, fallback from drained dests.
 */
#include <linux/mm.h>
#include <linux/sort.h>

#include "podvs_test.h"

#define PODVS_M		PODVS_DEFAULT_MH_TABLE_SIZE

/* dest number i lives at 10.0.0.0 + i + 1, port 8080 */
static void podvs_mh_conf(struct podvs_dest_conf *c, u32 i, u32 weight)
{
	memset(c, 0, sizeof(*c));
	c->addr.ip = htonl(0x0a000001 + i);
	c->port = htons(8080);
	c->weight = weight;
	c->present = BIT(PODVS_DEST_A_WEIGHT);
}

/* Add dests order[0..n-1] (identity when order is NULL) in one commit. */
static int podvs_mh_add(struct podvs_service *svc, u32 n, const u32 *order,
			const u32 *weights)
{
	struct podvs_net *pn = svc->pn;
	struct podvs_dest_conf c;
	struct podvs_txn t;
	int ret;
	u32 i;

	mutex_lock(&pn->lock);
	ret = podvs_txn_begin(&t, pn, n);
	for (i = 0; !ret && i < n; i++) {
		u32 k = order ? order[i] : i;

		podvs_mh_conf(&c, k, weights ? weights[k] : 1);
		ret = podvs_dest_new(&t, svc, &c);
	}
	if (ret)
		podvs_txn_abort(&t);
	else
		ret = podvs_txn_commit(&t);
	mutex_unlock(&pn->lock);
	return ret;
}

static struct podvs_service *podvs_mh_svc(struct kunit *test, u16 port, u32 n,
					  const u32 *order, const u32 *weights)
{
	struct podvs_service *svc;

	svc = podvs_test_svc(test->priv, IPPROTO_TCP, "192.0.2.1", port, "mh",
			     PODVS_M);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_ASSERT_EQ(test, podvs_mh_add(svc, n, order, weights), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_state(svc)->n, n);
	return svc;
}

/* Table entry -> dest, for comparisons across rebuilds. */
static struct podvs_dest **podvs_mh_map(struct kunit *test,
					struct podvs_service *svc)
{
	struct podvs_sched_state *st = podvs_test_state(svc);
	struct podvs_dest **map;
	u32 i;

	map = kunit_kmalloc_array(test, PODVS_M, sizeof(*map), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, map);
	KUNIT_ASSERT_EQ(test, podvs_mh_size(st), PODVS_M);
	for (i = 0; i < PODVS_M; i++)
		map[i] = st->dests[podvs_mh_entry(st, i)];
	return map;
}

/* Entries per dest (by index in the sorted snapshot). */
static u32 *podvs_mh_counts(struct kunit *test, struct podvs_service *svc)
{
	struct podvs_sched_state *st = podvs_test_state(svc);
	u32 *cnt, i;

	cnt = kunit_kcalloc(test, st->n, sizeof(*cnt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cnt);
	for (i = 0; i < PODVS_M; i++)
		cnt[podvs_mh_entry(st, i)]++;
	return cnt;
}

static const struct {
	u32 m;
	bool valid;
} podvs_mh_sizes[] = {
	{ 251, true }, { 249, false }, { 253, false }, { 65537, true },
	{ 65536, false }, { 65535, false }, { 1048573, true },
	{ 1048576, false }, { 2, false }, { 7, false }, { 4093, true },
};

static void podvs_mh_test_size(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(podvs_mh_sizes); i++)
		KUNIT_EXPECT_EQ_MSG(test, podvs_mh_size_valid(podvs_mh_sizes[i].m),
				    podvs_mh_sizes[i].valid, "m = %u",
				    podvs_mh_sizes[i].m);
}

static const u32 podvs_mh_ns[] = { 1, 3, 100, 250, 600 };

static void podvs_mh_n_desc(const u32 *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u dests", *n);
}

KUNIT_ARRAY_PARAM(podvs_mh_n, podvs_mh_ns, podvs_mh_n_desc);

/* Every entry names a dest; balance within 1% of M / n when M > 100 n. */
static void podvs_mh_test_balance(struct kunit *test)
{
	u32 n = *(const u32 *)test->param_value;
	struct podvs_service *svc = podvs_mh_svc(test, 80, n, NULL, NULL);
	u32 *cnt = podvs_mh_counts(test, svc), i, lo = U32_MAX, hi = 0, sum = 0;

	for (i = 0; i < n; i++) {
		lo = min(lo, cnt[i]);
		hi = max(hi, cnt[i]);
		sum += cnt[i];
	}
	KUNIT_EXPECT_EQ(test, sum, PODVS_M);
	for (i = 0; i < PODVS_M; i++)
		KUNIT_ASSERT_LT(test, podvs_mh_entry(podvs_test_state(svc), i), n);
	/* hi / (M / n) <= 1.01 and lo / (M / n) >= 0.99 */
	KUNIT_EXPECT_LE_MSG(test, (u64)hi * n * 100, (u64)PODVS_M * 101,
			    "max %u entries, ideal %u", hi, PODVS_M / n);
	KUNIT_EXPECT_GE_MSG(test, (u64)lo * n * 100, (u64)PODVS_M * 99,
			    "min %u entries, ideal %u", lo, PODVS_M / n);
}

static const u32 podvs_mh_big_ns[] = { 100, 250, 600 };

KUNIT_ARRAY_PARAM(podvs_mh_big_n, podvs_mh_big_ns, podvs_mh_n_desc);

/* Removing 1 of n dests changes at most 1/n + 2% of the entries; entries
 * of other dests move only within the 2%.  Adding one back likewise.
 */
static void podvs_mh_test_disruption(struct kunit *test)
{
	u32 n = *(const u32 *)test->param_value, i, changed = 0, others = 0;
	struct podvs_service *svc = podvs_mh_svc(test, 80, n, NULL, NULL);
	struct podvs_dest **before = podvs_mh_map(test, svc), **after, *gone;
	__be32 mid = htonl(0x0a000001 + n / 2);
	char ip[16];

	snprintf(ip, sizeof(ip), "%pI4", &mid);
	gone = podvs_test_find(svc, ip, 8080);
	KUNIT_ASSERT_NOT_NULL(test, gone);
	KUNIT_ASSERT_EQ(test, podvs_test_dest_op(svc, ip, 8080, true, 0, 0), 0);
	after = podvs_mh_map(test, svc);
	for (i = 0; i < PODVS_M; i++) {
		KUNIT_ASSERT_PTR_NE(test, after[i], gone);
		changed += before[i] != after[i];
		others += before[i] != gone && before[i] != after[i];
	}
	kunit_info(test, "%u dests, remove 1: %u of %u entries moved (%u not on it)",
		   n, changed, PODVS_M, others);
	KUNIT_EXPECT_LE(test, (u64)changed * 100 * n, (u64)PODVS_M * (100 + 2 * n));
	KUNIT_EXPECT_LE(test, (u64)others * 100, (u64)PODVS_M * 2);

	KUNIT_ASSERT_EQ(test, podvs_test_dest(svc, ip, 8080, 1), 0);
	before = after;
	after = podvs_mh_map(test, svc);
	for (changed = 0, i = 0; i < PODVS_M; i++)
		changed += before[i] != after[i];
	kunit_info(test, "add 1 back: %u entries moved", changed);
	KUNIT_EXPECT_LE(test, (u64)changed * 100 * n, (u64)PODVS_M * (100 + 2 * n));
}

/* Shares follow weights (1% relative). */
static void podvs_mh_test_weights(struct kunit *test)
{
	static const u32 w[] = { 1, 2, 3, 4, 100 };
	struct podvs_service *svc = podvs_mh_svc(test, 80, ARRAY_SIZE(w), NULL, w);
	u32 *cnt = podvs_mh_counts(test, svc), i, total = 0;

	for (i = 0; i < ARRAY_SIZE(w); i++)
		total += w[i];
	/* the snapshot is sorted by address: index i is dest i */
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		u64 ideal100 = (u64)PODVS_M * w[i] * 100;

		KUNIT_EXPECT_LE_MSG(test, (u64)cnt[i] * total * 100,
				    ideal100 + ideal100 / 100,
				    "weight %u: %u entries", w[i], cnt[i]);
		KUNIT_EXPECT_GE_MSG(test, (u64)cnt[i] * total * 100,
				    ideal100 - ideal100 / 100,
				    "weight %u: %u entries", w[i], cnt[i]);
	}
}

static int podvs_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* The same dests added in another order give the same table. */
static void podvs_mh_test_order(struct kunit *test)
{
	u32 n = 64, order[64], keys[64], i;
	struct podvs_service *a, *b;
	struct podvs_dest **ma, **mb;

	for (i = 0; i < n; i++) {
		/* a fixed shuffle: multiply by a unit mod 64 */
		order[i] = (i * 37 + 11) % n;
		keys[i] = order[i];
	}
	sort(keys, n, sizeof(keys[0]), podvs_cmp_u32, NULL);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, keys[i], i);	/* a permutation */
	a = podvs_mh_svc(test, 80, n, NULL, NULL);
	b = podvs_mh_svc(test, 81, n, order, NULL);
	ma = podvs_mh_map(test, a);
	mb = podvs_mh_map(test, b);
	for (i = 0; i < PODVS_M; i++) {
		if (ma[i]->addr.ip != mb[i]->addr.ip) {
			KUNIT_FAIL(test, "entry %u differs", i);
			break;
		}
	}
}

/* A drained dest never gets a new client, before or after the rebuild,
 * other clients stay put until the rebuild, and nobody gets NULL.
 */
static void podvs_mh_test_drain(struct kunit *test)
{
	struct podvs_service *svc = podvs_mh_svc(test, 80, 10, NULL, NULL);
	struct podvs_dest **first, *drained, *d;
	u32 i, moved = 0, on_drained = 0;
	char client[16];

	first = kunit_kmalloc_array(test, 2000, sizeof(*first), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, first);
	drained = podvs_test_find(svc, "10.0.0.4", 8080);
	for (i = 0; i < 2000; i++) {
		snprintf(client, sizeof(client), "198.51.%u.%u", i / 250, i % 250);
		first[i] = podvs_test_pick(svc, client, 1000);
		on_drained += first[i] == drained;
	}
	KUNIT_EXPECT_GT(test, on_drained, 0U);
	/* flag set, table not rebuilt yet (as inside a batch) */
	WRITE_ONCE(drained->flags, PODVS_DEST_F_DRAIN);
	for (i = 0; i < 2000; i++) {
		snprintf(client, sizeof(client), "198.51.%u.%u", i / 250, i % 250);
		d = podvs_test_pick(svc, client, 1000);
		KUNIT_ASSERT_NOT_NULL(test, d);
		KUNIT_ASSERT_PTR_NE(test, d, drained);
		if (first[i] != drained)
			KUNIT_ASSERT_PTR_EQ(test, d, first[i]);
	}
	WRITE_ONCE(drained->flags, 0);
	KUNIT_ASSERT_EQ(test, podvs_test_dest_op(svc, "10.0.0.4", 8080, false, 1,
						 PODVS_DEST_F_DRAIN), 0);
	KUNIT_EXPECT_EQ(test, podvs_test_state(svc)->n, 9U);
	for (i = 0; i < 2000; i++) {
		snprintf(client, sizeof(client), "198.51.%u.%u", i / 250, i % 250);
		d = podvs_test_pick(svc, client, 1000);
		KUNIT_ASSERT_NOT_NULL(test, d);
		KUNIT_ASSERT_PTR_NE(test, d, drained);
		moved += first[i] != drained && d != first[i];
	}
	/* Maglev bound for 1 of 10: other clients move within 2% */
	KUNIT_EXPECT_LE(test, moved * 100, 2000U * 2);
}

/* Only one dest left available: everyone gets it; none: NULL. */
static void podvs_mh_test_fallback_all(struct kunit *test)
{
	struct podvs_service *svc = podvs_mh_svc(test, 80, 5, NULL, NULL);
	struct podvs_sched_state *st = podvs_test_state(svc);
	char client[16];
	u32 i;

	for (i = 1; i < st->n; i++)
		WRITE_ONCE(st->dests[i]->weight, 0);
	for (i = 0; i < 500; i++) {
		snprintf(client, sizeof(client), "203.0.113.%u", i % 250);
		KUNIT_ASSERT_PTR_EQ(test, podvs_test_pick(svc, client, i),
				    st->dests[0]);
	}
	WRITE_ONCE(st->dests[0]->flags, PODVS_DEST_F_DRAIN);
	KUNIT_EXPECT_NULL(test, podvs_test_pick(svc, "203.0.113.1", 1));
	for (i = 0; i < st->n; i++) {
		WRITE_ONCE(st->dests[i]->weight, 1);
		WRITE_ONCE(st->dests[i]->flags, 0);
	}
}

/* Source port counts only with PODVS_SVC_F_HASH_PORT. */
static void podvs_mh_test_hash_port(struct kunit *test)
{
	struct podvs_service *svc = podvs_mh_svc(test, 80, 10, NULL, NULL);
	struct podvs_dest *d0 = podvs_test_pick(svc, "198.51.100.7", 1);
	bool differs = false;
	u16 p;

	for (p = 2; p < 64; p++)
		KUNIT_EXPECT_PTR_EQ(test, podvs_test_pick(svc, "198.51.100.7", p), d0);
	WRITE_ONCE(svc->flags, PODVS_SVC_F_HASH_PORT);
	for (p = 2; p < 64; p++)
		differs |= podvs_test_pick(svc, "198.51.100.7", p) != d0;
	KUNIT_EXPECT_TRUE(test, differs);
	WRITE_ONCE(svc->flags, 0);
}

/* The flow hash is a fixed function: gateways and reboots agree. */
static void podvs_mh_test_hash_fixed(struct kunit *test)
{
	struct podvs_flow_key k4 = { .af = AF_INET, .sport = htons(1234) };
	struct podvs_flow_key k6 = { .af = AF_INET6 };

	k4.saddr = podvs_test_addr("192.0.2.1");
	k6.saddr = podvs_test_addr("2001:db8::1");
	kunit_info(test, "hash 192.0.2.1 %08x, :1234 %08x, 2001:db8::1 %08x",
		   podvs_sched_hash(&k4, false), podvs_sched_hash(&k4, true),
		   podvs_sched_hash(&k6, false));
	KUNIT_EXPECT_NE(test, podvs_sched_hash(&k4, false),
			podvs_sched_hash(&k4, true));
}

/* Tables pinned by digest: every gateway, this build or the next, must
 * compute the same table from the same dests.  The digests were taken
 * from the original fill (one probe loop, one u32-or-u16 table); any
 * faster fill must reproduce them.  Dest i: 10.0.0.(1 + i):8080.
 */
struct podvs_mh_golden {
	u32 m, n;
	u8 weights;	/* 0: all 1; 1: 1, 2, 3, 4, 100; 2: i % 7 + 1 */
	u32 digest;
};

static const struct podvs_mh_golden podvs_mh_goldens[] = {
	{ 65537, 1, 0, 0x3de85d1f }, { 65537, 3, 0, 0x6eb4700d },
	{ 65537, 10, 0, 0xf1455743 }, { 65537, 100, 0, 0x44ca6877 },
	{ 65537, 5, 1, 0xaa08da1f }, { 65537, 255, 0, 0xd72d929b },
	{ 65537, 256, 0, 0xc30dcfbd }, { 65537, 1000, 0, 0x245535e3 },
	{ 251, 10, 0, 0x63dc3628 }, { 4093, 100, 2, 0xd6e275db },
	{ 1048573, 10, 0, 0x3b9bfa61 },
};

static void podvs_mh_golden_desc(const struct podvs_mh_golden *g, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "M=%u, %u dests, weights %u",
		 g->m, g->n, g->weights);
}

KUNIT_ARRAY_PARAM(podvs_mh_golden, podvs_mh_goldens, podvs_mh_golden_desc);

static u32 podvs_mh_golden_weight(const struct podvs_mh_golden *g, u32 i)
{
	static const u32 w[] = { 1, 2, 3, 4, 100 };

	if (g->weights == 1)
		return w[i];
	return g->weights == 2 ? i % 7 + 1 : 1;
}

/* FNV-1a over the entries, whatever their width. */
static u32 podvs_mh_digest(const struct podvs_sched_state *st)
{
	u32 h = 2166136261U, i;

	for (i = 0; i < podvs_mh_size(st); i++)
		h = (h ^ podvs_mh_entry(st, i)) * 16777619U;
	return h;
}

static void podvs_mh_test_golden(struct kunit *test)
{
	const struct podvs_mh_golden *g = test->param_value;
	struct podvs_service *svc;
	u32 *w, i;

	w = kunit_kmalloc_array(test, g->n, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < g->n; i++)
		w[i] = podvs_mh_golden_weight(g, i);
	svc = podvs_test_svc(test->priv, IPPROTO_TCP, "192.0.2.1", 80, "mh",
			     g->m);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_ASSERT_EQ(test, podvs_mh_add(svc, g->n, NULL, w), 0);
	KUNIT_ASSERT_EQ(test, podvs_test_state(svc)->n, g->n);
	KUNIT_ASSERT_EQ(test, podvs_mh_size(podvs_test_state(svc)), g->m);
	KUNIT_EXPECT_EQ(test, podvs_mh_digest(podvs_test_state(svc)), g->digest);
}

/* Average build time of svc's table over >= 100 ms of builds (the guest
 * clock may tick in jiffies); 0 on failure.
 */
static u64 podvs_mh_build_ns(struct podvs_service *svc)
{
	u64 start = ktime_get_ns(), now = start;
	u32 builds = 0;
	void *st;

	mutex_lock(&svc->pn->lock);
	while (builds < 3 || now - start < 100 * NSEC_PER_MSEC) {
		if (podvs_sched_prepare(svc, &st))
			break;
		podvs_sched_abort(svc, st);
		builds++;
		now = ktime_get_ns();
	}
	mutex_unlock(&svc->pn->lock);
	return builds ? div_u64(now - start, builds) : 0;
}

/* Build time against dest count, printed only (TCG: ratios, never pass/
 * fail on time).
 */
static void podvs_mh_test_build_time(struct kunit *test)
{
	static const u32 ns[] = { 10, 100, 1000 };
	u64 t[ARRAY_SIZE(ns)];
	int i;

	for (i = 0; i < ARRAY_SIZE(ns); i++) {
		t[i] = podvs_mh_build_ns(podvs_mh_svc(test, 100 + i, ns[i], NULL,
						      NULL));
		KUNIT_ASSERT_GT(test, t[i], 0ULL);
	}
	kunit_info(test, "M=%u build: 10 dests %llu us, 100 %llu us, 1000 %llu us; 1000/10 = %llu.%02llu",
		   PODVS_M, t[0] / 1000, t[1] / 1000, t[2] / 1000,
		   div64_u64(t[2], t[0]), div64_u64(t[2] * 100, t[0]) % 100);
}

static struct kunit_case podvs_mh_cases[] = {
	KUNIT_CASE(podvs_mh_test_size),
	KUNIT_CASE_PARAM(podvs_mh_test_balance, podvs_mh_n_gen_params),
	KUNIT_CASE_PARAM(podvs_mh_test_disruption, podvs_mh_big_n_gen_params),
	KUNIT_CASE(podvs_mh_test_weights),
	KUNIT_CASE(podvs_mh_test_order),
	KUNIT_CASE(podvs_mh_test_drain),
	KUNIT_CASE(podvs_mh_test_fallback_all),
	KUNIT_CASE(podvs_mh_test_hash_port),
	KUNIT_CASE(podvs_mh_test_hash_fixed),
	KUNIT_CASE_PARAM(podvs_mh_test_golden, podvs_mh_golden_gen_params),
	KUNIT_CASE(podvs_mh_test_build_time),
	{}
};

static struct kunit_suite podvs_mh_suite = {
	.name = "podvs_mh",
	.suite_init = podvs_test_suite_init,
	.suite_exit = podvs_test_suite_exit,
	.init = podvs_test_init,
	.exit = podvs_test_exit,
	.test_cases = podvs_mh_cases,
};

kunit_test_suite(podvs_mh_suite);
