// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: the webhook's AdmissionReview decision on the request body. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "webhook/admission.h"

/* A cluster where every namespace injects and every Pod has a Service,
 * so that the fuzzer reaches the patch-building code too.
 */
static bool ns_enabled(void *ctx, const char *ns)
{
	(void)ctx;
	return ns[0] != 'x';
}

static const char *service_for(void *ctx, const char *ns,
			       const struct k8s_kv *labels, size_t n)
{
	(void)ctx;
	(void)labels;
	return n || ns[0] == 'd' ? "web" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pd_admit_view v = { ns_enabled, service_for, NULL };
	struct pd_admit_out out;

	memset(&out, 0, sizeof(out));
	if (pd_admit((const char *)data, size, &v, &out) == 0)
		pd_admit_out_fini(&out);
	return 0;
}
