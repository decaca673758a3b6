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

#include "announce.h"
#include "conn.h"
#include "dest.h"
#include "netlink.h"
#include "netlink_dump.h"
#include "netlink_msg.h"
#include "pernet.h"
#include "podvs_kunit.h"
#include "sched.h"
#include "service.h"
#include "txn.h"

static struct genl_family podvs_genl_family;

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

static const struct nla_policy podvs_cfg_policy[PODVS_CFG_A_MAX + 1] = {
	[PODVS_CFG_A_TCP_TIMEOUT ... PODVS_CFG_A_CLOSE_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &podvs_cfg_timeout_range),
	[PODVS_CFG_A_CONN_MAX] = { .type = NLA_U32 },
};

/* Ranges are checked in podvs_nl_parse_ann(), for messages that name the
 * attribute.
 */
static const struct nla_policy podvs_ann_policy[PODVS_ANN_A_MAX + 1] = {
	[PODVS_ANN_A_HOLD] = { .type = NLA_U32 },
	[PODVS_ANN_A_READY] = { .type = NLA_U8 },
	[PODVS_ANN_A_DECOMMISSIONED] = { .type = NLA_U8 },
	[PODVS_ANN_A_UP ... PODVS_ANN_A_LINKS] = PODVS_POLICY_REPLY,
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

static const struct nla_policy podvs_ann_cmd_policy[PODVS_A_MAX + 1] = {
	[PODVS_A_ANNOUNCE] = NLA_POLICY_NESTED(podvs_ann_policy),
};

static const struct nla_policy podvs_batch_cmd_policy[PODVS_A_MAX + 1] = {
	[PODVS_A_OP] = NLA_POLICY_NESTED(podvs_op_policy),
};

/* Parsing */

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

/* SET_ANNOUNCE */

static int podvs_nl_ann_bool(struct nlattr *a, const char *name, bool *has,
			     bool *v, struct netlink_ext_ack *extack)
{
	if (!a)
		return 0;
	if (nla_get_u8(a) > 1) {
		podvs_errmsg(extack, a, "announce %s %u: must be 0 or 1", name,
			     nla_get_u8(a));
		return -ERANGE;
	}
	*has = true;
	*v = nla_get_u8(a);
	return 0;
}

/* Parse a PODVS_A_ANNOUNCE into req; nothing is applied here, so a bad
 * attribute anywhere leaves the state as it was.
 */
PODVS_VISIBLE_IF_KUNIT int
podvs_nl_parse_ann(struct nlattr *nest, struct podvs_ann_req *req,
		   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[PODVS_ANN_A_MAX + 1];
	struct nlattr *a;
	int ret;

	memset(req, 0, sizeof(*req));
	ret = nla_parse_nested(tb, PODVS_ANN_A_MAX, nest, podvs_ann_policy,
			       extack);
	if (ret)
		return ret;
	a = tb[PODVS_ANN_A_HOLD];
	if (a && (nla_get_u32(a) < PODVS_ANN_HOLD_MIN ||
		  nla_get_u32(a) > PODVS_ANN_HOLD_MAX)) {
		podvs_errmsg(extack, a,
			     "announce hold %u out of range %u..%u seconds",
			     nla_get_u32(a), PODVS_ANN_HOLD_MIN,
			     PODVS_ANN_HOLD_MAX);
		return -ERANGE;
	}
	if (a) {
		req->has_hold = true;
		req->hold = nla_get_u32(a);
	}
	ret = podvs_nl_ann_bool(tb[PODVS_ANN_A_READY], "ready",
				&req->has_ready, &req->ready, extack);
	ret = ret ?: podvs_nl_ann_bool(tb[PODVS_ANN_A_DECOMMISSIONED],
				       "decommissioned",
				       &req->has_decommissioned,
				       &req->decommissioned, extack);
	if (ret)
		return ret;
	if (!req->has_hold && !req->has_ready && !req->has_decommissioned) {
		podvs_errmsg(extack, nest,
			     "announce: nothing to set (hold, ready or decommissioned)");
		return -EINVAL;
	}
	return 0;
}

/* A heartbeat that changes nothing but the countdown notifies no one:
 * podvsd sends one every few seconds and listeners would re-read their
 * state for nothing.  A change of hold, ready, decommissioned or the
 * carrier is notified; the generation is not bumped (it counts changes of
 * the service tables and config, which dumps compare).
 */
static int podvs_nl_set_announce(struct sk_buff *skb, struct genl_info *info)
{
	struct podvs_net *pn = podvs_nl_pn(info);
	struct podvs_ann_req req;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, PODVS_A_ANNOUNCE)) {
		podvs_errmsg(info->extack, NULL,
			     "SET_ANNOUNCE needs PODVS_A_ANNOUNCE");
		return -EINVAL;
	}
	ret = podvs_nl_parse_ann(info->attrs[PODVS_A_ANNOUNCE], &req,
				 info->extack);
	if (ret)
		return ret;
	if (!podvs_ann_set(pn, &req))
		return 0;
	mutex_lock(&pn->lock);
	podvs_genl_notify(pn);
	mutex_unlock(&pn->lock);
	return 0;
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
	}, {
		.cmd = PODVS_CMD_GET_ANNOUNCE,
		.doit = podvs_nl_get_announce,
	}, {
		.cmd = PODVS_CMD_SET_ANNOUNCE,
		.doit = podvs_nl_set_announce,
		.policy = podvs_ann_cmd_policy,
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
	podvs_nl_dump_init(&podvs_genl_family);
	return genl_register_family(&podvs_genl_family);
}

void podvs_genl_exit(void)
{
	genl_unregister_family(&podvs_genl_family);
}
