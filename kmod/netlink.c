// SPDX-License-Identifier: GPL-2.0
/*
 * The "podvs" generic netlink family.
 *
 * Locking: parallel_ops is set; genl takes no lock of its own.  Every
 * command that reads or writes the service tables holds the namespace's
 * pn->lock for its whole duration (a dump: for each chunk), so requests in
 * different namespaces run in parallel and a batch is atomic against
 * every other request of its namespace.  GET_CONN walks the connection
 * table with conn.c's own locking.
 *
 * Validation: every command has its own policy (strict: unknown, unspec
 * and reply-only attributes are rejected by genl before we run); what a
 * policy cannot express (address length against family, required key
 * attributes, known scheduler, prime table size) is checked here, and
 * every rejection names the attribute and the object.
 */
#include <linux/inet.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "conn.h"
#include "dest.h"
#include "netlink.h"
#include "podvs.h"
#include "podvs_kunit.h"
#include "sched.h"
#include "service.h"

static struct genl_family podvs_genl_family;

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

static __printf(3, 4)
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
#define PODVS_ADDR_STRLEN	(INET6_ADDRSTRLEN + 9)
#define PODVS_SVC_STRLEN	(PODVS_ADDR_STRLEN + 5)

static void podvs_fmt_addr(char *buf, u16 af, const union nf_inet_addr *a,
			   __be16 port)
{
	if (af == AF_INET)
		snprintf(buf, PODVS_ADDR_STRLEN, "%pI4:%u", &a->ip, ntohs(port));
	else
		snprintf(buf, PODVS_ADDR_STRLEN, "[%pI6c]:%u", &a->in6,
			 ntohs(port));
}

static void podvs_fmt_svc(char *buf, const struct podvs_svc_key *k)
{
	char addr[PODVS_ADDR_STRLEN];

	podvs_fmt_addr(addr, k->af, &k->addr, k->port);
	snprintf(buf, PODVS_SVC_STRLEN, "%s %s",
		 k->protocol == IPPROTO_TCP ? "TCP" : "UDP", addr);
}

/* Policies (the range structs are not const only because 6.1's
 * nla_policy points at them without const)
 */

static struct netlink_range_validation podvs_timeout_range = {
	.min = 1,
	.max = INT_MAX / HZ,
};

static struct netlink_range_validation podvs_cfg_timeout_range = {
	.min = 0,	/* 0: keep the current value */
	.max = INT_MAX / HZ,
};

static struct netlink_range_validation podvs_mh_size_range = {
	.min = PODVS_MH_SIZE_MIN,
	.max = PODVS_MH_SIZE_MAX,
};

static struct netlink_range_validation podvs_weight_range = {
	.min = 0,
	.max = PODVS_DEST_WEIGHT_MAX,
};

#define PODVS_POLICY_ADDR	NLA_POLICY_RANGE(NLA_BINARY, 4, 16)
#define PODVS_POLICY_PORT	NLA_POLICY_MIN(NLA_BE16, 1)
#define PODVS_POLICY_REPLY	{ .type = NLA_REJECT, \
				  .reject_message = "attribute only in replies" }

static const struct nla_policy podvs_svc_policy[PODVS_SVC_A_MAX + 1] = {
	[PODVS_SVC_A_AF] = NLA_POLICY_RANGE(NLA_U16, AF_INET, AF_INET6),
	[PODVS_SVC_A_PROTOCOL] = NLA_POLICY_RANGE(NLA_U8, IPPROTO_TCP,
						  IPPROTO_UDP),
	[PODVS_SVC_A_ADDR] = PODVS_POLICY_ADDR,
	[PODVS_SVC_A_PORT] = PODVS_POLICY_PORT,
	[PODVS_SVC_A_SCHED] = { .type = NLA_NUL_STRING,
				.len = PODVS_SCHED_NAME_LEN - 1 },
	[PODVS_SVC_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, PODVS_SVC_F_ALL),
	[PODVS_SVC_A_FLAGS_MASK] = NLA_POLICY_MASK(NLA_U32, PODVS_SVC_F_ALL),
	[PODVS_SVC_A_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
						      &podvs_timeout_range),
	[PODVS_SVC_A_NETMASK] = NLA_POLICY_MAX(NLA_U8, 128),
	[PODVS_SVC_A_MH_TABLE_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32,
							    &podvs_mh_size_range),
	[PODVS_SVC_A_OWNER] = { .type = NLA_NUL_STRING,
				.len = PODVS_OWNER_LEN - 1 },
	[PODVS_SVC_A_STATS] = PODVS_POLICY_REPLY,
	[PODVS_SVC_A_DESTS] = PODVS_POLICY_REPLY,
	[PODVS_SVC_A_PAD] = PODVS_POLICY_REPLY,
};

#define PODVS_POLICY_KEY_ONLY	{ \
	.type = NLA_REJECT, \
	.reject_message = "only the service key (af, protocol, addr, port) belongs here" }

/* Where a service is only named: deletes, dest commands, gets. */
static const struct nla_policy podvs_svc_key_policy[PODVS_SVC_A_MAX + 1] = {
	[PODVS_SVC_A_AF] = NLA_POLICY_RANGE(NLA_U16, AF_INET, AF_INET6),
	[PODVS_SVC_A_PROTOCOL] = NLA_POLICY_RANGE(NLA_U8, IPPROTO_TCP,
						  IPPROTO_UDP),
	[PODVS_SVC_A_ADDR] = PODVS_POLICY_ADDR,
	[PODVS_SVC_A_PORT] = PODVS_POLICY_PORT,
	[PODVS_SVC_A_SCHED ... PODVS_SVC_A_PAD] = PODVS_POLICY_KEY_ONLY,
};

static const struct nla_policy podvs_dest_policy[PODVS_DEST_A_MAX + 1] = {
	[PODVS_DEST_A_ADDR] = PODVS_POLICY_ADDR,
	[PODVS_DEST_A_PORT] = PODVS_POLICY_PORT,
	[PODVS_DEST_A_WEIGHT] = NLA_POLICY_FULL_RANGE(NLA_U32,
						      &podvs_weight_range),
	[PODVS_DEST_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, PODVS_DEST_F_ALL),
	[PODVS_DEST_A_FLAGS_MASK] = NLA_POLICY_MASK(NLA_U32, PODVS_DEST_F_ALL),
	[PODVS_DEST_A_FWD] = NLA_POLICY_MAX(NLA_U32, PODVS_FWD_MASQ),
	[PODVS_DEST_A_OWNER] = { .type = NLA_NUL_STRING,
				 .len = PODVS_OWNER_LEN - 1 },
	[PODVS_DEST_A_ACTIVE_CONNS ... PODVS_DEST_A_PAD] = PODVS_POLICY_REPLY,
};

/* Deletes name a dest by its key; GET_CONN filters on address/port. */
static const struct nla_policy podvs_dest_key_policy[PODVS_DEST_A_MAX + 1] = {
	[PODVS_DEST_A_ADDR] = PODVS_POLICY_ADDR,
	[PODVS_DEST_A_PORT] = PODVS_POLICY_PORT,
	[PODVS_DEST_A_WEIGHT ... PODVS_DEST_A_PAD] = {
		.type = NLA_REJECT,
		.reject_message = "only the dest key (addr, port) is allowed here" },
};

