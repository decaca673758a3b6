// SPDX-License-Identifier: GPL-2.0
/*
 * The "podvs" link kind (`ip link add podvs0 type podvs`): a dummy-like
 * device that carries the VIP addresses a routing daemon announces.  It
 * sends nothing (a packet routed out of it is freed and counted as a tx
 * drop), has no ARP and no qdisc, and its carrier is the announcement
 * rule of its namespace (announce.h), set from ndo_init and then by
 * announce.c.  It cannot move to another namespace (its carrier is its
 * namespace's); it goes with its namespace and on module unload
 * (rtnl_link_unregister deletes every link of the kind).
 *
 * Locking: rtnl for everything the core calls here; the namespace's
 * announcement lock inside podvs_ann_link_add/del.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <net/rtnetlink.h>
#include <uapi/linux/podvs.h>

#include "announce.h"
#include "compat.h"
#include "pernet.h"
#include "podvs_kunit.h"

static int podvs_link_init(struct net_device *dev)
{
	struct podvs_link *l = netdev_priv(dev);

	l->dev = dev;
	podvs_ann_link_add(podvs_pernet(dev_net(dev)), l);
	return 0;
}

static void podvs_link_uninit(struct net_device *dev)
{
	podvs_ann_link_del(netdev_priv(dev));
}

static netdev_tx_t podvs_link_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_core_stats_tx_dropped_inc(dev);
	dev_kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops podvs_link_netdev_ops = {
	.ndo_init = podvs_link_init,
	.ndo_uninit = podvs_link_uninit,
	.ndo_start_xmit = podvs_link_xmit,
	.ndo_validate_addr = eth_validate_addr,
	.ndo_set_mac_address = eth_mac_addr,
};

/* Like drivers/net/dummy.c, but NETNS_LOCAL and no transmit. */
PODVS_VISIBLE_IF_KUNIT void podvs_link_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &podvs_link_netdev_ops;
	dev->needs_free_netdev = true;
	dev->flags |= IFF_NOARP;
	dev->flags &= ~IFF_MULTICAST;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	podvs_dev_set_lltx_netns_local(dev);
	dev->min_mtu = 0;
	dev->max_mtu = 0;
	eth_hw_addr_random(dev);
}

static int podvs_link_validate(struct nlattr *tb[], struct nlattr *data[],
			       struct netlink_ext_ack *extack)
{
	struct nlattr *a = tb[IFLA_ADDRESS];

	if (!a)
		return 0;
	if (nla_len(a) != ETH_ALEN) {
		NL_SET_ERR_MSG_ATTR(extack, a, "podvs link address must be 6 bytes");
		return -EINVAL;
	}
	if (!is_valid_ether_addr(nla_data(a))) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "podvs link address must be a unicast MAC");
		return -EADDRNOTAVAIL;
	}
	return 0;
}

static struct rtnl_link_ops podvs_link_ops __read_mostly = {
	.kind = PODVS_LINK_KIND,
	.priv_size = sizeof(struct podvs_link),
	.setup = podvs_link_setup,
	.validate = podvs_link_validate,
};

int __init podvs_link_register(void)
{
	return rtnl_link_register(&podvs_link_ops);
}

void podvs_link_unregister(void)
{
	rtnl_link_unregister(&podvs_link_ops);
}
