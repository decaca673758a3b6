/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netfilter hooks of podvs, registered per network namespace:
 * PRE_ROUTING (client -> VIP, Pod -> client replies, ICMP errors) and
 * LOCAL_OUT (the gateway's own connections to a VIP, and ICMP errors the
 * gateway itself sends about a flow), IPv4 and IPv6.
 *
 * Priority NF_IP_PRI_CONNTRACK - 1 (-201), the same for IPv6:
 *  - after defragmentation (-400; podvs enables it in every namespace),
 *    so every fragment of a datagram follows its first one to the Pod;
 *  - after the raw table (-300): an operator's raw rules still see the
 *    packet as the client sent it;
 *  - before conntrack (-200): translated packets are marked untracked
 *    before conntrack sees them, so podvs flows cost no conntrack entry
 *    and no NAT rule can rewrite them again.  mangle, nat and filter see
 *    the translated packet (Pod address), as they would with DNAT.
 */
#ifndef _PODVS_HOOKS_H
#define _PODVS_HOOKS_H

#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>

#define PODVS_HOOK_PRIORITY	(NF_IP_PRI_CONNTRACK - 1)

struct podvs_net;

/* Also declared in conn.h for main.c. */
int podvs_hooks_net_init(struct podvs_net *pn);
void podvs_hooks_net_exit(struct podvs_net *pn);

#endif /* _PODVS_HOOKS_H */
