// SPDX-License-Identifier: GPL-2.0
/*
 * The "podvs" family's replies: GET_INFO, GET_CONFIG, GET_ANNOUNCE,
 * GET_SERVICE and the
 * service, dest and connection dumps (locking: netlink.c's header).
 */
#include <linux/inet.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "announce.h"
#include "compat.h"
#include "conn.h"
#include "dest.h"
#include "netlink_dump.h"
#include "netlink_msg.h"
#include "pernet.h"
#include "sched.h"
#include "service.h"

/* The family the replies belong to, set before it is registered. */
static const struct genl_family *podvs_nl_family __ro_after_init;

void __init podvs_nl_dump_init(const struct genl_family *family)
{
	podvs_nl_family = family;
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

/* PODVS_SVC_A_SNAT_FROM, an empty nest when the list is empty. */
static int podvs_nl_put_snat(struct sk_buff *skb, struct podvs_service *svc)
{
	const struct podvs_snat *s;
	struct nlattr *nest;
	u8 buf[17];
	int len = svc->key.af == AF_INET ? 4 : 16;
	u32 i;

	s = rcu_dereference_check(svc->snat, lockdep_is_held(&svc->pn->lock));
	nest = nla_nest_start(skb, PODVS_SVC_A_SNAT_FROM);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; s && i < s->n; i++) {
		memcpy(buf, &s->p[i].addr, len);
		buf[len] = s->p[i].plen;
		if (nla_put(skb, PODVS_RANGE_A_PREFIX, len + 1, buf))
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
	    podvs_nl_put_snat(skb, svc) ||
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
	u64 drops[PODVS_CNT_MAX];
	struct nlattr *nest;
	int i;

	podvs_drops_read(pn, drops);
	nest = nla_nest_start(skb, PODVS_INFO_A_DROPS);
	if (!nest)
		return -EMSGSIZE;
	for (i = PODVS_DROP_A_NO_SERVICE; i <= PODVS_DROP_A_MAX; i++)
		if (i != PODVS_DROP_A_PAD &&
		    nla_put_u64_64bit(skb, i, drops[i], PODVS_DROP_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return nla_put_u64_64bit(skb, PODVS_INFO_A_LEARNED,
				 drops[PODVS_CNT_LEARNED], PODVS_INFO_A_PAD);
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
	hdr = genlmsg_put_reply(msg, info, podvs_nl_family, 0,
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

int podvs_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	return podvs_nl_reply(info, podvs_nl_fill_info, podvs_nl_pn(info));
}

static int podvs_nl_fill_config(struct sk_buff *skb, void *pn)
{
	return podvs_nl_put_config(skb, pn);
}

int podvs_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	return podvs_nl_reply(info, podvs_nl_fill_config, podvs_nl_pn(info));
}

static int podvs_nl_fill_announce(struct sk_buff *skb, void *pn)
{
	struct nlattr *nest = nla_nest_start(skb, PODVS_A_ANNOUNCE);
	struct podvs_ann_snap s;

	podvs_ann_read(pn, &s);
	if (!nest || nla_put_u32(skb, PODVS_ANN_A_HOLD, s.hold) ||
	    nla_put_u8(skb, PODVS_ANN_A_READY, s.ready) ||
	    nla_put_u8(skb, PODVS_ANN_A_DECOMMISSIONED, s.decommissioned) ||
	    nla_put_u8(skb, PODVS_ANN_A_UP, s.up) ||
	    nla_put_u32(skb, PODVS_ANN_A_REMAINING_MS, s.remaining_ms) ||
	    nla_put_u32(skb, PODVS_ANN_A_EXPIRIES, s.expiries) ||
	    nla_put_u32(skb, PODVS_ANN_A_LINKS, s.links))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int podvs_nl_get_announce(struct sk_buff *skb, struct genl_info *info)
{
	return podvs_nl_reply(info, podvs_nl_fill_announce, podvs_nl_pn(info));
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

int podvs_nl_get_service(struct sk_buff *skb, struct genl_info *info)
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
				cb->nlh->nlmsg_seq, podvs_nl_family,
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

int podvs_nl_start_services(struct netlink_callback *cb)
{
	struct nlattr **attrs = podvs_dump_attrs(cb);

	if (attrs && attrs[PODVS_A_SERVICE]) {
		podvs_errmsg(cb->extack, attrs[PODVS_A_SERVICE],
			     "a service dump takes no service key");
		return -EINVAL;
	}
	return 0;
}

int podvs_nl_dump_services(struct sk_buff *skb, struct netlink_callback *cb)
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
	struct nlattr *nest = podvs_dump_attrs(cb)[PODVS_A_SERVICE];
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

int podvs_nl_start_dests(struct netlink_callback *cb)
{
	struct podvs_net *pn = podvs_pernet(sock_net(cb->skb->sk));
	struct podvs_service *svc;

	mutex_lock(&pn->lock);
	svc = podvs_nl_dest_svc(cb, pn, cb->extack);
	mutex_unlock(&pn->lock);
	return PTR_ERR_OR_ZERO(svc);
}

int podvs_nl_dump_dests(struct sk_buff *skb, struct netlink_callback *cb)
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
			left > 0 ? DIV_ROUND_UP(left, HZ) : 0) ||
	    nla_put_u32(skb, PODVS_CONN_A_FLAGS, podvs_conn_uflags(c)))
		return -EMSGSIZE;
	/* the address the Pod sees, only when it is not the client's */
	if ((c->cflags & PODVS_CONN_FL_SNAT) &&
	    (nla_put(skb, PODVS_CONN_A_LADDR, len, &c->laddr) ||
	     nla_put_be16(skb, PODVS_CONN_A_LPORT, c->lport)))
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
			  cd->cb->nlh->nlmsg_seq, podvs_nl_family,
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

int podvs_nl_start_conns(struct netlink_callback *cb)
{
	struct podvs_conn_filter f;

	return podvs_nl_conn_filter(podvs_dump_attrs(cb), &f,
				    cb->extack);
}

int podvs_nl_dump_conns(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct podvs_net *pn = podvs_pernet(sock_net(skb->sk));
	struct podvs_conn_dump cd = { .skb = skb, .cb = cb };
	unsigned long pos = cb->args[0];

	if (podvs_nl_conn_filter(podvs_dump_attrs(cb), &cd.f, NULL))
		return -EINVAL;
	podvs_conn_walk(pn, &pos, podvs_nl_dump_one_conn, &cd);
	cb->args[0] = pos;
	return skb->len;
}
