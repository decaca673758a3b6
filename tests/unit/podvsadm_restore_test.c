// SPDX-License-Identifier: GPL-2.0
/*
 * podvsadm restore files: whole-input parsing with line-numbered errors,
 * duplicate detection, and the save format round trip
 * (parse(save(x)) == x).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "podvsadm/cli.h"

static int parse_text(const char *text, struct adm_restore *r, char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	ret = adm_restore_parse(f, r, err, ADM_ERR_LEN);
	fclose(f);
	return ret;
}

struct bad {
	const char *text;
	const char *msg;
};

static const struct bad bad_cases[] = {
	{ "-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r 10.0.0.1\n\n# c\n"
	  "-a -t 192.0.2.1 -r 10.0.0.2\n",
	  "line 5: -t 192.0.2.1: missing port (use ADDRESS:PORT)" },
	{ "-A -t 192.0.2.1:80\n-A -t 192.0.2.1:80 -s rr\n",
	  "line 2: service TCP 192.0.2.1:80 already added on line 1" },
	{ "-A -t 192.0.2.1:80\n-A -u 192.0.2.1:80\n-A -t 192.0.2.1:80\n",
	  "line 3: service TCP 192.0.2.1:80 already added on line 1" },
	{ "-A -t [2001:db8::1]:80\n-A -t [2001:db8:0::1]:80\n",
	  "line 2: service TCP [2001:db8::1]:80 already added on line 1" },
	{ "-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r 10.0.0.1:80\n"
	  "-a -t 192.0.2.1:80 -r 10.0.0.1\n",
	  "line 3: server 10.0.0.1:80 of TCP 192.0.2.1:80 already added on line 2" },
	{ "-a -t 192.0.2.1:80 -r 10.0.0.1:80 -w 2\n"
	  "-a -t 192.0.2.1:80 -r 10.0.0.1:80 -w 3\n",
	  "line 2: server 10.0.0.1:80 of TCP 192.0.2.1:80 already added on line 1" },
	{ "-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r 10.0.0.1 -w 70000\n",
	  "line 2: -w 70000: invalid weight (0..65535)" },
	{ "-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r [2001:db8::1]:80\n",
	  "line 2: -r [2001:db8::1]:80: IPv6 server for an IPv4 service (families "
	  "must match)" },
	{ "-A -t 192.0.2.1:80 -s wlc\n", "line 1: -s wlc: unknown scheduler (podvs "
	  "has mh, sh, rr, wrr, lc)" },
	{ "ipvsadm -A -t 192.0.2.1:80 -g\n", "line 1: option -g (gatewaying) is not "
	  "supported by podvs: only masquerading (-m)" },
	{ "-A -t 192.0.2.1:80 --bogus\n", "line 1: unknown option '--bogus'" },
	{ "-L -n\n", "line 1: -L (list) is not allowed in a restore file" },
	{ "-R\n", "line 1: -R (restore) is not allowed in a restore file" },
	{ "-S\n", "line 1: -S (save) is not allowed in a restore file" },
	{ "--set 1 2 3\n", "line 1: --set is not allowed in a restore file" },
	{ "-Z\n", "line 1: -Z (zero) is not allowed in a restore file" },
	{ "-h\n", "line 1: -h (help) is not allowed in a restore file" },
	{ "--info\n", "line 1: --info is not allowed in a restore file" },
	{ "-A -t 192.0.2.1:80 extra\n", "line 1: unexpected argument 'extra'" },
	{ "ipvsadm\n-C\nfoo\n", "line 3: no command given (one of -A -E -D -a -e -d "
	  "-C -L -Z -S -R --set --info --drain --undrain --announce --decommission "
	  "--recommission -h -v)" },
	{ "--decommission\n", "line 1: --decommission is not allowed in a restore "
	  "file" },
	{ "-A -t 192.0.2.1:80 -p -M 255.0.255.0\n", "line 1: -M 255.0.255.0: not a "
	  "contiguous netmask" },
	{ "-A -t [2001:db8::1]:80 -p -M 255.255.0.0\n", "line 1: -M 255.255.0.0: an "
	  "IPv6 netmask is a prefix length 1..128" },
	{ "-A -t 192.0.2.1:80 -p 0\n", "line 1: -p 0: invalid persistence timeout "
	  "(1..2678400 seconds)" },
	{ "-A -t 192.0.2.1:80 -s rr -p 1 -M 255.255.255.0 -b x -s rr\n",
	  "line 1: option -s (scheduler) given twice" },
	{ "-a -t 192.0.2.1:80 -r 10.0.0.1 a a a a a a a a a a a a a a a a a a a a "
	  "a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a "
	  "a a a a\n", "line 1: too many words" },
};

static void test_bad(void **state)
{
	const struct bad *b = *state;
	char err[ADM_ERR_LEN];
	struct adm_restore r;

	assert_int_equal(parse_text(b->text, &r, err), EXIT_USAGE);
	assert_string_equal(err, b->msg);
	/* nothing is handed on for applying */
	assert_null(r.lines);
	assert_int_equal(r.n, 0);
}

