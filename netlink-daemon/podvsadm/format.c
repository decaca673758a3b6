// SPDX-License-Identifier: GPL-2.0
/*
 * podvsadm: text output in ipvsadm's layout (-L, -S, -c, --timeout) and
 * podvs's --info.  Column widths and number formats are ipvsadm's, so
 * scripts that parse ipvsadm output keep working.
 */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "cli.h"

void adm_print_largenum(FILE *f, unsigned long long n, unsigned int fmt)
{
	if (fmt & FMT_EXACT) {
		int len = snprintf(NULL, 0, "%llu", n);

		fprintf(f, "%*llu", len <= 8 ? 9 : len + 1, n);
	} else if (n < 100000000ULL) {
		fprintf(f, "%9llu", n);
	} else if (n < 1000000000ULL) {
		fprintf(f, "%8lluK", n / 1000);
	} else if (n < 100000000000ULL) {
		fprintf(f, "%8lluM", n / 1000000);
	} else if (n < 100000000000000ULL) {
		fprintf(f, "%8lluG", n / 1000000000ULL);
	} else {
		fprintf(f, "%8lluT", n / 1000000000000ULL);
	}
}

static void host_name(char *buf, size_t len, uint16_t af,
		      const union lpv_addr *addr, unsigned int fmt)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t slen;

	if (!(fmt & FMT_NUMERIC)) {
		ss.ss_family = af;
		if (af == AF_INET)
			s4->sin_addr = addr->v4;
		else
			s6->sin6_addr = addr->v6;
		slen = af == AF_INET ? sizeof(*s4) : sizeof(*s6);
		if (!getnameinfo((struct sockaddr *)&ss, slen, buf, (socklen_t)len,
				 NULL, 0, NI_NAMEREQD))
			return;
	}
	lpv_addr_str(af, addr, buf, len);
}

void adm_addrport(char *buf, size_t len, uint16_t af,
		  const union lpv_addr *addr, uint16_t port, uint8_t proto,
		  unsigned int fmt)
{
	const char *v6l = af == AF_INET6 ? "[" : "", *v6r = af == AF_INET6 ? "]" : "";
	struct servent *se = NULL;
	char host[64];

	host_name(host, sizeof(host), af, addr, fmt);
	if (!(fmt & FMT_NUMERIC))
		se = getservbyport(htons(port), proto == IPPROTO_UDP ? "udp" : "tcp");
	if (se)
		snprintf(buf, len, "%s%s%s:%s", v6l, host, v6r, se->s_name);
	else
		snprintf(buf, len, "%s%s%s:%u", v6l, host, v6r, port);
}

void adm_sched_flags_str(char *buf, size_t len, const struct lpv_service *s)
{
	const char *fb = "flag-1", *port = "flag-2";

	if (!strcmp(s->sched, "mh")) {
		fb = "mh-fallback";
		port = "mh-port";
	} else if (!strcmp(s->sched, "sh")) {
		fb = "sh-fallback";
		port = "sh-port";
	}
	snprintf(buf, len, "%s%s%s",
		 s->flags & PODVS_SVC_F_HASH_FALLBACK ? fb : "",
		 (s->flags & PODVS_SVC_F_HASH_FALLBACK) &&
		 (s->flags & PODVS_SVC_F_HASH_PORT) ? "," : "",
		 s->flags & PODVS_SVC_F_HASH_PORT ? port : "");
}

void adm_print_header(FILE *f, const struct lpv_info *info)
{
	fprintf(f, "IP Virtual Server version %s (size=%u) podvs\n",
		info->version[0] ? info->version : "?", info->conn_buckets);
}

