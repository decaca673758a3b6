// SPDX-License-Identifier: GPL-2.0
/*
 * podvsadm output: fixed tables printed in ipvsadm's layouts.  The expected
 * strings were produced from ipvsadm 1.31's printf formats (column widths,
 * K/M/G suffixes), independently of podvsadm's code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "podvsadm/cli.h"

struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
}

/* Close the stream and return its text (owned by @m). */
static const char *mem_text(struct mem *m)
{
	fclose(m->f);
	return m->buf;
}

static void svc_init(struct lpv_service *s, uint8_t proto, const char *addr,
		     uint16_t port, const char *sched)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(lpv_addr_parse(addr, &s->af, &s->addr), 0);
	s->protocol = proto;
	s->port = port;
	snprintf(s->sched, sizeof(s->sched), "%s", sched);
	s->present = LPV_SVC_HAS_SCHED | LPV_SVC_HAS_FLAGS | LPV_SVC_HAS_NETMASK;
	s->netmask = s->af == AF_INET6 ? 128 : 32;
}

static void dest_init(struct lpv_dest *d, const char *addr, uint16_t port,
		      uint32_t weight, uint32_t act, uint32_t inact)
{
	uint16_t af;

	memset(d, 0, sizeof(*d));
	assert_int_equal(lpv_addr_parse(addr, &af, &d->addr), 0);
	d->port = port;
	d->weight = weight;
	d->active_conns = act;
	d->inactive_conns = inact;
	d->present = LPV_DEST_HAS_WEIGHT | LPV_DEST_HAS_CONNS;
}

/* Three services, given out of order, with dests out of order. */
struct table {
	struct adm_svc_entry e[3];
	struct lpv_dest d0[2], d1[1], d2[1];
};

static void table_init(struct table *t)
{
	svc_init(&t->e[0].svc, IPPROTO_TCP, "2001:db8::1", 443, "sh");
	t->e[0].svc.flags = PODVS_SVC_F_HASH_PORT | PODVS_SVC_F_HASH_FALLBACK;
	dest_init(&t->d2[0], "2001:db8::10", 8443, 1, 0, 0);
	t->e[0].dests = t->d2;
	t->e[0].ndests = 1;

	svc_init(&t->e[1].svc, IPPROTO_UDP, "192.0.2.1", 53, "mh");
	t->e[1].svc.flags = PODVS_SVC_F_PERSISTENT | PODVS_SVC_F_HASH_PORT;
	t->e[1].svc.timeout = 600;
	t->e[1].svc.netmask = 24;
	dest_init(&t->d1[0], "10.0.0.3", 53, 0, 0, 0);
	t->d1[0].flags = PODVS_DEST_F_DRAIN;
	t->e[1].dests = t->d1;
	t->e[1].ndests = 1;

	svc_init(&t->e[2].svc, IPPROTO_TCP, "192.0.2.1", 80, "rr");
	dest_init(&t->d0[0], "10.0.0.2", 8080, 3, 12, 4);
	dest_init(&t->d0[1], "10.0.0.1", 8080, 1, 0, 0);
	t->e[2].dests = t->d0;
	t->e[2].ndests = 2;
}

static void print_all(FILE *f, struct table *t, unsigned int fmt)
{
	size_t i;

	adm_sort_services(t->e, 3);
	for (i = 0; i < 3; i++)
		adm_sort_dests(t->e[i].dests, t->e[i].ndests);
	adm_print_title(f, fmt);
	for (i = 0; i < 3; i++)
		adm_print_service(f, &t->e[i], fmt);
}

static void test_list_numeric(void **state)
{
	struct lpv_info info = { .version = "9.8.7", .conn_buckets = 4096 };
	struct table t;
	struct mem m;

	(void)state;
	table_init(&t);
	mem_open(&m);
	adm_print_header(m.f, &info);
	print_all(m.f, &t, FMT_NUMERIC);
	assert_string_equal(mem_text(&m),
		"IP Virtual Server version 9.8.7 (size=4096) podvs\n"
		"Prot LocalAddress:Port Scheduler Flags\n"
		"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
		"TCP  192.0.2.1:80 rr\n"
		"  -> 10.0.0.1:8080                Masq    1      0          0         \n"
		"  -> 10.0.0.2:8080                Masq    3      12         4         \n"
		"UDP  192.0.2.1:53 mh (mh-port) persistent 600 mask 255.255.255.0\n"
		"  -> 10.0.0.3:53                  Masq    0      0          0          drain\n"
		"TCP  [2001:db8::1]:443 sh (sh-fallback,sh-port)\n"
		"  -> [2001:db8::10]:8443          Masq    1      0          0         \n");
	free(m.buf);
}

