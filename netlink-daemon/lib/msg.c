// SPDX-License-Identifier: GPL-2.0
/*
 * libpodvs: building requests and parsing replies (no I/O here).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "msg.h"

struct nlmsghdr *lpv_msg_start(void *buf, uint16_t family, uint8_t cmd,
			       uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = PODVS_GENL_VERSION;
	return nlh;
}

/* ---- building ---------------------------------------------------------- */

static int put_addr(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
		    uint16_t af, const union lpv_addr *addr)
{
	size_t len = lpv_addr_len(af);

	if (!len)
		return -EINVAL;
	return mnl_attr_put_check(nlh, buflen, type, len, addr->raw) ? 0 : -EMSGSIZE;
}

static int put_port(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
		    uint16_t port)
{
	return mnl_attr_put_u16_check(nlh, buflen, type, htons(port)) ? 0 : -EMSGSIZE;
}

static int put_u32_if(struct nlmsghdr *nlh, size_t buflen, bool cond,
		      uint16_t type, uint32_t val)
{
	if (!cond)
		return 0;
	return mnl_attr_put_u32_check(nlh, buflen, type, val) ? 0 : -EMSGSIZE;
}

static int put_str_if(struct nlmsghdr *nlh, size_t buflen, bool cond,
		      uint16_t type, const char *s, size_t max)
{
	if (!cond)
		return 0;
	if (strnlen(s, max) >= max)
		return -EINVAL;
	return mnl_attr_put_strz_check(nlh, buflen, type, s) ? 0 : -EMSGSIZE;
}

static int put_svc_key(struct nlmsghdr *nlh, size_t buflen,
		       const struct lpv_service *svc)
{
	int err;

	if (!mnl_attr_put_u16_check(nlh, buflen, PODVS_SVC_A_AF, svc->af) ||
	    !mnl_attr_put_u8_check(nlh, buflen, PODVS_SVC_A_PROTOCOL, svc->protocol))
		return -EMSGSIZE;
	err = put_addr(nlh, buflen, PODVS_SVC_A_ADDR, svc->af, &svc->addr);
	if (!err)
		err = put_port(nlh, buflen, PODVS_SVC_A_PORT, svc->port);
	return err;
}

static int put_svc_opts(struct nlmsghdr *nlh, size_t buflen,
			const struct lpv_service *svc)
{
	uint32_t p = svc->present;
	int err;

	err = put_str_if(nlh, buflen, p & LPV_SVC_HAS_SCHED, PODVS_SVC_A_SCHED,
			 svc->sched, sizeof(svc->sched));
	err = err ?: put_u32_if(nlh, buflen, p & LPV_SVC_HAS_FLAGS,
				PODVS_SVC_A_FLAGS, svc->flags);
	err = err ?: put_u32_if(nlh, buflen, p & LPV_SVC_HAS_FLAGS_MASK,
				PODVS_SVC_A_FLAGS_MASK, svc->flags_mask);
	err = err ?: put_u32_if(nlh, buflen, p & LPV_SVC_HAS_TIMEOUT,
				PODVS_SVC_A_TIMEOUT, svc->timeout);
	if (!err && (p & LPV_SVC_HAS_NETMASK) &&
	    !mnl_attr_put_u8_check(nlh, buflen, PODVS_SVC_A_NETMASK, svc->netmask))
		err = -EMSGSIZE;
	err = err ?: put_u32_if(nlh, buflen, p & LPV_SVC_HAS_MH_TABLE_SIZE,
				PODVS_SVC_A_MH_TABLE_SIZE, svc->mh_table_size);
	err = err ?: put_str_if(nlh, buflen, p & LPV_SVC_HAS_OWNER,
				PODVS_SVC_A_OWNER, svc->owner, sizeof(svc->owner));
	return err;
}