static void parse_ok(const char *text, struct adm_restore *r)
{
	char err[ADM_ERR_LEN];

	if (parse_text(text, r, err))
		fail_msg("restore failed: %s", err);
}

static void test_comments_prefixes_lines(void **state)
{
	struct adm_restore r;

	(void)state;
	parse_ok("# saved by ipvsadm -Sn\n"
		 "\n"
		 "ipvsadm -A -t 192.0.2.1:80 -s rr\n"
		 "   \t\n"
		 "podvsadm -a -t 192.0.2.1:80 -r 10.0.0.1:8080 -m -w 2\r\n"
		 "-e -t 192.0.2.1:80 -r 10.0.0.1:8080 -w 4\n"
		 "--drain -t 192.0.2.1:80 -r 10.0.0.1:8080\n"
		 "-C\n"
		 "-D -t 192.0.2.1:80", &r);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.lines[0].lineno, 3);
	assert_int_equal(r.lines[0].cmd.cmd, ADM_ADD_SERVICE);
	assert_string_equal(r.lines[0].cmd.svc.sched, "rr");
	assert_int_equal(r.lines[1].lineno, 5);
	assert_int_equal(r.lines[1].cmd.dest.weight, 2);
	assert_int_equal(r.lines[2].cmd.cmd, ADM_EDIT_DEST);
	assert_int_equal(r.lines[3].cmd.cmd, ADM_DRAIN);
	assert_int_equal(r.lines[4].cmd.cmd, ADM_FLUSH);
	assert_int_equal(r.lines[5].lineno, 9);
	assert_int_equal(r.lines[5].cmd.cmd, ADM_DEL_SERVICE);
	adm_restore_free(&r);
}

static void test_readd_after_delete(void **state)
{
	struct adm_restore r;

	(void)state;
	/* deletes, -C and a re-added service retire earlier entries */
	parse_ok("-A -t 192.0.2.1:80\n"
		 "-a -t 192.0.2.1:80 -r 10.0.0.1\n"
		 "-d -t 192.0.2.1:80 -r 10.0.0.1\n"
		 "-a -t 192.0.2.1:80 -r 10.0.0.1\n"
		 "-D -t 192.0.2.1:80\n"
		 "-A -t 192.0.2.1:80\n"
		 "-a -t 192.0.2.1:80 -r 10.0.0.1\n"
		 "-C\n"
		 "-A -t 192.0.2.1:80\n"
		 "-a -t 192.0.2.1:80 -r 10.0.0.1\n"
		 "-a -u 192.0.2.1:80 -r 10.0.0.1\n"
		 "-a -t 192.0.2.1:80 -r 10.0.0.1:81\n", &r);
	assert_int_equal(r.n, 12);
	adm_restore_free(&r);
}

static void test_empty_input(void **state)
{
	struct adm_restore r;

	(void)state;
	parse_ok("", &r);
	assert_int_equal(r.n, 0);
	parse_ok("# nothing\n\n", &r);
	assert_int_equal(r.n, 0);
	adm_restore_free(&r);
}