static void one_svc_stats(struct adm_svc_entry *e, struct lpv_dest *d)
{
	const struct lpv_stats st = {
		.conns = 5, .inpkts = 1000, .outpkts = 900, .inbytes = 123456789,
		.outbytes = 5000000000ULL, .cps = 2, .inpps = 30, .outpps = 20,
		.inbps = 4000, .outbps = 200000000,
	};

	memset(e, 0, sizeof(*e));
	svc_init(&e->svc, IPPROTO_TCP, "192.0.2.1", 80, "mh");
	e->svc.stats = st;
	dest_init(d, "10.0.0.1", 8080, 2, 3, 1);
	d->persist_conns = 7;
	d->stats = st;
	e->dests = d;
	e->ndests = 1;
}

static void test_list_stats(void **state)
{
	struct adm_svc_entry e;
	struct lpv_dest d;
	struct mem m;

	(void)state;
	one_svc_stats(&e, &d);
	mem_open(&m);
	adm_print_title(m.f, FMT_NUMERIC | FMT_STATS);
	adm_print_service(m.f, &e, FMT_NUMERIC | FMT_STATS);
	assert_string_equal(mem_text(&m),
		"Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes "
		"OutBytes\n"
		"  -> RemoteAddress:Port\n"
		"TCP  192.0.2.1:80                        5     1000      900  123456K"
		"    5000M\n"
		"  -> 10.0.0.1:8080                       5     1000      900  123456K"
		"    5000M\n");
	free(m.buf);
}

static void test_list_rate(void **state)
{
	struct adm_svc_entry e;
	struct lpv_dest d;
	struct mem m;

	(void)state;
	one_svc_stats(&e, &d);
	mem_open(&m);
	adm_print_title(m.f, FMT_NUMERIC | FMT_RATE);
	adm_print_service(m.f, &e, FMT_NUMERIC | FMT_RATE);
	assert_string_equal(mem_text(&m),
		"Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   "
		"OutBPS\n"
		"  -> RemoteAddress:Port\n"
		"TCP  192.0.2.1:80                        2       30       20     4000  "
		"200000K\n"
		"  -> 10.0.0.1:8080                       2       30       20     4000  "
		"200000K\n");
	free(m.buf);
}

static void test_list_persistent_conn(void **state)
{
	struct adm_svc_entry e;
	struct lpv_dest d;
	struct mem m;

	(void)state;
	one_svc_stats(&e, &d);
	e.svc.flags = PODVS_SVC_F_PERSISTENT;
	e.svc.timeout = 300;
	mem_open(&m);
	adm_print_title(m.f, FMT_NUMERIC | FMT_PERSISTCONN);
	adm_print_service(m.f, &e, FMT_NUMERIC | FMT_PERSISTCONN);
	assert_string_equal(mem_text(&m),
		"Prot LocalAddress:Port            Weight    PersistConn ActiveConn "
		"InActConn \n"
		"  -> RemoteAddress:Port\n"
		"TCP  192.0.2.1:80 mh persistent 300\n"
		"  -> 10.0.0.1:8080                2         7           3          1"
		"         \n");
	free(m.buf);
}