static const struct nla_policy podvs_conn_filter_policy[PODVS_CONN_A_MAX + 1] = {
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

static const struct nla_policy podvs_cfg_policy[PODVS_CFG_A_MAX + 1] = {
	[PODVS_CFG_A_TCP_TIMEOUT ... PODVS_CFG_A_CLOSE_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &podvs_cfg_timeout_range),
	[PODVS_CFG_A_CONN_MAX] = { .type = NLA_U32 },
};

/* The nests of an op are parsed with the policy of its command. */
static const struct nla_policy podvs_op_policy[PODVS_OP_A_MAX + 1] = {
	[PODVS_OP_A_CMD] = NLA_POLICY_RANGE(NLA_U8, PODVS_CMD_NEW_SERVICE,
					    PODVS_CMD_DEL_DEST),
	[PODVS_OP_A_SERVICE] = { .type = NLA_NESTED },
	[PODVS_OP_A_DEST] = { .type = NLA_NESTED },
};

static const struct nla_policy podvs_svc_cmd_policy[PODVS_A_MAX + 1] = {
	[PODVS_A_SERVICE] = NLA_POLICY_NESTED(podvs_svc_policy),
};

static const struct nla_policy podvs_svc_key_cmd_policy[PODVS_A_MAX + 1] = {
	[PODVS_A_SERVICE] = NLA_POLICY_NESTED(podvs_svc_key_policy),
};

static const struct nla_policy podvs_dest_cmd_policy[PODVS_A_MAX + 1] = {
	[PODVS_A_SERVICE] = NLA_POLICY_NESTED(podvs_svc_key_policy),
	[PODVS_A_DEST] = NLA_POLICY_NESTED(podvs_dest_policy),
};

static const struct nla_policy podvs_dest_del_cmd_policy[PODVS_A_MAX + 1] = {
	[PODVS_A_SERVICE] = NLA_POLICY_NESTED(podvs_svc_key_policy),
	[PODVS_A_DEST] = NLA_POLICY_NESTED(podvs_dest_key_policy),
};

static const struct nla_policy podvs_cfg_cmd_policy[PODVS_A_MAX + 1] = {
	[PODVS_A_CONFIG] = NLA_POLICY_NESTED(podvs_cfg_policy),
};

static const struct nla_policy podvs_conn_cmd_policy[PODVS_A_MAX + 1] = {
	[PODVS_A_SERVICE] = NLA_POLICY_NESTED(podvs_svc_key_policy),
	[PODVS_A_DEST] = NLA_POLICY_NESTED(podvs_dest_key_policy),
	[PODVS_A_CONN] = NLA_POLICY_NESTED(podvs_conn_filter_policy),
};

static const struct nla_policy podvs_batch_cmd_policy[PODVS_A_MAX + 1] = {
	[PODVS_A_OP] = NLA_POLICY_NESTED(podvs_op_policy),
};

/* Parsing */

static const char *const podvs_svc_key_names[] = {
	[PODVS_SVC_A_AF] = "af",
	[PODVS_SVC_A_PROTOCOL] = "protocol",
	[PODVS_SVC_A_ADDR] = "addr",
	[PODVS_SVC_A_PORT] = "port",
};

static int podvs_nl_addr(const struct nlattr *a, u16 af,
			 union nf_inet_addr *out, const char *what,
			 struct netlink_ext_ack *extack)
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

static int podvs_nl_need(struct nlattr *nest, struct nlattr **tb, int type,
			 const char *what, const char *name,
			 struct netlink_ext_ack *extack)
{
	if (tb[type])
		return 0;
	NL_SET_ERR_ATTR_MISS(extack, nest, type);
	podvs_errmsg(extack, nest, "%s needs %s", what, name);
	return -EINVAL;
}

static int podvs_nl_svc_key(struct nlattr *nest, struct nlattr **tb,
			    struct podvs_svc_key *k,
			    struct netlink_ext_ack *extack)
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

/* Parse a PODVS_A_SERVICE that must hold only a key. */
static int podvs_nl_parse_key(struct nlattr *nest, struct podvs_svc_key *k,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[PODVS_SVC_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, PODVS_SVC_A_MAX, nest, podvs_svc_key_policy,
			       extack);
	return ret ?: podvs_nl_svc_key(nest, tb, k, extack);
}

static int podvs_nl_svc_sched(struct nlattr *a, struct podvs_svc_conf *c,
			      struct netlink_ext_ack *extack)
{
	char names[64];

	c->sched = podvs_sched_find(nla_data(a));
	if (c->sched)
		return 0;
	podvs_sched_names(names, sizeof(names));
	podvs_errmsg(extack, a, "scheduler \"%s\" unknown (%s)",
		     (char *)nla_data(a), names);
	return -ENOENT;
}

static int podvs_nl_svc_checks(struct nlattr *nest, struct nlattr **tb,
			       struct podvs_svc_conf *c,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *a;

	if (tb[PODVS_SVC_A_FLAGS_MASK] && !tb[PODVS_SVC_A_FLAGS]) {
		podvs_errmsg(extack, tb[PODVS_SVC_A_FLAGS_MASK],
			     "service flags mask given without flags");
		return -EINVAL;
	}
	a = tb[PODVS_SVC_A_NETMASK];
	if (a && c->key.af == AF_INET && nla_get_u8(a) > 32) {
		podvs_errmsg(extack, a, "netmask /%u is longer than 32 bits",
			     nla_get_u8(a));
		return -EINVAL;
	}
	a = tb[PODVS_SVC_A_MH_TABLE_SIZE];
	if (a && !podvs_mh_size_valid(nla_get_u32(a))) {
		podvs_errmsg(extack, a, "mh table size %u is not a prime",
			     nla_get_u32(a));
		return -EINVAL;
	}
	return 0;
}

/* Parse a full PODVS_A_SERVICE (NEW_SERVICE, SET_SERVICE). */
PODVS_VISIBLE_IF_KUNIT int
podvs_nl_parse_svc(struct nlattr *nest, struct podvs_svc_conf *c,
		   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[PODVS_SVC_A_MAX + 1];
	int ret, i;

	ret = nla_parse_nested(tb, PODVS_SVC_A_MAX, nest, podvs_svc_policy,
			       extack);
	if (!ret)
		ret = podvs_nl_svc_key(nest, tb, &c->key, extack);
	if (!ret)
		ret = podvs_nl_svc_checks(nest, tb, c, extack);
	if (!ret && tb[PODVS_SVC_A_SCHED])
		ret = podvs_nl_svc_sched(tb[PODVS_SVC_A_SCHED], c, extack);
	if (ret)
		return ret;
	for (i = PODVS_SVC_A_SCHED; i <= PODVS_SVC_A_OWNER; i++)
		if (tb[i])
			c->present |= BIT(i);
	if (tb[PODVS_SVC_A_FLAGS])
		c->flags = nla_get_u32(tb[PODVS_SVC_A_FLAGS]);
	if (tb[PODVS_SVC_A_FLAGS_MASK])
		c->flags_mask = nla_get_u32(tb[PODVS_SVC_A_FLAGS_MASK]);
	if (tb[PODVS_SVC_A_TIMEOUT])
		c->timeout = nla_get_u32(tb[PODVS_SVC_A_TIMEOUT]);
	if (tb[PODVS_SVC_A_NETMASK])
		c->netmask = nla_get_u8(tb[PODVS_SVC_A_NETMASK]);
	if (tb[PODVS_SVC_A_MH_TABLE_SIZE])
		c->mh_size = nla_get_u32(tb[PODVS_SVC_A_MH_TABLE_SIZE]);
	if (tb[PODVS_SVC_A_OWNER])
		nla_strscpy(c->owner, tb[PODVS_SVC_A_OWNER], sizeof(c->owner));
	return 0;
}

/* Parse a PODVS_A_DEST of a service of family af; key_only for deletes. */
PODVS_VISIBLE_IF_KUNIT int
podvs_nl_parse_dest(struct nlattr *nest, u16 af, bool key_only,
		    struct podvs_dest_conf *c,
		    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[PODVS_DEST_A_MAX + 1];
	int ret, i;

	ret = nla_parse_nested(tb, PODVS_DEST_A_MAX, nest, key_only ?
			       podvs_dest_key_policy : podvs_dest_policy,
			       extack);
	if (!ret)
		ret = podvs_nl_need(nest, tb, PODVS_DEST_A_ADDR, "dest",
				    "addr", extack);
	if (!ret)
		ret = podvs_nl_need(nest, tb, PODVS_DEST_A_PORT, "dest",
				    "port", extack);
	if (!ret)
		ret = podvs_nl_addr(tb[PODVS_DEST_A_ADDR], af, &c->addr, "dest",
				    extack);
	if (ret)
		return ret;
	if (tb[PODVS_DEST_A_FLAGS_MASK] && !tb[PODVS_DEST_A_FLAGS]) {
		podvs_errmsg(extack, tb[PODVS_DEST_A_FLAGS_MASK],
			     "dest flags mask given without flags");
		return -EINVAL;
	}
	c->port = nla_get_be16(tb[PODVS_DEST_A_PORT]);
	for (i = PODVS_DEST_A_WEIGHT; i <= PODVS_DEST_A_OWNER; i++)
		if (tb[i])
			c->present |= BIT(i);
	if (tb[PODVS_DEST_A_WEIGHT])
		c->weight = nla_get_u32(tb[PODVS_DEST_A_WEIGHT]);
	if (tb[PODVS_DEST_A_FLAGS])
		c->flags = nla_get_u32(tb[PODVS_DEST_A_FLAGS]);
	if (tb[PODVS_DEST_A_FLAGS_MASK])
		c->flags_mask = nla_get_u32(tb[PODVS_DEST_A_FLAGS_MASK]);
	if (tb[PODVS_DEST_A_OWNER])
		nla_strscpy(c->owner, tb[PODVS_DEST_A_OWNER], sizeof(c->owner));
	return 0;
}

/* One service or dest operation, from a command or from a batch op. */
struct podvs_op {
	u8 cmd;
	struct nlattr *svc_attr;
	struct nlattr *dest_attr;
	struct podvs_svc_conf svc;
	struct podvs_dest_conf dest;
};

static bool podvs_op_is_dest(u8 cmd)
{
	return cmd == PODVS_CMD_NEW_DEST || cmd == PODVS_CMD_SET_DEST ||
	       cmd == PODVS_CMD_DEL_DEST;
}

static int podvs_nl_parse_op_svc(struct podvs_op *op, struct nlattr *nest,
				 struct netlink_ext_ack *extack)
{
	if (!nest) {
		podvs_errmsg(extack, NULL, "service command without service");
		return -EINVAL;
	}
	op->svc_attr = nest;
	if (op->cmd == PODVS_CMD_NEW_SERVICE || op->cmd == PODVS_CMD_SET_SERVICE)
		return podvs_nl_parse_svc(nest, &op->svc, extack);
	return podvs_nl_parse_key(nest, &op->svc.key, extack);
}

/* Fill op from the service and dest nests of a command or batch op. */
static int podvs_nl_parse_op(struct podvs_op *op, struct nlattr *svc,
			     struct nlattr *dest, struct netlink_ext_ack *extack)
{
	int ret;

	ret = podvs_nl_parse_op_svc(op, svc, extack);
	if (ret)
		return ret;
	if (!podvs_op_is_dest(op->cmd)) {
		if (dest) {
			podvs_errmsg(extack, dest, "service command with a dest");
			return -EINVAL;
		}
		return 0;
	}
	if (!dest) {
		podvs_errmsg(extack, svc, "dest command without dest");
		return -EINVAL;
	}
	op->dest_attr = dest;
	return podvs_nl_parse_dest(dest, op->svc.key.af,
				   op->cmd == PODVS_CMD_DEL_DEST, &op->dest,
				   extack);
}

/* Applying operations */

static int podvs_op_err(const struct podvs_op *op, int err, const char *what,
			struct netlink_ext_ack *extack)
{
	char s[PODVS_SVC_STRLEN], d[PODVS_ADDR_STRLEN];

	podvs_fmt_svc(s, &op->svc.key);
	if (!podvs_op_is_dest(op->cmd)) {
		podvs_errmsg(extack, op->svc_attr, "service %s %s", s, what);
		return err;
	}
	podvs_fmt_addr(d, op->svc.key.af, &op->dest.addr, op->dest.port);
	podvs_errmsg(extack, op->dest_attr, "dest %s %s %s", d, what, s);
	return err;
}

static int podvs_op_result(const struct podvs_op *op, int ret,
			   struct netlink_ext_ack *extack)
{
	bool dest = podvs_op_is_dest(op->cmd);

	switch (ret) {
	case 0:
		return 0;
	case -EEXIST:
		return podvs_op_err(op, ret, dest ? "already exists in" :
				    "already exists", extack);
	case -ENOMEM:
		return podvs_op_err(op, ret, dest ? ": out of memory in" :
				    ": out of memory", extack);
	default:
		return podvs_op_err(op, ret, dest ? ": failed in" : ": failed",
				    extack);
	}
}

static int podvs_op_svc(struct podvs_txn *t, const struct podvs_op *op,
			struct podvs_service *svc)
{
	switch (op->cmd) {
	case PODVS_CMD_NEW_SERVICE:
		return podvs_svc_new(t, &op->svc);
	case PODVS_CMD_SET_SERVICE:
		return podvs_svc_set(t, svc, &op->svc);
	default:
		return podvs_svc_del(t, svc);
	}
}

static int podvs_op_dest(struct podvs_txn *t, const struct podvs_op *op,
			 struct podvs_service *svc,
			 struct netlink_ext_ack *extack)
{
	struct podvs_dest *d;

	if (op->cmd == PODVS_CMD_NEW_DEST)
		return podvs_dest_new(t, svc, &op->dest);
	d = podvs_dest_find(svc, &op->dest.addr, op->dest.port);
	if (!d)
		return podvs_op_err(op, -ENOENT, "does not exist in", extack);
	if (op->cmd == PODVS_CMD_SET_DEST)
		return podvs_dest_set(t, d, &op->dest);
	return podvs_dest_del(t, d);
}

static int podvs_op_apply(struct podvs_txn *t, const struct podvs_op *op,
			  struct netlink_ext_ack *extack)
{
	struct podvs_service *svc;
	char s[PODVS_SVC_STRLEN];
	int ret;

	svc = podvs_svc_find(t->pn, &op->svc.key);
	if (!svc && op->cmd != PODVS_CMD_NEW_SERVICE) {
		podvs_fmt_svc(s, &op->svc.key);
		podvs_errmsg(extack, op->svc_attr, "service %s does not exist",
			     s);
		return -ENOENT;
	}
	if (podvs_op_is_dest(op->cmd))
		ret = podvs_op_dest(t, op, svc, extack);
	else
		ret = podvs_op_svc(t, op, svc);
	if (ret == -ENOENT)
		return ret;	/* message set above */
	return podvs_op_result(op, ret, extack);
}

/* Write commands */

static struct podvs_net *podvs_nl_pn(struct genl_info *info)
{
	return podvs_pernet(genl_info_net(info));
}

void podvs_genl_notify(struct podvs_net *pn)
{
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&pn->lock);
	if (!genl_has_listeners(&podvs_genl_family, pn->net, 0))
		return;
	skb = genlmsg_new(nla_total_size(nla_total_size(sizeof(u32))),
			  GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &podvs_genl_family, 0, PODVS_CMD_NOTIFY);
	if (!hdr)
		goto free;
	nest = nla_nest_start(skb, PODVS_A_INFO);
	if (!nest || nla_put_u32(skb, PODVS_INFO_A_GENERATION, pn->generation))
		goto free;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&podvs_genl_family, pn->net, skb, 0, 0,
				GFP_KERNEL);
	return;

