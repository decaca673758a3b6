// SPDX-License-Identifier: GPL-2.0
/* The VIP link (kind "podvs") over rtnetlink (libmnl). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <linux/podvs.h>

#include "base/addr.h"
#include "node/viplink.h"

/* Room for one dump batch: the kernel fills up to 32 KiB per read. */
#define PD_VIPLINK_BUF	32768

/* ---- one request, its answers ----------------------------------------- */

static struct nlmsghdr *msg_start(struct pd_viplink *l, uint16_t type,
				  uint16_t flags, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(l->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++l->seq;
	mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

/*
 * Send @nlh, then read until its ACK, error or NLMSG_DONE, handing data
 * messages to @cb.  0 or -errno (the kernel's answer).
 */
static int xfer(struct pd_viplink *l, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(l->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(l->sk, l->buf, PD_VIPLINK_BUF);
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(l->buf, n, seq, l->portid, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -(errno ? errno : EIO) : 0;
}

/* ---- the link ---------------------------------------------------------- */

struct link_info {
	int ifindex;
	unsigned int flags;
	char kind[32];		/* IFLA_INFO_KIND, "" if none */
};

static int linkinfo_attr(const struct nlattr *a, void *data)
{
	struct link_info *li = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
	    !mnl_attr_validate(a, MNL_TYPE_STRING))
		snprintf(li->kind, sizeof(li->kind), "%s",
			 mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int link_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_LINKINFO &&
	    !mnl_attr_validate(a, MNL_TYPE_NESTED))
		mnl_attr_parse_nested(a, linkinfo_attr, data);
	return MNL_CB_OK;
}

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_info *li = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	li->ifindex = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr, li);
	return MNL_CB_OK;
}

static int link_get(struct pd_viplink *l, struct link_info *li)
{
	struct nlmsghdr *nlh = msg_start(l, RTM_GETLINK, NLM_F_ACK,
					 sizeof(struct ifinfomsg));

	memset(li, 0, sizeof(*li));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, l->name);
	return xfer(l, nlh, link_msg, li);
}

static int link_create(struct pd_viplink *l)
{
	struct nlmsghdr *nlh = msg_start(l, RTM_NEWLINK, NLM_F_CREATE |
					 NLM_F_EXCL | NLM_F_ACK,
					 sizeof(struct ifinfomsg));
	struct nlattr *info;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, l->name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, l->kind);
	mnl_attr_nest_end(nlh, info);
	return xfer(l, nlh, NULL, NULL);
}

static int link_del(struct pd_viplink *l, int ifindex)
{
	struct nlmsghdr *nlh = msg_start(l, RTM_DELLINK, NLM_F_ACK,
					 sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_index = ifindex;
	return xfer(l, nlh, NULL, NULL);
}

/* A link with our name and another kind (a dummy of an older podvsd). */
static int replace_foreign(struct pd_viplink *l, struct link_info *li,
			   char *err, size_t errlen)
{
	int ret;

	pd_warn(l->log, "msg=\"replacing link: not of kind %s\" link=%s "
		"kind=%s", l->kind, l->name, li->kind[0] ? li->kind : "none");
	ret = link_del(l, li->ifindex);
	if (ret) {
		snprintf(err, errlen, "link %s has kind %s, not %s, and "
			 "deleting it failed: %s (choose another with "
			 "--vip-link)", l->name, li->kind[0] ? li->kind : "none",
			 l->kind, strerror(-ret));
		return -EEXIST;
	}
	return 1;
}

static int find_or_create(struct pd_viplink *l, struct link_info *li,
			  char *err, size_t errlen)
{
	int ret = link_get(l, li);

	if (!ret && strcmp(li->kind, l->kind))
		ret = replace_foreign(l, li, err, errlen);
	if (!ret)
		return 0;
	if (ret == -EEXIST)
		return ret;
	if (ret < 0 && ret != -ENODEV) {
		snprintf(err, errlen, "looking up link %s: %s", l->name,
			 strerror(-ret));
		return -EIO;
	}
	ret = link_create(l);
	if (ret) {
		snprintf(err, errlen, "creating link %s of kind %s: %s%s",
			 l->name, l->kind, strerror(-ret), ret == -EOPNOTSUPP ?
			 " (is the podvs module loaded?)" : "");
		return -EIO;
	}
	pd_info(l->log, "msg=\"created VIP link\" link=%s kind=%s", l->name,
		l->kind);
	ret = link_get(l, li);
	if (ret)
		snprintf(err, errlen, "link %s vanished: %s", l->name,
			 strerror(-ret));
	return ret ? -EIO : 0;
}

static int set_up(struct pd_viplink *l, const struct link_info *li,
		  char *err, size_t errlen)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int ret;

	if (li->flags & IFF_UP)
		return 0;
	nlh = msg_start(l, RTM_NEWLINK, NLM_F_ACK, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_index = li->ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	ret = xfer(l, nlh, NULL, NULL);
	if (ret)
		snprintf(err, errlen, "setting %s up: %s", l->name,
			 strerror(-ret));
	return ret ? -EIO : 0;
}

static int sock_open(struct pd_viplink *l)
{
	l->buf = malloc(PD_VIPLINK_BUF);
	l->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!l->buf || !l->sk || mnl_socket_bind(l->sk, 0, MNL_SOCKET_AUTOPID))
		return -EIO;
	l->portid = mnl_socket_get_portid(l->sk);
	l->seq = time(NULL);
	return 0;
}

