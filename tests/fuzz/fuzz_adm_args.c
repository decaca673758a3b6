// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: podvsadm's command-line parser on argv split from the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podvsadm/cli.h"

#define MAX_ARGS	64

/*
 * The input is the argument vector with NUL bytes between the words, as
 * the kernel hands it to main(); argv[0] is a fixed program name.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2];
	char err[ADM_ERR_LEN];
	struct adm_cmd c;
	size_t i = 0;
	int argc = 1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "podvsadm";
	while (i <= size && argc <= MAX_ARGS) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	memset(&c, 0, sizeof(c));
	adm_parse(argc, argv, true, &c, err, sizeof(err));
	free(buf);
	return 0;
}
