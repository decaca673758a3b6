// SPDX-License-Identifier: GPL-2.0
/*
 * podvsadm argument parser: every malformed form we could think of, each
 * with its exact message and exit status, and the struct the good forms
 * produce (what is sent to the kernel).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "podvsadm/cli.h"

/* Split @line on spaces into a static argv (no program name). */
static int split(const char *line, char **argv, char *buf, size_t len)
{
	char *save = NULL, *t;
	int n = 0;

	snprintf(buf, len, "%s", line);
	for (t = strtok_r(buf, " ", &save); t && n < 63; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	return n;
}

static int parse(const char *line, struct adm_cmd *c, char *err)
{
	char buf[1024], *argv[64];
	int argc = split(line, argv, buf, sizeof(buf));

	return adm_parse(argc, argv, false, c, err, ADM_ERR_LEN);
}

/* ---- table of bad command lines ---------------------------------------- */

struct bad {
	const char *args;
	const char *msg;
};

#define V4 "-t 192.0.2.1:80"
#define V6 "-t [2001:db8::1]:80"

static const struct bad bad_cases[] = {
	/* service addresses */
	{ "-A -t 192.0.2.1", "-t 192.0.2.1: missing port (use ADDRESS:PORT)" },
	{ "-A -t 192.0.2.1:", "-t 192.0.2.1:: invalid port '' (1..65535 or a service name)" },
	{ "-A -t 192.0.2.1:0", "-t 192.0.2.1:0: port 0 is not supported by podvs (no "
	  "wildcard-port services; use 1..65535)" },
	{ "-A -t 192.0.2.1:65536", "-t 192.0.2.1:65536: invalid port '65536' (1..65535 "
	  "or a service name)" },
	{ "-A -t 192.0.2.1:80x", "-t 192.0.2.1:80x: invalid port '80x' (1..65535 or a "
	  "service name)" },
	{ "-A -t 192.0.2.1:-1", "-t 192.0.2.1:-1: invalid port '-1' (1..65535 or a "
	  "service name)" },
	{ "-A -t 192.0.2.1:nosuchservice", "-t 192.0.2.1:nosuchservice: invalid port "
	  "'nosuchservice' (1..65535 or a service name)" },
	{ "-A -t 300.1.1.1:80", "-t 300.1.1.1:80: invalid address '300.1.1.1' (numeric "
	  "IPv4 or IPv6 only)" },
	{ "-A -t 192.0.2:80", "-t 192.0.2:80: invalid address '192.0.2' (numeric IPv4 "
	  "or IPv6 only)" },
	{ "-A -t example.org:80", "-t example.org:80: invalid address 'example.org' "
	  "(numeric IPv4 or IPv6 only)" },
	{ "-A -t :80", "-t :80: invalid address '' (numeric IPv4 or IPv6 only)" },
	{ "-A -u 2001:db8::1", "-u 2001:db8::1: missing port (use [ADDRESS]:PORT)" },
	{ "-A -t [2001:db8::1]", "-t [2001:db8::1]: missing port (use [ADDRESS]:PORT)" },
	{ "-A -t [2001:db8::1:80", "-t [2001:db8::1:80: malformed address (use "
	  "ADDRESS:PORT or [IPv6-ADDRESS]:PORT)" },
	{ "-A -t [2001:db8::1]80", "-t [2001:db8::1]80: malformed address (use "
	  "ADDRESS:PORT or [IPv6-ADDRESS]:PORT)" },
	{ "-A -t [192.0.2.1]:80", "-t [192.0.2.1]:80: invalid address '192.0.2.1' "
	  "(numeric IPv4 or IPv6 only)" },
	{ "-A -t [2001:db8::g]:80", "-t [2001:db8::g]:80: invalid address '2001:db8::g' "
	  "(numeric IPv4 or IPv6 only)" },
	{ "-A -t [2001:db8::1]:0", "-t [2001:db8::1]:0: port 0 is not supported by "
	  "podvs (no wildcard-port services; use 1..65535)" },
	{ "-A -t", "option -t needs an argument" },
	{ "-A --tcp-service", "option --tcp-service needs an argument" },
	/* real servers */
	{ "-a " V4 " -r 10.0.0.1:0", "-r 10.0.0.1:0: port 0 is not supported by podvs "
	  "(no wildcard-port services; use 1..65535)" },
	{ "-a " V4 " -r 10.0.0.1:99999", "-r 10.0.0.1:99999: invalid port '99999' "
	  "(1..65535 or a service name)" },
	{ "-a " V4 " -r 10.0.0.256", "-r 10.0.0.256: invalid address '10.0.0.256' "
	  "(numeric IPv4 or IPv6 only)" },
	{ "-a " V4 " -r [2001:db8::2]:80", "-r [2001:db8::2]:80: IPv6 server for an "
	  "IPv4 service (families must match)" },
	{ "-a " V6 " -r 10.0.0.1", "-r 10.0.0.1: IPv4 server for an IPv6 service "
	  "(families must match)" },
	{ "-a " V4 " -r", "option -r needs an argument" },
	{ "-a " V4, "-a (add-server) needs -r SERVER-ADDRESS[:PORT]" },
	{ "-e " V4, "-e (edit-server) needs -r SERVER-ADDRESS[:PORT]" },
	{ "-d " V4, "-d (delete-server) needs -r SERVER-ADDRESS[:PORT]" },
	{ "-a -r 10.0.0.1:80", "-a (add-server) needs -t or -u VIRTUAL-ADDRESS:PORT" },
	{ "--drain " V4, "--drain needs -r SERVER-ADDRESS[:PORT]" },
	/* weights */
	{ "-a " V4 " -r 10.0.0.1 -w 65536", "-w 65536: invalid weight (0..65535)" },
	{ "-a " V4 " -r 10.0.0.1 -w -1", "-w -1: invalid weight (0..65535)" },
	{ "-a " V4 " -r 10.0.0.1 -w abc", "-w abc: invalid weight (0..65535)" },
	{ "-a " V4 " -r 10.0.0.1 -w 1.5", "-w 1.5: invalid weight (0..65535)" },
	{ "-a " V4 " -r 10.0.0.1 -w 0x10", "-w 0x10: invalid weight (0..65535)" },
	{ "-a " V4 " -r 10.0.0.1 -w +3", "-w +3: invalid weight (0..65535)" },
	{ "-a " V4 " -r 10.0.0.1 -w 99999999999999999999", "-w 99999999999999999999: "
	  "invalid weight (0..65535)" },
	{ "-a " V4 " -r 10.0.0.1 -w", "option -w needs an argument" },
	/* schedulers and flags */
	{ "-A " V4 " -s wlc", "-s wlc: unknown scheduler (podvs has mh, sh, rr, wrr, lc)" },
	{ "-A " V4 " -s MH", "-s MH: unknown scheduler (podvs has mh, sh, rr, wrr, lc)" },
	{ "-A " V4 " -s", "option -s needs an argument" },
	{ "-A " V4 " -b foo", "-b foo: unknown scheduler flag 'foo' (mh-fallback, "
	  "mh-port, sh-fallback, sh-port)" },
	{ "-A " V4 " -b flag-3", "-b flag-3: unknown scheduler flag 'flag-3' "
	  "(mh-fallback, mh-port, sh-fallback, sh-port)" },
	{ "-A " V4 " -s rr -b mh-port", "-b mh-port: flag mh-port needs -s mh (the "
	  "service uses rr)" },
	{ "-A " V4 " -b sh-port", "-b sh-port: flag sh-port needs -s sh (the service "
	  "uses mh)" },
	{ "-A " V4 " -s sh -b sh-port,mh-port", "-b sh-port,mh-port: flag mh-port "
	  "needs -s mh (the service uses sh)" },
	{ "-A " V4 " -b mh-port,,mh-fallback", "-b 'mh-port,,mh-fallback': empty or "
	  "over-long scheduler flag list" },
	{ "-A " V4 " -b ,mh-port", "-b ',mh-port': empty or over-long scheduler flag "
	  "list" },
	{ "-A " V4 " -b mh-port,", "-b 'mh-port,': empty or over-long scheduler flag "
	  "list" },
	/* persistence */
	{ "-A " V4 " -p abc", "-p abc: invalid persistence timeout (1..2678400 seconds)" },
	{ "-A " V4 " -p 0", "-p 0: invalid persistence timeout (1..2678400 seconds)" },
	{ "-A " V4 " -p 2678401", "-p 2678401: invalid persistence timeout (1..2678400 "
	  "seconds)" },
	{ "-A " V4 " --persistent=-5", "-p -5: invalid persistence timeout (1..2678400 "
	  "seconds)" },
	{ "-A " V4 " -p -p", "option -p (persistent) given twice" },
	/* netmasks */
	{ "-A " V4 " -p -M 24", "-M 24: an IPv4 netmask is dotted-quad, e.g. "
	  "255.255.255.0" },
	{ "-A " V4 " -p -M /24", "-M /24: an IPv4 netmask is dotted-quad, e.g. "
	  "255.255.255.0" },
	{ "-A " V4 " -p -M 255.0.255.0", "-M 255.0.255.0: not a contiguous netmask" },
	{ "-A " V4 " -p -M 0.255.255.255", "-M 0.255.255.255: not a contiguous netmask" },
	{ "-A " V4 " -p -M 0.0.0.0", "-M 0.0.0.0: netmask must not be 0.0.0.0" },
	{ "-A " V6 " -p -M 255.255.255.0", "-M 255.255.255.0: an IPv6 netmask is a "
	  "prefix length 1..128" },
	{ "-A " V6 " -p -M 0", "-M 0: an IPv6 netmask is a prefix length 1..128" },
	{ "-A " V6 " -p -M 129", "-M 129: an IPv6 netmask is a prefix length 1..128" },
	{ "-A " V6 " -p -M ffff::", "-M ffff::: an IPv6 netmask is a prefix length "
	  "1..128" },
	/* Maglev table size and owner */
	{ "-A " V4 " --mh-table-size 1000", "--mh-table-size 1000: must be a prime in "
	  "251..1048573" },
	{ "-A " V4 " --mh-table-size 241", "--mh-table-size 241: must be a prime in "
	  "251..1048573" },
	{ "-A " V4 " --mh-table-size 1048583", "--mh-table-size 1048583: must be a "
	  "prime in 251..1048573" },
	{ "-A " V4 " --owner 0123456789012345678901234567890123456789", "--owner "
	  "'0123456789012345678901234567890123456789': must be 1..31 characters" },
	/* ipvsadm options podvs does not have */
	{ "-a " V4 " -r 10.0.0.1 -g", "option -g (gatewaying) is not supported by "
	  "podvs: only masquerading (-m)" },
	{ "-a " V4 " -r 10.0.0.1 --gatewaying", "option -g (gatewaying) is not "
	  "supported by podvs: only masquerading (-m)" },
	{ "-a " V4 " -r 10.0.0.1 -i", "option -i (ipip) is not supported by podvs: "
	  "only masquerading (-m)" },
	{ "-a " V4 " -r 10.0.0.1 -x 100", "option -x (u-threshold) is not supported "
	  "by podvs: no connection thresholds" },
	{ "-a " V4 " -r 10.0.0.1 -y 10", "option -y (l-threshold) is not supported by "
	  "podvs: no connection thresholds" },
	{ "-A -f 1", "option -f (fwmark-service) is not supported by podvs: services "
	  "are -t|-u ADDRESS:PORT" },
	{ "-A --sctp-service 192.0.2.1:80", "option --sctp-service is not supported "
	  "by podvs: only TCP (-t) and UDP (-u)" },
	{ "-A " V4 " --pe sip", "option --pe is not supported by podvs: no persistence "
	  "engines" },
	{ "-A " V4 " --ops", "option --ops is not supported by podvs: no one-packet "
	  "scheduling" },
	{ "-A " V4 " -o", "option -o (ops, one-packet scheduling) is not supported by "
	  "podvs; for JSON output use -o json" },
	{ "--start-daemon master", "option --start-daemon is not supported by podvs: "
	  "no connection sync daemon" },
	{ "-L --daemon", "option --daemon is not supported by podvs: no connection "
	  "sync daemon" },
	{ "-L --thresholds", "option --thresholds is not supported by podvs: no "
	  "connection thresholds" },
	{ "-a " V4 " -r 10.0.0.1 --tun-type gue", "option --tun-type is not supported "
	  "by podvs: only masquerading (-m)" },
	/* unknown options and stray words */
	{ "-A " V4 " --foo", "unknown option '--foo'" },
	{ "-A " V4 " --foo=1", "unknown option '--foo'" },
	{ "-Lj", "unknown option '-j'" },
	{ "-A " V4 " extra", "unexpected argument 'extra'" },
	{ "-R extra", "unexpected argument 'extra'" },
	{ "--clear=yes", "option --clear=yes takes no argument" },
	{ "-L -o yaml", "-o yaml: unknown output format (podvsadm has -o json; "
	  "ipvsadm's -o/--ops one-packet scheduling is not supported)" },
	/* commands and the options they take */
	{ "", "no command given (one of -A -E -D -a -e -d -C -L -Z -S -R --set --info "
	  "--drain --undrain --announce --decommission --recommission -h -v)" },
	{ "-n", "no command given (one of -A -E -D -a -e -d -C -L -Z -S -R --set "
	  "--info --drain --undrain --announce --decommission --recommission -h -v)" },
	{ "-A", "-A (add-service) needs -t or -u VIRTUAL-ADDRESS:PORT" },
	{ "-E -s rr", "-E (edit-service) needs -t or -u VIRTUAL-ADDRESS:PORT" },
	{ "-D", "-D (delete-service) needs -t or -u VIRTUAL-ADDRESS:PORT" },
	{ "-A -a", "more than one command: -A (add-service) and -a (add-server)" },
	{ "-L -S", "more than one command: -L (list) and -S (save)" },
	{ "-A " V4 " " V4, "option -t|-u (service-address) given twice" },
	{ "-A " V4 " -u 192.0.2.1:53", "option -t|-u (service-address) given twice" },
	{ "-A " V4 " -w 3", "option -w (weight) cannot be used with -A (add-service)" },
	{ "-A " V4 " -r 10.0.0.1", "option -r (real-server) cannot be used with -A "
	  "(add-service)" },
	{ "-D " V4 " -s rr", "option -s (scheduler) cannot be used with -D "
	  "(delete-service)" },
	{ "-a " V4 " -r 10.0.0.1 -s rr", "option -s (scheduler) cannot be used with "
	  "-a (add-server)" },
	{ "-d " V4 " -r 10.0.0.1 -w 3", "option -w (weight) cannot be used with -d "
	  "(delete-server)" },
	{ "-d " V4 " -r 10.0.0.1 --drain", "option --drain/--undrain cannot be used "
	  "with -d (delete-server)" },
	{ "-C " V4, "option -t|-u (service-address) cannot be used with -C (clear)" },
	{ "-Z -r 10.0.0.1", "option -r (real-server) cannot be used with -Z (zero)" },
	{ "-S -c", "option -c (connection) cannot be used with -S (save)" },
	{ "-R -n", "option -n (numeric) cannot be used with -R (restore)" },
	{ "--info -n", "option -n (numeric) cannot be used with --info" },
	{ "-a " V4 " -r 10.0.0.1 --drain --undrain", "--drain and --undrain given "
	  "together or twice" },
	{ "-a " V4 " -r 10.0.0.1 -m -m", "option -m (masquerading) given twice" },
	/* list conflicts and filters */
	{ "-L --timeout -c", "option --timeout cannot be combined with -c (connection)" },
	{ "-L --timeout " V4, "option --timeout cannot be combined with -t|-u "
	  "(service-address)" },
	{ "-L --timeout --stats", "option --timeout cannot be combined with --stats" },
	{ "-L -c --rate", "option -c (connection) cannot be combined with --rate" },
	{ "-L --dest 10.0.0.1", "option --dest filters connections: use it with -c" },
	{ "-L --client 198.51.100.7", "option --client filters connections: use it "
	  "with -c" },
	{ "-Lc --dest 10.0.0.1:0", "--dest 10.0.0.1:0: port 0 is not supported by "
	  "podvs (no wildcard-port services; use 1..65535)" },
	{ "-Lc " V4 " --dest [2001:db8::2]", "--dest [2001:db8::2]: IPv6 address, but "
	  "the listing is for IPv4" },
	{ "-Lc --dest 10.0.0.1 --client 2001:db8::7", "--client 2001:db8::7: IPv6 "
	  "address, but the listing is for IPv4" },
	{ "-Lc --client nonsense", "--client nonsense: invalid address 'nonsense' "
	  "(numeric IPv4 or IPv6 only)" },
	/* --set */
	{ "--set", "--set needs 3 timeout values: tcp tcpfin udp (0 keeps a value)" },
	{ "--set 900 120", "--set needs 3 timeout values: tcp tcpfin udp (0 keeps a "
	  "value)" },
	{ "--set 900 120 300 5", "--set needs 3 timeout values: tcp tcpfin udp (0 "
	  "keeps a value)" },
	{ "--set 900 x 300", "--set: invalid tcpfin timeout 'x' (0..2678400 seconds, 0 "
	  "keeps the current value)" },
	{ "--set 900 120 2678401", "--set: invalid udp timeout '2678401' (0..2678400 "
	  "seconds, 0 keeps the current value)" },
	{ "--set -1 120 300", "unknown option '-1'" },
	/* announcement */
	{ "--announce --hold 0", "--hold 0: invalid hold time (1..3600 seconds)" },
	{ "--announce --hold 3601", "--hold 3601: invalid hold time (1..3600 "
	  "seconds)" },
	{ "--announce --hold 60s", "--hold 60s: invalid hold time (1..3600 seconds)" },
	{ "--announce --hold", "option --hold needs an argument" },
	{ "--announce --ready 2", "--ready 2: must be 0 or 1" },
	{ "--announce --ready yes", "--ready yes: must be 0 or 1" },
	{ "--announce --ready 01", "--ready 01: must be 0 or 1" },
	{ "--announce --ready 1 --ready 1", "option --ready given twice" },
	{ "--announce --hold 60 --json", "option -o json (--json) cannot be combined "
	  "with --hold: --announce with --hold or --ready sets, it does not show" },
	{ "--announce -n", "option -n (numeric) cannot be used with --announce" },
	{ "--announce extra", "unexpected argument 'extra'" },
	{ "-L --hold 60", "option --hold cannot be used with -L (list)" },
	{ "--decommission --hold 60", "option --hold cannot be used with "
	  "--decommission" },
	{ "--recommission --json", "option -o json (--json) cannot be used with "
	  "--recommission" },
	{ "--decommission --recommission", "more than one command: --decommission "
	  "and --recommission" },
	{ "--decommission " V4, "option -t|-u (service-address) cannot be used with "
	  "--decommission" },
};

static void test_bad(void **state)
{
	const struct bad *b = *state;
	char err[ADM_ERR_LEN];
	struct adm_cmd c;

	assert_int_equal(parse(b->args, &c, err), EXIT_USAGE);
	assert_string_equal(err, b->msg);
}

/* ---- good command lines ------------------------------------------------ */

static void parse_ok(const char *args, struct adm_cmd *c)
{
	char err[ADM_ERR_LEN];
	int ret = parse(args, c, err);

	if (ret)
		fail_msg("'%s' failed: %s", args, err);
}

static void test_add_service_defaults(void **state)
{
	struct adm_cmd c;
	struct in_addr a;

	(void)state;
	parse_ok("-A -t 192.0.2.1:80", &c);
	inet_pton(AF_INET, "192.0.2.1", &a);
	assert_int_equal(c.cmd, ADM_ADD_SERVICE);
	assert_int_equal(c.svc.af, AF_INET);
	assert_int_equal(c.svc.protocol, IPPROTO_TCP);
	assert_memory_equal(&c.svc.addr.v4, &a, 4);
	assert_int_equal(c.svc.port, 80);
	/* podvs's default scheduler is mh (ipvsadm's wlc does not exist) */
	assert_string_equal(c.svc.sched, "mh");
	assert_int_equal(c.svc.present, LPV_SVC_HAS_SCHED | LPV_SVC_HAS_FLAGS |
			 LPV_SVC_HAS_NETMASK);
	assert_int_equal(c.svc.flags, 0);
	assert_int_equal(c.svc.netmask, 32);
}

static void test_add_service_full_v6(void **state)
{
	struct adm_cmd c;

	(void)state;
	parse_ok("-A -u [2001:db8::1]:53 -s sh -b sh-fallback,sh-port -p 600 -M 64 "
		 "--owner podvsd", &c);
	assert_int_equal(c.svc.af, AF_INET6);
	assert_int_equal(c.svc.protocol, IPPROTO_UDP);
	assert_int_equal(c.svc.port, 53);
	assert_string_equal(c.svc.sched, "sh");
	assert_int_equal(c.svc.flags, PODVS_SVC_F_PERSISTENT | PODVS_SVC_F_HASH_PORT |
			 PODVS_SVC_F_HASH_FALLBACK);
	assert_int_equal(c.svc.timeout, 600);
	assert_int_equal(c.svc.netmask, 64);
	assert_string_equal(c.svc.owner, "podvsd");
	assert_true(c.svc.present & LPV_SVC_HAS_OWNER);
	assert_true(c.svc.present & LPV_SVC_HAS_TIMEOUT);
}

static void test_persistent_forms(void **state)
{
	struct adm_cmd c;

	(void)state;
	parse_ok("-A -t 192.0.2.1:80 -p", &c);
	/* ipvsadm's real default (IPVS_SVC_PERSISTENT_TIMEOUT), not its man page's */
	assert_int_equal(c.svc.timeout, 360);
	assert_true(c.svc.flags & PODVS_SVC_F_PERSISTENT);
	parse_ok("-A -t 192.0.2.1:80 -p 10800 -M 255.255.255.0", &c);
	assert_int_equal(c.svc.timeout, 10800);
	assert_int_equal(c.svc.netmask, 24);
	parse_ok("-A -t 192.0.2.1:80 --persistent=60 --netmask=255.255.255.255", &c);
	assert_int_equal(c.svc.timeout, 60);
	assert_int_equal(c.svc.netmask, 32);
	parse_ok("-A -t 192.0.2.1:80 -p2678400", &c);
	assert_int_equal(c.svc.timeout, 2678400);
	/* -p followed by an option: no timeout, the default */
	parse_ok("-A -t 192.0.2.1:80 -p -s rr", &c);
	assert_int_equal(c.svc.timeout, 360);
	assert_string_equal(c.svc.sched, "rr");
}

static void test_edit_service_resets(void **state)
{
	struct adm_cmd c;

	(void)state;
	/* -E replaces the definition, as ipvsadm: no -p means not persistent */
	parse_ok("-E -t 192.0.2.1:80 -s rr", &c);
	assert_int_equal(c.cmd, ADM_EDIT_SERVICE);
	assert_true(c.svc.present & LPV_SVC_HAS_FLAGS);
	assert_false(c.svc.present & LPV_SVC_HAS_FLAGS_MASK);
	assert_int_equal(c.svc.flags, 0);
	assert_string_equal(c.svc.sched, "rr");
	assert_false(c.svc.present & LPV_SVC_HAS_OWNER);
}

static void test_port_names_and_bundles(void **state)
{
	struct adm_cmd c;

	(void)state;
	parse_ok("-At 192.0.2.1:http", &c);
	assert_int_equal(c.cmd, ADM_ADD_SERVICE);
	assert_int_equal(c.svc.port, 80);
	parse_ok("-Au 192.0.2.1:domain", &c);
	assert_int_equal(c.svc.port, 53);
	assert_int_equal(c.svc.protocol, IPPROTO_UDP);
	parse_ok("--add-service --tcp-service=192.0.2.1:65535 --scheduler=wrr", &c);
	assert_int_equal(c.svc.port, 65535);
	assert_string_equal(c.svc.sched, "wrr");
	parse_ok("-A -t192.0.2.1:1", &c);
	assert_int_equal(c.svc.port, 1);
}

static void test_add_dest_defaults(void **state)
{
	struct adm_cmd c;
	struct in_addr a;

	(void)state;
	parse_ok("-a -t 192.0.2.1:80 -r 10.0.0.1", &c);
	inet_pton(AF_INET, "10.0.0.1", &a);
	assert_int_equal(c.cmd, ADM_ADD_DEST);
	assert_memory_equal(&c.dest.addr.v4, &a, 4);
	/* no port: the service's, as ipvsadm */
	assert_int_equal(c.dest.port, 80);
	assert_int_equal(c.dest.weight, 1);
	assert_int_equal(c.dest.fwd, PODVS_FWD_MASQ);
	assert_int_equal(c.dest.flags, 0);
	assert_int_equal(c.dest.present, LPV_DEST_HAS_WEIGHT | LPV_DEST_HAS_FWD |
			 LPV_DEST_HAS_FLAGS);
	parse_ok("-a -t 192.0.2.1:80 -r 10.0.0.1:8080 -m -w 0 --drain", &c);
	assert_int_equal(c.dest.port, 8080);
	assert_int_equal(c.dest.weight, 0);
	assert_int_equal(c.dest.flags, PODVS_DEST_F_DRAIN);
	assert_false(c.dest.present & LPV_DEST_HAS_FLAGS_MASK);
	parse_ok("-a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -w 65535", &c);
	assert_int_equal(c.dest.weight, 65535);
	assert_int_equal(c.dest.port, 8080);
	parse_ok("-a -t [2001:db8::1]:80 -r 2001:db8::10", &c);
	assert_int_equal(c.dest.port, 80);
}

static void test_edit_dest_and_drain(void **state)
{
	struct adm_cmd c;

	(void)state;
	parse_ok("-e -t 192.0.2.1:80 -r 10.0.0.1:80 -w 5", &c);
	assert_int_equal(c.cmd, ADM_EDIT_DEST);
	assert_int_equal(c.dest.weight, 5);
	/* -e without --drain/--undrain leaves the drain flag alone */
	assert_false(c.dest.present & LPV_DEST_HAS_FLAGS);
	parse_ok("-e -t 192.0.2.1:80 -r 10.0.0.1:80 --undrain", &c);
	assert_int_equal(c.dest.weight, 1);
	assert_int_equal(c.dest.flags, 0);
	assert_int_equal(c.dest.flags_mask, PODVS_DEST_F_DRAIN);
	parse_ok("--drain -t 192.0.2.1:80 -r 10.0.0.1:80", &c);
	assert_int_equal(c.cmd, ADM_DRAIN);
	/* the drain form changes only the flag: no weight is sent */
	assert_int_equal(c.dest.present, LPV_DEST_HAS_FLAGS |
			 LPV_DEST_HAS_FLAGS_MASK);
	assert_int_equal(c.dest.flags, PODVS_DEST_F_DRAIN);
	parse_ok("-t 192.0.2.1:80 -r 10.0.0.1:80 --undrain", &c);
	assert_int_equal(c.cmd, ADM_UNDRAIN);
	assert_int_equal(c.dest.flags, 0);
	assert_int_equal(c.dest.flags_mask, PODVS_DEST_F_DRAIN);
}

static void test_list_forms(void **state)
{
	struct adm_cmd c;

	(void)state;
	parse_ok("-Ln", &c);
	assert_int_equal(c.cmd, ADM_LIST);
	assert_int_equal(c.fmt, FMT_NUMERIC);
	parse_ok("-l --stats --exact -n --nosort --sort", &c);
	assert_int_equal(c.fmt, FMT_NUMERIC | FMT_STATS | FMT_EXACT | FMT_NOSORT);
	parse_ok("-L --rate -o json", &c);
	assert_int_equal(c.fmt, FMT_RATE | FMT_JSON);
	parse_ok("-Lnojson", &c);
	assert_int_equal(c.fmt, FMT_NUMERIC | FMT_JSON);
	parse_ok("--list --json --persistent-conn", &c);
	assert_int_equal(c.fmt, FMT_JSON | FMT_PERSISTCONN);
	parse_ok("-L --timeout -n", &c);
	assert_true(c.opts & (1U << OPT_TIMEOUT));
	parse_ok("-Ln -t 192.0.2.1:80", &c);
	assert_true(c.opts & (1U << OPT_SERVICE));
}

static void test_conn_filters(void **state)
{
	struct adm_cmd c;
	struct in_addr a;

	(void)state;
	parse_ok("-Lnc -t 192.0.2.1:80 --dest 10.0.0.1:8080 --client 198.51.100.7", &c);
	assert_int_equal(c.filter.present, LPV_CONN_FILTER_SERVICE |
			 LPV_CONN_FILTER_DADDR | LPV_CONN_FILTER_DPORT |
			 LPV_CONN_FILTER_CADDR);
	assert_int_equal(c.filter.svc.port, 80);
	assert_int_equal(c.filter.dport, 8080);
	inet_pton(AF_INET, "198.51.100.7", &a);
	assert_memory_equal(&c.filter.caddr.v4, &a, 4);
	parse_ok("-Lc --client [2001:db8::7]:40000", &c);
	assert_int_equal(c.filter.present, LPV_CONN_FILTER_CADDR |
			 LPV_CONN_FILTER_CPORT);
	assert_int_equal(c.filter.svc.af, AF_INET6);
	assert_int_equal(c.filter.cport, 40000);
	parse_ok("-L -c", &c);
	assert_int_equal(c.filter.present, 0);
}

static void test_set_and_misc(void **state)
{
	struct adm_cmd c;

	(void)state;
	parse_ok("--set 900 0 300", &c);
	assert_int_equal(c.cmd, ADM_SET);
	assert_int_equal(c.cfg.tcp_timeout, 900);
	assert_int_equal(c.cfg.tcpfin_timeout, 0);
	assert_int_equal(c.cfg.udp_timeout, 300);
	parse_ok("-S -n", &c);
	assert_int_equal(c.cmd, ADM_SAVE);
	parse_ok("-R", &c);
	assert_int_equal(c.cmd, ADM_RESTORE);
	parse_ok("-C", &c);
	assert_int_equal(c.cmd, ADM_FLUSH);
	parse_ok("-Z -u 192.0.2.1:53", &c);
	assert_int_equal(c.cmd, ADM_ZERO);
	parse_ok("--info --json", &c);
	assert_int_equal(c.cmd, ADM_INFO);
	parse_ok("-h", &c);
	assert_int_equal(c.cmd, ADM_HELP);
	parse_ok("--version", &c);
	assert_int_equal(c.cmd, ADM_VERSION);
	parse_ok("-A -t 192.0.2.1:80 --mh-table-size 251", &c);
	assert_int_equal(c.svc.mh_table_size, 251);
	parse_ok("-A -t 192.0.2.1:80 -s mh -b mh-port", &c);
	assert_int_equal(c.svc.flags, PODVS_SVC_F_HASH_PORT);
	parse_ok("-A -t 192.0.2.1:80 -s rr -b flag-1", &c);
	assert_int_equal(c.svc.flags, PODVS_SVC_F_HASH_FALLBACK);
}

static void test_announce(void **state)
{
	struct adm_cmd c;

	(void)state;
	parse_ok("--announce", &c);
	assert_int_equal(c.cmd, ADM_ANNOUNCE);
	assert_false(c.ann.has_hold || c.ann.has_ready || c.ann.has_decommissioned);
	parse_ok("--announce --json", &c);
	assert_true(c.fmt & FMT_JSON);
	parse_ok("--announce -o json", &c);
	assert_true(c.fmt & FMT_JSON);
	parse_ok("--announce --hold 60 --ready 1", &c);
	assert_true(c.ann.has_hold && c.ann.has_ready);
	assert_false(c.ann.has_decommissioned);
	assert_int_equal(c.ann.hold, 60);
	assert_true(c.ann.ready);
	parse_ok("--announce --ready=0", &c);
	assert_false(c.ann.has_hold);
	assert_true(c.ann.has_ready);
	assert_false(c.ann.ready);
	parse_ok("--announce --hold=3600", &c);
	assert_int_equal(c.ann.hold, 3600);
	parse_ok("--announce --hold 1", &c);
	assert_int_equal(c.ann.hold, 1);
	parse_ok("--decommission", &c);
	assert_int_equal(c.cmd, ADM_DECOMMISSION);
	assert_true(c.ann.has_decommissioned && c.ann.decommissioned);
	assert_false(c.ann.has_hold || c.ann.has_ready);
	parse_ok("--recommission", &c);
	assert_int_equal(c.cmd, ADM_RECOMMISSION);
	assert_true(c.ann.has_decommissioned);
	assert_false(c.ann.decommissioned);
}

static void test_skip_prog(void **state)
{
	char *argv[] = { (char *)"podvsadm", (char *)"-C", NULL };
	char err[ADM_ERR_LEN];
	struct adm_cmd c;

	(void)state;
	assert_int_equal(adm_parse(2, argv, true, &c, err, sizeof(err)), 0);
	assert_int_equal(c.cmd, ADM_FLUSH);
}

int main(void)
{
	static const struct CMUnitTest good[] = {
		cmocka_unit_test(test_add_service_defaults),
		cmocka_unit_test(test_add_service_full_v6),
		cmocka_unit_test(test_persistent_forms),
		cmocka_unit_test(test_edit_service_resets),
		cmocka_unit_test(test_port_names_and_bundles),
		cmocka_unit_test(test_add_dest_defaults),
		cmocka_unit_test(test_edit_dest_and_drain),
		cmocka_unit_test(test_list_forms),
		cmocka_unit_test(test_conn_filters),
		cmocka_unit_test(test_set_and_misc),
		cmocka_unit_test(test_announce),
		cmocka_unit_test(test_skip_prog),
	};
	size_t nbad = sizeof(bad_cases) / sizeof(bad_cases[0]), i;
	struct CMUnitTest *bad = calloc(nbad, sizeof(*bad));
	static char names[sizeof(bad_cases) / sizeof(bad_cases[0])][160];
	int fails;

	if (!bad)
		return 1;
	for (i = 0; i < nbad; i++) {
		snprintf(names[i], sizeof(names[i]), "rejects '%s'", bad_cases[i].args);
		bad[i].name = names[i];
		bad[i].test_func = test_bad;
		bad[i].initial_state = (void *)&bad_cases[i];
	}
	fails = cmocka_run_group_tests_name("podvsadm_parse", good, NULL, NULL);
	fails += _cmocka_run_group_tests("podvsadm_parse_bad", bad, nbad, NULL, NULL);
	free(bad);
	return fails;
}