void adm_print_title(FILE *f, unsigned int fmt)
{
	static const char *const stats[] = { "Conns", "InPkts", "OutPkts",
					     "InBytes", "OutBytes" };
	static const char *const rate[] = { "CPS", "InPPS", "OutPPS", "InBPS",
					    "OutBPS" };
	const char *const *h;

	if (fmt & FMT_RULE)
		return;
	h = fmt & FMT_STATS ? stats : rate;
	if (fmt & (FMT_STATS | FMT_RATE))
		fprintf(f, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", h[0], h[1], h[2], h[3], h[4]);
	else if (fmt & FMT_PERSISTCONN)
		fprintf(f, "%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Weight", "PersistConn",
			"ActiveConn", "InActConn");
	else
		fprintf(f, "Prot LocalAddress:Port Scheduler Flags\n"
			"  -> RemoteAddress:Port           Forward Weight ActiveConn "
			"InActConn\n");
}

/* The persistence netmask as ipvsadm shows it: dotted (v4), prefix (v6). */
static void mask_str(char *buf, size_t len, const struct lpv_service *s)
{
	struct in_addr m;

	if (s->af == AF_INET6) {
		snprintf(buf, len, "%u", s->netmask);
		return;
	}
	m.s_addr = htonl(s->netmask ? 0xffffffffU << (32 - s->netmask) : 0);
	inet_ntop(AF_INET, &m, buf, (socklen_t)len);
}

static bool mask_is_full(const struct lpv_service *s)
{
	if (!(s->present & LPV_SVC_HAS_NETMASK))
		return true;
	return s->netmask == (s->af == AF_INET6 ? 128 : 32);
}

static void print_svc_rule(FILE *f, const char *name, const struct lpv_service *s)
{
	char buf[64];

	fprintf(f, "-A %s -s %s", name, s->sched);
	if (s->flags & PODVS_SVC_F_PERSISTENT) {
		fprintf(f, " -p %u", s->timeout);
		if (!mask_is_full(s)) {
			mask_str(buf, sizeof(buf), s);
			fprintf(f, " -M %s", buf);
		}
	}
	adm_sched_flags_str(buf, sizeof(buf), s);
	if (buf[0])
		fprintf(f, " -b %s", buf);
	if ((s->present & LPV_SVC_HAS_MH_TABLE_SIZE) && !strcmp(s->sched, "mh") &&
	    s->mh_table_size != PODVS_DEFAULT_MH_TABLE_SIZE)
		fprintf(f, " --mh-table-size %u", s->mh_table_size);
	if (s->owner[0])
		fprintf(f, " --owner %s", s->owner);
	if (s->nsnat) {
		char snat[ADM_SNAT_STRLEN];

		adm_snat_from_str(snat, sizeof(snat), s);
		fprintf(f, " --snat-from %s", snat);
	}
}

static void print_svc_plain(FILE *f, const char *name, const struct lpv_service *s)
{
	char buf[64];

	fprintf(f, "%s %s", name, s->sched);
	adm_sched_flags_str(buf, sizeof(buf), s);
	if (buf[0])
		fprintf(f, " (%s)", buf);
	if (s->flags & PODVS_SVC_F_PERSISTENT) {
		fprintf(f, " persistent %u", s->timeout);
		if (!mask_is_full(s)) {
			mask_str(buf, sizeof(buf), s);
			fprintf(f, " mask %s", buf);
		}
	}
	if (s->nsnat) {
		char snat[ADM_SNAT_STRLEN];

		adm_snat_from_str(snat, sizeof(snat), s);
		fprintf(f, " snat-from %s", snat);
	}
}

static void print_stats5(FILE *f, const uint64_t v[5], unsigned int fmt)
{
	int i;

	for (i = 0; i < 5; i++)
		adm_print_largenum(f, v[i], fmt);
}

static void svc_line(FILE *f, const struct lpv_service *s, unsigned int fmt)
{
	const struct lpv_stats *st = &s->stats;
	const uint64_t cnt[5] = { st->conns, st->inpkts, st->outpkts, st->inbytes,
				  st->outbytes };
	const uint64_t rate[5] = { st->cps, st->inpps, st->outpps, st->inbps,
				   st->outbps };
	char vname[128], name[160];
	const char *proto = s->protocol == IPPROTO_UDP ? "UDP" : "TCP";

	adm_addrport(vname, sizeof(vname), s->af, &s->addr, s->port, s->protocol, fmt);
	if (fmt & FMT_RULE) {
		snprintf(name, sizeof(name), "%s %s",
			 s->protocol == IPPROTO_UDP ? "-u" : "-t", vname);
		print_svc_rule(f, name, s);
	} else {
		snprintf(name, sizeof(name), "%-4s %s", proto, vname);
		if (s->af != AF_INET6)
			name[33] = '\0';
		if (fmt & (FMT_STATS | FMT_RATE)) {
			fprintf(f, "%-33s", name);
			print_stats5(f, fmt & FMT_STATS ? cnt : rate, fmt);
		} else {
			print_svc_plain(f, name, s);
		}
	}
	fputc('\n', f);
}

static void dest_rule(FILE *f, const struct lpv_service *s,
		      const struct lpv_dest *d, const char *dname)
{
	char vname[128];

	adm_addrport(vname, sizeof(vname), s->af, &s->addr, s->port, s->protocol,
		     FMT_NUMERIC);
	fprintf(f, "-a %s %s -r %s -m -w %u", s->protocol == IPPROTO_UDP ? "-u" : "-t",
		vname, dname, d->weight);
	if (d->flags & PODVS_DEST_F_DRAIN)
		fputs(" --drain", f);
	if (d->owner[0])
		fprintf(f, " --owner %s", d->owner);
	fputc('\n', f);
}

static void dest_line(FILE *f, const struct lpv_service *s,
		      const struct lpv_dest *d, unsigned int fmt)
{
	const struct lpv_stats *st = &d->stats;
	const uint64_t cnt[5] = { st->conns, st->inpkts, st->outpkts, st->inbytes,
				  st->outbytes };
	char dname[128];

	adm_addrport(dname, sizeof(dname), s->af, &d->addr, d->port, s->protocol, fmt);
	if (fmt & FMT_RULE) {
		dest_rule(f, s, d, dname);
		return;
	}
	if (s->af != AF_INET6)
		dname[28] = '\0';
	if (fmt & FMT_STATS) {
		fprintf(f, "  -> %-28s", dname);
		print_stats5(f, cnt, fmt);
	} else if (fmt & FMT_RATE) {
		fprintf(f, "  -> %-28s %8llu %8llu %8llu", dname,
			(unsigned long long)st->cps, (unsigned long long)st->inpps,
			(unsigned long long)st->outpps);
		adm_print_largenum(f, st->inbps, fmt);
		adm_print_largenum(f, st->outbps, fmt);
	} else if (fmt & FMT_PERSISTCONN) {
		fprintf(f, "  -> %-28s %-9u %-11u %-10u %-10u", dname, d->weight,
			d->persist_conns, d->active_conns, d->inactive_conns);
	} else {
		fprintf(f, "  -> %-28s %-7s %-6u %-10u %-10u", dname, "Masq",
			d->weight, d->active_conns, d->inactive_conns);
		if (d->flags & PODVS_DEST_F_DRAIN)
			fputs(" drain", f);
	}
	fputc('\n', f);
}

/*
 * -S output is always numeric (podvsadm takes numeric addresses only, so
 * names would not restore); -n is accepted there for ipvsadm's sake.
 */
void adm_print_service(FILE *f, const struct adm_svc_entry *e, unsigned int fmt)
{
	size_t i;

	if (fmt & FMT_RULE)
		fmt |= FMT_NUMERIC;
	svc_line(f, &e->svc, fmt);
	for (i = 0; i < e->ndests; i++)
		dest_line(f, &e->svc, &e->dests[i], fmt);
}

static int cmp_addr(uint16_t af, const union lpv_addr *a,
		    const union lpv_addr *b)
{
	return memcmp(a->raw, b->raw, lpv_addr_len(af));
}

static int cmp_svc(const void *pa, const void *pb)
{
	const struct lpv_service *a = &((const struct adm_svc_entry *)pa)->svc;
	const struct lpv_service *b = &((const struct adm_svc_entry *)pb)->svc;
	int r;

	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->protocol != b->protocol)
		return a->protocol < b->protocol ? -1 : 1;
	r = cmp_addr(a->af, &a->addr, &b->addr);
	if (r)
		return r;
	return (int)a->port - (int)b->port;
}