static void test_largenum(void **state)
{
	static const struct {
		unsigned long long n;
		unsigned int fmt;
		const char *out;
	} c[] = {
		{ 0, 0, "        0" },
		{ 99999999ULL, 0, " 99999999" },
		{ 100000000ULL, 0, "  100000K" },
		{ 999999999ULL, 0, "  999999K" },
		{ 1000000000ULL, 0, "    1000M" },
		{ 99999999999ULL, 0, "   99999M" },
		{ 100000000000ULL, 0, "     100G" },
		{ 99999999999999ULL, 0, "   99999G" },
		{ 100000000000000ULL, 0, "     100T" },
		{ 123, FMT_EXACT, "      123" },
		{ 12345678, FMT_EXACT, " 12345678" },
		{ 123456789, FMT_EXACT, " 123456789" },
		{ 18446744073709551615ULL, FMT_EXACT, " 18446744073709551615" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct mem m;

		mem_open(&m);
		adm_print_largenum(m.f, c[i].n, c[i].fmt);
		assert_string_equal(mem_text(&m), c[i].out);
		free(m.buf);
	}
}

static void conn_init(struct lpv_conn *c, uint8_t proto, const char *ca,
		      uint16_t cp, const char *va, uint16_t vp, const char *da,
		      uint16_t dp, uint8_t state, uint32_t expires)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(lpv_addr_parse(ca, &c->af, &c->caddr), 0);
	assert_int_equal(lpv_addr_parse(va, &c->af, &c->vaddr), 0);
	assert_int_equal(lpv_addr_parse(da, &c->af, &c->daddr), 0);
	c->protocol = proto;
	c->cport = cp;
	c->vport = vp;
	c->dport = dp;
	c->state = state;
	c->expires = expires;
}

static void test_conn_listing(void **state)
{
	struct lpv_conn c[2];
	struct mem m;

	(void)state;
	conn_init(&c[0], IPPROTO_TCP, "198.51.100.7", 40000, "192.0.2.1", 80,
		  "10.0.0.1", 8080, PODVS_CONN_S_ESTABLISHED, 899);
	conn_init(&c[1], IPPROTO_UDP, "2001:db8::7", 5353, "2001:db8::1", 53,
		  "2001:db8::10", 53, PODVS_CONN_S_UDP, 300);
	mem_open(&m);
	adm_print_conn_title(m.f);
	adm_print_conn(m.f, &c[0], FMT_NUMERIC);
	adm_print_conn(m.f, &c[1], FMT_NUMERIC);
	assert_string_equal(mem_text(&m),
		"IPVS connection entries\n"
		"pro expire state       source             virtual            destination\n"
		"TCP 14:59  ESTABLISHED 198.51.100.7:40000 192.0.2.1:80       10.0.0.1:8080\n"
		"UDP 05:00  UDP         [2001:db8::7]:5353 [2001:db8::1]:53   "
		"[2001:db8::10]:53\n");
	free(m.buf);
}

/* A learned flow and a hairpin one get a word after the destination;
 * the rest of the line is ipvsadm's.
 */
static void test_conn_listing_flags(void **state)
{
	struct lpv_conn c[3];
	struct mem m;
	uint16_t af;

	(void)state;
	conn_init(&c[0], IPPROTO_TCP, "198.51.100.7", 40000, "192.0.2.1", 80,
		  "10.0.0.1", 8080, PODVS_CONN_S_SYN_RECV, 60);
	c[0].flags = PODVS_CONN_FL_LEARNED;
	conn_init(&c[1], IPPROTO_TCP, "10.0.0.9", 41000, "192.0.2.1", 80,
		  "10.0.0.1", 8080, PODVS_CONN_S_ESTABLISHED, 900);
	c[1].flags = PODVS_CONN_FL_SNAT;
	c[1].has_laddr = true;
	assert_int_equal(lpv_addr_parse("10.0.0.254", &af, &c[1].laddr), 0);
	c[1].lport = 61000;
	c[2] = c[0];
	c[2].flags = PODVS_CONN_FL_LEARNED | PODVS_CONN_FL_SNAT;
	mem_open(&m);
	adm_print_conn(m.f, &c[0], FMT_NUMERIC);
	adm_print_conn(m.f, &c[1], FMT_NUMERIC);
	adm_print_conn(m.f, &c[2], FMT_NUMERIC);
	assert_string_equal(mem_text(&m),
		"TCP 01:00  SYN_RECV    198.51.100.7:40000 192.0.2.1:80       "
		"10.0.0.1:8080 learned\n"
		"TCP 15:00  ESTABLISHED 10.0.0.9:41000     192.0.2.1:80       "
		"10.0.0.1:8080 snat 10.0.0.254:61000\n"
		"TCP 01:00  SYN_RECV    198.51.100.7:40000 192.0.2.1:80       "
		"10.0.0.1:8080 learned snat\n");
	free(m.buf);
}

