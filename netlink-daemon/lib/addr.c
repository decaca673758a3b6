// SPDX-License-Identifier: GPL-2.0
/*
 * libpodvs: address and name helpers shared by podvsadm and podvsd.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "libpodvs.h"

size_t lpv_addr_len(uint16_t af)
{
	switch (af) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

int lpv_addr_parse(const char *s, uint16_t *af, union lpv_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, s, &addr->v4) == 1) {
		*af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &addr->v6) == 1) {
		*af = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *lpv_addr_str(uint16_t af, const union lpv_addr *addr,
			 char *buf, size_t len)
{
	if (!inet_ntop(af, addr->raw, buf, len) && len)
		buf[0] = '\0';
	return buf;
}

const char *lpv_conn_state_name(uint8_t state)
{
	static const char *const names[] = {
		[PODVS_CONN_S_NONE] = "NONE",
		[PODVS_CONN_S_SYN_SENT] = "SYN_SENT",
		[PODVS_CONN_S_SYN_RECV] = "SYN_RECV",
		[PODVS_CONN_S_ESTABLISHED] = "ESTABLISHED",
		[PODVS_CONN_S_FIN_WAIT] = "FIN_WAIT",
		[PODVS_CONN_S_TIME_WAIT] = "TIME_WAIT",
		[PODVS_CONN_S_CLOSE] = "CLOSE",
		[PODVS_CONN_S_UDP] = "UDP",
		[PODVS_CONN_S_PERSIST] = "NONE",
	};

	if (state >= sizeof(names) / sizeof(names[0]))
		return "UNKNOWN";
	return names[state];
}