free:
	nlmsg_free(skb);
}

static int podvs_nl_commit(struct podvs_txn *t, struct netlink_ext_ack *extack)
{
	int ret = podvs_txn_commit(t);

	if (ret) {
		podvs_errmsg(extack, NULL,
			     "out of memory building scheduler tables, nothing changed");
		return ret;
	}
	podvs_genl_notify(t->pn);
	return 0;
}

/* NEW/SET/DEL_SERVICE and NEW/SET/DEL_DEST: a transaction of one op. */
static int podvs_nl_op_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct podvs_net *pn = podvs_nl_pn(info);
	struct podvs_op op = { .cmd = info->genlhdr->cmd };
	struct podvs_txn t;
	int ret;

	ret = podvs_nl_parse_op(&op, info->attrs[PODVS_A_SERVICE],
				info->attrs[PODVS_A_DEST], info->extack);
	if (ret)
		return ret;
	mutex_lock(&pn->lock);
	ret = podvs_txn_begin(&t, pn, 1);
	if (ret)
		goto unlock;
	ret = podvs_op_apply(&t, &op, info->extack);
	if (ret)
		podvs_txn_abort(&t);
	else
		ret = podvs_nl_commit(&t, info->extack);
unlock:
	mutex_unlock(&pn->lock);
	return ret;
}