static void test_conn_states(void **state)
{
	(void)state;
	assert_string_equal(lpv_conn_state_name(PODVS_CONN_S_SYN_RECV), "SYN_RECV");
	assert_string_equal(lpv_conn_state_name(PODVS_CONN_S_FIN_WAIT), "FIN_WAIT");
	assert_string_equal(lpv_conn_state_name(PODVS_CONN_S_TIME_WAIT), "TIME_WAIT");
	assert_string_equal(lpv_conn_state_name(PODVS_CONN_S_CLOSE), "CLOSE");
	/* persistence templates show as NONE, as IPVS's do */
	assert_string_equal(lpv_conn_state_name(PODVS_CONN_S_PERSIST), "NONE");
	assert_string_equal(lpv_conn_state_name(200), "UNKNOWN");
}

static void test_timeout_line(void **state)
{
	struct lpv_config cfg = { .tcp_timeout = 900, .tcpfin_timeout = 120,
				    .udp_timeout = 300 };
	struct mem m;

	(void)state;
	mem_open(&m);
	adm_print_timeout(m.f, &cfg);
	assert_string_equal(mem_text(&m), "Timeout (tcp tcpfin udp): 900 120 300\n");
	free(m.buf);
}

static void test_save_rules(void **state)
{
	struct table t;
	struct mem m;

	(void)state;
	table_init(&t);
	t.e[2].svc.mh_table_size = 65537;	/* rr: never printed */
	t.e[1].svc.mh_table_size = 251;
	t.e[1].svc.present |= LPV_SVC_HAS_MH_TABLE_SIZE;
	snprintf(t.d0[0].owner, sizeof(t.d0[0].owner), "podvsd");
	mem_open(&m);
	print_all(m.f, &t, FMT_RULE);
	assert_string_equal(mem_text(&m),
		"-A -t 192.0.2.1:80 -s rr\n"
		"-a -t 192.0.2.1:80 -r 10.0.0.1:8080 -m -w 1\n"
		"-a -t 192.0.2.1:80 -r 10.0.0.2:8080 -m -w 3 --owner podvsd\n"
		"-A -u 192.0.2.1:53 -s mh -p 600 -M 255.255.255.0 -b mh-port "
		"--mh-table-size 251\n"
		"-a -u 192.0.2.1:53 -r 10.0.0.3:53 -m -w 0 --drain\n"
		"-A -t [2001:db8::1]:443 -s sh -b sh-fallback,sh-port\n"
		"-a -t [2001:db8::1]:443 -r [2001:db8::10]:8443 -m -w 1\n");
	free(m.buf);
}

static void test_save_v6_mask_and_nosort(void **state)
{
	struct adm_svc_entry e;
	struct lpv_dest d[2];
	struct mem m;

	(void)state;
	memset(&e, 0, sizeof(e));
	svc_init(&e.svc, IPPROTO_UDP, "2001:db8::5", 53, "mh");
	e.svc.flags = PODVS_SVC_F_PERSISTENT;
	e.svc.timeout = 10800;
	e.svc.netmask = 64;
	dest_init(&d[0], "2001:db8::20", 53, 1, 0, 0);
	dest_init(&d[1], "2001:db8::1f", 53, 1, 0, 0);
	e.dests = d;
	e.ndests = 2;
	mem_open(&m);
	adm_print_service(m.f, &e, FMT_RULE);
	assert_string_equal(mem_text(&m),
		"-A -u [2001:db8::5]:53 -s mh -p 10800 -M 64\n"
		"-a -u [2001:db8::5]:53 -r [2001:db8::20]:53 -m -w 1\n"
		"-a -u [2001:db8::5]:53 -r [2001:db8::1f]:53 -m -w 1\n");
	free(m.buf);
	adm_sort_dests(d, 2);
	assert_int_equal(d[0].addr.v6.s6_addr[15], 0x1f);
}