int lpv_put_service(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
		    const struct lpv_service *svc, bool key_only)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, buflen, type);
	int err;

	if (!nest)
		return -EMSGSIZE;
	err = put_svc_key(nlh, buflen, svc);
	if (!err && !key_only)
		err = put_svc_opts(nlh, buflen, svc);
	if (err) {
		mnl_attr_nest_cancel(nlh, nest);
		return err;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static int put_dest_opts(struct nlmsghdr *nlh, size_t buflen,
			 const struct lpv_dest *d)
{
	uint32_t p = d->present;
	int err;

	err = put_u32_if(nlh, buflen, p & LPV_DEST_HAS_WEIGHT,
			 PODVS_DEST_A_WEIGHT, d->weight);
	err = err ?: put_u32_if(nlh, buflen, p & LPV_DEST_HAS_FLAGS,
				PODVS_DEST_A_FLAGS, d->flags);
	err = err ?: put_u32_if(nlh, buflen, p & LPV_DEST_HAS_FLAGS_MASK,
				PODVS_DEST_A_FLAGS_MASK, d->flags_mask);
	err = err ?: put_u32_if(nlh, buflen, p & LPV_DEST_HAS_FWD,
				PODVS_DEST_A_FWD, d->fwd);
	err = err ?: put_str_if(nlh, buflen, p & LPV_DEST_HAS_OWNER,
				PODVS_DEST_A_OWNER, d->owner, sizeof(d->owner));
	return err;
}

int lpv_put_dest(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
		 uint16_t af, const struct lpv_dest *dest, bool key_only)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, buflen, type);
	int err;

	if (!nest)
		return -EMSGSIZE;
	err = put_addr(nlh, buflen, PODVS_DEST_A_ADDR, af, &dest->addr);
	err = err ?: put_port(nlh, buflen, PODVS_DEST_A_PORT, dest->port);
	if (!err && !key_only)
		err = put_dest_opts(nlh, buflen, dest);
	if (err) {
		mnl_attr_nest_cancel(nlh, nest);
		return err;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int lpv_put_config(struct nlmsghdr *nlh, size_t buflen,
		   const struct lpv_config *cfg)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, buflen, PODVS_A_CONFIG);
	int err;

	if (!nest)
		return -EMSGSIZE;
	err = put_u32_if(nlh, buflen, cfg->tcp_timeout, PODVS_CFG_A_TCP_TIMEOUT,
			 cfg->tcp_timeout);
	err = err ?: put_u32_if(nlh, buflen, cfg->tcpfin_timeout,
				PODVS_CFG_A_TCPFIN_TIMEOUT, cfg->tcpfin_timeout);
	err = err ?: put_u32_if(nlh, buflen, cfg->udp_timeout,
				PODVS_CFG_A_UDP_TIMEOUT, cfg->udp_timeout);
	err = err ?: put_u32_if(nlh, buflen, cfg->synrecv_timeout,
				PODVS_CFG_A_SYNRECV_TIMEOUT, cfg->synrecv_timeout);
	err = err ?: put_u32_if(nlh, buflen, cfg->close_timeout,
				PODVS_CFG_A_CLOSE_TIMEOUT, cfg->close_timeout);
	err = err ?: put_u32_if(nlh, buflen, cfg->conn_max,
				PODVS_CFG_A_CONN_MAX, cfg->conn_max);
	if (err) {
		mnl_attr_nest_cancel(nlh, nest);
		return err;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static int put_u8_if(struct nlmsghdr *nlh, size_t buflen, bool cond,
		     uint16_t type, uint8_t val)
{
	if (!cond)
		return 0;
	return mnl_attr_put_u8_check(nlh, buflen, type, val) ? 0 : -EMSGSIZE;
}

int lpv_put_announce(struct nlmsghdr *nlh, size_t buflen,
		     const struct lpv_announce *ann)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, buflen, PODVS_A_ANNOUNCE);
	int err;

	if (!nest)
		return -EMSGSIZE;
	err = put_u32_if(nlh, buflen, ann->has_hold, PODVS_ANN_A_HOLD, ann->hold);
	err = err ?: put_u8_if(nlh, buflen, ann->has_ready, PODVS_ANN_A_READY,
			       ann->ready);
	err = err ?: put_u8_if(nlh, buflen, ann->has_decommissioned,
			       PODVS_ANN_A_DECOMMISSIONED, ann->decommissioned);
	if (err) {
		mnl_attr_nest_cancel(nlh, nest);
		return err;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static int put_filter_dest(struct nlmsghdr *nlh, size_t buflen,
			   const struct lpv_conn_filter *f, uint16_t af)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, buflen, PODVS_A_DEST);
	int err = 0;

	if (!nest)
		return -EMSGSIZE;
	if (f->present & LPV_CONN_FILTER_DADDR)
		err = put_addr(nlh, buflen, PODVS_DEST_A_ADDR, af, &f->daddr);
	if (!err && (f->present & LPV_CONN_FILTER_DPORT))
		err = put_port(nlh, buflen, PODVS_DEST_A_PORT, f->dport);
	if (err) {
		mnl_attr_nest_cancel(nlh, nest);
		return err;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static int put_filter_client(struct nlmsghdr *nlh, size_t buflen,
			     const struct lpv_conn_filter *f, uint16_t af)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, buflen, PODVS_A_CONN);
	int err = 0;

	if (!nest)
		return -EMSGSIZE;
	/* the kernel filters on CADDR/CPORT only (their length gives the af) */
	if (f->present & LPV_CONN_FILTER_CADDR)
		err = put_addr(nlh, buflen, PODVS_CONN_A_CADDR, af, &f->caddr);
	if (!err && (f->present & LPV_CONN_FILTER_CPORT))
		err = put_port(nlh, buflen, PODVS_CONN_A_CPORT, f->cport);
	if (err) {
		mnl_attr_nest_cancel(nlh, nest);
		return err;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/*
 * The af of filter addresses: the service's when a service is named, else
 * the one recorded in filter->svc.af by the caller.
 */
int lpv_put_conn_filter(struct nlmsghdr *nlh, size_t buflen,
			const struct lpv_conn_filter *f)
{
	uint16_t af = f->svc.af;
	int err = 0;

	if (f->present & LPV_CONN_FILTER_SERVICE)
		err = lpv_put_service(nlh, buflen, PODVS_A_SERVICE, &f->svc, true);
	if (!err && (f->present & (LPV_CONN_FILTER_DADDR | LPV_CONN_FILTER_DPORT)))
		err = put_filter_dest(nlh, buflen, f, af);
	if (!err && (f->present & (LPV_CONN_FILTER_CADDR | LPV_CONN_FILTER_CPORT)))
		err = put_filter_client(nlh, buflen, f, af);
	return err;
}

bool lpv_cmd_is_op(uint8_t cmd)
{
	switch (cmd) {
	case PODVS_CMD_NEW_SERVICE:
	case PODVS_CMD_SET_SERVICE:
	case PODVS_CMD_DEL_SERVICE:
	case PODVS_CMD_NEW_DEST:
	case PODVS_CMD_SET_DEST:
	case PODVS_CMD_DEL_DEST:
		return true;
	default:
		return false;
	}
}

bool lpv_cmd_is_dest(uint8_t cmd)
{
	return cmd == PODVS_CMD_NEW_DEST || cmd == PODVS_CMD_SET_DEST ||
	       cmd == PODVS_CMD_DEL_DEST;
}

int lpv_put_op(struct nlmsghdr *nlh, size_t buflen, uint8_t cmd,
	       const struct lpv_service *svc, const struct lpv_dest *dest)
{
	bool is_dest = lpv_cmd_is_dest(cmd);
	struct nlattr *nest;
	int err;

	if (!lpv_cmd_is_op(cmd) || !svc || is_dest != !!dest)
		return -EINVAL;
	nest = mnl_attr_nest_start_check(nlh, buflen, PODVS_A_OP);
	if (!nest)
		return -EMSGSIZE;
	err = mnl_attr_put_u8_check(nlh, buflen, PODVS_OP_A_CMD, cmd) ? 0 : -EMSGSIZE;
	err = err ?: lpv_put_service(nlh, buflen, PODVS_OP_A_SERVICE, svc,
				     is_dest || cmd == PODVS_CMD_DEL_SERVICE);
	if (!err && is_dest)
		err = lpv_put_dest(nlh, buflen, PODVS_OP_A_DEST, svc->af, dest,
				   cmd == PODVS_CMD_DEL_DEST);
	if (err) {
		mnl_attr_nest_cancel(nlh, nest);
		return err;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* ---- parsing ----------------------------------------------------------- */

/*
 * libmnl stops quietly at an attribute that overruns its container; here
 * that makes the whole reply malformed, as trailing garbage does.
 */
static int parse_attrs(const void *start, size_t len, const struct nlattr **tb,
		       uint16_t max)
{
	const struct nlattr *a = start;
	const char *end = (const char *)start + len;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (mnl_attr_ok(a, (int)(end - (const char *)a))) {
		if (mnl_attr_get_type(a) <= max)
			tb[mnl_attr_get_type(a)] = a;
		a = mnl_attr_next(a);
	}
	return (const char *)a < end ? -EPROTO : 0;
}

static int parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			uint16_t max)
{
	return parse_attrs(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest),
			   tb, max);
}

int lpv_parse_top(const struct nlmsghdr *nlh,
		  const struct nlattr *tb[PODVS_A_MAX + 1])
{
	if (nlh->nlmsg_len < LPV_HDRLEN) {
		memset(tb, 0, (PODVS_A_MAX + 1) * sizeof(*tb));
		return -EPROTO;
	}
	return parse_attrs((const char *)nlh + LPV_HDRLEN,
			   nlh->nlmsg_len - LPV_HDRLEN, tb, PODVS_A_MAX);
}

/*
 * Getters: 0 if @a is absent, 1 if it was read, -EPROTO if it has the wrong
 * size.  "err = err ?: get(...)" chains stop at the first error while the
 * sum of positive results is not needed.
 */
static int get_fixed(const struct nlattr *a, void *out, size_t len)
{
	if (!a)
		return 0;
	if (mnl_attr_get_payload_len(a) != len)
		return -EPROTO;
	memcpy(out, mnl_attr_get_payload(a), len);
	return 1;
}

static int get_be16(const struct nlattr *a, uint16_t *v)
{
	uint16_t be;
	int ret = get_fixed(a, &be, sizeof(be));

	if (ret > 0)
		*v = ntohs(be);
	return ret;
}

static int get_str(const struct nlattr *a, char *buf, size_t len)
{
	size_t plen;

	if (!a)
		return 0;
	plen = strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
	if (plen >= len)
		return -EPROTO;
	memcpy(buf, mnl_attr_get_payload(a), plen);
	buf[plen] = '\0';
	return 1;
}

/* Address: 4 or 16 bytes; sets *len. */
static int get_addr(const struct nlattr *a, union lpv_addr *addr, size_t *len)
{
	size_t plen;

	if (!a)
		return 0;
	plen = mnl_attr_get_payload_len(a);
	if (plen != 4 && plen != 16)
		return -EPROTO;
	memset(addr, 0, sizeof(*addr));
	memcpy(addr->raw, mnl_attr_get_payload(a), plen);
	*len = plen;
	return 1;
}

/* Sets @bit in *present when the getter read the attribute. */
static int opt(int ret, uint32_t *present, uint32_t bit)
{
	if (ret > 0)
		*present |= bit;
	return ret < 0 ? ret : 0;
}

int lpv_parse_stats(const struct nlattr *nest, struct lpv_stats *st)
{
	const struct nlattr *tb[PODVS_STATS_A_MAX + 1];
	uint64_t *field[] = {
		[PODVS_STATS_A_CONNS] = &st->conns,
		[PODVS_STATS_A_INPKTS] = &st->inpkts,
		[PODVS_STATS_A_OUTPKTS] = &st->outpkts,
		[PODVS_STATS_A_INBYTES] = &st->inbytes,
		[PODVS_STATS_A_OUTBYTES] = &st->outbytes,
		[PODVS_STATS_A_CPS] = &st->cps,
		[PODVS_STATS_A_INPPS] = &st->inpps,
		[PODVS_STATS_A_OUTPPS] = &st->outpps,
		[PODVS_STATS_A_INBPS] = &st->inbps,
		[PODVS_STATS_A_OUTBPS] = &st->outbps,
	};
	unsigned int i;

	memset(st, 0, sizeof(*st));
	if (parse_nested(nest, tb, PODVS_STATS_A_MAX))
		return -EPROTO;
	for (i = 0; i < sizeof(field) / sizeof(field[0]); i++) {
		if (field[i] && get_fixed(tb[i], field[i], sizeof(uint64_t)) < 0)
			return -EPROTO;
	}
	return 0;
}

static int svc_key(const struct nlattr **tb, struct lpv_service *svc)
{
	size_t alen = 0;
	int err;

	err = get_fixed(tb[PODVS_SVC_A_AF], &svc->af, sizeof(svc->af));
	err = err < 0 ? err : get_fixed(tb[PODVS_SVC_A_PROTOCOL], &svc->protocol, 1);
	err = err < 0 ? err : get_addr(tb[PODVS_SVC_A_ADDR], &svc->addr, &alen);
	err = err < 0 ? err : get_be16(tb[PODVS_SVC_A_PORT], &svc->port);
	if (err < 0)
		return err;
	if (!svc->af)
		svc->af = alen == 16 ? AF_INET6 : AF_INET;
	if (alen && alen != lpv_addr_len(svc->af))
		return -EPROTO;
	return 0;
}

int lpv_parse_service(const struct nlattr *nest, struct lpv_service *svc)
{
	const struct nlattr *tb[PODVS_SVC_A_MAX + 1];
	uint32_t *p = &svc->present;
	int err;

	memset(svc, 0, sizeof(*svc));
	if (parse_nested(nest, tb, PODVS_SVC_A_MAX) || svc_key(tb, svc))
		return -EPROTO;
	err = opt(get_str(tb[PODVS_SVC_A_SCHED], svc->sched, sizeof(svc->sched)),
		  p, LPV_SVC_HAS_SCHED);
	err = err ?: opt(get_fixed(tb[PODVS_SVC_A_FLAGS], &svc->flags, 4), p,
			 LPV_SVC_HAS_FLAGS);
	err = err ?: opt(get_fixed(tb[PODVS_SVC_A_FLAGS_MASK], &svc->flags_mask, 4),
			 p, LPV_SVC_HAS_FLAGS_MASK);
	err = err ?: opt(get_fixed(tb[PODVS_SVC_A_TIMEOUT], &svc->timeout, 4), p,
			 LPV_SVC_HAS_TIMEOUT);
	err = err ?: opt(get_fixed(tb[PODVS_SVC_A_NETMASK], &svc->netmask, 1), p,
			 LPV_SVC_HAS_NETMASK);
	err = err ?: opt(get_fixed(tb[PODVS_SVC_A_MH_TABLE_SIZE],
				   &svc->mh_table_size, 4), p,
			 LPV_SVC_HAS_MH_TABLE_SIZE);
	err = err ?: opt(get_str(tb[PODVS_SVC_A_OWNER], svc->owner,
				 sizeof(svc->owner)), p, LPV_SVC_HAS_OWNER);
	err = err ?: opt(get_fixed(tb[PODVS_SVC_A_DESTS], &svc->ndests, 4), p,
			 LPV_SVC_HAS_NDESTS);
	if (!err && tb[PODVS_SVC_A_STATS]) {
		err = lpv_parse_stats(tb[PODVS_SVC_A_STATS], &svc->stats);
		*p |= LPV_SVC_HAS_STATS;
	}
	return err ? -EPROTO : 0;
}

static int dest_conns(const struct nlattr **tb, struct lpv_dest *d)
{
	int a, i, p;

	a = get_fixed(tb[PODVS_DEST_A_ACTIVE_CONNS], &d->active_conns, 4);
	i = get_fixed(tb[PODVS_DEST_A_INACTIVE_CONNS], &d->inactive_conns, 4);
	p = get_fixed(tb[PODVS_DEST_A_PERSIST_CONNS], &d->persist_conns, 4);
	if (a < 0 || i < 0 || p < 0)
		return -EPROTO;
	if (a || i || p)
		d->present |= LPV_DEST_HAS_CONNS;
	return 0;
}

int lpv_parse_dest(const struct nlattr *nest, struct lpv_dest *d)
{
	const struct nlattr *tb[PODVS_DEST_A_MAX + 1];
	uint32_t *p = &d->present;
	size_t alen;
	int err;

	memset(d, 0, sizeof(*d));
	if (parse_nested(nest, tb, PODVS_DEST_A_MAX))
		return -EPROTO;
	err = get_addr(tb[PODVS_DEST_A_ADDR], &d->addr, &alen) < 0;
	err = err ?: get_be16(tb[PODVS_DEST_A_PORT], &d->port) < 0;
	err = err ?: opt(get_fixed(tb[PODVS_DEST_A_WEIGHT], &d->weight, 4), p,
			 LPV_DEST_HAS_WEIGHT);
	err = err ?: opt(get_fixed(tb[PODVS_DEST_A_FLAGS], &d->flags, 4), p,
			 LPV_DEST_HAS_FLAGS);
	err = err ?: opt(get_fixed(tb[PODVS_DEST_A_FLAGS_MASK], &d->flags_mask, 4),
			 p, LPV_DEST_HAS_FLAGS_MASK);
	err = err ?: opt(get_fixed(tb[PODVS_DEST_A_FWD], &d->fwd, 4), p,
			 LPV_DEST_HAS_FWD);
	err = err ?: opt(get_str(tb[PODVS_DEST_A_OWNER], d->owner, sizeof(d->owner)),
			 p, LPV_DEST_HAS_OWNER);
	err = err ?: dest_conns(tb, d);
	if (!err && tb[PODVS_DEST_A_STATS]) {
		err = lpv_parse_stats(tb[PODVS_DEST_A_STATS], &d->stats);
		*p |= LPV_DEST_HAS_STATS;
	}
	return err ? -EPROTO : 0;
}

static int parse_drops(const struct nlattr *nest, struct lpv_drops *dr)
{
	const struct nlattr *tb[PODVS_DROP_A_MAX + 1];
	uint64_t *field[] = {
		[PODVS_DROP_A_NO_SERVICE] = &dr->no_service,
		[PODVS_DROP_A_NO_DEST] = &dr->no_dest,
		[PODVS_DROP_A_CONN_LIMIT] = &dr->conn_limit,
		[PODVS_DROP_A_NO_ROUTE] = &dr->no_route,
		[PODVS_DROP_A_NOMEM] = &dr->nomem,
		[PODVS_DROP_A_MALFORMED] = &dr->malformed,
		[PODVS_DROP_A_DEST_GONE] = &dr->dest_gone,
		[PODVS_DROP_A_AMBIGUOUS] = &dr->ambiguous,
		[PODVS_DROP_A_SNAT_PORTS] = &dr->snat_ports,
	};
	unsigned int i;

	if (parse_nested(nest, tb, PODVS_DROP_A_MAX))
		return -EPROTO;
	for (i = 0; i < sizeof(field) / sizeof(field[0]); i++) {
		if (field[i] && get_fixed(tb[i], field[i], sizeof(uint64_t)) < 0)
			return -EPROTO;
	}
	return 0;
}

int lpv_parse_info(const struct nlattr *nest, struct lpv_info *info)
{
	const struct nlattr *tb[PODVS_INFO_A_MAX + 1];
	uint32_t *u32f[] = {
		[PODVS_INFO_A_ABI] = &info->abi,
		[PODVS_INFO_A_SERVICES] = &info->services,
		[PODVS_INFO_A_DESTS] = &info->dests,
		[PODVS_INFO_A_CONNS] = &info->conns,
		[PODVS_INFO_A_SVC_BUCKETS] = &info->svc_buckets,
		[PODVS_INFO_A_CONN_BUCKETS] = &info->conn_buckets,
		[PODVS_INFO_A_CONN_MAX] = &info->conn_max,
		[PODVS_INFO_A_GENERATION] = &info->generation,
	};
	unsigned int i;

	memset(info, 0, sizeof(*info));
	if (parse_nested(nest, tb, PODVS_INFO_A_MAX))
		return -EPROTO;
	for (i = 0; i < sizeof(u32f) / sizeof(u32f[0]); i++) {
		if (u32f[i] && get_fixed(tb[i], u32f[i], 4) < 0)
			return -EPROTO;
	}
	if (get_str(tb[PODVS_INFO_A_VERSION], info->version, sizeof(info->version)) < 0 ||
	    get_str(tb[PODVS_INFO_A_SCHEDULERS], info->schedulers,
		    sizeof(info->schedulers)) < 0 ||
	    get_fixed(tb[PODVS_INFO_A_LEARNED], &info->learned, 8) < 0)
		return -EPROTO;
	if (tb[PODVS_INFO_A_DROPS])
		return parse_drops(tb[PODVS_INFO_A_DROPS], &info->drops);
	return 0;
}

int lpv_parse_config(const struct nlattr *nest, struct lpv_config *cfg)
{
	const struct nlattr *tb[PODVS_CFG_A_MAX + 1];
	uint32_t *field[] = {
		[PODVS_CFG_A_TCP_TIMEOUT] = &cfg->tcp_timeout,
		[PODVS_CFG_A_TCPFIN_TIMEOUT] = &cfg->tcpfin_timeout,
		[PODVS_CFG_A_UDP_TIMEOUT] = &cfg->udp_timeout,
		[PODVS_CFG_A_SYNRECV_TIMEOUT] = &cfg->synrecv_timeout,
		[PODVS_CFG_A_CLOSE_TIMEOUT] = &cfg->close_timeout,
		[PODVS_CFG_A_CONN_MAX] = &cfg->conn_max,
	};
	unsigned int i;

	memset(cfg, 0, sizeof(*cfg));
	if (parse_nested(nest, tb, PODVS_CFG_A_MAX))
		return -EPROTO;
	for (i = 0; i < sizeof(field) / sizeof(field[0]); i++) {
		if (field[i] && get_fixed(tb[i], field[i], 4) < 0)
			return -EPROTO;
	}
	return 0;
}

int lpv_parse_conn(const struct nlattr *nest, struct lpv_conn *c)
{
	const struct nlattr *tb[PODVS_CONN_A_MAX + 1];
	size_t cl = 0, vl = 0, dl = 0, ll = 0;
	int err;

	memset(c, 0, sizeof(*c));
	if (parse_nested(nest, tb, PODVS_CONN_A_MAX))
		return -EPROTO;
	err = get_fixed(tb[PODVS_CONN_A_AF], &c->af, 2) < 0;
	err |= get_fixed(tb[PODVS_CONN_A_PROTOCOL], &c->protocol, 1) < 0;
	err |= get_addr(tb[PODVS_CONN_A_CADDR], &c->caddr, &cl) < 0;
	err |= get_addr(tb[PODVS_CONN_A_VADDR], &c->vaddr, &vl) < 0;
	err |= get_addr(tb[PODVS_CONN_A_DADDR], &c->daddr, &dl) < 0;
	err |= get_be16(tb[PODVS_CONN_A_CPORT], &c->cport) < 0;
	err |= get_be16(tb[PODVS_CONN_A_VPORT], &c->vport) < 0;
	err |= get_be16(tb[PODVS_CONN_A_DPORT], &c->dport) < 0;
	err |= get_fixed(tb[PODVS_CONN_A_STATE], &c->state, 1) < 0;
	err |= get_fixed(tb[PODVS_CONN_A_EXPIRES], &c->expires, 4) < 0;
	err |= get_fixed(tb[PODVS_CONN_A_FLAGS], &c->flags, 4) < 0;
	err |= get_addr(tb[PODVS_CONN_A_LADDR], &c->laddr, &ll) < 0;
	err |= get_be16(tb[PODVS_CONN_A_LPORT], &c->lport) < 0;
	/* the local address is the client's family, like every other */
	if (err || (ll && cl && ll != cl))
		return -EPROTO;
	c->has_laddr = ll != 0;
	if (!c->af)
		c->af = cl == 16 ? AF_INET6 : AF_INET;
	return 0;
}

/* A u8 that is a boolean: 0 or 1, anything else is malformed. */
static int get_bool(const struct nlattr *a, bool *v)
{
	uint8_t u = 0;
	int ret = get_fixed(a, &u, 1);

	if (ret > 0 && u > 1)
		return -EPROTO;
	if (ret > 0)
		*v = u;
	return ret;
}

int lpv_parse_announce(const struct nlattr *nest, struct lpv_announce *ann)
{
	const struct nlattr *tb[PODVS_ANN_A_MAX + 1];
	int err;

	memset(ann, 0, sizeof(*ann));
	if (parse_nested(nest, tb, PODVS_ANN_A_MAX))
		return -EPROTO;
	err = get_fixed(tb[PODVS_ANN_A_HOLD], &ann->hold, 4) < 0;
	err |= get_bool(tb[PODVS_ANN_A_READY], &ann->ready) < 0;
	err |= get_bool(tb[PODVS_ANN_A_DECOMMISSIONED], &ann->decommissioned) < 0;
	err |= get_bool(tb[PODVS_ANN_A_UP], &ann->up) < 0;
	err |= get_fixed(tb[PODVS_ANN_A_REMAINING_MS], &ann->remaining_ms, 4) < 0;
	err |= get_fixed(tb[PODVS_ANN_A_EXPIRIES], &ann->expiries, 4) < 0;
	err |= get_fixed(tb[PODVS_ANN_A_LINKS], &ann->links, 4) < 0;
	return err ? -EPROTO : 0;
}

/* ---- acks and extack --------------------------------------------------- */

static int ack_tlvs(const struct nlmsghdr *nlh, size_t off, struct lpv_ack *ack)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlattr *m, *o;
	size_t start = MNL_NLMSG_HDRLEN + off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || start > nlh->nlmsg_len)
		return 0;
	/* a malformed TLV area only loses the message: the errno stands */
	if (parse_attrs((const char *)nlh + start, nlh->nlmsg_len - start, tb,
			NLMSGERR_ATTR_MAX))
		return 0;
	m = tb[NLMSGERR_ATTR_MSG];
	o = tb[NLMSGERR_ATTR_OFFS];
	if (m && get_str(m, ack->msg, sizeof(ack->msg)) > 0)
		ack->has_msg = ack->msg[0] != '\0';
	if (o && get_fixed(o, &ack->offs, sizeof(ack->offs)) > 0)
		ack->has_offs = true;
	return 0;
}

