// SPDX-License-Identifier: GPL-2.0
/*
 * podvsadm: --snat-from CIDR[,CIDR...] (hairpin SNAT prefixes of a
 * service), parsed and printed.  Pure: no I/O, no kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "cli.h"

/* Host bits of addr beyond plen, for a family of alen bytes. */
static bool host_bits(const union lpv_addr *a, size_t alen, unsigned int plen)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		unsigned int keep = plen >= (i + 1) * 8 ? 8 :
				    plen > i * 8 ? plen - i * 8 : 0;
		uint8_t mask = keep ? (uint8_t)(0xff << (8 - keep)) : 0;

		if (a->raw[i] & (uint8_t)~mask)
			return true;
	}
	return false;
}

/* One "ADDR/LEN" of family af into *p; 0 or -1 with a message. */
static int parse_prefix(const char *s, size_t n, uint16_t af,
			struct lpv_prefix *p, char *err, size_t errlen)
{
	size_t alen = af == AF_INET6 ? 16 : 4;
	char buf[64], *slash, *end;
	unsigned long plen;

	if (!n || n >= sizeof(buf)) {
		snprintf(err, errlen, "--snat-from: empty or overlong prefix '%.*s'",
			 (int)n, s);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	slash = strchr(buf, '/');
	if (!slash) {
		snprintf(err, errlen, "--snat-from %s: a prefix is ADDRESS/LENGTH",
			 buf);
		return -1;
	}
	*slash = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(af, buf, p->addr.raw) != 1) {
		snprintf(err, errlen, "--snat-from %s/%s: not an IPv%c address "
			 "(the service's family)", buf, slash + 1,
			 af == AF_INET6 ? '6' : '4');
		return -1;
	}
	plen = strtoul(slash + 1, &end, 10);
	if (!slash[1] || *end || slash[1] < '0' || slash[1] > '9' ||
	    plen > alen * 8) {
		snprintf(err, errlen, "--snat-from %s/%s: prefix length must be "
			 "0..%zu", buf, slash + 1, alen * 8);
		return -1;
	}
	if (host_bits(&p->addr, alen, (unsigned int)plen)) {
		snprintf(err, errlen, "--snat-from %s/%lu: host bits set (did you "
			 "mean the network address?)", buf, plen);
		return -1;
	}
	p->plen = (uint8_t)plen;
	return 0;
}

int adm_parse_snat_from(const char *arg, uint16_t af, struct lpv_service *s,
			char *err, size_t errlen)
{
	const char *p = arg, *comma;

	s->nsnat = 0;
	s->present |= LPV_SVC_HAS_SNAT_FROM;
	while (*arg && *p) {
		if (s->nsnat == PODVS_SNAT_RANGES_MAX) {
			snprintf(err, errlen, "--snat-from: at most %d prefixes",
				 PODVS_SNAT_RANGES_MAX);
			return -1;
		}
		comma = strchr(p, ',');
		if (parse_prefix(p, comma ? (size_t)(comma - p) : strlen(p), af,
				 &s->snat_from[s->nsnat], err, errlen))
			return -1;
		s->nsnat++;
		if (!comma)
			break;
		p = comma + 1;
		if (!*p) {
			snprintf(err, errlen, "--snat-from %s: trailing comma", arg);
			return -1;
		}
	}
	return 0;
}

void adm_snat_from_str(char *buf, size_t len, const struct lpv_service *s)
{
	char a[INET6_ADDRSTRLEN];
	size_t used = 0;
	uint32_t i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < s->nsnat && used < len; i++) {
		inet_ntop(s->af, s->snat_from[i].addr.raw, a, sizeof(a));
		used += (size_t)snprintf(buf + used, len - used, "%s%s/%u",
					 i ? "," : "", a, s->snat_from[i].plen);
	}
}
