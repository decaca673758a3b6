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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysctl),
	};

	return cmocka_run_group_tests_name("podvsd_sysctl", tests, NULL, NULL);
}
