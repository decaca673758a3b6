// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: VIP announcement (announce.c, announce_link.c, the SET_ANNOUNCE
 * parser of netlink.c).  The carrier rule on a private namespace state
 * with an unregistered link on its list, heartbeats and expiry (called
 * directly, and once by the timer with a 1 s hold), a namespace state torn
 * down with the watchdog pending, real links registered in init_net, and
 * request parsing.
 */
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <net/netlink.h>

#include "announce.h"
#include "compat.h"
#include "podvs_test.h"

/* A link of the kind, not registered: its carrier bit still follows
 * netif_carrier_on/off, so it can sit on a private state's list.
 */
static struct net_device *podvs_t_link(struct kunit *test,
				       struct podvs_net *pn)
{
	struct net_device *dev;

	dev = alloc_netdev(sizeof(struct podvs_link), "podvst%d",
			   NET_NAME_ENUM, podvs_link_setup);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	((struct podvs_link *)netdev_priv(dev))->dev = dev;
	podvs_ann_link_add(pn, netdev_priv(dev));
	return dev;
}

static void podvs_t_unlink(struct net_device *dev)
{
	podvs_ann_link_del(netdev_priv(dev));
	free_netdev(dev);
}

static bool podvs_t_up(struct podvs_net *pn)
{
	struct podvs_ann_snap s;

	podvs_ann_read(pn, &s);
	return s.up;
}

static void podvs_t_set(struct podvs_net *pn, int hold, int ready, int decom)
{
	struct podvs_ann_req r = {
		.has_hold = hold >= 0, .hold = hold,
		.has_ready = ready >= 0, .ready = ready == 1,
		.has_decommissioned = decom >= 0, .decommissioned = decom == 1,
	};

	podvs_ann_set(pn, &r);
}

/* Every combination of (watchdog running, READY, DECOMMISSIONED): the
 * carrier is on for exactly one of the eight, on the state and the link.
 */
static void podvs_ann_test_rule(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct net_device *dev = podvs_t_link(test, pn);
	int i;

	/* a new state: never started, not ready */
	KUNIT_EXPECT_FALSE(test, podvs_t_up(pn));
	KUNIT_EXPECT_FALSE(test, netif_carrier_ok(dev));
	for (i = 0; i < 8; i++) {
		bool running = i & 1, ready = i & 2, decom = i & 4;
		bool want = running && ready && !decom;

		podvs_t_set(pn, -1, ready, decom);
		if (running)
			podvs_t_set(pn, 60, -1, -1);
		else
			podvs_ann_expire(pn);
		KUNIT_EXPECT_EQ_MSG(test, podvs_t_up(pn), want,
				    "running %d ready %d decom %d", running,
				    ready, decom);
		KUNIT_EXPECT_EQ_MSG(test, netif_carrier_ok(dev), want,
				    "link: running %d ready %d decom %d",
				    running, ready, decom);
		KUNIT_EXPECT_EQ(test, podvs_ann_carrier(running, ready, decom),
				want);
	}
	podvs_t_unlink(dev);
}

/* A heartbeat restarts the countdown with its own hold, and brings the
 * carrier back after an expiry; decommissioning holds it off through
 * heartbeats.
 */
