/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "podvs" generic netlink family (include/uapi/linux/podvs.h).
 */
#ifndef _PODVS_NETLINK_H
#define _PODVS_NETLINK_H

struct podvs_net;

int podvs_genl_init(void);
void podvs_genl_exit(void);
/* Tell the "changes" group listeners of pn's namespace; under pn->lock. */
void podvs_genl_notify(struct podvs_net *pn);

#endif /* _PODVS_NETLINK_H */