static int podvs_nl_batch_op(struct podvs_txn *t, struct nlattr *a,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[PODVS_OP_A_MAX + 1];
	struct podvs_op op = {};
	int ret;

	ret = nla_parse_nested(tb, PODVS_OP_A_MAX, a, podvs_op_policy, extack);
	if (!ret)
		ret = podvs_nl_need(a, tb, PODVS_OP_A_CMD, "op", "cmd", extack);
	if (ret)
		return ret;
	op.cmd = nla_get_u8(tb[PODVS_OP_A_CMD]);
	if (op.cmd == PODVS_CMD_GET_SERVICE) {
		podvs_errmsg(extack, tb[PODVS_OP_A_CMD],
			     "command %u is not a NEW, SET or DEL of a service or dest",
			     op.cmd);
		return -EOPNOTSUPP;
	}
	ret = podvs_nl_parse_op(&op, tb[PODVS_OP_A_SERVICE],
				tb[PODVS_OP_A_DEST], extack);
	return ret ?: podvs_op_apply(t, &op, extack);
}

/* "op N: <why>", the offset pointing at op N's attribute. */
static void podvs_nl_op_failed(struct netlink_ext_ack *extack, u32 i,
			       const struct nlattr *op)
{
	if (!extack)
		return;
	podvs_errmsg(extack, NULL, "op %u: %s", i,
		     extack->_msg ?: "invalid");
	extack->bad_attr = op;
}

static u32 podvs_nl_batch_count(const struct nlattr *head, int len)
{
	const struct nlattr *a;
	u32 n = 0;
	int rem;

	nla_for_each_attr(a, head, len, rem)
		n += nla_type(a) == PODVS_A_OP;
	return n;
}

static int podvs_nl_batch_apply(struct podvs_txn *t, struct nlattr *head,
				int len, struct netlink_ext_ack *extack)
{
	struct nlattr *a;
	int rem, ret;
	u32 i = 0;

	nla_for_each_attr(a, head, len, rem) {
		if (nla_type(a) != PODVS_A_OP)
			continue;
		ret = podvs_nl_batch_op(t, a, extack);
		if (ret) {
			podvs_nl_op_failed(extack, i, a);
			return ret;
		}
		i++;
		cond_resched();
	}
	return 0;
}

/* Every PODVS_A_OP of the stream, in order, each logged; any failure
 * undoes them all.  (nlmsg_parse() keeps only the last of repeated
 * attributes, hence the walk over the raw stream, which genl validated.)
 */
PODVS_VISIBLE_IF_KUNIT int
podvs_nl_batch_run(struct podvs_net *pn, struct nlattr *head,
		   int len, struct netlink_ext_ack *extack)
{
	u32 n = podvs_nl_batch_count(head, len);
	struct podvs_txn t;
	int ret;

	if (!n) {
		podvs_errmsg(extack, NULL, "batch without any op");
		return -EINVAL;
	}
	mutex_lock(&pn->lock);
	ret = podvs_txn_begin(&t, pn, n);
	if (ret) {
		podvs_errmsg(extack, NULL, "out of memory for a batch of %u ops",
			     n);
		goto unlock;
	}
	ret = podvs_nl_batch_apply(&t, head, len, extack);
	if (ret)
		podvs_txn_abort(&t);
	else
		ret = podvs_nl_commit(&t, extack);
unlock:
	mutex_unlock(&pn->lock);
	return ret;
}

static int podvs_nl_batch(struct sk_buff *skb, struct genl_info *info)
{
	return podvs_nl_batch_run(podvs_nl_pn(info),
				  genlmsg_data(info->genlhdr),
				  genlmsg_len(info->genlhdr), info->extack);
}

