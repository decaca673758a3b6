// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: libpodvs's parsers of kernel replies.  The input is read
 * twice: as a whole netlink message (top-level attributes, acks with
 * extack, the family lookup reply), when its header's length fits, and as
 * the payload of one nested attribute handed to every object parser, the
 * way the dump callbacks hand them a nest the kernel sent.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "msg.h"

#define NEST_MAX	(UINT16_MAX - NLA_HDRLEN)

static void whole_message(const uint8_t *data, size_t size)
{
	const struct nlattr *tb[PODVS_A_MAX + 1] = { 0 };
	const struct nlmsghdr *nlh = (const void *)data;
	struct lpv_ack ack;
	uint32_t grp;
	uint16_t id;

	if (size > INT32_MAX || !lpv_nlmsg_ok(nlh, (int)size))
		return;
	lpv_parse_top(nlh, tb);
	lpv_parse_ack(nlh, &ack);
	lpv_parse_family(nlh, PODVS_GENL_MCGRP, &id, &grp);
}

static void one_nest(const struct nlattr *nest)
{
	struct lpv_service svc;
	struct lpv_dest dest;
	struct lpv_stats st;
	struct lpv_info info;
	struct lpv_config cfg;
	struct lpv_conn conn;
	struct lpv_announce ann;

	lpv_parse_service(nest, &svc);
	lpv_parse_dest(nest, &dest);
	lpv_parse_stats(nest, &st);
	lpv_parse_info(nest, &info);
	lpv_parse_config(nest, &cfg);
	lpv_parse_conn(nest, &conn);
	lpv_parse_announce(nest, &ann);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlattr *nest;

	/* aligned copies: the parsers read headers in place */
	void *msg = malloc(size ? size : 1);

	if (!msg)
		return 0;
	memcpy(msg, data, size);
	whole_message(msg, size);
	free(msg);

	if (size > NEST_MAX)
		size = NEST_MAX;
	nest = malloc(NLA_HDRLEN + size);
	if (!nest)
		return 0;
	nest->nla_type = NLA_F_NESTED | 1;
	nest->nla_len = NLA_HDRLEN + size;
	memcpy((char *)nest + NLA_HDRLEN, data, size);
	one_nest(nest);
	free(nest);
	return 0;
}