static void test_sched_flags_str(void **state)
{
	struct lpv_service s;
	char buf[64];

	(void)state;
	svc_init(&s, IPPROTO_TCP, "192.0.2.1", 80, "rr");
	s.flags = PODVS_SVC_F_HASH_FALLBACK | PODVS_SVC_F_HASH_PORT |
		  PODVS_SVC_F_PERSISTENT;
	adm_sched_flags_str(buf, sizeof(buf), &s);
	assert_string_equal(buf, "flag-1,flag-2");
	s.flags = PODVS_SVC_F_PERSISTENT;
	adm_sched_flags_str(buf, sizeof(buf), &s);
	assert_string_equal(buf, "");
	snprintf(s.sched, sizeof(s.sched), "mh");
	s.flags = PODVS_SVC_F_HASH_FALLBACK;
	adm_sched_flags_str(buf, sizeof(buf), &s);
	assert_string_equal(buf, "mh-fallback");
}

static const cJSON *get(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!v)
		fail_msg("JSON has no '%s'", k);
	return v;
}

static void test_json_services(void **state)
{
	const cJSON *svcs, *s, *d;
	struct table t;
	struct mem m;
	cJSON *root;

	(void)state;
	table_init(&t);
	adm_sort_services(t.e, 3);
	mem_open(&m);
	assert_int_equal(adm_json_services(m.f, t.e, 3), 0);
	root = cJSON_Parse(mem_text(&m));
	assert_non_null(root);
	svcs = get(root, "services");
	assert_int_equal(cJSON_GetArraySize(svcs), 3);
	s = cJSON_GetArrayItem(svcs, 1);
	assert_string_equal(get(s, "protocol")->valuestring, "udp");
	assert_string_equal(get(s, "address")->valuestring, "192.0.2.1");
	assert_int_equal(get(s, "port")->valueint, 53);
	assert_string_equal(get(s, "scheduler")->valuestring, "mh");
	assert_string_equal(get(s, "sched_flags")->valuestring, "mh-port");
	assert_true(cJSON_IsTrue(get(s, "persistent")));
	assert_int_equal(get(s, "timeout")->valueint, 600);
	assert_int_equal(get(s, "netmask")->valueint, 24);
	d = cJSON_GetArrayItem(get(s, "dests"), 0);
	assert_string_equal(get(d, "address")->valuestring, "10.0.0.3");
	assert_true(cJSON_IsTrue(get(d, "drain")));
	assert_int_equal(get(d, "weight")->valueint, 0);
	assert_string_equal(get(d, "forward")->valuestring, "masq");
	assert_int_equal(get(get(d, "stats"), "conns")->valueint, 0);
	s = cJSON_GetArrayItem(svcs, 2);
	assert_string_equal(get(s, "address")->valuestring, "2001:db8::1");
	cJSON_Delete(root);
	free(m.buf);
}

/* A service with SNAT_FROM: -L shows it after the flags, -S as
 * --snat-from (which -R parses back), JSON as a list.
 */
static void test_snat_from_output(void **state)
{
	char err[ADM_ERR_LEN];
	struct adm_svc_entry e;
	struct adm_cmd c;
	struct mem m;
	const cJSON *arr;
	cJSON *root;
	char *argv[] = { "-A", "-t", "192.0.2.1:80", "--snat-from",
			 "10.1.0.0/16,203.0.113.0/24", NULL };

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(adm_parse(5, argv, false, &c, err, sizeof(err)), 0);
	e.svc = c.svc;
	mem_open(&m);
	adm_print_service(m.f, &e, FMT_NUMERIC);
	assert_string_equal(mem_text(&m), "TCP  192.0.2.1:80 mh snat-from "
			    "10.1.0.0/16,203.0.113.0/24\n");
	free(m.buf);
	mem_open(&m);
	adm_print_service(m.f, &e, FMT_RULE);
	assert_string_equal(mem_text(&m), "-A -t 192.0.2.1:80 -s mh --snat-from "
			    "10.1.0.0/16,203.0.113.0/24\n");
	free(m.buf);
	mem_open(&m);
	assert_int_equal(adm_json_services(m.f, &e, 1), 0);
	root = cJSON_Parse(mem_text(&m));
	assert_non_null(root);
	arr = get(cJSON_GetArrayItem(get(root, "services"), 0), "snat_from");
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	assert_string_equal(cJSON_GetArrayItem(arr, 1)->valuestring,
			    "203.0.113.0/24");
	cJSON_Delete(root);
	free(m.buf);
	/* none: no column text, an empty JSON list */
	e.svc.nsnat = 0;
	mem_open(&m);
	adm_print_service(m.f, &e, FMT_NUMERIC);
	assert_string_equal(mem_text(&m), "TCP  192.0.2.1:80 mh\n");
	free(m.buf);
}

