// SPDX-License-Identifier: GPL-2.0
/*
 * What requests (netlink.c) and replies (netlink_dump.c) of the "podvs"
 * family share: formatted extack messages, text forms of keys, and the
 * policies and parsers of service and dest keys.
 */
#include <linux/inet.h>
#include <net/genetlink.h>

#include "netlink_msg.h"
#include "service.h"

/*
 * Formatted extack messages.  Linux 6.1 has no NL_SET_ERR_MSG_FMT: extack
 * keeps only a pointer, and netlink_ack() reads it after the handler has
 * returned and every lock of ours has been dropped.  So the text cannot
 * live on the stack, nor in a buffer a later request of the namespace
 * rewrites under pn->lock while this request's ack is being built.  We
 * use a static ring: each message takes the next slot, a slot is reused
 * only after PODVS_MSG_SLOTS later messages, and the task that formats a
 * message builds its ack right after the handler returns.  The memory
 * outlives every ack (module unload waits for genl's readers), the last
 * byte of a slot is never anything but NUL, and a message is copied into
 * its slot in one memcpy of a finished string.
 */
#define PODVS_MSG_SLOTS	256
#define PODVS_MSG_LEN	160

static char podvs_msgs[PODVS_MSG_SLOTS][PODVS_MSG_LEN];
static atomic_t podvs_msg_next = ATOMIC_INIT(0);

void podvs_errmsg(struct netlink_ext_ack *extack, const struct nlattr *attr,
		  const char *fmt, ...)
{
	char text[PODVS_MSG_LEN], *slot;
	va_list args;
	int len;
	u32 i;

	if (!extack)
		return;
	va_start(args, fmt);
	len = vscnprintf(text, sizeof(text) - 1, fmt, args);
	va_end(args);
	i = (u32)atomic_inc_return(&podvs_msg_next) % PODVS_MSG_SLOTS;
	slot = podvs_msgs[i];
	memcpy(slot, text, len + 1);
	extack->_msg = slot;
	if (attr)
		extack->bad_attr = attr;
}

/* Text forms of keys for messages: "TCP 192.0.2.1:80", "[2001:db8::5]:80" */
void podvs_fmt_addr(char *buf, u16 af, const union nf_inet_addr *a,
		    __be16 port)
{
	if (af == AF_INET)
		snprintf(buf, PODVS_ADDR_STRLEN, "%pI4:%u", &a->ip, ntohs(port));
	else
		snprintf(buf, PODVS_ADDR_STRLEN, "[%pI6c]:%u", &a->in6,
			 ntohs(port));
}

void podvs_fmt_svc(char *buf, const struct podvs_svc_key *k)
{
	char addr[PODVS_ADDR_STRLEN];

	podvs_fmt_addr(addr, k->af, &k->addr, k->port);
	snprintf(buf, PODVS_SVC_STRLEN, "%s %s",
		 k->protocol == IPPROTO_TCP ? "TCP" : "UDP", addr);
}

/* Policies and parsers of keys */

#define PODVS_POLICY_KEY_ONLY	{ \
	.type = NLA_REJECT, \
	.reject_message = "only the service key (af, protocol, addr, port) belongs here" }

/* Where a service is only named: deletes, dest commands, gets. */
const struct nla_policy podvs_svc_key_policy[PODVS_SVC_A_MAX + 1] = {
	[PODVS_SVC_A_AF] = NLA_POLICY_RANGE(NLA_U16, AF_INET, AF_INET6),
	[PODVS_SVC_A_PROTOCOL] = NLA_POLICY_RANGE(NLA_U8, IPPROTO_TCP,
						  IPPROTO_UDP),
	[PODVS_SVC_A_ADDR] = PODVS_POLICY_ADDR,
	[PODVS_SVC_A_PORT] = PODVS_POLICY_PORT,
	[PODVS_SVC_A_SCHED ... PODVS_SVC_A_SNAT_FROM] = PODVS_POLICY_KEY_ONLY,
};

/* Deletes name a dest by its key; GET_CONN filters on address/port. */
const struct nla_policy podvs_dest_key_policy[PODVS_DEST_A_MAX + 1] = {
	[PODVS_DEST_A_ADDR] = PODVS_POLICY_ADDR,
	[PODVS_DEST_A_PORT] = PODVS_POLICY_PORT,
	[PODVS_DEST_A_WEIGHT ... PODVS_DEST_A_PAD] = {
		.type = NLA_REJECT,
		.reject_message = "only the dest key (addr, port) is allowed here" },
};

