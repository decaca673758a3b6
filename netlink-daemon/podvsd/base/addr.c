// SPDX-License-Identifier: GPL-2.0
/* Address parsing and formatting helpers. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/addr.h"

size_t pd_addr_len(uint16_t af)
{
	return af == AF_INET ? 4 : af == AF_INET6 ? 16 : 0;
}

int pd_addr_parse(const char *s, struct pd_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->af = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *pd_addr_str(const struct pd_addr *a, char *buf)
{
	if (!inet_ntop(a->af, a->b, buf, PD_ADDR_STRLEN))
		snprintf(buf, PD_ADDR_STRLEN, "<af %u>", a->af);
	return buf;
}

size_t pd_addr_sockaddr(const struct pd_addr *a, uint16_t port,
			struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->b, 4);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->b, 16);
	return sizeof(*s6);
}

int pd_addr_cmp(const struct pd_addr *a, const struct pd_addr *b)
{
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	return memcmp(a->b, b->b, sizeof(a->b));
}

bool pd_addr_in_cidr(const struct pd_addr *a, const struct pd_cidr *c)
{
	unsigned int full = c->plen / 8, rest = c->plen % 8;

	if (a->af != c->addr.af || memcmp(a->b, c->addr.b, full))
		return false;
	if (!rest)
		return true;
	return ((a->b[full] ^ c->addr.b[full]) & (0xff00 >> rest)) == 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -EINVAL;
	return 0;
}

static bool host_bits_zero(const struct pd_cidr *c)
{
	size_t len = pd_addr_len(c->addr.af);

	for (size_t i = 0; i < len; i++) {
		int bits = (int)c->plen - (int)i * 8;
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : 0xff00 >> bits;

		if (c->addr.b[i] & ~mask)
			return false;
	}
	return true;
}

/* ADDRESS/LENGTH with LENGTH at most the address's bits less short_by. */
static int prefix_parse(const char *s, struct pd_cidr *c, size_t short_by,
			char *err, size_t errlen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	unsigned long plen;
	size_t maxlen;

	if (!slash || (size_t)(slash - s) >= sizeof(buf)) {
		snprintf(err, errlen, "'%s' is not a prefix (ADDRESS/LENGTH)", s);
		return -EINVAL;
	}
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (pd_addr_parse(buf, &c->addr)) {
		snprintf(err, errlen, "'%s': '%s' is not an IP address", s, buf);
		return -EINVAL;
	}
	maxlen = pd_addr_len(c->addr.af) * 8 - short_by;
	if (parse_uint(slash + 1, maxlen, &plen)) {
		snprintf(err, errlen, "'%s': prefix length must be 0..%zu", s,
			 maxlen);
		return -EINVAL;
	}
	c->plen = plen;
	if (!host_bits_zero(c)) {
		snprintf(err, errlen, "'%s': host bits set after /%lu", s, plen);
		return -EINVAL;
	}
	return 0;
}

int pd_cidr_parse(const char *s, struct pd_cidr *c, char *err, size_t errlen)
{
	/* A pool needs a usable address: /31 and /127 at most. */
	return prefix_parse(s, c, 1, err, errlen);
}

int pd_prefix_parse(const char *s, struct pd_cidr *c, char *err,
		    size_t errlen)
{
	return prefix_parse(s, c, 0, err, errlen);
}

static bool prefix_in(const struct pd_cidr *v, size_t n,
		      const struct pd_cidr *c)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].plen == c->plen && !pd_addr_cmp(&v[i].addr, &c->addr))
			return true;
	return false;
}

/* One item of a list, blanks trimmed, into @buf; "" when empty. */
static const char *list_item(const char *s, char *buf, size_t len,
			     const char **next)
{
	const char *end = strchr(s, ',');
	size_t n;

	if (!end)
		end = s + strlen(s);
	*next = *end ? end + 1 : NULL;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - s) < len ? (size_t)(end - s) : len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

int pd_prefix_list_parse(const char *s, struct pd_cidr *out, size_t max,
			 size_t *n, char *err, size_t errlen)
{
	struct pd_cidr c;
	char item[64];
	size_t k = 0;
	const char *p = s;

	if (!s[strspn(s, " \t")]) {
		*n = 0;
		return 0;
	}
	for (size_t i = 1; p; i++) {
		list_item(p, item, sizeof(item), &p);
		if (!*item) {
			snprintf(err, errlen, "item %zu is empty", i);
			return -EINVAL;
		}
		if (pd_prefix_parse(item, &c, err, errlen))
			return -EINVAL;
		if (prefix_in(out, k, &c)) {
			snprintf(err, errlen, "'%s' is listed twice", item);
			return -EINVAL;
		}
		if (k == max) {
			snprintf(err, errlen, "more than %zu prefixes", max);
			return -EINVAL;
		}
		out[k++] = c;
	}
	*n = k;
	return 0;
}

static int split_hostport(const char *s, char *host, size_t hlen,
			  const char **port)
{
	const char *colon;
	size_t n;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		n = close - s - 1;
		s++;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', colon - s))
			return -EINVAL;
		n = colon - s;
	}
	if (n >= hlen)
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

int pd_hostport_parse(const char *s, struct pd_hostport *hp, char *err,
		      size_t errlen)
{
	char host[64];
	const char *port;
	unsigned long p;

	if (split_hostport(s, host, sizeof(host), &port)) {
		snprintf(err, errlen,
			 "'%s' is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)", s);
		return -EINVAL;
	}
	if (pd_addr_parse(host, &hp->addr)) {
		snprintf(err, errlen, "'%s': '%s' is not an IP address", s, host);
		return -EINVAL;
	}
	if (parse_uint(port, 65535, &p) || p == 0) {
		snprintf(err, errlen, "'%s': port must be 1..65535", s);
		return -EINVAL;
	}
	hp->port = p;
	return 0;
}