static void test_json_conns_info(void **state)
{
	struct lpv_info info = { .version = "9.8.7", .abi = 1, .services = 2,
				   .drops = { .no_dest = 7, .dest_gone = 3,
					      .ambiguous = 2 },
				   .learned = 5,
				   .schedulers = "mh sh rr wrr lc" };
	struct lpv_conn c;
	struct mem m;
	cJSON *root;
	const cJSON *o;

	(void)state;
	conn_init(&c, IPPROTO_TCP, "198.51.100.7", 40000, "192.0.2.1", 80,
		  "10.0.0.1", 8080, PODVS_CONN_S_SYN_SENT, 59);
	mem_open(&m);
	assert_int_equal(adm_json_conns(m.f, &c, 1), 0);
	root = cJSON_Parse(mem_text(&m));
	assert_non_null(root);
	o = cJSON_GetArrayItem(get(root, "connections"), 0);
	assert_string_equal(get(o, "client")->valuestring, "198.51.100.7");
	assert_int_equal(get(o, "client_port")->valueint, 40000);
	assert_string_equal(get(o, "dest")->valuestring, "10.0.0.1");
	assert_string_equal(get(o, "state")->valuestring, "SYN_SENT");
	assert_int_equal(get(o, "expires")->valueint, 59);
	assert_true(cJSON_IsFalse(get(o, "learned")));
	assert_true(cJSON_IsFalse(get(o, "snat")));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "snat_addr"));
	cJSON_Delete(root);
	free(m.buf);

	c.flags = PODVS_CONN_FL_LEARNED | PODVS_CONN_FL_SNAT;
	c.has_laddr = true;
	c.laddr = c.daddr;
	c.lport = 61000;
	mem_open(&m);
	assert_int_equal(adm_json_conns(m.f, &c, 1), 0);
	root = cJSON_Parse(mem_text(&m));
	assert_non_null(root);
	o = cJSON_GetArrayItem(get(root, "connections"), 0);
	assert_true(cJSON_IsTrue(get(o, "learned")));
	assert_true(cJSON_IsTrue(get(o, "snat")));
	assert_string_equal(get(o, "snat_addr")->valuestring, "10.0.0.1");
	assert_int_equal(get(o, "snat_port")->valueint, 61000);
	cJSON_Delete(root);
	free(m.buf);

	mem_open(&m);
	assert_int_equal(adm_json_info(m.f, &info), 0);
	root = cJSON_Parse(mem_text(&m));
	assert_non_null(root);
	assert_string_equal(get(root, "version")->valuestring, "9.8.7");
	assert_int_equal(get(get(root, "drops"), "no_dest")->valueint, 7);
	assert_int_equal(get(get(root, "drops"), "dest_gone")->valueint, 3);
	assert_int_equal(get(get(root, "drops"), "ambiguous")->valueint, 2);
	assert_int_equal(get(root, "learned")->valueint, 5);
	cJSON_Delete(root);
	free(m.buf);
}

