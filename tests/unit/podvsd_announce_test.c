// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd's announcement rule (node/announce.c) on the in-memory kernel's
 * switch, with the clock injected: nothing before the first sync, the
 * link following usable VIPs, the grace period for a lost API server and
 * for kernel errors, the heartbeat, a restart that changes nothing, a
 * restart after the watchdog fired that announces nothing stale, the
 * decommission annotation next to podvsadm's switch, a module reload.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "podvsd/kernel_announce.h"
#include "podvsd/node/announce.h"

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };

#define S	1000ULL		/* ms */
#define GRACE	60

struct env {
	struct pd_memkernel mk;
	struct pd_announce a;
	struct pd_hmap link;	/* what the fake link holds */
	int link_syncs, link_fail, reloads;
};

static int link_sync(void *ctx, const struct pd_hmap *vips)
{
	struct env *e = ctx;
	struct pd_hmap_iter it;

	if (e->link_fail)
		return -EIO;
	e->link_syncs++;
	pd_hmap_fini(&e->link);
	pd_hmap_init(&e->link);
	for (struct pd_hmap_ent *h = pd_hmap_first(vips, &it); h;
	     h = pd_hmap_next(vips, &it))
		pd_hmap_put(&e->link, h->key, h->klen, (void *)1, NULL);
	return 0;
}

static void reloaded(void *ctx)
{
	((struct env *)ctx)->reloads++;
}

/* A kernel left as @ready/@hold by an earlier podvsd (or fresh: 0, 0),
 * its watchdog @running or fired. */
static struct env *env_new_run(bool ready, uint32_t hold, bool running,
			       uint64_t now)
{
	struct env *e = calloc(1, sizeof(*e));
	const struct pd_ann_hooks hooks = {
		.link_sync = link_sync, .reloaded = reloaded, .ctx = e,
	};
	struct pd_ann_ops ops;

	pd_memkernel_init(&e->mk, NULL);
	e->mk.ann.ready = ready;
	e->mk.ann.hold = hold;
	e->mk.ann.running = running;
	pd_hmap_init(&e->link);
	pd_memkernel_ann_ops(&e->mk, &ops);
	pd_ann_init(&e->a, &quiet, GRACE, &ops, &hooks, now);
	return e;
}

static struct env *env_new(bool ready, uint32_t hold, uint64_t now)
{
	return env_new_run(ready, hold, hold != 0, now);
}

static void env_free(struct env *e)
{
	pd_ann_fini(&e->a);
	pd_memkernel_fini(&e->mk);
	pd_hmap_fini(&e->link);
	free(e);
}

/* A VIP set from "192.0.2.1 192.0.2.2". */
static void vips(struct pd_hmap *m, const char *list)
{
	char buf[256], *save = NULL;

	pd_hmap_init(m);
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		struct pd_addr a;

		memset(&a, 0, sizeof(a));
		assert_int_equal(pd_addr_parse(t, &a), 0);
		pd_hmap_put(m, &a, sizeof(a), (void *)1, NULL);
	}
}

static void usable(struct env *e, const char *list, uint64_t now)
{
	struct pd_hmap m;

	vips(&m, list);
	assert_int_equal(pd_ann_vips(&e->a, &m, now), 0);
	pd_hmap_fini(&m);
}

static bool on_link(struct env *e, const char *ip)
{
	struct pd_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(pd_addr_parse(ip, &a), 0);
	return pd_hmap_get(&e->link, &a, sizeof(a));
}

/* Ticks every second from @from to @to (inclusive). */
static void run(struct env *e, uint64_t from, uint64_t to)
{
	for (uint64_t t = from; t <= to; t += S)
		pd_ann_tick(&e->a, t);
}

static void test_nothing_before_sync(void **state)
{
	struct env *e = env_new(false, 0, 0);

	(void)state;
	usable(e, "192.0.2.1", 0);	/* a sync before the caches are in */
	run(e, 0, 30 * S);
	/* heartbeats only: READY untouched, link untouched */
	assert_int_equal(e->mk.ann.hold, GRACE);
	assert_false(e->mk.ann.ready);
	assert_int_equal(e->link_syncs, 0);
	assert_int_equal(e->a.want_ready, -1);
	pd_ann_synced(&e->a, 31 * S);
	assert_true(e->mk.ann.ready);
	assert_true(on_link(e, "192.0.2.1"));
	assert_true(e->a.stats.ready);
	assert_int_equal(e->a.stats.vips, 1);
	env_free(e);
}