static int podvs_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct podvs_net *pn = podvs_nl_pn(info);

	mutex_lock(&pn->lock);
	podvs_svc_flush(pn);
	podvs_genl_notify(pn);
	mutex_unlock(&pn->lock);
	return 0;
}

static int podvs_nl_zero(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[PODVS_A_SERVICE];
	struct podvs_net *pn = podvs_nl_pn(info);
	struct podvs_service *svc = NULL;
	char s[PODVS_SVC_STRLEN];
	struct podvs_svc_key k;
	int ret;

	if (nest) {
		ret = podvs_nl_parse_key(nest, &k, info->extack);
		if (ret)
			return ret;
	}
	mutex_lock(&pn->lock);
	if (nest) {
		svc = podvs_svc_find(pn, &k);
		if (!svc) {
			podvs_fmt_svc(s, &k);
			podvs_errmsg(info->extack, nest,
				     "service %s does not exist", s);
			mutex_unlock(&pn->lock);
			return -ENOENT;
		}
	}
	podvs_svc_zero(pn, svc);
	podvs_bump_generation(pn);
	podvs_genl_notify(pn);
	mutex_unlock(&pn->lock);
	return 0;
}

/* PODVS_CFG_A_* -> the connection states whose timeout it sets */
static const u8 podvs_cfg_states[][2] = {
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

static void podvs_nl_cfg_apply(struct podvs_net *pn, struct nlattr **tb)
{
	int type, j;
	u32 v;

	for (type = PODVS_CFG_A_TCP_TIMEOUT; type <= PODVS_CFG_A_CLOSE_TIMEOUT;
	     type++) {
		v = tb[type] ? nla_get_u32(tb[type]) : 0;
		if (!v)
			continue;
		for (j = 0; j < 2; j++)
			WRITE_ONCE(pn->cfg.timeout[podvs_cfg_states[type][j]],
				   (unsigned long)v * HZ);
	}
	v = tb[PODVS_CFG_A_CONN_MAX] ? nla_get_u32(tb[PODVS_CFG_A_CONN_MAX]) : 0;
	if (v)
		WRITE_ONCE(pn->cfg.conn_max, v);
}

static int podvs_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[PODVS_CFG_A_MAX + 1];
	struct podvs_net *pn = podvs_nl_pn(info);
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, PODVS_A_CONFIG)) {
		podvs_errmsg(info->extack, NULL, "SET_CONFIG needs PODVS_A_CONFIG");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, PODVS_CFG_A_MAX, info->attrs[PODVS_A_CONFIG],
			       podvs_cfg_policy, info->extack);
	if (ret)
		return ret;
	mutex_lock(&pn->lock);
	podvs_nl_cfg_apply(pn, tb);
	podvs_bump_generation(pn);
	podvs_genl_notify(pn);
	mutex_unlock(&pn->lock);
	return 0;
}

/* Replies */

static int podvs_nl_put_key(struct sk_buff *skb, const struct podvs_svc_key *k)
{
	int len = k->af == AF_INET ? sizeof(k->addr.ip) : sizeof(k->addr.in6);

	if (nla_put_u16(skb, PODVS_SVC_A_AF, k->af) ||
	    nla_put_u8(skb, PODVS_SVC_A_PROTOCOL, k->protocol) ||
	    nla_put(skb, PODVS_SVC_A_ADDR, len, &k->addr) ||
	    nla_put_be16(skb, PODVS_SVC_A_PORT, k->port))
		return -EMSGSIZE;
	return 0;
}

static int podvs_nl_put_stats(struct sk_buff *skb, int type,
			      struct podvs_stats *s)
{
	struct podvs_stats_snap v;
	struct nlattr *nest;
	int i;

