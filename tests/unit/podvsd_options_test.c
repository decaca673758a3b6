// SPDX-License-Identifier: GPL-2.0
/* podvsd command line: defaults, every option, every rejection message. */
#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "podvsd/options.h"

static int parse(struct pd_opts *o, char *err, const char *env_node,
		 const char *a1, const char *a2, const char *a3,
		 const char *a4)
{
	char *argv[6] = { "podvsd", (char *)a1, (char *)a2, (char *)a3,
			  (char *)a4, NULL };
	int argc = 1;

	while (argc < 5 && argv[argc])
		argc++;
	return pd_opts_parse(o, argc, argv, env_node, "host1", err, 256);
}

static void test_defaults(void **state)
{
	struct pd_opts o;
	char err[256], buf[PD_ADDR_STRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, NULL, NULL, NULL, NULL, NULL), 0);
	assert_null(o.kubeconfig);
	assert_false(o.metrics_off);
	assert_string_equal(pd_addr_str(&o.metrics.addr, buf), "0.0.0.0");
	assert_int_equal(o.metrics.port, 9742);
	assert_int_equal(o.n_vip_pools, 0);
	assert_int_equal(o.log_level, PD_LOG_INFO);
	assert_string_equal(o.node_name, "host1");
	assert_string_equal(o.link, "podvs0");
	assert_int_equal(o.drain_timeout, 300);
	assert_int_equal(o.resync_period, 300);
	assert_false(o.dry_run || o.no_vip_link || o.help || o.version);
	assert_int_equal(o.announce_grace, PODVS_DEFAULT_HOLD);
	assert_int_equal(o.n_snat_from, 0);
	/* $NODE_NAME beats the host name */
	assert_int_equal(parse(&o, err, "node-7", NULL, NULL, NULL, NULL), 0);
	assert_string_equal(o.node_name, "node-7");
}

static void test_all_options(void **state)
{
	struct pd_opts o;
	char err[256], buf[PD_ADDR_STRLEN];
	char *argv[] = {
		"podvsd", "--kubeconfig", "/k", "--metrics-address=[::1]:9100",
		"--vip-pool", "203.0.113.0/24", "--vip-pool", "2001:db8:1::/64",
		"--log-level", "debug", "--node-name", "n2", "--link", "lb0",
		"--drain-timeout", "0", "--resync-period", "60",
		"--no-vip-link", "--dry-run", "-h", "-V", NULL,
	};

	(void)state;
	assert_int_equal(pd_opts_parse(&o, 22, argv, "env", "host", err,
				       sizeof(err)), 0);
	assert_string_equal(o.kubeconfig, "/k");
	assert_string_equal(pd_addr_str(&o.metrics.addr, buf), "::1");
	assert_int_equal(o.metrics.port, 9100);
	assert_int_equal(o.n_vip_pools, 2);
	assert_int_equal(o.vip_pool[0].plen, 24);
	assert_int_equal(o.vip_pool[1].addr.af, AF_INET6);
	assert_int_equal(o.log_level, PD_LOG_DEBUG);
	assert_string_equal(o.node_name, "n2");
	assert_string_equal(o.link, "lb0");
	assert_int_equal(o.drain_timeout, 0);
	assert_int_equal(o.resync_period, 60);
	assert_true(o.no_vip_link && o.dry_run && o.help && o.version);
	assert_int_equal(parse(&o, err, NULL, "--metrics-address", "off",
			       NULL, NULL), 0);
	assert_true(o.metrics_off);
}

static const struct {
	const char *a1, *a2, *a3, *a4;
	const char *err;
} bad[] = {
	{ "--bogus", NULL, NULL, NULL, "unknown option '--bogus'" },
	{ "-x", NULL, NULL, NULL, "unknown option '-x'" },
	{ "extra", NULL, NULL, NULL, "unexpected argument 'extra'" },
	{ "--kubeconfig", NULL, NULL, NULL,
	  "option '--kubeconfig' requires an argument" },
	{ "--kubeconfig=", NULL, NULL, NULL, "--kubeconfig: empty path" },
	{ "--log-level", "trace", NULL, NULL,
	  "--log-level: 'trace' is not one of debug, info, warn, error" },
	{ "--metrics-address", "9742", NULL, NULL,
	  "--metrics-address: '9742' is not ADDRESS:PORT (IPv6 as "
	  "[ADDRESS]:PORT)" },
	{ "--metrics-address", "::1:80", NULL, NULL,
	  "--metrics-address: '::1:80' is not ADDRESS:PORT (IPv6 as "
	  "[ADDRESS]:PORT)" },
	{ "--metrics-address", "localhost:80", NULL, NULL,
	  "--metrics-address: 'localhost:80': 'localhost' is not an IP "
	  "address" },
	{ "--metrics-address", "127.0.0.1:0", NULL, NULL,
	  "--metrics-address: '127.0.0.1:0': port must be 1..65535" },
	{ "--metrics-address", "127.0.0.1:65536", NULL, NULL,
	  "--metrics-address: '127.0.0.1:65536': port must be 1..65535" },
	{ "--vip-pool", "203.0.113.0", NULL, NULL,
	  "--vip-pool: '203.0.113.0' is not a prefix (ADDRESS/LENGTH)" },
	{ "--vip-pool", "203.0.113.1/24", NULL, NULL,
	  "--vip-pool: '203.0.113.1/24': host bits set after /24" },
	{ "--vip-pool", "203.0.113.0/32", NULL, NULL,
	  "--vip-pool: '203.0.113.0/32': prefix length must be 0..31" },
	{ "--vip-pool", "2001:db8::/129", NULL, NULL,
	  "--vip-pool: '2001:db8::/129': prefix length must be 0..127" },
	{ "--vip-pool", "pool/24", NULL, NULL,
	  "--vip-pool: 'pool/24': 'pool' is not an IP address" },
	{ "--vip-pool", "203.0.113.0/24", "--vip-pool", "198.51.100.0/24",
	  "--vip-pool: '198.51.100.0/24': only one pool per address family" },
	{ "--drain-timeout", "-5", NULL, NULL,
	  "--drain-timeout: '-5' is not a number of seconds (0..2147483647)" },
	{ "--drain-timeout", "5s", NULL, NULL,
	  "--drain-timeout: '5s' is not a number of seconds (0..2147483647)" },
	{ "--resync-period", "99999999999", NULL, NULL,
	  "--resync-period: '99999999999' is not a number of seconds "
	  "(0..2147483647)" },
	{ "--node-name", "", NULL, NULL,
	  "--node-name: '' must be 1..253 characters" },
	{ "--link", "a-very-long-link-name", NULL, NULL,
	  "--link: 'a-very-long-link-name' must be 1..15 characters" },
};

