/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two halves of the "podvs" family share: netlink.c (the family,
 * its ops and policies, request parsing, write commands and the batch)
 * and netlink_dump.c (replies, GETs and dumps, which the ops table names).
 * Private to them; the rest of the module sees only netlink.h.
 */
#ifndef _PODVS_NETLINK_PRIV_H
#define _PODVS_NETLINK_PRIV_H

#include <linux/inet.h>
#include <linux/netfilter.h>
#include <net/genetlink.h>
#include <uapi/linux/podvs.h>

struct podvs_net;
struct podvs_svc_key;

extern struct genl_family podvs_genl_family;

/* Request side (netlink.c) */

/* Set extack's message (from a static ring: it outlives the handler) and,
 * if attr, the bad attribute.
 */
__printf(3, 4)
void podvs_errmsg(struct netlink_ext_ack *extack, const struct nlattr *attr,
		  const char *fmt, ...);

/* Text forms of keys for messages: "TCP 192.0.2.1:80", "[2001:db8::5]:80" */
#define PODVS_ADDR_STRLEN	(INET6_ADDRSTRLEN + 9)
#define PODVS_SVC_STRLEN	(PODVS_ADDR_STRLEN + 5)
void podvs_fmt_svc(char *buf, const struct podvs_svc_key *k);

extern const struct nla_policy podvs_dest_key_policy[PODVS_DEST_A_MAX + 1];
extern const struct nla_policy podvs_conn_filter_policy[PODVS_CONN_A_MAX + 1];
/* PODVS_CFG_A_* -> the connection states whose timeout it sets */
extern const u8 podvs_cfg_states[PODVS_CFG_A_MAX + 1][2];

/* An address of family af from a, checked against af's length. */
int podvs_nl_addr(const struct nlattr *a, u16 af, union nf_inet_addr *out,
		  const char *what, struct netlink_ext_ack *extack);
/* Parse a PODVS_A_SERVICE that must hold only a key. */
int podvs_nl_parse_key(struct nlattr *nest, struct podvs_svc_key *k,
		       struct netlink_ext_ack *extack);
struct podvs_net *podvs_nl_pn(struct genl_info *info);

/* Reply side (netlink_dump.c), for the ops table */
int podvs_nl_get_info(struct sk_buff *skb, struct genl_info *info);
int podvs_nl_get_config(struct sk_buff *skb, struct genl_info *info);
int podvs_nl_get_service(struct sk_buff *skb, struct genl_info *info);
int podvs_nl_start_services(struct netlink_callback *cb);
int podvs_nl_dump_services(struct sk_buff *skb, struct netlink_callback *cb);
int podvs_nl_start_dests(struct netlink_callback *cb);
int podvs_nl_dump_dests(struct sk_buff *skb, struct netlink_callback *cb);
int podvs_nl_start_conns(struct netlink_callback *cb);
int podvs_nl_dump_conns(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _PODVS_NETLINK_PRIV_H */