static void test_not_synced_within_grace(void **state)
{
	struct env *e = env_new(true, GRACE, 0);

	(void)state;
	run(e, 0, (GRACE - 1) * S);
	assert_true(e->mk.ann.ready);	/* an earlier podvsd's, kept */
	run(e, GRACE * S, GRACE * S);
	assert_false(e->mk.ann.ready);
	assert_int_equal(e->a.stats.withdrawals[PD_ANN_NOT_SYNCED], 1);
	env_free(e);
}

static void test_link_follows_usable(void **state)
{
	struct env *e = env_new(false, 0, 0);

	(void)state;
	usable(e, "192.0.2.1 192.0.2.2 2001:db8::1", 0);
	pd_ann_synced(&e->a, 0);
	assert_true(on_link(e, "192.0.2.2"));
	assert_true(on_link(e, "2001:db8::1"));
	/* 192.0.2.2 lost its last usable dest */
	usable(e, "192.0.2.1 2001:db8::1", S);
	assert_false(on_link(e, "192.0.2.2"));
	assert_true(on_link(e, "192.0.2.1"));
	assert_int_equal(e->a.stats.withdrawals[PD_ANN_NO_DEST], 1);
	assert_int_equal(e->a.stats.vips, 2);
	/* a failing link is retried at the next tick */
	e->link_fail = 1;
	usable(e, "192.0.2.1", 2 * S);
	assert_true(on_link(e, "2001:db8::1"));
	e->link_fail = 0;
	pd_ann_tick(&e->a, 3 * S);
	assert_false(on_link(e, "2001:db8::1"));
	assert_int_equal(e->a.stats.vips, 1);
	assert_true(e->mk.ann.ready);	/* READY is not about one VIP */
	env_free(e);
}

static void test_api_lost(void **state)
{
	struct env *e = env_new(false, 0, 0);

	(void)state;
	usable(e, "192.0.2.1", 0);
	pd_ann_synced(&e->a, 0);
	pd_ann_api_stale(&e->a, 10 * S, 10 * S);
	run(e, 10 * S, (10 + GRACE - 1) * S);
	assert_true(e->mk.ann.ready);	/* fail-static within grace */
	assert_true(on_link(e, "192.0.2.1"));
	run(e, (10 + GRACE) * S, (10 + GRACE) * S);
	assert_false(e->mk.ann.ready);
	assert_false(e->a.stats.ready);
	assert_int_equal(e->a.stats.withdrawals[PD_ANN_API_LOST], 1);
	run(e, (11 + GRACE) * S, (20 + GRACE) * S);
	assert_int_equal(e->a.stats.withdrawals[PD_ANN_API_LOST], 1);
	/* back: READY=1 at once */
	pd_ann_api_stale(&e->a, 0, (21 + GRACE) * S);
	pd_ann_tick(&e->a, (21 + GRACE) * S);
	assert_true(e->mk.ann.ready);
	/* a short loss again changes nothing */
	pd_ann_api_stale(&e->a, (30 + GRACE) * S, (30 + GRACE) * S);
	run(e, (30 + GRACE) * S, (40 + GRACE) * S);
	pd_ann_api_stale(&e->a, 0, (41 + GRACE) * S);
	run(e, (41 + GRACE) * S, (100 + 2 * GRACE) * S);
	assert_true(e->mk.ann.ready);
	assert_int_equal(e->a.stats.withdrawals[PD_ANN_API_LOST], 1);
	env_free(e);
}

static void test_kernel_errors(void **state)
{
	struct env *e = env_new(false, 0, 0);

	(void)state;
	usable(e, "192.0.2.1", 0);
	pd_ann_synced(&e->a, 0);
	pd_ann_kernel(&e->a, false, 5 * S);	/* a sync failed */
	run(e, 5 * S, (4 + GRACE) * S);
	assert_true(e->mk.ann.ready);
	pd_ann_kernel(&e->a, false, (4 + GRACE) * S);	/* still failing */
	run(e, (5 + GRACE) * S, (5 + GRACE) * S);
	assert_false(e->mk.ann.ready);
	assert_int_equal(e->a.stats.withdrawals[PD_ANN_KERNEL_ERROR], 1);
	pd_ann_kernel(&e->a, true, (6 + GRACE) * S);	/* a sync worked */
	pd_ann_tick(&e->a, (6 + GRACE) * S);
	assert_true(e->mk.ann.ready);
	/* SET_ANNOUNCE itself failing counts as a kernel error */
	e->mk.ann_fail = -EIO;
	run(e, (7 + GRACE) * S, (20 + 2 * GRACE) * S);
	assert_true(e->a.stats.errors > 0);
	assert_int_not_equal(e->a.sw.bad_since_ms, 0);
	assert_true(e->mk.ann.ready);	/* could not be written */
	e->mk.ann_fail = 0;
	run(e, (21 + 2 * GRACE) * S, (21 + 2 * GRACE) * S);
	assert_false(e->mk.ann.ready);	/* written once it could be */
	assert_int_equal(e->a.stats.withdrawals[PD_ANN_KERNEL_ERROR], 2);
	env_free(e);
}