/* 100,000 dests: accepted, and a duplicate at the very end is still seen. */
static void test_large_file(void **state)
{
	size_t cap = 100000 * 64 + 1024, len = 0, i;
	char *text = malloc(cap), err[ADM_ERR_LEN];
	struct adm_restore r;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "-A -t 192.0.2.1:80 -s mh\n");
	for (i = 0; i < 100000; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"-a -t 192.0.2.1:80 -r 10.%zu.%zu.%zu:80 -m -w 1\n",
					i >> 16, (i >> 8) & 255, i & 255);
	parse_ok(text, &r);
	assert_int_equal(r.n, 100001);
	adm_restore_free(&r);
	snprintf(text + len, cap - len, "-a -t 192.0.2.1:80 -r 10.0.0.7:80\n");
	assert_int_equal(parse_text(text, &r, err), EXIT_USAGE);
	assert_string_equal(err, "line 100002: server 10.0.0.7:80 of TCP "
			    "192.0.2.1:80 already added on line 9");
	free(text);
}

/*
 * -a lines for services that were never -A'd create two keys at once, so
 * the hash set grows between them; run under valgrind this catches a stale
 * entry pointer.  The duplicate at the end must still be seen.
 */
static void test_many_services_no_add(void **state)
{
	size_t cap = 5000 * 64, len = 0, i;
	char *text = malloc(cap), err[ADM_ERR_LEN];
	struct adm_restore r;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < 5000; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"-a -t 192.0.%zu.%zu:80 -r 10.0.0.1\n",
					i >> 8, i & 255);
	parse_ok(text, &r);
	assert_int_equal(r.n, 5000);
	adm_restore_free(&r);
	snprintf(text + len, cap - len, "-a -t 192.0.19.135:80 -r 10.0.0.1:80\n");
	assert_int_equal(parse_text(text, &r, err), EXIT_USAGE);
	assert_string_equal(err, "line 5001: server 10.0.0.1:80 of TCP "
			    "192.0.19.135:80 already added on line 5000");
	free(text);
}

/* ---- save -> restore round trip --------------------------------------- */

static void svc_init(struct lpv_service *s, uint8_t proto, const char *addr,
		     uint16_t port, const char *sched, uint32_t flags)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(lpv_addr_parse(addr, &s->af, &s->addr), 0);
	s->protocol = proto;
	s->port = port;
	s->flags = flags;
	snprintf(s->sched, sizeof(s->sched), "%s", sched);
	s->present = LPV_SVC_HAS_SCHED | LPV_SVC_HAS_FLAGS | LPV_SVC_HAS_NETMASK;
	s->netmask = s->af == AF_INET6 ? 128 : 32;
}

static void dest_init(struct lpv_dest *d, const char *addr, uint16_t port,
		      uint32_t weight, uint32_t flags, const char *owner)
{
	uint16_t af;

	memset(d, 0, sizeof(*d));
	assert_int_equal(lpv_addr_parse(addr, &af, &d->addr), 0);
	d->port = port;
	d->weight = weight;
	d->flags = flags;
	snprintf(d->owner, sizeof(d->owner), "%s", owner);
}

static void same_key(const struct lpv_service *a, const struct lpv_service *b)
{
	assert_int_equal(a->af, b->af);
	assert_int_equal(a->protocol, b->protocol);
	assert_memory_equal(a->addr.raw, b->addr.raw, sizeof(a->addr.raw));
	assert_int_equal(a->port, b->port);
}

static void same_svc(const struct lpv_service *a, const struct lpv_service *b)
{
	same_key(a, b);
	assert_string_equal(a->sched, b->sched);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->netmask, b->netmask);
	assert_string_equal(a->owner, b->owner);
	if (a->flags & PODVS_SVC_F_PERSISTENT)
		assert_int_equal(a->timeout, b->timeout);
	assert_int_equal(a->present & LPV_SVC_HAS_MH_TABLE_SIZE,
			 b->present & LPV_SVC_HAS_MH_TABLE_SIZE);
	if (a->present & LPV_SVC_HAS_MH_TABLE_SIZE)
		assert_int_equal(a->mh_table_size, b->mh_table_size);
}

