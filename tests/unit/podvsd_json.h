/* SPDX-License-Identifier: GPL-2.0 */
/* For podvsd's unit tests: JSON fixtures written with single quotes. */
#ifndef PODVSD_TEST_JSON_H
#define PODVSD_TEST_JSON_H

#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

/* Parse sq with every ' read as "; the test fails on malformed JSON. */
static inline cJSON *json(const char *sq)
{
	char *s = strdup(sq);
	cJSON *j;

	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(s);
	free(s);
	assert_non_null(j);
	return j;
}

#endif /* PODVSD_TEST_JSON_H */