/* A SET_ANNOUNCE that failed once is healed by the next one, not by a
 * sync (which may not come for a long time). */
static void test_transient_set_error(void **state)
{
	struct env *e = env_new(false, 0, 0);

	(void)state;
	usable(e, "192.0.2.1", 0);
	pd_ann_synced(&e->a, 0);
	e->mk.ann_fail = -ENOBUFS;
	run(e, S, 10 * S);		/* the beat at 10 s fails */
	e->mk.ann_fail = 0;
	run(e, 11 * S, 300 * S);
	assert_true(e->mk.ann.ready);
	assert_int_equal(e->a.sw.bad_since_ms, 0);
	assert_int_equal(e->a.stats.withdrawals[PD_ANN_KERNEL_ERROR], 0);
	env_free(e);
}

static void test_heartbeat(void **state)
{
	struct env *e = env_new(false, 0, 0);
	size_t sets;

	(void)state;
	assert_int_equal(pd_ann_beat_ms(GRACE), 10 * S);
	assert_int_equal(pd_ann_beat_ms(1), 1 * S);
	run(e, 0, 59 * S);
	assert_int_equal(e->a.stats.heartbeats, 6);	/* 0, 10, ... 50 */
	assert_int_equal(e->mk.ann.hold, GRACE);
	e->mk.ann.hold = 7;	/* the next heartbeat sets it again */
	sets = e->mk.ann.sets;
	run(e, 60 * S, 60 * S);
	assert_int_equal(e->mk.ann.hold, GRACE);
	assert_int_equal(e->mk.ann.sets, sets + 1);
	env_free(e);
}

/* podvsd restarted within grace: the kernel keeps READY, its link keeps
 * its VIPs, and the first sync finds nothing to change. */
static void test_restart_keeps_state(void **state)
{
	struct env *e = env_new(true, GRACE, 1000 * S);

	(void)state;
	vips(&e->link, "192.0.2.1 192.0.2.2");
	run(e, 1000 * S, 1020 * S);
	assert_true(e->mk.ann.ready);
	assert_int_equal(e->link_syncs, 0);
	assert_int_equal(e->link.n, 2);
	usable(e, "192.0.2.1 192.0.2.2", 1021 * S);
	pd_ann_synced(&e->a, 1021 * S);
	assert_true(e->mk.ann.ready);
	assert_int_equal(e->link.n, 2);
	assert_int_equal(e->a.stats.withdrawals[PD_ANN_NO_DEST], 0);
	for (int r = 0; r < PD_ANN_N_REASONS; r++)
		assert_int_equal(e->a.stats.withdrawals[r], 0);
	env_free(e);
}

/*
 * podvsd dead longer than the grace period: the watchdog fired, the
 * carrier is off, READY is still the dead one's 1.  The new podvsd's
 * first heartbeats restart the watchdog before its first sync: they
 * must not turn the carrier on over tables the cluster has moved away
 * from (seen in e2e 63: a gateway restarted after a rolling update
 * announced its old Pods, and a new connection to a dead one failed).
 */
static void test_restart_after_expiry(void **state)
{
	struct env *e = env_new_run(true, GRACE, false, 1000 * S);

	(void)state;
	assert_false(e->a.stats.up);
	vips(&e->link, "192.0.2.1");	/* the dead one's VIP */
	run(e, 1000 * S, 1020 * S);
	assert_true(e->mk.ann.running);	/* heartbeats */
	assert_false(e->mk.ann.ready);	/* but the carrier stays off */
	assert_int_equal(e->link_syncs, 0);
	usable(e, "192.0.2.1", 1021 * S);
	pd_ann_synced(&e->a, 1021 * S);
	assert_true(e->mk.ann.ready);	/* announced once synced */
	assert_true(on_link(e, "192.0.2.1"));
	env_free(e);
}

