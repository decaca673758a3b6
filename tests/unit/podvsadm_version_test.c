// SPDX-License-Identifier: GPL-2.0
/*
 * podvsadm --version: the tool's version always, the module's when it
 * answers, and exit 0 either way.  The host never has the podvs module (it
 * runs only in the test guests), so podvsadm_main() here meets its absence
 * as an image build or a fresh gateway would.
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
#include "podvsadm/cli.h"

#define STR(x) #x
#define XSTR(x) STR(x)
#define TOOL_LINE "podvsadm v" PODVS_VERSION " (libpodvs " PODVS_VERSION \
	", genl ABI " XSTR(PODVS_GENL_VERSION) ")\n"

static char *print_version(const struct lpv_info *info, const char *why)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	adm_print_version(f, info, why);
	fclose(f);
	return buf;
}

static void test_version_with_module(void **state)
{
	struct lpv_info info = { .version = "9.8.7", .abi = 1 };
	char *out = print_version(&info, NULL);

	(void)state;
	assert_string_equal(out, TOOL_LINE "podvs module 9.8.7 (genl ABI 1)\n");
	free(out);
}

static void test_version_without_module(void **state)
{
	char *out = print_version(NULL, LPV_ERR_NOT_LOADED);

	(void)state;
	assert_string_equal(out, TOOL_LINE "podvs module: unknown ("
			    LPV_ERR_NOT_LOADED ")\n");
	free(out);
}

/* podvsadm_main("--version"), stdout to a temporary file: status, text. */
static int run_version(char *out, size_t size)
{
	char *argv[] = { (char *)"podvsadm", (char *)"--version", NULL };
	FILE *tmp = tmpfile();
	int saved, ret;
	size_t n;

	assert_non_null(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	ret = podvsadm_main(2, argv);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, size - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return ret;
}

static void test_version_main_no_module(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(run_version(out, sizeof(out)), EXIT_OK);
	assert_true(strncmp(out, TOOL_LINE, strlen(TOOL_LINE)) == 0);
	/* not loaded here, or netlink refused in a sandbox: named either way */
	assert_non_null(strstr(out + strlen(TOOL_LINE), "podvs module: unknown ("));
	assert_int_equal(out[strlen(out) - 1], '\n');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_with_module),
		cmocka_unit_test(test_version_without_module),
		cmocka_unit_test(test_version_main_no_module),
	};

	return cmocka_run_group_tests_name("podvsadm_version", tests, NULL, NULL);
}
