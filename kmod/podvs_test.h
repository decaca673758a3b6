/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the KUnit suites of podvs_test.ko (test_helpers.c): a
 * private podvs namespace state per case (no hooks, nothing shared with
 * the running system) and one-op transactions.  podvs.ko built with
 * PODVS_KUNIT=1 exports what the suites call (kunit_exports.c).
 */
#ifndef _PODVS_TEST_H
#define _PODVS_TEST_H

#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/slab.h>

#include "dest.h"
#include "pernet.h"
#include "podvs_kunit.h"
#include "service.h"
#include "txn.h"

/* suite .suite_init / .suite_exit: the schedulers registered for the run */
int podvs_test_suite_init(struct kunit_suite *suite);
void podvs_test_suite_exit(struct kunit_suite *suite);
/* case .init / .exit: test->priv is a fresh struct podvs_net */
int podvs_test_init(struct kunit *test);
void podvs_test_exit(struct kunit *test);

/* Lock pn and begin a transaction; unlocked again on failure, so that a
 * failed assertion never leaves the lock held (teardown needs it).
 */
bool podvs_test_begin(struct podvs_net *pn, struct podvs_txn *t, u32 nops);

union nf_inet_addr podvs_test_addr(const char *text);
u16 podvs_test_af(const char *text);
void podvs_test_key(struct podvs_svc_key *k, u8 proto, const char *vip,
		    u16 port);
/* A service with scheduler sched (NULL: default) and Maglev size m (0:
 * default), committed; NULL on failure.
 */
struct podvs_service *podvs_test_svc(struct podvs_net *pn, u8 proto,
				     const char *vip, u16 port,
				     const char *sched, u32 m);
void podvs_test_dest_conf(struct podvs_dest_conf *c, const char *ip,
			  u16 port, u32 weight);
/* Add a dest and commit (rebuilding the scheduler); 0 or -errno. */
int podvs_test_dest(struct podvs_service *svc, const char *ip, u16 port,
		    u32 weight);
struct podvs_dest *podvs_test_find(struct podvs_service *svc, const char *ip,
				   u16 port);
/* Delete a dest (or change its weight/flags) and commit. */
int podvs_test_dest_op(struct podvs_service *svc, const char *ip, u16 port,
		       bool del, u32 weight, u32 flags);
/* The tables, for counts: tests read them without the lock, nothing else
 * runs on their private namespace.
 */
struct podvs_svc_table *podvs_test_tab(struct podvs_net *pn);
struct podvs_sched_state *podvs_test_state(struct podvs_service *svc);
/* The dest a client gets (IPv4 or IPv6 text). */
struct podvs_dest *podvs_test_pick(struct podvs_service *svc,
				   const char *client, u16 sport);

#endif /* _PODVS_TEST_H */