const struct nla_policy podvs_conn_filter_policy[PODVS_CONN_A_MAX + 1] = {
	[PODVS_CONN_A_CADDR] = PODVS_POLICY_ADDR,
	[PODVS_CONN_A_CPORT] = PODVS_POLICY_PORT,
	[PODVS_CONN_A_AF] = { .type = NLA_REJECT,
			      .reject_message = "filter on caddr and cport only" },
	[PODVS_CONN_A_PROTOCOL] = { .type = NLA_REJECT,
				    .reject_message = "filter on caddr and cport only" },
	[PODVS_CONN_A_VADDR ... PODVS_CONN_A_EXPIRES] = {
		.type = NLA_REJECT,
		.reject_message = "filter on caddr and cport only" },
};

static const char *const podvs_svc_key_names[] = {
	[PODVS_SVC_A_AF] = "af",
	[PODVS_SVC_A_PROTOCOL] = "protocol",
	[PODVS_SVC_A_ADDR] = "addr",
	[PODVS_SVC_A_PORT] = "port",
};

int podvs_nl_addr(const struct nlattr *a, u16 af, union nf_inet_addr *out,
		  const char *what, struct netlink_ext_ack *extack)
{
	int need = af == AF_INET ? sizeof(out->ip) : sizeof(out->in6);

	if (nla_len(a) != need) {
		podvs_errmsg(extack, a, "%s address is %d bytes, %s needs %d",
			     what, nla_len(a),
			     af == AF_INET ? "AF_INET" : "AF_INET6", need);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	nla_memcpy(out, a, need);
	return 0;
}

int podvs_nl_need(struct nlattr *nest, struct nlattr **tb, int type,
		  const char *what, const char *name,
		  struct netlink_ext_ack *extack)
{
	if (tb[type])
		return 0;
	NL_SET_ERR_ATTR_MISS(extack, nest, type);
	podvs_errmsg(extack, nest, "%s needs %s", what, name);
	return -EINVAL;
}

int podvs_nl_svc_key(struct nlattr *nest, struct nlattr **tb,
		     struct podvs_svc_key *k, struct netlink_ext_ack *extack)
{
	union nf_inet_addr addr;
	int type, ret;
	u16 af;
	u8 proto;

	for (type = PODVS_SVC_A_AF; type <= PODVS_SVC_A_PORT; type++) {
		ret = podvs_nl_need(nest, tb, type, "service",
				    podvs_svc_key_names[type], extack);
		if (ret)
			return ret;
	}
	af = nla_get_u16(tb[PODVS_SVC_A_AF]);
	if (af != AF_INET && af != AF_INET6) {
		podvs_errmsg(extack, tb[PODVS_SVC_A_AF],
			     "address family %u not supported (AF_INET %u, AF_INET6 %u)",
			     af, AF_INET, AF_INET6);
		return -EAFNOSUPPORT;
	}
	proto = nla_get_u8(tb[PODVS_SVC_A_PROTOCOL]);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		podvs_errmsg(extack, tb[PODVS_SVC_A_PROTOCOL],
			     "protocol %u not supported (TCP %u, UDP %u)",
			     proto, IPPROTO_TCP, IPPROTO_UDP);
		return -EPROTONOSUPPORT;
	}
	ret = podvs_nl_addr(tb[PODVS_SVC_A_ADDR], af, &addr, "service",
			    extack);
	if (ret)
		return ret;
	podvs_svc_key_init(k, af, proto, &addr,
			   nla_get_be16(tb[PODVS_SVC_A_PORT]));
	return 0;
}

int podvs_nl_parse_key(struct nlattr *nest, struct podvs_svc_key *k,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[PODVS_SVC_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, PODVS_SVC_A_MAX, nest, podvs_svc_key_policy,
			       extack);
	return ret ?: podvs_nl_svc_key(nest, tb, k, extack);
}

const u8 podvs_cfg_states[PODVS_CFG_A_MAX + 1][2] = {
	[PODVS_CFG_A_TCP_TIMEOUT] = { PODVS_CONN_S_ESTABLISHED,
				      PODVS_CONN_S_ESTABLISHED },
	[PODVS_CFG_A_TCPFIN_TIMEOUT] = { PODVS_CONN_S_FIN_WAIT,
					 PODVS_CONN_S_TIME_WAIT },
	[PODVS_CFG_A_UDP_TIMEOUT] = { PODVS_CONN_S_UDP, PODVS_CONN_S_UDP },
	[PODVS_CFG_A_SYNRECV_TIMEOUT] = { PODVS_CONN_S_SYN_RECV,
					  PODVS_CONN_S_SYN_SENT },
	[PODVS_CFG_A_CLOSE_TIMEOUT] = { PODVS_CONN_S_CLOSE,
					PODVS_CONN_S_CLOSE },
};