/* Dests of one service share its af; addresses compare as big-endian bytes. */
static int cmp_dest(const void *pa, const void *pb)
{
	const struct lpv_dest *a = pa, *b = pb;
	int r = memcmp(a->addr.raw, b->addr.raw, sizeof(a->addr.raw));

	return r ? r : (int)a->port - (int)b->port;
}

void adm_sort_services(struct adm_svc_entry *e, size_t n)
{
	if (n > 1)
		qsort(e, n, sizeof(*e), cmp_svc);
}

void adm_sort_dests(struct lpv_dest *d, size_t n)
{
	if (n > 1)
		qsort(d, n, sizeof(*d), cmp_dest);
}

void adm_print_conn_title(FILE *f)
{
	fprintf(f, "IPVS connection entries\n");
	fprintf(f, "pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual",
		"destination");
}

/* What ipvsadm has no column for, after the destination: "learned" for a
 * flow learned from a Pod's packet, "snat ADDR:PORT" for hairpin SNAT.
 * Nothing (the ipvsadm line) when the kernel reports neither.
 */
static void print_conn_extra(FILE *f, const struct lpv_conn *c, unsigned int fmt)
{
	char ln[128];

	if (c->flags & PODVS_CONN_FL_LEARNED)
		fprintf(f, " learned");
	if (c->has_laddr) {
		adm_addrport(ln, sizeof(ln), c->af, &c->laddr, c->lport,
			     c->protocol, fmt);
		fprintf(f, " snat %s", ln);
	} else if (c->flags & PODVS_CONN_FL_SNAT) {
		fprintf(f, " snat");
	}
}

