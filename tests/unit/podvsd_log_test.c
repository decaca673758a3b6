// SPDX-License-Identifier: GPL-2.0
/* podvsd's logger: a line below the configured level is neither written
 * nor counted, and its arguments are not evaluated (a dropped debug line
 * costs no formatting); a line at or above it is written once, counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "podvsd/base/log.h"

static int built;	/* arguments evaluated */

static const char *value(void)
{
	built++;
	return "v";
}

/* One line at each level with the logger at @level. */
static char *log_all(enum pd_log_level level, struct pd_log *log)
{
	char *buf = NULL;
	size_t len = 0;

	memset(log, 0, sizeof(*log));
	log->level = level;
	log->no_time = true;
	log->out = open_memstream(&buf, &len);
	assert_non_null(log->out);
	built = 0;
	pd_dbg(log, "msg=\"d\" k=%s", value());
	pd_info(log, "msg=\"i\" k=%s", value());
	pd_warn(log, "msg=\"w\" k=%s", value());
	pd_err(log, "msg=\"e\" k=%s", value());
	fclose(log->out);
	return buf;
}

static void test_levels(void **state)
{
	static const char *const want[] = {
		"level=debug msg=\"d\" k=v\n",
		"level=info msg=\"i\" k=v\n",
		"level=warn msg=\"w\" k=v\n",
		"level=error msg=\"e\" k=v\n",
	};
	(void)state;
	for (int level = PD_LOG_DEBUG; level <= PD_LOG_ERROR + 1; level++) {
		struct pd_log log;
		char *buf = log_all(level, &log);
		char expect[256] = "";

		for (int i = level; i <= PD_LOG_ERROR; i++) {
			strcat(expect, want[i]);
			assert_int_equal(log.lines[i], 1);
		}
		for (int i = PD_LOG_DEBUG; i < level && i <= PD_LOG_ERROR; i++)
			assert_int_equal(log.lines[i], 0);
		assert_string_equal(buf, expect);
		assert_int_equal(built, PD_LOG_ERROR + 1 - level);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
	};

	return cmocka_run_group_tests_name("podvsd_log", tests, NULL, NULL);
}