static void same_dest(const struct lpv_dest *a, const struct lpv_dest *b)
{
	assert_memory_equal(a->addr.raw, b->addr.raw, sizeof(a->addr.raw));
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->weight, b->weight);
	assert_int_equal(a->flags & PODVS_DEST_F_DRAIN, b->flags & PODVS_DEST_F_DRAIN);
	assert_string_equal(a->owner, b->owner);
}

static void test_round_trip(void **state)
{
	struct lpv_dest d0[3], d1[1], d2[2];
	struct adm_svc_entry e[4] = { 0 };
	struct adm_restore r;
	size_t i, j, k = 0;
	char *text = NULL;
	size_t len;
	FILE *f;

	(void)state;
	svc_init(&e[0].svc, IPPROTO_TCP, "192.0.2.1", 80, "mh",
		 PODVS_SVC_F_HASH_PORT | PODVS_SVC_F_HASH_FALLBACK);
	dest_init(&d0[0], "10.0.0.1", 8080, 1, 0, "");
	dest_init(&d0[1], "10.0.0.2", 80, 0, PODVS_DEST_F_DRAIN, "podvsd");
	dest_init(&d0[2], "10.0.0.3", 65535, 65535, 0, "");
	e[0].dests = d0;
	e[0].ndests = 3;
	svc_init(&e[1].svc, IPPROTO_UDP, "198.51.100.9", 53, "sh",
		 PODVS_SVC_F_PERSISTENT | PODVS_SVC_F_HASH_PORT);
	e[1].svc.timeout = 10800;
	e[1].svc.netmask = 16;
	snprintf(e[1].svc.owner, sizeof(e[1].svc.owner), "podvsd");
	e[1].svc.present |= LPV_SVC_HAS_OWNER;
	dest_init(&d1[0], "10.1.0.1", 5353, 7, 0, "");
	e[1].dests = d1;
	e[1].ndests = 1;
	svc_init(&e[2].svc, IPPROTO_TCP, "2001:db8::1", 443, "mh",
		 PODVS_SVC_F_PERSISTENT);
	e[2].svc.timeout = 1;
	e[2].svc.netmask = 64;
	e[2].svc.mh_table_size = 251;
	e[2].svc.present |= LPV_SVC_HAS_MH_TABLE_SIZE;
	dest_init(&d2[0], "2001:db8::10", 8443, 3, 0, "");
	dest_init(&d2[1], "2001:db8::11", 443, 3, PODVS_DEST_F_DRAIN, "");
	e[2].dests = d2;
	e[2].ndests = 2;
	svc_init(&e[3].svc, IPPROTO_UDP, "2001:db8::2", 1, "wrr", 0);

	f = open_memstream(&text, &len);
	assert_non_null(f);
	for (i = 0; i < 4; i++)
		adm_print_service(f, &e[i], FMT_RULE);
	fclose(f);
	parse_ok(text, &r);
	assert_int_equal(r.n, 10);
	for (i = 0; i < 4; i++) {
		assert_int_equal(r.lines[k].cmd.cmd, ADM_ADD_SERVICE);
		same_svc(&e[i].svc, &r.lines[k++].cmd.svc);
		for (j = 0; j < e[i].ndests; j++) {
			assert_int_equal(r.lines[k].cmd.cmd, ADM_ADD_DEST);
			same_key(&e[i].svc, &r.lines[k].cmd.svc);
			same_dest(&e[i].dests[j], &r.lines[k++].cmd.dest);
		}
	}
	adm_restore_free(&r);
	free(text);
}

/* adm_restore_scan(): what its callback saw, and what it makes it return. */
struct seen {
	unsigned int line[8];
	int n;
	int fail_at;		/* call number that fails (1-based), 0: none */
	int fail_with;
};

static int record(void *priv, unsigned int line, const struct adm_cmd *c)
{
	struct seen *s = priv;

	assert_true(c->cmd == ADM_ADD_SERVICE || c->cmd == ADM_ADD_DEST);
	assert_true(s->n < 8);
	s->line[s->n++] = line;
	return s->n == s->fail_at ? s->fail_with : 0;
}

