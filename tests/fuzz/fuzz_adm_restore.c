// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: podvsadm -R's restore-file parser on the input as the file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "podvsadm/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct adm_restore r = { 0 };
	char err[ADM_ERR_LEN];
	FILE *in;

	if (!size)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	adm_restore_parse(in, &r, err, sizeof(err));
	adm_restore_free(&r);
	fclose(in);
	return 0;
}
