/* SPDX-License-Identifier: GPL-2.0 */
/* IP addresses, prefixes and host:port strings as podvsd uses them. */
#ifndef PODVSD_ADDR_H
#define PODVSD_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr_storage;

/* Longest formatted address, incl. NUL (INET6_ADDRSTRLEN). */
#define PD_ADDR_STRLEN	46

/* An address: af is AF_INET (first 4 bytes used) or AF_INET6. */
struct pd_addr {
	uint16_t af;
	uint8_t b[16];
};

struct pd_cidr {
	struct pd_addr addr;	/* network address (host bits zero) */
	uint8_t plen;
};

struct pd_hostport {
	struct pd_addr addr;
	uint16_t port;
};

/* Bytes of an af's address (4, 16) or 0. */
size_t pd_addr_len(uint16_t af);
/* Numeric IPv4 or IPv6, no brackets, no zone.  0 or -EINVAL. */
int pd_addr_parse(const char *s, struct pd_addr *a);
/* Returns @buf (PD_ADDR_STRLEN bytes). */
const char *pd_addr_str(const struct pd_addr *a, char *buf);
/* @a and @port as a socket address in @ss; returns its length. */
size_t pd_addr_sockaddr(const struct pd_addr *a, uint16_t port,
			struct sockaddr_storage *ss);
int pd_addr_cmp(const struct pd_addr *a, const struct pd_addr *b);
bool pd_addr_in_cidr(const struct pd_addr *a, const struct pd_cidr *c);

/*
 * "192.0.2.0/24" or "2001:db8::/64".  Host bits must be zero; the prefix
 * leaves at least one usable address.  On error, @err says why.
 */
int pd_cidr_parse(const char *s, struct pd_cidr *c, char *err, size_t errlen);

/*
 * A prefix of 0..32 or 0..128 bits, host bits zero ("10.0.0.0/8",
 * "192.0.2.7/32", "fd00::/8"); the length is required.
 */
int pd_prefix_parse(const char *s, struct pd_cidr *c, char *err,
		    size_t errlen);
/*
 * "CIDR[,CIDR]...", blanks around items allowed, "" an empty list; at most
 * @max items, no duplicates.  On error nothing is written to @n and @err
 * names the bad item.
 */
int pd_prefix_list_parse(const char *s, struct pd_cidr *out, size_t max,
			 size_t *n, char *err, size_t errlen);

/* "192.0.2.1:9742", "[2001:db8::1]:9742"; port 1..65535. */
int pd_hostport_parse(const char *s, struct pd_hostport *hp, char *err,
		      size_t errlen);

#endif /* PODVSD_ADDR_H */