static int scan_text(const char *text, struct seen *s, char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	ret = adm_restore_scan(f, record, s, err, ADM_ERR_LEN);
	fclose(f);
	return ret;
}

static void test_scan_streams_and_stops(void **state)
{
	static const char text[] = "-A -t 192.0.2.1:80\n"
				   "\n"
				   "-a -t 192.0.2.1:80 -r 10.0.0.1\n"
				   "-a -t 192.0.2.1:80 -r 10.0.0.2\n";
	struct seen all = { 0 }, io = { .fail_at = 2, .fail_with = -EIO };
	struct seen oom = { .fail_at = 3, .fail_with = -ENOMEM };
	char err[ADM_ERR_LEN];

	(void)state;
	assert_int_equal(scan_text(text, &all, err), 0);
	assert_int_equal(all.n, 3);
	assert_int_equal(all.line[0], 1);
	assert_int_equal(all.line[1], 3);
	assert_int_equal(all.line[2], 4);
	/* the callback's own error comes back as is and stops the scan */
	assert_int_equal(scan_text(text, &io, err), -EIO);
	assert_int_equal(io.n, 2);
	/* out of memory is a usage-style failure naming the line */
	assert_int_equal(scan_text(text, &oom, err), EXIT_USAGE);
	assert_string_equal(err, "line 4: out of memory");
}

/* A bad line after good ones: the scan fails, naming it; the callback saw
 * only the lines before (the caller sends nothing unless the scan is 0).
 */
static void test_scan_late_syntax_error(void **state)
{
	struct seen s = { 0 };
	char err[ADM_ERR_LEN];

	(void)state;
	assert_int_equal(scan_text("-A -t 192.0.2.1:80\n"
				   "-a -t 192.0.2.1:80 -r 10.0.0.1\n"
				   "-a -t 192.0.2.1:80 -r 10.0.0.2 -w x\n"
				   "-a -t 192.0.2.1:80 -r 10.0.0.3\n", &s, err), EXIT_USAGE);
	assert_string_equal(err, "line 3: -w x: invalid weight (0..65535)");
	assert_int_equal(s.n, 2);
	/* a duplicate is caught before the callback sees it */
	memset(&s, 0, sizeof(s));
	assert_int_equal(scan_text("-A -t 192.0.2.1:80\n"
				   "-a -t 192.0.2.1:80 -r 10.0.0.1\n"
				   "-a -t 192.0.2.1:80 -r 10.0.0.1:80\n", &s, err), EXIT_USAGE);
	assert_string_equal(err, "line 3: server 10.0.0.1:80 of TCP 192.0.2.1:80 "
			    "already added on line 2");
	assert_int_equal(s.n, 2);
}

int main(void)
{
	static const struct CMUnitTest good[] = {
		cmocka_unit_test(test_scan_streams_and_stops),
		cmocka_unit_test(test_scan_late_syntax_error),
		cmocka_unit_test(test_comments_prefixes_lines),
		cmocka_unit_test(test_readd_after_delete),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_large_file),
		cmocka_unit_test(test_many_services_no_add),
		cmocka_unit_test(test_round_trip),
	};
	size_t nbad = sizeof(bad_cases) / sizeof(bad_cases[0]), i;
	static char names[sizeof(bad_cases) / sizeof(bad_cases[0])][96];
	struct CMUnitTest *bad = calloc(nbad, sizeof(*bad));
	int fails;

	if (!bad)
		return 1;
	for (i = 0; i < nbad; i++) {
		snprintf(names[i], sizeof(names[i]), "restore rejects: %s",
			 bad_cases[i].msg);
		bad[i].name = names[i];
		bad[i].test_func = test_bad;
		bad[i].initial_state = (void *)&bad_cases[i];
	}
	fails = cmocka_run_group_tests_name("podvsadm_restore", good, NULL, NULL);
	fails += _cmocka_run_group_tests("podvsadm_restore_bad", bad, nbad, NULL, NULL);
	free(bad);
	return fails;
}
