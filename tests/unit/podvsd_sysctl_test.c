// SPDX-License-Identifier: GPL-2.0
/* podvsd sysctls: set when different (logged once), left when equal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "podvsd/node/sysctl.h"

static struct pd_log quiet_log = { .level = PD_LOG_ERROR + 1 };

static void test_sysctl(void **state)
{
	char root[64] = "/tmp/podvsd-sysctl-XXXXXX", path[256], buf[16] = "";
	char *logbuf = NULL;
	size_t loglen = 0;
	struct pd_log log = { .level = PD_LOG_INFO, .no_time = true };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	log.out = open_memstream(&logbuf, &loglen);
	snprintf(path, sizeof(path), "%s/net", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/net/ipv4", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/net/ipv4/ip_forward", root);
	f = fopen(path, "w");
	fputs("0\n", f);
	fclose(f);
	assert_int_equal(pd_sysctl_ensure(root, "net.ipv4.ip_forward", "1",
					  &log), 0);
	f = fopen(path, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(buf[0], '1');
	/* already 1: nothing written, nothing logged */
	assert_int_equal(pd_sysctl_ensure(root, "net.ipv4.ip_forward", "1",
					  &log), 0);
	assert_int_equal(pd_sysctl_ensure(root, "net.ipv6.conf.all.forwarding",
					  "1", &log), -ENOENT);
	fclose(log.out);
	assert_int_equal(log.lines[PD_LOG_INFO], 1);
	assert_non_null(strstr(logbuf, "msg=\"sysctl set\" path="));
	assert_non_null(strstr(logbuf, "/net/ipv4/ip_forward old=0 new=1"));
	free(logbuf);
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf %s", root);
	assert_int_equal(system(path), 0);
}

static void put(const char *root, const char *rel, const char *v)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(v, f);
	fclose(f);
}

static char get(const char *root, const char *rel)
{
	char path[256], buf[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	return buf[0];
}

static void mkdirs(const char *root, const char *const *dirs)
{
	char path[256];

	for (size_t i = 0; dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		assert_int_equal(mkdir(path, 0700), 0);
	}
}

/* all, default and every interface (a VLAN name with a dot too) get 0;
 * an unwritable one is counted; a later interface is caught next time */
static void test_no_redirects(void **state)
{
	static const char *const dirs[] = {
		"net", "net/ipv4", "net/ipv4/conf", "net/ipv4/conf/all",
		"net/ipv4/conf/default", "net/ipv4/conf/eth0",
		"net/ipv4/conf/eth0.100", "net/ipv4/conf/ro", NULL,
	};
	char root[64] = "/tmp/podvsd-sysctl-XXXXXX", cmd[128];
	char *logbuf = NULL;
	size_t loglen = 0;
	struct pd_log log = { .level = PD_LOG_INFO, .no_time = true };

	(void)state;
	assert_non_null(mkdtemp(root));
	log.out = open_memstream(&logbuf, &loglen);
	mkdirs(root, dirs);
	put(root, "net/ipv4/conf/all/send_redirects", "1\n");
	put(root, "net/ipv4/conf/default/send_redirects", "1\n");
	put(root, "net/ipv4/conf/eth0/send_redirects", "1\n");
	put(root, "net/ipv4/conf/eth0.100/send_redirects", "0\n");
	/* "ro": a directory where the file should be: cannot be opened */
	mkdirs(root, (const char *const[]){
		"net/ipv4/conf/ro/send_redirects", NULL });
	assert_int_equal(pd_sysctl_no_redirects(root, &log, true), 1);
	assert_int_equal(get(root, "net/ipv4/conf/all/send_redirects"), '0');
	assert_int_equal(get(root, "net/ipv4/conf/default/send_redirects"),
			 '0');
	assert_int_equal(get(root, "net/ipv4/conf/eth0/send_redirects"), '0');
	assert_int_equal(get(root, "net/ipv4/conf/eth0.100/send_redirects"),
			 '0');
	/* a new interface */
	mkdirs(root, (const char *const[]){ "net/ipv4/conf/eth1", NULL });
	put(root, "net/ipv4/conf/eth1/send_redirects", "1\n");
	assert_int_equal(pd_sysctl_no_redirects(root, &log, false), 1);
	assert_int_equal(get(root, "net/ipv4/conf/eth1/send_redirects"), '0');
	fclose(log.out);
	/* 3 changed at first, 1 later; one warning (the first pass only) */
	assert_int_equal(log.lines[PD_LOG_INFO], 4);
	assert_int_equal(log.lines[PD_LOG_WARN], 1);
	assert_non_null(strstr(logbuf, "/net/ipv4/conf/ro/send_redirects "
			       "err=\"Is a directory\""));
	free(logbuf);
	assert_int_equal(pd_sysctl_no_redirects("/nonexistent", &quiet_log,
						false), -ENOENT);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysctl),
		cmocka_unit_test(test_no_redirects),
	};

	return cmocka_run_group_tests_name("podvsd_sysctl", tests, NULL, NULL);
}