static void test_announce_snat(void **state)
{
	struct pd_opts o;
	char err[256], buf[PD_ADDR_STRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "n", "--announce-grace", "3",
			       "--snat-from", "10.0.0.0/8, 192.168.1.7/32,fd00::/8"),
			 0);
	assert_int_equal(o.announce_grace, 3);
	assert_int_equal(o.n_snat_from, 3);
	assert_string_equal(pd_addr_str(&o.snat_from[1].addr, buf),
			    "192.168.1.7");
	assert_int_equal(o.snat_from[1].plen, 32);
	assert_int_equal(o.snat_from[2].plen, 8);
	assert_int_equal(parse(&o, err, "n", "--vip-link", "gw0", NULL, NULL),
			 0);
	assert_string_equal(o.link, "gw0");
}

static const struct {
	const char *a1, *a2, *err;
} bad_ann[] = {
	{ "--announce-grace", "0",
	  "--announce-grace: '0' must be 1..3600 seconds (the kernel's HOLD "
	  "range)" },
	{ "--announce-grace", "3601",
	  "--announce-grace: '3601' must be 1..3600 seconds (the kernel's "
	  "HOLD range)" },
	{ "--announce-grace", "1m",
	  "--announce-grace: '1m' is not a number of seconds (0..2147483647)" },
	{ "--snat-from", "10.0.0.0/8,",
	  "--snat-from: item 2 is empty" },
	{ "--snat-from", "10.0.0.1/8",
	  "--snat-from: '10.0.0.1/8': host bits set after /8" },
	{ "--snat-from", "10.0.0.0/33",
	  "--snat-from: '10.0.0.0/33': prefix length must be 0..32" },
	{ "--snat-from", "10.0.0.0",
	  "--snat-from: '10.0.0.0' is not a prefix (ADDRESS/LENGTH)" },
	{ "--snat-from", "10.0.0.0/8,10.0.0.0/8",
	  "--snat-from: '10.0.0.0/8' is listed twice" },
	{ "--snat-from", "1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,"
	  "6.0.0.0/8,7.0.0.0/8,8.0.0.0/8,9.0.0.0/8,10.0.0.0/8,11.0.0.0/8,"
	  "12.0.0.0/8,13.0.0.0/8,14.0.0.0/8,15.0.0.0/8,16.0.0.0/8,17.0.0.0/8",
	  "--snat-from: more than 16 prefixes" },
};

static void test_announce_snat_rejections(void **state)
{
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_ann) / sizeof(*bad_ann); i++) {
		struct pd_opts o;
		char err[256] = "";
		int ret = parse(&o, err, "n", bad_ann[i].a1, bad_ann[i].a2,
				NULL, NULL);

		if (ret == 0 || strcmp(err, bad_ann[i].err)) {
			print_error("case %zu: got %d '%s', want '%s'\n", i,
				    ret, err, bad_ann[i].err);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_rejections(void **state)
{
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct pd_opts o;
		char err[256] = "";
		int ret = parse(&o, err, NULL, bad[i].a1, bad[i].a2, bad[i].a3,
				bad[i].a4);

		if (ret == 0 || strcmp(err, bad[i].err)) {
			print_error("case %zu: got %d '%s', want '%s'\n", i,
				    ret, err, bad[i].err);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_no_node_name(void **state)
{
	struct pd_opts o;
	char err[256];
	char *argv[] = { "podvsd", NULL };

	(void)state;
	assert_int_equal(pd_opts_parse(&o, 1, argv, NULL, NULL, err,
				       sizeof(err)), -EINVAL);
	assert_string_equal(err, "no node name: set --node-name or "
			    "$NODE_NAME");
}

static void test_usage_documents_every_option(void **state)
{
	static const char *const names[] = {
		"--kubeconfig", "--metrics-address", "--vip-pool",
		"--log-level", "--node-name", "--link", "--no-vip-link",
		"--drain-timeout", "--resync-period", "--dry-run", "--help",
		"--version", "--vip-link", "--announce-grace", "--snat-from",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	pd_opts_usage(f);
	fclose(f);
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strstr(buf, names[i]))
			fail_msg("usage lacks %s", names[i]);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_announce_snat),
		cmocka_unit_test(test_announce_snat_rejections),
		cmocka_unit_test(test_no_node_name),
		cmocka_unit_test(test_usage_documents_every_option),
	};

	return cmocka_run_group_tests_name("podvsd_options", tests, NULL, NULL);
}