	podvs_stats_read(s, &v);
	{
		const u64 vals[] = {
			v.conns, v.inpkts, v.outpkts, v.inbytes, v.outbytes,
			v.cps, v.inpps, v.outpps, v.inbps, v.outbps,
		};

		BUILD_BUG_ON(ARRAY_SIZE(vals) !=
			     PODVS_STATS_A_OUTBPS - PODVS_STATS_A_CONNS + 1);
		nest = nla_nest_start(skb, type);
		if (!nest)
			return -EMSGSIZE;
		for (i = 0; i < ARRAY_SIZE(vals); i++)
			if (nla_put_u64_64bit(skb, PODVS_STATS_A_CONNS + i,
					      vals[i], PODVS_STATS_A_PAD))
				return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int podvs_nl_put_svc(struct sk_buff *skb, struct podvs_service *svc)
{
	struct nlattr *nest = nla_nest_start(skb, PODVS_A_SERVICE);

	if (!nest || podvs_nl_put_key(skb, &svc->key) ||
	    nla_put_string(skb, PODVS_SVC_A_SCHED, svc->sched->name) ||
	    nla_put_u32(skb, PODVS_SVC_A_FLAGS, svc->flags) ||
	    nla_put_u32(skb, PODVS_SVC_A_TIMEOUT, svc->timeout / HZ) ||
	    nla_put_u8(skb, PODVS_SVC_A_NETMASK, svc->netmask) ||
	    nla_put_u32(skb, PODVS_SVC_A_MH_TABLE_SIZE, svc->mh_size) ||
	    nla_put_string(skb, PODVS_SVC_A_OWNER, svc->owner) ||
	    nla_put_u32(skb, PODVS_SVC_A_DESTS, svc->num_dests) ||
	    podvs_nl_put_stats(skb, PODVS_SVC_A_STATS, &svc->stats))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int podvs_nl_put_dest(struct sk_buff *skb, struct podvs_dest *d)
{
	int len = d->af == AF_INET ? sizeof(d->addr.ip) : sizeof(d->addr.in6);
	struct nlattr *nest = nla_nest_start(skb, PODVS_A_DEST);

	if (!nest || nla_put(skb, PODVS_DEST_A_ADDR, len, &d->addr) ||
	    nla_put_be16(skb, PODVS_DEST_A_PORT, d->port) ||
	    nla_put_u32(skb, PODVS_DEST_A_WEIGHT, d->weight) ||
	    nla_put_u32(skb, PODVS_DEST_A_FLAGS, d->flags) ||
	    nla_put_u32(skb, PODVS_DEST_A_FWD, PODVS_FWD_MASQ) ||
	    nla_put_string(skb, PODVS_DEST_A_OWNER, d->owner) ||
	    nla_put_u32(skb, PODVS_DEST_A_ACTIVE_CONNS,
			atomic_read(&d->active_conns)) ||
	    nla_put_u32(skb, PODVS_DEST_A_INACTIVE_CONNS,
			atomic_read(&d->inactive_conns)) ||
	    nla_put_u32(skb, PODVS_DEST_A_PERSIST_CONNS,
			atomic_read(&d->persist_conns)) ||
	    podvs_nl_put_stats(skb, PODVS_DEST_A_STATS, &d->stats))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int podvs_nl_put_drops(struct sk_buff *skb, struct podvs_net *pn)
{
	u64 drops[__PODVS_DROP_A_MAX];
	struct nlattr *nest;
	int i;

	podvs_drops_read(pn, drops);
	nest = nla_nest_start(skb, PODVS_INFO_A_DROPS);
	if (!nest)
		return -EMSGSIZE;
	for (i = PODVS_DROP_A_NO_SERVICE; i <= PODVS_DROP_A_DEST_GONE; i++)
		if (nla_put_u64_64bit(skb, i, drops[i], PODVS_DROP_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int podvs_nl_put_info(struct sk_buff *skb, struct podvs_net *pn)
{
	struct podvs_svc_table *tab = podvs_svc_table(pn);
	char scheds[64];
	struct nlattr *nest;

	podvs_sched_names(scheds, sizeof(scheds));
	nest = nla_nest_start(skb, PODVS_A_INFO);
	if (!nest || nla_put_string(skb, PODVS_INFO_A_VERSION, PODVS_VERSION) ||
	    nla_put_u32(skb, PODVS_INFO_A_ABI, PODVS_GENL_VERSION) ||
	    nla_put_u32(skb, PODVS_INFO_A_SERVICES, tab->nsvc) ||
	    nla_put_u32(skb, PODVS_INFO_A_DESTS, tab->ndests) ||
	    nla_put_u32(skb, PODVS_INFO_A_CONNS, podvs_conn_count(pn)) ||
	    nla_put_u32(skb, PODVS_INFO_A_SVC_BUCKETS, podvs_svc_buckets(pn)) ||
	    nla_put_u32(skb, PODVS_INFO_A_CONN_BUCKETS,
			podvs_conn_buckets(pn)) ||
	    nla_put_u32(skb, PODVS_INFO_A_CONN_MAX, READ_ONCE(pn->cfg.conn_max)) ||
	    nla_put_u32(skb, PODVS_INFO_A_GENERATION, pn->generation) ||
	    podvs_nl_put_drops(skb, pn) ||
	    nla_put_string(skb, PODVS_INFO_A_SCHEDULERS, scheds))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int podvs_nl_put_config(struct sk_buff *skb, struct podvs_net *pn)
{
	struct nlattr *nest = nla_nest_start(skb, PODVS_A_CONFIG);
	int type;

	if (!nest)
		return -EMSGSIZE;
	for (type = PODVS_CFG_A_TCP_TIMEOUT; type <= PODVS_CFG_A_CLOSE_TIMEOUT;
	     type++) {
		unsigned long t = pn->cfg.timeout[podvs_cfg_states[type][0]];

		if (nla_put_u32(skb, type, t / HZ))
			return -EMSGSIZE;
	}
	if (nla_put_u32(skb, PODVS_CFG_A_CONN_MAX, pn->cfg.conn_max))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* A one-message reply built by fill under pn->lock. */
static int podvs_nl_reply(struct genl_info *info,
			  int (*fill)(struct sk_buff *skb, void *arg),
			  void *arg)
{
	struct podvs_net *pn = podvs_nl_pn(info);
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &podvs_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	mutex_lock(&pn->lock);
	ret = fill(msg, arg);
	mutex_unlock(&pn->lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int podvs_nl_fill_info(struct sk_buff *skb, void *pn)
{
	return podvs_nl_put_info(skb, pn);
}

static int podvs_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	return podvs_nl_reply(info, podvs_nl_fill_info, podvs_nl_pn(info));
}

static int podvs_nl_fill_config(struct sk_buff *skb, void *pn)
{
	return podvs_nl_put_config(skb, pn);
}

static int podvs_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	return podvs_nl_reply(info, podvs_nl_fill_config, podvs_nl_pn(info));
}

struct podvs_nl_svc_get {
	struct podvs_net *pn;
	struct podvs_svc_key key;
	struct nlattr *nest;
	struct netlink_ext_ack *extack;
};

static int podvs_nl_fill_svc(struct sk_buff *skb, void *arg)
{
	struct podvs_nl_svc_get *g = arg;
	struct podvs_service *svc = podvs_svc_find(g->pn, &g->key);
	char s[PODVS_SVC_STRLEN];

	if (!svc) {
		podvs_fmt_svc(s, &g->key);
		podvs_errmsg(g->extack, g->nest, "service %s does not exist", s);
		return -ENOENT;
	}
	return podvs_nl_put_svc(skb, svc);
}

static int podvs_nl_get_service(struct sk_buff *skb, struct genl_info *info)
{
	struct podvs_nl_svc_get g = {
		.pn = podvs_nl_pn(info),
		.nest = info->attrs[PODVS_A_SERVICE],
		.extack = info->extack,
	};
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, PODVS_A_SERVICE)) {
		podvs_errmsg(info->extack, NULL,
			     "GET_SERVICE needs a service key, or NLM_F_DUMP for all");
		return -EINVAL;
	}
	ret = podvs_nl_parse_key(g.nest, &g.key, info->extack);
	return ret ?: podvs_nl_reply(info, podvs_nl_fill_svc, &g);
}

/* Dumps
 *
 * cb->args[0]: id of the last object sent, [1]: the object itself, valid
 * only while the generation is still [2] (nothing was freed since: every
 * free follows a committed change, and every commit bumps the generation);
 * otherwise resume after id [0] by a scan.  cb->seq is the generation, so
 * a dump that spans a change is flagged NLM_F_DUMP_INTR.
 */
static void *podvs_dump_prev(struct netlink_callback *cb, struct podvs_net *pn)
{
	cb->seq = pn->generation;
	if (cb->args[1] && (u32)cb->args[2] == pn->generation)
		return (void *)cb->args[1];
	return NULL;
}

static void podvs_dump_save(struct netlink_callback *cb, struct podvs_net *pn,
			    u64 id, void *obj)
{
	cb->args[0] = id;
	cb->args[1] = (unsigned long)obj;
	cb->args[2] = pn->generation;
}

static void *podvs_nl_dump_hdr(struct sk_buff *skb, struct netlink_callback *cb,
			       u8 cmd)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &podvs_genl_family,
				NLM_F_MULTI, cmd);

	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

static int podvs_nl_dump_one_svc(struct sk_buff *skb,
				 struct netlink_callback *cb,
				 struct podvs_service *svc)
{
	void *hdr = podvs_nl_dump_hdr(skb, cb, PODVS_CMD_GET_SERVICE);

	if (!hdr)
		return -EMSGSIZE;
	if (podvs_nl_put_svc(skb, svc)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int podvs_nl_start_services(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);

	if (info->attrs && info->attrs[PODVS_A_SERVICE]) {
		podvs_errmsg(cb->extack, info->attrs[PODVS_A_SERVICE],
			     "a service dump takes no service key");
		return -EINVAL;
	}
	return 0;
}

static int podvs_nl_dump_services(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct podvs_net *pn = podvs_pernet(sock_net(skb->sk));
	struct podvs_service *svc;

	mutex_lock(&pn->lock);
	svc = podvs_svc_next(pn, podvs_dump_prev(cb, pn), cb->args[0]);
	for (; svc; svc = podvs_svc_next(pn, svc, 0)) {
		if (podvs_nl_dump_one_svc(skb, cb, svc))
			break;
		podvs_dump_save(cb, pn, svc->id, svc);
	}
	mutex_unlock(&pn->lock);
	return skb->len;
}

static int podvs_nl_dump_one_dest(struct sk_buff *skb,
				  struct netlink_callback *cb,
				  struct podvs_service *svc, struct podvs_dest *d)
{
	void *hdr = podvs_nl_dump_hdr(skb, cb, PODVS_CMD_GET_DEST);
	struct nlattr *nest;

	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, PODVS_A_SERVICE);
	if (!nest || podvs_nl_put_key(skb, &svc->key))
		goto cancel;
	nla_nest_end(skb, nest);
	if (podvs_nl_put_dest(skb, d))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* The service a GET_DEST dump names; under pn->lock.  extack: NULL when
 * resuming (the key was checked by start).
 */
static struct podvs_service *
podvs_nl_dest_svc(struct netlink_callback *cb, struct podvs_net *pn,
		  struct netlink_ext_ack *extack)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr *nest = info->attrs[PODVS_A_SERVICE];
	char s[PODVS_SVC_STRLEN];
	struct podvs_service *svc;
	struct podvs_svc_key k;

	if (!nest) {
		podvs_errmsg(extack, NULL, "GET_DEST needs a service key");
		return ERR_PTR(-EINVAL);
	}
	if (podvs_nl_parse_key(nest, &k, extack))
		return ERR_PTR(-EINVAL);
	svc = podvs_svc_find(pn, &k);
	if (!svc) {
		podvs_fmt_svc(s, &k);
		podvs_errmsg(extack, nest, "service %s does not exist", s);
		return ERR_PTR(-ENOENT);
	}
	return svc;
}

static int podvs_nl_start_dests(struct netlink_callback *cb)
{
	struct podvs_net *pn = podvs_pernet(sock_net(cb->skb->sk));
	struct podvs_service *svc;

	mutex_lock(&pn->lock);
	svc = podvs_nl_dest_svc(cb, pn, cb->extack);
	mutex_unlock(&pn->lock);
	return PTR_ERR_OR_ZERO(svc);
}

static int podvs_nl_dump_dests(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct podvs_net *pn = podvs_pernet(sock_net(skb->sk));
	struct podvs_service *svc;
	struct podvs_dest *d;

	mutex_lock(&pn->lock);
	d = podvs_dump_prev(cb, pn);
	svc = podvs_nl_dest_svc(cb, pn, NULL);
	if (IS_ERR(svc))	/* deleted since the dump began */
		goto unlock;
	d = podvs_dest_next(svc, d, cb->args[0]);
	for (; d; d = podvs_dest_next(svc, d, 0)) {
		if (podvs_nl_dump_one_dest(skb, cb, svc, d))
			break;
		podvs_dump_save(cb, pn, d->id, d);
	}
unlock:
	mutex_unlock(&pn->lock);
	return skb->len;
}

/* GET_CONN: optional filters on service key, dest and client. */
struct podvs_conn_filter {
	struct podvs_svc_key key;
	union nf_inet_addr daddr, caddr;
	u16 daf, caf;		/* family of daddr / caddr, 0: no filter */
	__be16 dport, cport;	/* 0: no filter */
	bool svc;
};

/* An address filter without a service key: its length gives the family. */
static int podvs_nl_filter_addr(const struct nlattr *a, u16 svc_af, u16 *af,
				union nf_inet_addr *out, const char *what,
				struct netlink_ext_ack *extack)
{
	*af = svc_af ?: (nla_len(a) == sizeof(out->ip) ? AF_INET : AF_INET6);
	return podvs_nl_addr(a, *af, out, what, extack);
}

static int podvs_nl_conn_filter(struct nlattr **attrs,
				struct podvs_conn_filter *f,
				struct netlink_ext_ack *extack)
{
	struct nlattr *tb[PODVS_CONN_A_MAX + 1];
	struct nlattr *db[PODVS_DEST_A_MAX + 1];
	int ret = 0;

	memset(f, 0, sizeof(*f));
	if (attrs[PODVS_A_SERVICE]) {
		ret = podvs_nl_parse_key(attrs[PODVS_A_SERVICE], &f->key, extack);
		f->svc = !ret;
	}
	if (!ret && attrs[PODVS_A_DEST])
		ret = nla_parse_nested(db, PODVS_DEST_A_MAX, attrs[PODVS_A_DEST],
				       podvs_dest_key_policy, extack);
	if (!ret && attrs[PODVS_A_DEST] && db[PODVS_DEST_A_ADDR])
		ret = podvs_nl_filter_addr(db[PODVS_DEST_A_ADDR], f->key.af,
					   &f->daf, &f->daddr, "dest", extack);
	if (!ret && attrs[PODVS_A_DEST] && db[PODVS_DEST_A_PORT])
		f->dport = nla_get_be16(db[PODVS_DEST_A_PORT]);
	if (!ret && attrs[PODVS_A_CONN])
		ret = nla_parse_nested(tb, PODVS_CONN_A_MAX, attrs[PODVS_A_CONN],
				       podvs_conn_filter_policy, extack);
	if (!ret && attrs[PODVS_A_CONN] && tb[PODVS_CONN_A_CADDR])
		ret = podvs_nl_filter_addr(tb[PODVS_CONN_A_CADDR], f->key.af,
					   &f->caf, &f->caddr, "client",
					   extack);
	if (!ret && attrs[PODVS_A_CONN] && tb[PODVS_CONN_A_CPORT])
		f->cport = nla_get_be16(tb[PODVS_CONN_A_CPORT]);
	return ret;
}

static bool podvs_addr_eq(u16 af, const union nf_inet_addr *a,
			  const union nf_inet_addr *b)
{
	return af == AF_INET ? a->ip == b->ip : ipv6_addr_equal(&a->in6, &b->in6);
}

static bool podvs_conn_match(const struct podvs_conn_filter *f,
			     const struct podvs_conn *c)
{
	if (f->svc && (c->af != f->key.af || c->protocol != f->key.protocol ||
		       c->vport != f->key.port ||
		       !podvs_addr_eq(c->af, &c->vaddr, &f->key.addr)))
		return false;
	if (f->daf && (c->af != f->daf ||
		       !podvs_addr_eq(c->af, &c->daddr, &f->daddr)))
		return false;
	if (f->caf && (c->af != f->caf ||
		       !podvs_addr_eq(c->af, &c->caddr, &f->caddr)))
		return false;
	return (!f->dport || c->dport == f->dport) &&
	       (!f->cport || c->cport == f->cport);
}

static int podvs_nl_put_conn(struct sk_buff *skb, const struct podvs_conn *c)
{
	int len = c->af == AF_INET ? sizeof(c->caddr.ip) : sizeof(c->caddr.in6);
	long left = (long)(READ_ONCE(c->expires) - jiffies);
	struct nlattr *nest = nla_nest_start(skb, PODVS_A_CONN);

	if (!nest || nla_put_u16(skb, PODVS_CONN_A_AF, c->af) ||
	    nla_put_u8(skb, PODVS_CONN_A_PROTOCOL, c->protocol) ||
	    nla_put(skb, PODVS_CONN_A_CADDR, len, &c->caddr) ||
	    nla_put_be16(skb, PODVS_CONN_A_CPORT, c->cport) ||
	    nla_put(skb, PODVS_CONN_A_VADDR, len, &c->vaddr) ||
	    nla_put_be16(skb, PODVS_CONN_A_VPORT, c->vport) ||
	    nla_put(skb, PODVS_CONN_A_DADDR, len, &c->daddr) ||
	    nla_put_be16(skb, PODVS_CONN_A_DPORT, c->dport) ||
	    nla_put_u8(skb, PODVS_CONN_A_STATE, READ_ONCE(c->state)) ||
	    nla_put_u32(skb, PODVS_CONN_A_EXPIRES,
			left > 0 ? DIV_ROUND_UP(left, HZ) : 0))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

struct podvs_conn_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	struct podvs_conn_filter f;
};

/* Non-zero stops the walk: the message is full, resume at this entry. */
static int podvs_nl_dump_one_conn(const struct podvs_conn *c, void *arg)
{
	struct podvs_conn_dump *cd = arg;
	void *hdr;

	if (!podvs_conn_match(&cd->f, c))
		return 0;
	hdr = genlmsg_put(cd->skb, NETLINK_CB(cd->cb->skb).portid,
			  cd->cb->nlh->nlmsg_seq, &podvs_genl_family,
			  NLM_F_MULTI, PODVS_CMD_GET_CONN);
	if (!hdr)
		return -EMSGSIZE;
	if (podvs_nl_put_conn(cd->skb, c)) {
		genlmsg_cancel(cd->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(cd->skb, hdr);
	return 0;
}

static int podvs_nl_start_conns(struct netlink_callback *cb)
{
	struct podvs_conn_filter f;

	return podvs_nl_conn_filter(genl_dumpit_info(cb)->attrs, &f,
				    cb->extack);
}

static int podvs_nl_dump_conns(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct podvs_net *pn = podvs_pernet(sock_net(skb->sk));
	struct podvs_conn_dump cd = { .skb = skb, .cb = cb };
	unsigned long pos = cb->args[0];

	if (podvs_nl_conn_filter(genl_dumpit_info(cb)->attrs, &cd.f, NULL))
		return -EINVAL;
	podvs_conn_walk(pn, &pos, podvs_nl_dump_one_conn, &cd);
	cb->args[0] = pos;
	return skb->len;
}

/* The family */

#define PODVS_WRITE	GENL_UNS_ADMIN_PERM

static const struct genl_ops podvs_genl_ops[] = {
	{
		.cmd = PODVS_CMD_GET_INFO,
		.doit = podvs_nl_get_info,
	}, {
		.cmd = PODVS_CMD_NEW_SERVICE,
		.doit = podvs_nl_op_doit,
		.policy = podvs_svc_cmd_policy,
		.maxattr = PODVS_A_MAX,
		.flags = PODVS_WRITE,
	}, {
		.cmd = PODVS_CMD_SET_SERVICE,
		.doit = podvs_nl_op_doit,
		.policy = podvs_svc_cmd_policy,
		.maxattr = PODVS_A_MAX,
		.flags = PODVS_WRITE,
	}, {
		.cmd = PODVS_CMD_DEL_SERVICE,
		.doit = podvs_nl_op_doit,
		.policy = podvs_svc_key_cmd_policy,
		.maxattr = PODVS_A_MAX,
		.flags = PODVS_WRITE,
	}, {
		.cmd = PODVS_CMD_GET_SERVICE,
		.doit = podvs_nl_get_service,
		.start = podvs_nl_start_services,
		.dumpit = podvs_nl_dump_services,
		.policy = podvs_svc_key_cmd_policy,
		.maxattr = PODVS_A_MAX,
	}, {
		.cmd = PODVS_CMD_NEW_DEST,
		.doit = podvs_nl_op_doit,
		.policy = podvs_dest_cmd_policy,
		.maxattr = PODVS_A_MAX,
		.flags = PODVS_WRITE,
	}, {
		.cmd = PODVS_CMD_SET_DEST,
		.doit = podvs_nl_op_doit,
		.policy = podvs_dest_cmd_policy,
		.maxattr = PODVS_A_MAX,
		.flags = PODVS_WRITE,
	}, {
		.cmd = PODVS_CMD_DEL_DEST,
		.doit = podvs_nl_op_doit,
		.policy = podvs_dest_del_cmd_policy,
		.maxattr = PODVS_A_MAX,
		.flags = PODVS_WRITE,
	}, {
		.cmd = PODVS_CMD_GET_DEST,
		.start = podvs_nl_start_dests,
		.dumpit = podvs_nl_dump_dests,
		.policy = podvs_svc_key_cmd_policy,
		.maxattr = PODVS_A_MAX,
	}, {
		.cmd = PODVS_CMD_GET_CONFIG,
		.doit = podvs_nl_get_config,
	}, {
		.cmd = PODVS_CMD_SET_CONFIG,
		.doit = podvs_nl_set_config,
		.policy = podvs_cfg_cmd_policy,
		.maxattr = PODVS_A_MAX,
		.flags = PODVS_WRITE,
	}, {
		.cmd = PODVS_CMD_FLUSH,
		.doit = podvs_nl_flush,
		.flags = PODVS_WRITE,
	}, {
		.cmd = PODVS_CMD_ZERO,
		.doit = podvs_nl_zero,
		.policy = podvs_svc_key_cmd_policy,
		.maxattr = PODVS_A_MAX,
		.flags = PODVS_WRITE,
	}, {
		.cmd = PODVS_CMD_GET_CONN,
		.start = podvs_nl_start_conns,
		.dumpit = podvs_nl_dump_conns,
		.policy = podvs_conn_cmd_policy,
		.maxattr = PODVS_A_MAX,
	}, {
		.cmd = PODVS_CMD_BATCH,
		.doit = podvs_nl_batch,
		.policy = podvs_batch_cmd_policy,
		.maxattr = PODVS_A_MAX,
		.flags = PODVS_WRITE,
	},
};

static const struct genl_multicast_group podvs_genl_mcgrps[] = {
	{ .name = PODVS_GENL_MCGRP },
};

/* resv_start_op 0: genl checks the header and flags of every command and
 * gives commands without a policy one that rejects every attribute.
 */
static struct genl_family podvs_genl_family __ro_after_init = {
	.name = PODVS_GENL_NAME,
	.version = PODVS_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = podvs_genl_ops,
	.n_ops = ARRAY_SIZE(podvs_genl_ops),
	.resv_start_op = 0,
	.mcgrps = podvs_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(podvs_genl_mcgrps),
};

int __init podvs_genl_init(void)
{
	return genl_register_family(&podvs_genl_family);
}

void podvs_genl_exit(void)
{
	genl_unregister_family(&podvs_genl_family);
}
