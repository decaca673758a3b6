// SPDX-License-Identifier: GPL-2.0
/*
 * podvs hairpin SNAT: prefix matching, the port range and the gateway
 * address; snat.h describes the rules.  conn.c hashes with them, hooks.c
 * decides which new flow is source-NATed.
 */
#include <linux/ipv6.h>
#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/netlink.h>
#include <net/route.h>
#include "snat.h"

static bool podvs_prefix_has(const struct podvs_prefix *p, u16 af,
			     const union nf_inet_addr *a)
{
	if (af == AF_INET)
		return !((a->ip ^ p->addr.ip) & inet_make_mask(p->plen));
	return ipv6_prefix_equal(&a->in6, &p->addr.in6, p->plen);
}

bool podvs_snat_match(const struct podvs_snat *s, u16 af,
		      const union nf_inet_addr *a)
{
	u32 i;

	if (!s)
		return false;
	for (i = 0; i < s->n; i++)
		if (podvs_prefix_has(&s->p[i], af, a))
			return true;
	return false;
}

bool podvs_prefix_valid(u16 af, const union nf_inet_addr *a, u8 plen)
{
	struct in6_addr m;

	if (af == AF_INET)
		return plen <= 32 && !(a->ip & ~inet_make_mask(plen));
	if (plen > 128)
		return false;
	ipv6_addr_prefix(&m, &a->in6, plen);
	return ipv6_addr_equal(&m, &a->in6);
}

void podvs_prefix_get(const struct nlattr *a, u16 af, struct podvs_prefix *p)
{
	int alen = af == AF_INET ? 4 : 16;
	const u8 *d = nla_data(a);

	memset(p, 0, sizeof(*p));
	memcpy(&p->addr, d, alen);
	p->plen = d[alen];
}

struct podvs_snat *podvs_snat_alloc(const struct nlattr *nest, u16 af, u32 n)
{
	const struct nlattr *a;
	struct podvs_snat *s;
	u32 i = 0;
	int rem;

	s = kzalloc(struct_size(s, p, n), GFP_KERNEL_ACCOUNT);
	if (!s)
		return NULL;
	nla_for_each_nested(a, nest, rem)
		if (i < n)
			podvs_prefix_get(a, af, &s->p[i++]);
	s->n = i;
	return s;
}

void podvs_snat_free(struct podvs_snat *s)
{
	if (s)
		kfree_rcu(s, rcu);
}

void podvs_snat_ports(struct net *net, u16 *lo, u16 *hi)
{
	int low, high;

	inet_get_local_port_range(net, &low, &high);
	if (high < 65535) {
		*lo = high + 1;
		*hi = 65535;
	} else {
		/* the local range reaches the top: use what lies below it */
		*lo = 1024;
		*hi = max(low - 1, 1024);
	}
}

u16 podvs_snat_port_try(u16 lo, u16 hi, u32 start, u32 i)
{
	u32 n = (u32)hi - lo + 1;

	if (hi < lo || i >= n)
		return 0;
	return lo + (start + i) % n;
}

static int podvs_snat_addr4(struct net *net, __be32 pod, __be32 *out)
{
	struct flowi4 fl4 = { .daddr = pod };
	struct rtable *rt = ip_route_output_key(net, &fl4);

	if (IS_ERR(rt))
		return -EHOSTUNREACH;
	*out = fl4.saddr;
	ip_rt_put(rt);
	return *out ? 0 : -EHOSTUNREACH;
}

static int podvs_snat_addr6(struct net *net, const struct in6_addr *pod,
			    struct in6_addr *out)
{
	struct flowi6 fl6 = { .daddr = *pod };
	struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);
	int err = dst->error;

	if (!err)
		err = ipv6_dev_get_saddr(net, dst->dev, pod, 0, out);
	dst_release(dst);
	return err ? -EHOSTUNREACH : 0;
}

int podvs_snat_addr(struct net *net, u16 af, const union nf_inet_addr *pod,
		    union nf_inet_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (af == AF_INET)
		return podvs_snat_addr4(net, pod->ip, &out->ip);
	return podvs_snat_addr6(net, &pod->in6, &out->in6);
}
