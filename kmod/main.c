// SPDX-License-Identifier: GPL-2.0
/*
 * podvs: module and per-network-namespace setup and teardown, nothing else.
 */
#include <linux/jiffies.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "announce.h"
#include "conn.h"
#include "filter.h"
#include "netlink.h"
#include "pernet.h"
#include "sched.h"
#include "service.h"

static void podvs_config_defaults(struct podvs_config *cfg)
{
	cfg->timeout[PODVS_CONN_S_SYN_SENT] = 60 * HZ;
	cfg->timeout[PODVS_CONN_S_SYN_RECV] = 60 * HZ;
	cfg->timeout[PODVS_CONN_S_ESTABLISHED] = 900 * HZ;
	cfg->timeout[PODVS_CONN_S_FIN_WAIT] = 120 * HZ;
	cfg->timeout[PODVS_CONN_S_TIME_WAIT] = 120 * HZ;
	cfg->timeout[PODVS_CONN_S_CLOSE] = 10 * HZ;
	cfg->timeout[PODVS_CONN_S_UDP] = 300 * HZ;
	cfg->conn_max = 1048576;
}

static struct podvs_drops __percpu *podvs_drops_alloc(void)
{
	struct podvs_drops __percpu *drops;
	int cpu;

	drops = alloc_percpu(struct podvs_drops);
	if (!drops)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(drops, cpu)->syncp);
	return drops;
}

int podvs_net_setup(struct podvs_net *pn, struct net *net)
{
	int ret;

	pn->net = net;
	mutex_init(&pn->lock);
	pn->generation = 1;
	podvs_config_defaults(&pn->cfg);
	pn->filter = podvs_filter_alloc();
	if (!pn->filter)
		return -ENOMEM;
	pn->drops = podvs_drops_alloc();
	if (!pn->drops) {
		ret = -ENOMEM;
		goto free_filter;
	}
	podvs_est_init(&pn->est);
	podvs_ann_net_init(pn);

	ret = podvs_svc_net_init(pn);
	if (ret)
		goto free_drops;
	ret = podvs_conn_net_init(pn);
	if (ret)
		goto exit_svc;
	return 0;

exit_svc:
	podvs_svc_net_exit(pn);
free_drops:
	podvs_ann_net_exit(pn);
	podvs_est_exit(&pn->est);
	free_percpu(pn->drops);
free_filter:
	podvs_filter_free(pn->filter);
	return ret;
}

/* Flows first (the hooks are gone): then deleting the services finds no
 * flow to end.  The filter goes once the scheduler states, freed by RCU
 * callbacks, have put the last dests (whose counts it holds).
 */
void podvs_net_teardown(struct podvs_net *pn)
{
	podvs_ann_net_exit(pn);
	podvs_conn_net_exit(pn);
	mutex_lock(&pn->lock);
	podvs_svc_flush(pn);
	mutex_unlock(&pn->lock);
	podvs_svc_net_exit(pn);
	podvs_est_exit(&pn->est);
	free_percpu(pn->drops);
	rcu_barrier();
	podvs_filter_free(pn->filter);
	pn->filter = NULL;
	mutex_destroy(&pn->lock);
}

static int __net_init podvs_net_init(struct net *net)
{
	struct podvs_net *pn = podvs_pernet(net);
	int ret;

	ret = podvs_net_setup(pn, net);
	if (ret)
		return ret;
	ret = podvs_hooks_net_init(pn);
	if (ret)
		goto teardown;
	return 0;

teardown:
	podvs_net_teardown(pn);
	return ret;
}

static void __net_exit podvs_net_exit(struct net *net)
{
	struct podvs_net *pn = podvs_pernet(net);

	podvs_hooks_net_exit(pn);
	podvs_net_teardown(pn);
}

static struct pernet_operations podvs_net_ops = {
	.init = podvs_net_init,
	.exit = podvs_net_exit,
	.id = &podvs_net_id,
	.size = sizeof(struct podvs_net),
};

static int __init podvs_init(void)
{
	int ret;

	ret = podvs_build_init();
	if (ret)
		return ret;
	ret = podvs_sched_register_all();
	if (ret)
		goto exit_build;
	ret = register_pernet_subsys(&podvs_net_ops);
	if (ret)
		goto unregister_sched;
	/* links find their namespace's state: after the pernet ops */
	ret = podvs_link_register();
	if (ret)
		goto unregister_pernet;
	ret = podvs_genl_init();
	if (ret)
		goto unregister_link;
	pr_info("podvs " PODVS_VERSION " loaded\n");
	return 0;

unregister_link:
	podvs_link_unregister();
unregister_pernet:
	unregister_pernet_subsys(&podvs_net_ops);
unregister_sched:
	podvs_sched_unregister_all();
exit_build:
	podvs_build_exit();
	return ret;
}

static void __exit podvs_exit(void)
{
	podvs_genl_exit();
	/* deletes every podvs link, of every namespace, before their state */
	podvs_link_unregister();
	unregister_pernet_subsys(&podvs_net_ops);
	podvs_sched_unregister_all();
	podvs_build_exit();
	/* RCU callbacks free scheduler states, which put dests, which queue
	 * their own callbacks: wait for both rounds before the code goes.
	 */
	rcu_barrier();
	rcu_barrier();
}

module_init(podvs_init);
module_exit(podvs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("podvs: direct-to-Pod layer-4 load balancer");
MODULE_VERSION(PODVS_VERSION);
MODULE_ALIAS_GENL_FAMILY(PODVS_GENL_NAME);
MODULE_ALIAS_RTNL_LINK(PODVS_LINK_KIND);