static void podvs_ann_test_heartbeat(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct podvs_ann_snap s;

	podvs_ann_read(pn, &s);
	KUNIT_EXPECT_EQ(test, s.hold, 0U);
	KUNIT_EXPECT_EQ(test, s.remaining_ms, 0U);
	podvs_t_set(pn, PODVS_DEFAULT_HOLD, 1, -1);
	podvs_ann_read(pn, &s);
	KUNIT_EXPECT_EQ(test, s.hold, (u32)PODVS_DEFAULT_HOLD);
	KUNIT_EXPECT_GT(test, s.remaining_ms, 59000U);
	KUNIT_EXPECT_LE(test, s.remaining_ms, 60000U);
	KUNIT_EXPECT_TRUE(test, s.up && s.ready);
	KUNIT_EXPECT_TRUE(test, timer_pending(&pn->ann.timer));

	podvs_t_set(pn, 10, -1, -1);
	podvs_ann_read(pn, &s);
	KUNIT_EXPECT_EQ(test, s.hold, 10U);
	KUNIT_EXPECT_LE(test, s.remaining_ms, 10000U);
	KUNIT_EXPECT_GT(test, s.remaining_ms, 9000U);

	podvs_t_set(pn, 10, -1, 1);
	KUNIT_EXPECT_FALSE(test, podvs_t_up(pn));
	podvs_t_set(pn, 10, -1, -1);
	KUNIT_EXPECT_FALSE(test, podvs_t_up(pn));
	podvs_t_set(pn, -1, -1, 0);
	KUNIT_EXPECT_TRUE(test, podvs_t_up(pn));

	podvs_ann_expire(pn);
	KUNIT_EXPECT_FALSE(test, podvs_t_up(pn));
	podvs_t_set(pn, 10, -1, -1);
	KUNIT_EXPECT_TRUE(test, podvs_t_up(pn));
}

/* What podvs_ann_set reports as a change (a notify) and as a heartbeat. */
static void podvs_ann_test_changed(struct kunit *test)
{
	struct podvs_ann_req hb = { .has_hold = true, .hold = 60 };
	struct podvs_ann_req rdy = { .has_ready = true, .ready = true };
	struct podvs_net *pn = test->priv;

	KUNIT_EXPECT_TRUE(test, podvs_ann_set(pn, &hb));	/* started */
	KUNIT_EXPECT_FALSE(test, podvs_ann_set(pn, &hb));	/* heartbeat */
	KUNIT_EXPECT_TRUE(test, podvs_ann_set(pn, &rdy));
	KUNIT_EXPECT_FALSE(test, podvs_ann_set(pn, &rdy));
	hb.hold = 30;
	KUNIT_EXPECT_TRUE(test, podvs_ann_set(pn, &hb));	/* new hold */
	podvs_ann_expire(pn);
	KUNIT_EXPECT_TRUE(test, podvs_ann_set(pn, &hb));	/* restarted */
}

/* Expiry: carrier off, counted once, countdown 0, hold kept; then the
 * real timer with the shortest hold.
 */
static void podvs_ann_test_expiry(struct kunit *test)
{
	struct podvs_net *pn = test->priv;
	struct net_device *dev = podvs_t_link(test, pn);
	struct podvs_ann_snap s;

	podvs_t_set(pn, 60, 1, 0);
	KUNIT_EXPECT_TRUE(test, netif_carrier_ok(dev));
	podvs_ann_expire(pn);
	podvs_ann_read(pn, &s);
	KUNIT_EXPECT_FALSE(test, s.up);
	KUNIT_EXPECT_FALSE(test, netif_carrier_ok(dev));
	KUNIT_EXPECT_EQ(test, s.expiries, 1U);
	KUNIT_EXPECT_EQ(test, s.remaining_ms, 0U);
	KUNIT_EXPECT_EQ(test, s.hold, 60U);
	KUNIT_EXPECT_TRUE(test, s.ready);
	/* a watchdog that is not running does not fire again */
	podvs_ann_expire(pn);
	podvs_ann_read(pn, &s);
	KUNIT_EXPECT_EQ(test, s.expiries, 1U);

	podvs_t_set(pn, PODVS_ANN_HOLD_MIN, -1, -1);
	KUNIT_EXPECT_TRUE(test, netif_carrier_ok(dev));
	msleep(PODVS_ANN_HOLD_MIN * 1000 + 500);
	podvs_ann_read(pn, &s);
	KUNIT_EXPECT_FALSE(test, s.up);
	KUNIT_EXPECT_FALSE(test, netif_carrier_ok(dev));
	KUNIT_EXPECT_EQ(test, s.expiries, 2U);
	KUNIT_EXPECT_FALSE(test, timer_pending(&pn->ann.timer));
	podvs_t_unlink(dev);
}