void adm_print_conn(FILE *f, const struct lpv_conn *c, unsigned int fmt)
{
	char cn[128], vn[128], dn[128], expire[16];

	adm_addrport(cn, sizeof(cn), c->af, &c->caddr, c->cport, c->protocol, fmt);
	adm_addrport(vn, sizeof(vn), c->af, &c->vaddr, c->vport, c->protocol, fmt);
	adm_addrport(dn, sizeof(dn), c->af, &c->daddr, c->dport, c->protocol, fmt);
	snprintf(expire, sizeof(expire), "%02u:%02u", c->expires / 60, c->expires % 60);
	fprintf(f, "%-3s %-6s %-11s %-18s %-18s %s",
		c->protocol == IPPROTO_UDP ? "UDP" : "TCP", expire,
		lpv_conn_state_name(c->state), cn, vn, dn);
	print_conn_extra(f, c, fmt);
	fputc('\n', f);
}

void adm_print_timeout(FILE *f, const struct lpv_config *cfg)
{
	fprintf(f, "Timeout (tcp tcpfin udp): %u %u %u\n", cfg->tcp_timeout,
		cfg->tcpfin_timeout, cfg->udp_timeout);
}

void adm_print_version(FILE *f, const struct lpv_info *info, const char *why)
{
	fprintf(f, "podvsadm v" PODVS_VERSION " (libpodvs " PODVS_VERSION
		", genl ABI %d)\n", PODVS_GENL_VERSION);
	if (info)
		fprintf(f, "podvs module %s (genl ABI %u)\n", info->version,
			info->abi);
	else
		fprintf(f, "podvs module: unknown (%s)\n", why);
}

void adm_print_info(FILE *f, const struct lpv_info *i)
{
	const struct lpv_drops *d = &i->drops;

	fprintf(f, "podvs module %s (genl ABI %u)\n", i->version, i->abi);
	fprintf(f, "services %u, dests %u, connections %u (max %u)\n", i->services,
		i->dests, i->conns, i->conn_max);
	fprintf(f, "hash buckets: services %u, connections %u\n", i->svc_buckets,
		i->conn_buckets);
	fprintf(f, "generation %u\n", i->generation);
	fprintf(f, "schedulers: %s\n", i->schedulers);
	fprintf(f, "drops:\n");
	fprintf(f, "  %-12s %llu\n", "no_service", (unsigned long long)d->no_service);
	fprintf(f, "  %-12s %llu\n", "no_dest", (unsigned long long)d->no_dest);
	fprintf(f, "  %-12s %llu\n", "conn_limit", (unsigned long long)d->conn_limit);
	fprintf(f, "  %-12s %llu\n", "no_route", (unsigned long long)d->no_route);
	fprintf(f, "  %-12s %llu\n", "nomem", (unsigned long long)d->nomem);
	fprintf(f, "  %-12s %llu\n", "malformed", (unsigned long long)d->malformed);
	fprintf(f, "  %-12s %llu\n", "dest_gone", (unsigned long long)d->dest_gone);
	fprintf(f, "  %-12s %llu\n", "ambiguous", (unsigned long long)d->ambiguous);
	fprintf(f, "  %-12s %llu\n", "snat_ports", (unsigned long long)d->snat_ports);
	fprintf(f, "learned flows %llu\n", (unsigned long long)i->learned);
}

/* The watchdog: never started, fired, or counting down. */
static void print_watchdog(FILE *f, const struct lpv_announce *a)
{
	if (!a->hold)
		fprintf(f, "  %-16s never started\n", "watchdog");
	else if (!a->remaining_ms)
		fprintf(f, "  %-16s expired (hold %u s)\n", "watchdog", a->hold);
	else
		fprintf(f, "  %-16s running, %u.%03u s of %u s left\n", "watchdog",
			a->remaining_ms / 1000, a->remaining_ms % 1000, a->hold);
}

void adm_print_announce(FILE *f, const struct lpv_announce *a)
{
	fprintf(f, "VIP announcement: carrier %s on %u podvs link%s\n",
		a->up ? "UP" : "DOWN", a->links, a->links == 1 ? "" : "s");
	print_watchdog(f, a);
	fprintf(f, "  %-16s %s\n", "ready", a->ready ? "yes" : "no");
	fprintf(f, "  %-16s %s\n", "decommissioned", a->decommissioned ? "yes" : "no");
	fprintf(f, "  %-16s %u\n", "expiries", a->expiries);
}