bool lpv_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) &&
	       nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (unsigned int)len;
}

/*
 * NLMSG_ERROR: struct nlmsgerr, then the request's header (NLM_F_CAPPED) or
 * the whole request, then the TLVs.  NLMSG_DONE: an int, then the TLVs.
 */
int lpv_parse_ack(const struct nlmsghdr *nlh, struct lpv_ack *ack)
{
	const struct nlmsgerr *e;
	size_t off;

	memset(ack, 0, sizeof(*ack));
	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
			memcpy(&ack->error, mnl_nlmsg_get_payload(nlh), sizeof(int));
		return ack_tlvs(nlh, MNL_ALIGN(sizeof(int)), ack);
	}
	if (nlh->nlmsg_type != NLMSG_ERROR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EPROTO;
	e = mnl_nlmsg_get_payload(nlh);
	ack->error = e->error;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (MNL_NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return 0;
	return ack_tlvs(nlh, MNL_ALIGN(off), ack);
}

static int family_grp(const struct nlattr *grps, const char *grp, uint32_t *id)
{
	const struct nlattr *g;

	mnl_attr_for_each_nested(g, grps) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
		char name[GENL_NAMSIZ];

		if (parse_nested(g, tb, CTRL_ATTR_MCAST_GRP_MAX))
			return -EPROTO;
		if (get_str(tb[CTRL_ATTR_MCAST_GRP_NAME], name, sizeof(name)) <= 0 ||
		    strcmp(name, grp))
			continue;
		if (get_fixed(tb[CTRL_ATTR_MCAST_GRP_ID], id, 4) <= 0)
			return -EPROTO;
		return 0;
	}
	return 0;
}

int lpv_parse_family(const struct nlmsghdr *nlh, const char *grp,
		     uint16_t *id, uint32_t *grp_id)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];

	*grp_id = 0;
	if (nlh->nlmsg_len < LPV_HDRLEN ||
	    parse_attrs((const char *)nlh + LPV_HDRLEN,
			nlh->nlmsg_len - LPV_HDRLEN, tb, CTRL_ATTR_MAX))
		return -EPROTO;
	if (get_fixed(tb[CTRL_ATTR_FAMILY_ID], id, sizeof(*id)) <= 0)
		return -EPROTO;
	if (grp && tb[CTRL_ATTR_MCAST_GROUPS])
		return family_grp(tb[CTRL_ATTR_MCAST_GROUPS], grp, grp_id);
	return 0;
}
