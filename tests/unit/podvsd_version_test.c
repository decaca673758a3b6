// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd --version and -V: the version line on stdout and exit 0, before
 * anything touches the kernel or the API server (an image build runs it
 * with neither).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "daemon.h"

/* podvsd_main(@opt), stdout to a temporary file: status, text in @out. */
static int run_podvsd(const char *opt, char *out, size_t size)
{
	char *argv[] = { (char *)"podvsd", (char *)opt, NULL };
	FILE *tmp = tmpfile();
	int saved, ret;
	size_t n;

	assert_non_null(tmp);
	optind = 0;	/* getopt_long keeps its place: start afresh */
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	ret = podvsd_main(2, argv);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, size - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return ret;
}

static void test_version_long_and_short(void **state)
{
	static const char *const opts[] = { "--version", "-V" };
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		assert_int_equal(run_podvsd(opts[i], out, sizeof(out)), 0);
		assert_string_equal(out, "podvsd " PODVS_VERSION " (libpodvs "
				    PODVS_VERSION ")\n");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_long_and_short),
	};

	return cmocka_run_group_tests_name("podvsd_version", tests, NULL, NULL);
}
