// SPDX-License-Identifier: GPL-2.0
/*
 * libpodvs: change notifications (the "changes" multicast group).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include "handle.h"

int lpv_notify_fd(const struct lpv_handle *h)
{
	return h->mc ? mnl_socket_get_fd(h->mc) : -1;
}

int lpv_notify_subscribe(struct lpv_handle *h)
{
	unsigned int grp = h->mcgrp;

	if (h->mc)
		return 0;
	if (!grp)
		return lpv_set_err(h, -ENOENT, "the podvs family has no \"%s\" group",
				   PODVS_GENL_MCGRP);
	h->mc = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!h->mc)
		return lpv_set_err(h, -errno, "netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(h->mc, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(h->mc, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
		int err = -errno;

		mnl_socket_close(h->mc);
		h->mc = NULL;
		return lpv_set_err(h, err, "joining the \"%s\" group: %s",
				   PODVS_GENL_MCGRP, strerror(-err));
	}
	return 0;
}

/* Notifications in one datagram; returns how many, or -EPROTO. */
static int notify_parse(const struct lpv_handle *h, const void *buf, int len,
			uint32_t *generation)
{
	const struct nlmsghdr *nlh = buf;
	const struct nlattr *tb[PODVS_A_MAX + 1];
	struct lpv_info info;
	int n = 0;

	for (; lpv_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_type != h->family ||
		    mnl_nlmsg_get_payload_len(nlh) < sizeof(*g) ||
		    g->cmd != PODVS_CMD_NOTIFY)
			continue;
		if (lpv_parse_top(nlh, tb))
			return -EPROTO;
		if (tb[PODVS_A_INFO] && !lpv_parse_info(tb[PODVS_A_INFO], &info) &&
		    generation)
			*generation = info.generation;
		n++;
	}
	return len > 0 ? -EPROTO : n;	/* a message overran the datagram */
}

int lpv_notify_recv(struct lpv_handle *h, uint32_t *generation)
{
	int total = 0, n;

	if (!h->mc)
		return lpv_set_err(h, -EBADF, "not subscribed to notifications");
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(h->mc, h->rbuf, sizeof(h->rbuf));

		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return total;
		if (len < 0)
			return lpv_set_err(h, -errno, "notifications: %s", strerror(errno));
		n = notify_parse(h, h->rbuf, (int)len, generation);
		if (n < 0)
			return lpv_set_err(h, n, "malformed notification");
		total += n;
	}
}
