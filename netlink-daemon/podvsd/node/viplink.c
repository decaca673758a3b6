// SPDX-License-Identifier: GPL-2.0
/* The VIP dummy link (libnl-route-3) and forwarding sysctls. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "base/addr.h"
#include "node/viplink.h"

static int find_or_create(struct pd_viplink *l, struct rtnl_link **link,
			  char *err, size_t errlen)
{
	struct rtnl_link *n;
	int ret = rtnl_link_get_kernel(l->sk, 0, l->name, link);

	if (!ret)
		return 0;
	n = rtnl_link_alloc();
	if (!n)
		return -ENOMEM;
	rtnl_link_set_name(n, l->name);
	rtnl_link_set_type(n, "dummy");
	ret = rtnl_link_add(l->sk, n, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(n);
	if (ret) {
		snprintf(err, errlen, "creating dummy link %s: %s", l->name,
			 nl_geterror(ret));
		return -EIO;
	}
	pd_info(l->log, "msg=\"created VIP link\" link=%s", l->name);
	ret = rtnl_link_get_kernel(l->sk, 0, l->name, link);
	if (ret)
		snprintf(err, errlen, "link %s vanished: %s", l->name,
			 nl_geterror(ret));
	return ret ? -EIO : 0;
}

static int set_up(struct pd_viplink *l, struct rtnl_link *link, char *err,
		  size_t errlen)
{
	struct rtnl_link *change;
	int ret;

	if (rtnl_link_get_flags(link) & IFF_UP)
		return 0;
	change = rtnl_link_alloc();
	if (!change)
		return -ENOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	ret = rtnl_link_change(l->sk, link, change, 0);
	rtnl_link_put(change);
	if (ret)
		snprintf(err, errlen, "setting %s up: %s", l->name,
			 nl_geterror(ret));
	return ret ? -EIO : 0;
}

int pd_viplink_open(struct pd_viplink *l, const char *name,
		    struct pd_log *log, char *err, size_t errlen)
{
	struct rtnl_link *link = NULL;
	const char *type;
	int ret;

	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->log = log;
	l->sk = nl_socket_alloc();
	if (!l->sk || nl_connect(l->sk, NETLINK_ROUTE)) {
		snprintf(err, errlen, "rtnetlink socket failed");
		pd_viplink_close(l);
		return -EIO;
	}
	ret = find_or_create(l, &link, err, errlen);
	if (ret)
		goto out;
	type = rtnl_link_get_type(link);
	if (!type || strcmp(type, "dummy")) {
		snprintf(err, errlen, "link %s exists and is not a dummy link "
			 "(type %s): choose another with --link", name,
			 type ? type : "none");
		ret = -EEXIST;
		goto out;
	}
	l->ifindex = rtnl_link_get_ifindex(link);
	ret = set_up(l, link, err, errlen);
out:
	if (link)
		rtnl_link_put(link);
	if (ret)
		pd_viplink_close(l);
	return ret;
}

void pd_viplink_close(struct pd_viplink *l)
{
	if (l->sk)
		nl_socket_free(l->sk);
	l->sk = NULL;
}

static int addr_change(struct pd_viplink *l, const struct pd_addr *a,
		       bool add)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local;
	char s[PD_ADDR_STRLEN];
	int ret;

	if (!ra)
		return -ENOMEM;
	local = nl_addr_build(a->af, a->b, pd_addr_len(a->af));
	if (!local) {
		rtnl_addr_put(ra);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(local, pd_addr_len(a->af) * 8);
	rtnl_addr_set_ifindex(ra, l->ifindex);
	rtnl_addr_set_local(ra, local);
	if (a->af == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	ret = add ? rtnl_addr_add(l->sk, ra, NLM_F_REPLACE) :
		    rtnl_addr_delete(l->sk, ra, 0);
	nl_addr_put(local);
	rtnl_addr_put(ra);
	if (ret) {
		l->errors++;
		pd_err(l->log, "msg=\"VIP %s failed\" link=%s vip=%s err=\"%s\"",
		       add ? "add" : "remove", l->name, pd_addr_str(a, s),
		       nl_geterror(ret));
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

static void scan_one(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct nl_addr *local = rtnl_addr_get_local(ra);
	struct scan *sc = arg;
	struct pd_addr a = { 0 };

	if (rtnl_addr_get_ifindex(ra) != sc->l->ifindex || !local ||
	    rtnl_addr_get_scope(ra) != RT_SCOPE_UNIVERSE)
		return;
	a.af = nl_addr_get_family(local);
	if (!pd_addr_len(a.af) ||
	    nl_addr_get_len(local) != pd_addr_len(a.af))
		return;
	memcpy(a.b, nl_addr_get_binary_addr(local), pd_addr_len(a.af));
	pd_hmap_put(&sc->present, &a, sizeof(a), (void *)1, NULL);
	if (!pd_hmap_get(sc->vips, &a, sizeof(a)) &&
	    sc->n_stale < sizeof(sc->stale) / sizeof(*sc->stale))
		sc->stale[sc->n_stale++] = a;
}

int pd_viplink_sync(struct pd_viplink *l, const struct pd_hmap *vips)
{
	struct scan sc = { .l = l, .vips = vips };
	struct nl_cache *cache;
	struct pd_hmap_iter it;
	int ret = rtnl_addr_alloc_cache(l->sk, &cache);

	if (ret) {
		pd_err(l->log, "msg=\"listing addresses failed\" err=\"%s\"",
		       nl_geterror(ret));
		return -EIO;
	}
	pd_hmap_init(&sc.present);
	nl_cache_foreach(cache, scan_one, &sc);
	nl_cache_free(cache);
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

/* ---- sysctls ---------------------------------------------------------- */

int pd_sysctl_ensure(const char *root, const char *name, const char *value,
		     struct pd_log *log)
{
	char path[512], cur[64] = "";
	size_t base;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/", root ? root : "/proc/sys");
	base = strlen(path);
	snprintf(path + base, sizeof(path) - base, "%s", name);
	for (char *p = path + base; *p; p++)
		if (*p == '.')
			*p = '/';
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, cur, sizeof(cur) - 1);
	cur[n > 0 ? n : 0] = '\0';
	cur[strcspn(cur, "\n")] = '\0';
	if (!strcmp(cur, value)) {
		close(fd);
		return 0;
	}
	if (pwrite(fd, value, strlen(value), 0) < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	pd_info(log, "msg=\"sysctl set\" path=%s old=%s new=%s", path, cur,
		value);
	return 0;
}