/* The namespace state goes while the watchdog is pending: the timer is
 * shut down (KASAN would catch it firing on freed state later).
 */
static void podvs_ann_test_exit_pending(struct kunit *test)
{
	struct podvs_net *pn = test->priv;

	podvs_t_set(pn, PODVS_ANN_HOLD_MIN, 1, 0);
	KUNIT_ASSERT_TRUE(test, timer_pending(&pn->ann.timer));
	podvs_net_teardown(pn);
	KUNIT_EXPECT_FALSE(test, timer_pending(&pn->ann.timer));
	/* a heartbeat after the end arms nothing */
	mod_timer(&pn->ann.timer, jiffies + 1);
	KUNIT_EXPECT_FALSE(test, timer_pending(&pn->ann.timer));
	/* a fresh state for the case's exit */
	memset(pn, 0, sizeof(*pn));
	KUNIT_ASSERT_EQ(test, podvs_net_setup(pn, &init_net), 0);
}

/* Real links in init_net (the VM running the suite has nothing else
 * there): registering puts them on the list with the namespace's carrier,
 * unregistering takes them off; they cannot change namespace.
 */
static void podvs_ann_test_links(struct kunit *test)
{
	struct podvs_net *pn = podvs_pernet(&init_net);
	struct net_device *dev[2];
	struct podvs_ann_snap s0, s;
	int i, ret;

	podvs_t_set(pn, 60, 1, 0);
	podvs_ann_read(pn, &s0);
	for (i = 0; i < 2; i++) {
		dev[i] = alloc_netdev(sizeof(struct podvs_link), "podvst%d",
				      NET_NAME_ENUM, podvs_link_setup);
		KUNIT_ASSERT_NOT_NULL(test, dev[i]);
		ret = register_netdev(dev[i]);
		KUNIT_ASSERT_EQ(test, ret, 0);
		KUNIT_EXPECT_TRUE(test, netif_carrier_ok(dev[i]));
	}
	podvs_ann_read(pn, &s);
	KUNIT_EXPECT_EQ(test, s.links, s0.links + 2);
	KUNIT_EXPECT_TRUE(test, podvs_dev_netns_local(dev[0]));
	KUNIT_EXPECT_TRUE(test, dev[0]->flags & IFF_NOARP);
	KUNIT_EXPECT_TRUE(test, dev[0]->priv_flags & IFF_NO_QUEUE);

	podvs_t_set(pn, -1, -1, 1);
	KUNIT_EXPECT_FALSE(test, netif_carrier_ok(dev[0]));
	KUNIT_EXPECT_FALSE(test, netif_carrier_ok(dev[1]));
	podvs_t_set(pn, -1, -1, 0);
	KUNIT_EXPECT_TRUE(test, netif_carrier_ok(dev[1]));
	podvs_ann_expire(pn);
	KUNIT_EXPECT_FALSE(test, netif_carrier_ok(dev[0]));

	unregister_netdev(dev[0]);
	podvs_ann_read(pn, &s);
	KUNIT_EXPECT_EQ(test, s.links, s0.links + 1);
	/* the other link still follows the state */
	podvs_t_set(pn, 60, -1, -1);
	KUNIT_EXPECT_TRUE(test, netif_carrier_ok(dev[1]));
	unregister_netdev(dev[1]);
	podvs_ann_read(pn, &s);
	KUNIT_EXPECT_EQ(test, s.links, s0.links);
	/* leave init_net as a new namespace has it, but for the counters */
	podvs_t_set(pn, -1, 0, 0);
	podvs_ann_expire(pn);
}

/* SET_ANNOUNCE parsing */

struct podvs_ann_pcase {
	const char *name;
	int hold, ready, decom, up;	/* -1: absent */
	int err;
	const char *msg;
};

