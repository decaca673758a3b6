/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What podvs.ko shows its KUnit suites (podvs_test.ko), and only when it is
 * built with PODVS_KUNIT=1 (Kbuild defines PODVS_KUNIT then, and only for a
 * kernel with CONFIG_KUNIT): the product built by DKMS or `make kmod`
 * carries no suite, no test hook and no export for the tests.
 *
 * PODVS_VISIBLE_IF_KUNIT makes a static function the suites call global;
 * kunit_exports.c exports it, with everything else they call, in the
 * EXPORTED_FOR_KUNIT_TESTING namespace.  The like of <kunit/visibility.h>,
 * which keys on CONFIG_KUNIT and so would export from every module built
 * against a KUnit kernel.
 *
 * struct podvs_sched_test_hooks: the scheduler's counters for the build
 * suite (sched.c bumps them, the tests read and arm them; atomics, no lock).
 * struct podvs_rev_test_hooks: the same for the reverse-translation index.
 */
#ifndef _PODVS_KUNIT_H
#define _PODVS_KUNIT_H

#include <linux/atomic.h>
#include <linux/types.h>

#ifdef PODVS_KUNIT
#define PODVS_VISIBLE_IF_KUNIT

struct net_device;
struct netlink_ext_ack;
struct nf_hook_state;
struct nlattr;
struct podvs_ann_req;
struct podvs_dest_conf;
struct podvs_net;
struct podvs_svc_conf;
struct sk_buff;

struct podvs_sched_test_hooks {
	atomic_t builds;	/* scheduler states builds attempted */
	atomic_t live;		/* scheduler states alive */
	atomic_t fail_in;	/* the build taking it from 1 to 0 fails */
};

extern struct podvs_sched_test_hooks podvs_sched_test_hooks;

/* revnat.c counts the lookups of its dest index */
struct podvs_rev_test_hooks {
	atomic_t lookups;
};

extern struct podvs_rev_test_hooks podvs_rev_test_hooks;

/* netlink.c's parsers and batch runner */
int podvs_nl_parse_svc(struct nlattr *nest, struct podvs_svc_conf *c,
		       struct netlink_ext_ack *extack);
int podvs_nl_parse_dest(struct nlattr *nest, u16 af, bool key_only,
			struct podvs_dest_conf *c,
			struct netlink_ext_ack *extack);
int podvs_nl_batch_run(struct podvs_net *pn, struct nlattr *head, int len,
		       struct netlink_ext_ack *extack);
int podvs_nl_parse_ann(struct nlattr *nest, struct podvs_ann_req *req,
		       struct netlink_ext_ack *extack);
/* announce_link.c's setup, to make links without rtnetlink */
void podvs_link_setup(struct net_device *dev);
/* hooks.c: the netfilter hook on pn rather than state->net's state */
unsigned int podvs_hook_pn(struct podvs_net *pn, struct sk_buff *skb,
			   const struct nf_hook_state *state);
#else
#define PODVS_VISIBLE_IF_KUNIT static
#endif

#endif /* _PODVS_KUNIT_H */
