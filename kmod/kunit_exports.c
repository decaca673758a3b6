// SPDX-License-Identifier: GPL-2.0
/*
 * What podvs.ko exports to its KUnit suites (podvs_test.ko), in the
 * EXPORTED_FOR_KUNIT_TESTING namespace; linked in only with PODVS_KUNIT=1
 * (see podvs_kunit.h).  One list, by defining file, so the product files
 * carry no test export.
 */
#include <linux/export.h>

#include "announce.h"
#include "conn.h"
#include "dest.h"
#include "pernet.h"
#include "podvs_kunit.h"
#include "revnat.h"
#include "sched.h"
#include "service.h"
#include "stats.h"
#include "txn.h"
#include "xmit.h"

#define PODVS_KUNIT_EXPORT(sym) \
	EXPORT_SYMBOL_NS_GPL(sym, EXPORTED_FOR_KUNIT_TESTING)

/* announce.c, announce_link.c */
PODVS_KUNIT_EXPORT(podvs_ann_expire);
PODVS_KUNIT_EXPORT(podvs_ann_link_add);
PODVS_KUNIT_EXPORT(podvs_ann_link_del);
PODVS_KUNIT_EXPORT(podvs_ann_read);
PODVS_KUNIT_EXPORT(podvs_ann_set);
PODVS_KUNIT_EXPORT(podvs_link_setup);

/* sched_fill.c */
PODVS_KUNIT_EXPORT(podvs_sched_fill_with);

/* conn.c */
PODVS_KUNIT_EXPORT(podvs_conn_buckets);
PODVS_KUNIT_EXPORT(podvs_conn_count);
PODVS_KUNIT_EXPORT(podvs_conn_create);
PODVS_KUNIT_EXPORT(podvs_conn_expire_now);
PODVS_KUNIT_EXPORT(podvs_conn_flush_dead);
PODVS_KUNIT_EXPORT(podvs_conn_flush_walks);
PODVS_KUNIT_EXPORT(podvs_conn_gone);
PODVS_KUNIT_EXPORT(podvs_conn_kill);
PODVS_KUNIT_EXPORT(podvs_conn_learn);
PODVS_KUNIT_EXPORT(podvs_conn_lookup);
PODVS_KUNIT_EXPORT(podvs_conn_schedule);
PODVS_KUNIT_EXPORT(podvs_conn_timeout);
PODVS_KUNIT_EXPORT(podvs_conn_uflags);
PODVS_KUNIT_EXPORT(podvs_conn_update);
PODVS_KUNIT_EXPORT(podvs_conn_walk);
PODVS_KUNIT_EXPORT(podvs_tcp_learn);
PODVS_KUNIT_EXPORT(podvs_tcp_next);
PODVS_KUNIT_EXPORT(podvs_tcp_reusable);

/* dest.c */
PODVS_KUNIT_EXPORT(podvs_dest_alloc);
PODVS_KUNIT_EXPORT(podvs_dest_del);
PODVS_KUNIT_EXPORT(podvs_dest_find);
PODVS_KUNIT_EXPORT(podvs_dest_new);
PODVS_KUNIT_EXPORT(podvs_dest_put);
PODVS_KUNIT_EXPORT(podvs_dest_set);

/* hooks.c */
PODVS_KUNIT_EXPORT(podvs_hook_pn);

/* main.c */
PODVS_KUNIT_EXPORT(podvs_net_setup);
PODVS_KUNIT_EXPORT(podvs_net_teardown);

/* netlink.c */
PODVS_KUNIT_EXPORT(podvs_nl_batch_run);
PODVS_KUNIT_EXPORT(podvs_nl_parse_ann);
PODVS_KUNIT_EXPORT(podvs_nl_parse_dest);
PODVS_KUNIT_EXPORT(podvs_nl_parse_svc);

/* revnat.c */
PODVS_KUNIT_EXPORT(podvs_rev_owner);
PODVS_KUNIT_EXPORT(podvs_rev_test_hooks);

/* sched.c */
PODVS_KUNIT_EXPORT(podvs_sched_alloc);
PODVS_KUNIT_EXPORT(podvs_sched_find);
PODVS_KUNIT_EXPORT(podvs_sched_hash);
PODVS_KUNIT_EXPORT(podvs_sched_names);
PODVS_KUNIT_EXPORT(podvs_sched_prepare);
PODVS_KUNIT_EXPORT(podvs_sched_register_all);
PODVS_KUNIT_EXPORT(podvs_sched_test_hooks);
PODVS_KUNIT_EXPORT(podvs_sched_unregister_all);

/* sched_mh.c */
PODVS_KUNIT_EXPORT(podvs_mh_entry);
PODVS_KUNIT_EXPORT(podvs_mh_size);
PODVS_KUNIT_EXPORT(podvs_mh_size_valid);

/* sched_rr.c */
PODVS_KUNIT_EXPORT(podvs_sched_abort);
PODVS_KUNIT_EXPORT(podvs_sched_schedule);

/* service.c */
PODVS_KUNIT_EXPORT(podvs_svc_buckets);
PODVS_KUNIT_EXPORT(podvs_svc_del);
PODVS_KUNIT_EXPORT(podvs_svc_find);
PODVS_KUNIT_EXPORT(podvs_svc_key_init);
PODVS_KUNIT_EXPORT(podvs_svc_lookup);
PODVS_KUNIT_EXPORT(podvs_svc_new);
PODVS_KUNIT_EXPORT(podvs_svc_set);
PODVS_KUNIT_EXPORT(podvs_svc_zero);
PODVS_KUNIT_EXPORT(podvs_vip_known);

/* txn.c */
PODVS_KUNIT_EXPORT(podvs_svc_flush);
PODVS_KUNIT_EXPORT(podvs_txn_abort);
PODVS_KUNIT_EXPORT(podvs_txn_begin);
PODVS_KUNIT_EXPORT(podvs_txn_commit);

/* pernet.c */
PODVS_KUNIT_EXPORT(podvs_net_id);
PODVS_KUNIT_EXPORT(podvs_drops_read);

/* stats.c */
PODVS_KUNIT_EXPORT(podvs_est_add);
PODVS_KUNIT_EXPORT(podvs_est_del);
PODVS_KUNIT_EXPORT(podvs_est_tick);
PODVS_KUNIT_EXPORT(podvs_stats_free);
PODVS_KUNIT_EXPORT(podvs_stats_init);
PODVS_KUNIT_EXPORT(podvs_stats_read);
PODVS_KUNIT_EXPORT(podvs_stats_zero);

/* xmit.c */
PODVS_KUNIT_EXPORT(podvs_csum_l4);
PODVS_KUNIT_EXPORT(podvs_nat_l4);