static const struct podvs_ann_pcase podvs_ann_pcases[] = {
	{ "heartbeat", 60, -1, -1, -1, 0, NULL },
	{ "all", 3600, 1, 0, -1, 0, NULL },
	{ "hold 1", 1, -1, -1, -1, 0, NULL },
	{ "hold 0", 0, 1, -1, -1, -ERANGE,
	  "announce hold 0 out of range 1..3600 seconds" },
	{ "hold 3601", 3601, -1, -1, -1, -ERANGE,
	  "announce hold 3601 out of range 1..3600 seconds" },
	{ "ready 2", 60, 2, -1, -1, -ERANGE, "announce ready 2: must be 0 or 1" },
	{ "decommissioned 7", -1, 1, 7, -1, -ERANGE,
	  "announce decommissioned 7: must be 0 or 1" },
	{ "up", 60, -1, -1, 1, -EINVAL, "attribute only in replies" },
	{ "empty", -1, -1, -1, -1, -EINVAL, "announce: nothing to set" },
};

static void podvs_ann_pcase_desc(const struct podvs_ann_pcase *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(podvs_ann_p, podvs_ann_pcases, podvs_ann_pcase_desc);

static void podvs_ann_test_parse(struct kunit *test)
{
	const struct podvs_ann_pcase *c = test->param_value;
	struct netlink_ext_ack ext = {};
	struct podvs_ann_req req;
	struct sk_buff *skb;
	struct nlattr *nest;

	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	nest = nla_nest_start(skb, PODVS_A_ANNOUNCE);
	if (c->hold >= 0)
		nla_put_u32(skb, PODVS_ANN_A_HOLD, c->hold);
	if (c->ready >= 0)
		nla_put_u8(skb, PODVS_ANN_A_READY, c->ready);
	if (c->decom >= 0)
		nla_put_u8(skb, PODVS_ANN_A_DECOMMISSIONED, c->decom);
	if (c->up >= 0)
		nla_put_u8(skb, PODVS_ANN_A_UP, c->up);
	nla_nest_end(skb, nest);

	KUNIT_EXPECT_EQ(test, podvs_nl_parse_ann(nest, &req, &ext), c->err);
	if (c->msg) {
		KUNIT_ASSERT_NOT_NULL(test, ext._msg);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ext._msg, c->msg),
					  "message \"%s\"", ext._msg);
	}
	if (c->err && c->hold != -1 && c->ready == -1 && c->up == -1)
		KUNIT_EXPECT_PTR_EQ(test, ext.bad_attr,
				    (const struct nlattr *)nla_data(nest));
	if (!c->err) {
		KUNIT_EXPECT_EQ(test, req.has_hold, c->hold >= 0);
		KUNIT_EXPECT_EQ(test, req.has_ready, c->ready >= 0);
		KUNIT_EXPECT_EQ(test, req.has_decommissioned, c->decom >= 0);
		if (c->hold >= 0)
			KUNIT_EXPECT_EQ(test, req.hold, (u32)c->hold);
		KUNIT_EXPECT_EQ(test, req.ready, c->ready == 1);
	}
	kfree_skb(skb);
}

static struct kunit_case podvs_announce_cases[] = {
	KUNIT_CASE(podvs_ann_test_rule),
	KUNIT_CASE(podvs_ann_test_heartbeat),
	KUNIT_CASE(podvs_ann_test_changed),
	KUNIT_CASE(podvs_ann_test_expiry),
	KUNIT_CASE(podvs_ann_test_exit_pending),
	KUNIT_CASE(podvs_ann_test_links),
	KUNIT_CASE_PARAM(podvs_ann_test_parse, podvs_ann_p_gen_params),
	{}
};

static struct kunit_suite podvs_announce_suite = {
	.name = "podvs_announce",
	.suite_init = podvs_test_suite_init,
	.suite_exit = podvs_test_suite_exit,
	.init = podvs_test_init,
	.exit = podvs_test_exit,
	.test_cases = podvs_announce_cases,
};

kunit_test_suite(podvs_announce_suite);