static void test_info_text(void **state)
{
	struct lpv_info info = {
		.version = "9.8.7", .abi = 1, .services = 2, .dests = 5, .conns = 9,
		.conn_max = 1048576, .svc_buckets = 256, .conn_buckets = 4096,
		.generation = 17, .schedulers = "mh sh rr wrr lc",
		.drops = { .no_service = 1, .no_dest = 2, .conn_limit = 3,
			   .no_route = 4, .nomem = 5, .malformed = 6, .dest_gone = 7,
			   .ambiguous = 8, .snat_ports = 9 },
		.learned = 10,
	};
	struct mem m;

	(void)state;
	mem_open(&m);
	adm_print_info(m.f, &info);
	assert_string_equal(mem_text(&m),
		"podvs module 9.8.7 (genl ABI 1)\n"
		"services 2, dests 5, connections 9 (max 1048576)\n"
		"hash buckets: services 256, connections 4096\n"
		"generation 17\n"
		"schedulers: mh sh rr wrr lc\n"
		"drops:\n"
		"  no_service   1\n"
		"  no_dest      2\n"
		"  conn_limit   3\n"
		"  no_route     4\n"
		"  nomem        5\n"
		"  malformed    6\n"
		"  dest_gone    7\n"
		"  ambiguous    8\n"
		"  snat_ports   9\n"
		"learned flows 10\n");
	free(m.buf);
}

static void test_announce_text(void **state)
{
	struct lpv_announce a = { .hold = 60, .ready = true, .up = true,
				  .remaining_ms = 59512, .expiries = 2, .links = 1 };
	struct mem m;

	(void)state;
	mem_open(&m);
	adm_print_announce(m.f, &a);
	assert_string_equal(mem_text(&m),
		"VIP announcement: carrier UP on 1 podvs link\n"
		"  watchdog         running, 59.512 s of 60 s left\n"
		"  ready            yes\n"
		"  decommissioned   no\n"
		"  expiries         2\n");
	free(m.buf);

	a.up = false;
	a.remaining_ms = 0;
	a.decommissioned = true;
	a.links = 2;
	mem_open(&m);
	adm_print_announce(m.f, &a);
	assert_string_equal(mem_text(&m),
		"VIP announcement: carrier DOWN on 2 podvs links\n"
		"  watchdog         expired (hold 60 s)\n"
		"  ready            yes\n"
		"  decommissioned   yes\n"
		"  expiries         2\n");
	free(m.buf);

	memset(&a, 0, sizeof(a));
	mem_open(&m);
	adm_print_announce(m.f, &a);
	assert_string_equal(mem_text(&m),
		"VIP announcement: carrier DOWN on 0 podvs links\n"
		"  watchdog         never started\n"
		"  ready            no\n"
		"  decommissioned   no\n"
		"  expiries         0\n");
	free(m.buf);
}

static void test_announce_json(void **state)
{
	struct lpv_announce a = { .hold = 60, .ready = true, .up = true,
				  .remaining_ms = 1500, .expiries = 3, .links = 2 };
	struct mem m;
	cJSON *root;

	(void)state;
	mem_open(&m);
	assert_int_equal(adm_json_announce(m.f, &a), 0);
	root = cJSON_Parse(mem_text(&m));
	assert_non_null(root);
	assert_true(cJSON_IsTrue(get(root, "up")));
	assert_true(cJSON_IsTrue(get(root, "ready")));
	assert_true(cJSON_IsFalse(get(root, "decommissioned")));
	assert_int_equal(get(root, "hold")->valueint, 60);
	assert_int_equal(get(root, "remaining_ms")->valueint, 1500);
	assert_int_equal(get(root, "expiries")->valueint, 3);
	assert_int_equal(get(root, "links")->valueint, 2);
	cJSON_Delete(root);
	free(m.buf);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_numeric),
		cmocka_unit_test(test_list_stats),
		cmocka_unit_test(test_list_rate),
		cmocka_unit_test(test_list_persistent_conn),
		cmocka_unit_test(test_largenum),
		cmocka_unit_test(test_conn_listing),
		cmocka_unit_test(test_conn_listing_flags),
		cmocka_unit_test(test_conn_states),
		cmocka_unit_test(test_timeout_line),
		cmocka_unit_test(test_save_rules),
		cmocka_unit_test(test_save_v6_mask_and_nosort),
		cmocka_unit_test(test_sched_flags_str),
		cmocka_unit_test(test_json_services),
		cmocka_unit_test(test_snat_from_output),
		cmocka_unit_test(test_json_conns_info),
		cmocka_unit_test(test_info_text),
		cmocka_unit_test(test_announce_text),
		cmocka_unit_test(test_announce_json),
	};

	return cmocka_run_group_tests_name("podvsadm_format", tests, NULL, NULL);
}
