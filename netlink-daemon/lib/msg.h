/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libpodvs internals: building and parsing podvs messages.  Pure functions
 * on buffers (no socket), so the unit tests can build a message, parse it
 * back and feed crafted kernel replies to the parsers.
 */
#ifndef _LIBPODVS_MSG_H
#define _LIBPODVS_MSG_H

#include <linux/genetlink.h>
#include <libmnl/libmnl.h>
#include "libpodvs.h"

/* Offset of the first attribute of a genl message. */
#define LPV_HDRLEN	(MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))

/* Start a genl request of @family/@cmd in @buf; NLM_F_REQUEST is added. */
struct nlmsghdr *lpv_msg_start(void *buf, uint16_t family, uint8_t cmd,
			       uint16_t flags, uint32_t seq);

/*
 * Append attributes to @nlh (whose buffer is @buflen bytes).  All return 0
 * or -EMSGSIZE (the buffer is too small) / -EINVAL (bad af or cmd).
 * lpv_put_service() puts a @type nest with the key, and unless @key_only
 * the optional fields named in svc->present.
 */
int lpv_put_service(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
		    const struct lpv_service *svc, bool key_only);
int lpv_put_dest(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
		 uint16_t af, const struct lpv_dest *dest, bool key_only);
int lpv_put_config(struct nlmsghdr *nlh, size_t buflen,
		   const struct lpv_config *cfg);
/* PODVS_A_ANNOUNCE with the fields whose has_* is set. */
int lpv_put_announce(struct nlmsghdr *nlh, size_t buflen,
		     const struct lpv_announce *ann);
int lpv_put_conn_filter(struct nlmsghdr *nlh, size_t buflen,
			const struct lpv_conn_filter *f);
/* One PODVS_A_OP of a batch: key only for DEL ops. */
int lpv_put_op(struct nlmsghdr *nlh, size_t buflen, uint8_t cmd,
	       const struct lpv_service *svc, const struct lpv_dest *dest);

/* True if @cmd may appear in a batch. */
bool lpv_cmd_is_op(uint8_t cmd);

/*
 * True if a whole message starts at @nlh within @len bytes.  Stricter than
 * mnl_nlmsg_ok(), which compares (int)nlmsg_len and so lets a header that
 * claims 2 GiB or more through on any datagram.
 */
bool lpv_nlmsg_ok(const struct nlmsghdr *nlh, int len);

/*
 * Parsers.  Unknown attributes are ignored (newer kernels may add some);
 * attributes of the wrong size make the reply malformed: -EPROTO.
 */
int lpv_parse_top(const struct nlmsghdr *nlh,
		  const struct nlattr *tb[PODVS_A_MAX + 1]);
int lpv_parse_service(const struct nlattr *nest, struct lpv_service *svc);
int lpv_parse_dest(const struct nlattr *nest, struct lpv_dest *dest);
int lpv_parse_stats(const struct nlattr *nest, struct lpv_stats *st);
int lpv_parse_info(const struct nlattr *nest, struct lpv_info *info);
int lpv_parse_config(const struct nlattr *nest, struct lpv_config *cfg);
int lpv_parse_conn(const struct nlattr *nest, struct lpv_conn *conn);
/* READY, DECOMMISSIONED and UP must be 0 or 1; has_* stay false. */
int lpv_parse_announce(const struct nlattr *nest, struct lpv_announce *ann);

/* An NLMSG_ERROR or NLMSG_DONE message, with its extack TLVs. */
struct lpv_ack {
	int error;		/* 0 or -errno */
	bool has_msg;
	bool has_offs;
	uint32_t offs;		/* offset of the bad attribute in the request */
	char msg[LPV_ERRMSG_LEN];
};

int lpv_parse_ack(const struct nlmsghdr *nlh, struct lpv_ack *ack);

/*
 * Family lookup reply (CTRL_CMD_NEWFAMILY): family id and the id of the
 * multicast group @grp (0 if absent).
 */
int lpv_parse_family(const struct nlmsghdr *nlh, const char *grp,
		     uint16_t *id, uint32_t *grp_id);

#endif /* _LIBPODVS_MSG_H */