int pd_viplink_ensure(struct pd_viplink *l, char *err, size_t errlen)
{
	struct link_info li;
	int ret = find_or_create(l, &li, err, errlen);

	if (ret)
		return ret;
	ret = set_up(l, &li, err, errlen);
	if (ret)
		return ret;
	if (li.ifindex == l->ifindex)
		return 0;
	if (l->ifindex)
		pd_warn(l->log, "msg=\"VIP link recreated\" link=%s ifindex=%d",
			l->name, li.ifindex);
	l->ifindex = li.ifindex;
	return 1;
}

int pd_viplink_open(struct pd_viplink *l, const char *name, const char *kind,
		    struct pd_log *log, char *err, size_t errlen)
{
	int ret;

	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	l->log = log;
	if (sock_open(l)) {
		snprintf(err, errlen, "rtnetlink socket failed");
		pd_viplink_close(l);
		return -EIO;
	}
	ret = pd_viplink_ensure(l, err, errlen);
	if (ret < 0)
		pd_viplink_close(l);
	return ret < 0 ? ret : 0;
}

void pd_viplink_close(struct pd_viplink *l)
{
	if (l->sk)
		mnl_socket_close(l->sk);
	l->sk = NULL;
	free(l->buf);
	l->buf = NULL;
}

/* ---- addresses --------------------------------------------------------- */

static int addr_change(struct pd_viplink *l, const struct pd_addr *a,
		       bool add)
{
	size_t len = pd_addr_len(a->af);
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	char s[PD_ADDR_STRLEN];
	int ret;

	nlh = msg_start(l, add ? RTM_NEWADDR : RTM_DELADDR, NLM_F_ACK |
			(add ? NLM_F_CREATE | NLM_F_REPLACE : 0),
			sizeof(*ifa));
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = a->af;
	ifa->ifa_prefixlen = len * 8;
	ifa->ifa_flags = a->af == AF_INET6 ? IFA_F_NODAD : 0;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = l->ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->b);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->b);
	ret = xfer(l, nlh, NULL, NULL);
	if (ret) {
		l->errors++;
		pd_err(l->log, "msg=\"VIP %s failed\" link=%s vip=%s err=\"%s\"",
		       add ? "add" : "remove", l->name, pd_addr_str(a, s),
		       strerror(-ret));
		return -EIO;
	}
	if (add)
		l->added++;
	else
		l->removed++;
	pd_info(l->log, "msg=\"VIP %s\" link=%s vip=%s",
		add ? "added" : "removed", l->name, pd_addr_str(a, s));
	return 0;
}

struct scan {
	struct pd_viplink *l;
	const struct pd_hmap *vips;
	struct pd_hmap present;		/* pd_addr on the link */
	struct pd_addr stale[64];
	size_t n_stale;
};

/* IFA_LOCAL, else IFA_ADDRESS (IPv6 has only the latter). */
struct addr_attrs {
	const struct nlattr *local, *address;
};

static int addr_attr(const struct nlattr *a, void *data)
{
	struct addr_attrs *aa = data;

	if (mnl_attr_get_type(a) == IFA_LOCAL)
		aa->local = a;
	else if (mnl_attr_get_type(a) == IFA_ADDRESS)
		aa->address = a;
	return MNL_CB_OK;
}

static int scan_one(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_attrs aa = { 0 };
	const struct nlattr *local;
	struct scan *sc = data;
	struct pd_addr a = { 0 };

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    (int)ifa->ifa_index != sc->l->ifindex ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, &aa);
	local = aa.local ? aa.local : aa.address;
	a.af = ifa->ifa_family;
	if (!local || !pd_addr_len(a.af) ||
	    mnl_attr_get_payload_len(local) != pd_addr_len(a.af))
		return MNL_CB_OK;
	memcpy(a.b, mnl_attr_get_payload(local), pd_addr_len(a.af));
	pd_hmap_put(&sc->present, &a, sizeof(a), (void *)1, NULL);
	if (!pd_hmap_get(sc->vips, &a, sizeof(a)) &&
	    sc->n_stale < sizeof(sc->stale) / sizeof(*sc->stale))
		sc->stale[sc->n_stale++] = a;
	return MNL_CB_OK;
}

static int addr_dump(struct pd_viplink *l, struct scan *sc)
{
	struct nlmsghdr *nlh = msg_start(l, RTM_GETADDR, NLM_F_DUMP,
					 sizeof(struct ifaddrmsg));

	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family =
		AF_UNSPEC;
	return xfer(l, nlh, scan_one, sc);
}

int pd_viplink_sync(struct pd_viplink *l, const struct pd_hmap *vips)
{
	struct scan sc = { .l = l, .vips = vips };
	struct pd_hmap_iter it;
	char err[256];
	int ret;

	ret = pd_viplink_ensure(l, err, sizeof(err));
	if (ret < 0) {
		l->errors++;
		pd_err(l->log, "msg=\"VIP link missing\" err=\"%s\"", err);
		return ret;
	}
	pd_hmap_init(&sc.present);
	ret = addr_dump(l, &sc);
	if (ret) {
		pd_hmap_fini(&sc.present);
		pd_err(l->log, "msg=\"listing addresses failed\" err=\"%s\"",
		       strerror(-ret));
		return -EIO;
	}
	for (size_t i = 0; i < sc.n_stale; i++)
		ret |= addr_change(l, &sc.stale[i], false);
	for (struct pd_hmap_ent *e = pd_hmap_first(vips, &it); e;
	     e = pd_hmap_next(vips, &it))
		if (!pd_hmap_get(&sc.present, e->key, e->klen))
			ret |= addr_change(l, (const void *)e->key, true);
	pd_hmap_fini(&sc.present);
	/* more than 64 stale addresses: the next sync takes the rest */
	return ret ? -EIO : 0;
}
