/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replies of the "podvs" family (netlink_dump.c): the GET handlers and the
 * service, dest and connection dumps, for the ops table in netlink.c.
 * netlink.c hands it the family at init, so that it needs nothing above
 * it.
 */
#ifndef _PODVS_NETLINK_DUMP_H
#define _PODVS_NETLINK_DUMP_H

#include <net/genetlink.h>

/* Before the family is registered: the family replies are built for. */
void podvs_nl_dump_init(const struct genl_family *family);

int podvs_nl_get_info(struct sk_buff *skb, struct genl_info *info);
int podvs_nl_get_config(struct sk_buff *skb, struct genl_info *info);
int podvs_nl_get_announce(struct sk_buff *skb, struct genl_info *info);
int podvs_nl_get_service(struct sk_buff *skb, struct genl_info *info);
int podvs_nl_start_services(struct netlink_callback *cb);
int podvs_nl_dump_services(struct sk_buff *skb, struct netlink_callback *cb);
int podvs_nl_start_dests(struct netlink_callback *cb);
int podvs_nl_dump_dests(struct sk_buff *skb, struct netlink_callback *cb);
int podvs_nl_start_conns(struct netlink_callback *cb);
int podvs_nl_dump_conns(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _PODVS_NETLINK_DUMP_H */