static void test_decommission(void **state)
{
	struct env *e = env_new(true, GRACE, 0);

	(void)state;
	/* absent at start: the kernel's switch (podvsadm's) is left */
	e->mk.ann.decommissioned = true;
	assert_int_equal(pd_ann_node(&e->a, NULL, 0), 0);
	assert_true(e->mk.ann.decommissioned);
	assert_int_equal(pd_ann_node(&e->a, "true", S), 0);
	assert_true(e->mk.ann.decommissioned);
	assert_int_equal(e->a.stats.withdrawals[PD_ANN_DECOMMISSIONED], 1);
	assert_int_equal(pd_ann_node(&e->a, "false", 2 * S), 0);
	assert_false(e->mk.ann.decommissioned);
	/* unchanged annotation, podvsadm --decommission: left alone */
	e->mk.ann.decommissioned = true;
	assert_int_equal(pd_ann_node(&e->a, "false", 3 * S), 0);
	run(e, 3 * S, 30 * S);
	assert_true(e->mk.ann.decommissioned);
	/* a bad value changes nothing */
	assert_int_equal(pd_ann_node(&e->a, "yes", 31 * S), -EINVAL);
	assert_true(e->mk.ann.decommissioned);
	/* "true" then removed: 0 */
	assert_int_equal(pd_ann_node(&e->a, "true", 32 * S), 0);
	assert_int_equal(pd_ann_node(&e->a, NULL, 33 * S), 0);
	assert_false(e->mk.ann.decommissioned);
	env_free(e);
}

static void test_decommission_at_start(void **state)
{
	struct env *e = env_new(true, GRACE, 0);

	(void)state;
	assert_int_equal(pd_ann_node(&e->a, "true", 0), 0);
	assert_true(e->mk.ann.decommissioned);
	env_free(e);
}

static void test_reload(void **state)
{
	struct env *e = env_new(false, 0, 0);

	(void)state;
	usable(e, "192.0.2.1", 0);
	pd_ann_synced(&e->a, 0);
	pd_ann_node(&e->a, "true", 0);
	assert_true(e->mk.ann.ready);
	/* the module is reloaded: everything back to its defaults */
	memset(&e->mk.ann, 0, sizeof(e->mk.ann));
	run(e, S, 10 * S);
	assert_int_equal(e->reloads, 1);
	assert_false(e->mk.ann.ready);	/* not before the tables are back */
	assert_true(e->mk.ann.decommissioned);	/* the annotation's, again */
	assert_int_equal(e->mk.ann.hold, GRACE);
	pd_ann_link_reset(&e->a);
	pd_hmap_fini(&e->link);
	pd_hmap_init(&e->link);
	run(e, 11 * S, 12 * S);
	assert_false(on_link(e, "192.0.2.1"));
	usable(e, "192.0.2.1", 13 * S);	/* the sync after the reload */
	assert_true(e->mk.ann.ready);
	assert_true(on_link(e, "192.0.2.1"));
	run(e, 14 * S, 40 * S);
	assert_int_equal(e->reloads, 1);
	env_free(e);
}

static void test_unsupported_module(void **state)
{
	struct env *e = env_new(false, 0, 0);

	(void)state;
	e->mk.ann_fail = -EOPNOTSUPP;
	usable(e, "192.0.2.1", 0);
	pd_ann_synced(&e->a, 0);
	run(e, 0, 200 * S);
	/* no announcement in the module: the link still gets its VIPs and
	 * the failure is no kernel error */
	assert_true(e->a.stats.unsupported);
	assert_true(on_link(e, "192.0.2.1"));
	assert_int_equal(e->a.kernel.bad_since_ms, 0);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_before_sync),
		cmocka_unit_test(test_not_synced_within_grace),
		cmocka_unit_test(test_link_follows_usable),
		cmocka_unit_test(test_api_lost),
		cmocka_unit_test(test_kernel_errors),
		cmocka_unit_test(test_transient_set_error),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_restart_keeps_state),
		cmocka_unit_test(test_restart_after_expiry),
		cmocka_unit_test(test_decommission),
		cmocka_unit_test(test_decommission_at_start),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_unsupported_module),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
