/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lowest part of the "podvs" generic netlink family, shared by the
 * requests (netlink.c, which holds the family and its ops table) and the
 * replies (netlink_dump.c): extack messages that outlive the handler,
 * text forms of keys, and the policies and parsers of service and dest
 * keys.  It knows neither the family nor the commands, so the two halves
 * above it depend on it and never the other way.  Private to kmod's
 * netlink files; the rest of the module sees only netlink.h.
 */
#ifndef _PODVS_NETLINK_MSG_H
#define _PODVS_NETLINK_MSG_H

#include <linux/inet.h>
#include <linux/netfilter.h>
#include <net/genetlink.h>
#include <uapi/linux/podvs.h>
#include "pernet.h"

struct podvs_svc_key;

/* Set extack's message (from a static ring: it outlives the handler) and,
 * if attr, the bad attribute.
 */
__printf(3, 4)
void podvs_errmsg(struct netlink_ext_ack *extack, const struct nlattr *attr,
		  const char *fmt, ...);

/* Text forms of keys for messages: "TCP 192.0.2.1:80", "[2001:db8::5]:80" */
#define PODVS_ADDR_STRLEN	(INET6_ADDRSTRLEN + 9)
#define PODVS_SVC_STRLEN	(PODVS_ADDR_STRLEN + 5)
void podvs_fmt_addr(char *buf, u16 af, const union nf_inet_addr *a,
		    __be16 port);
void podvs_fmt_svc(char *buf, const struct podvs_svc_key *k);

#define PODVS_POLICY_ADDR	NLA_POLICY_RANGE(NLA_BINARY, 4, 16)
#define PODVS_POLICY_PORT	NLA_POLICY_MIN(NLA_BE16, 1)
#define PODVS_POLICY_REPLY	{ .type = NLA_REJECT, \
				  .reject_message = "attribute only in replies" }

/* Where a service is only named: deletes, dest commands, gets. */
extern const struct nla_policy podvs_svc_key_policy[PODVS_SVC_A_MAX + 1];
/* Deletes name a dest by its key; GET_CONN filters on address/port. */
extern const struct nla_policy podvs_dest_key_policy[PODVS_DEST_A_MAX + 1];
extern const struct nla_policy podvs_conn_filter_policy[PODVS_CONN_A_MAX + 1];
/* PODVS_CFG_A_* -> the connection states whose timeout it sets */
extern const u8 podvs_cfg_states[PODVS_CFG_A_MAX + 1][2];

/* An address of family af from a, checked against af's length. */
int podvs_nl_addr(const struct nlattr *a, u16 af, union nf_inet_addr *out,
		  const char *what, struct netlink_ext_ack *extack);
/* tb[type] is there, or a message saying what needs name */
int podvs_nl_need(struct nlattr *nest, struct nlattr **tb, int type,
		  const char *what, const char *name,
		  struct netlink_ext_ack *extack);
/* The key of a service from its parsed nest tb (every key attribute). */
int podvs_nl_svc_key(struct nlattr *nest, struct nlattr **tb,
		     struct podvs_svc_key *k, struct netlink_ext_ack *extack);
/* Parse a PODVS_A_SERVICE that must hold only a key. */
int podvs_nl_parse_key(struct nlattr *nest, struct podvs_svc_key *k,
		       struct netlink_ext_ack *extack);

static inline struct podvs_net *podvs_nl_pn(struct genl_info *info)
{
	return podvs_pernet(genl_info_net(info));
}

#endif /* _PODVS_NETLINK_MSG_H */
