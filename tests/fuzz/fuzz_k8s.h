/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the libFuzzer harnesses of the Kubernetes object parsers: the input
 * is the object's JSON as a watch event or a list item carries it.  cJSON
 * does the tokenising (its own fuzzing is upstream's); what is fuzzed is
 * podvsd's reading of every field it looks at.
 */
#ifndef PODVS_FUZZ_K8S_H
#define PODVS_FUZZ_K8S_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "k8s/k8s.h"

typedef void *(*fuzz_parse_fn)(const cJSON *obj, char *err, size_t errlen);
typedef void (*fuzz_free_fn)(void *obj);

static inline int fuzz_k8s_one(const uint8_t *data, size_t size,
			       fuzz_parse_fn parse, fuzz_free_fn release)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	char err[256];
	void *obj;

	if (!j)
		return 0;
	obj = parse(j, err, sizeof(err));
	if (obj)
		release(obj);
	cJSON_Delete(j);
	return 0;
}

#define FUZZ_K8S_TARGET(kind)						\
static void *parse_one(const cJSON *obj, char *err, size_t errlen)	\
{									\
	return k8s_##kind##_parse(obj, err, errlen);			\
}									\
static void free_one(void *obj)						\
{									\
	k8s_##kind##_free(obj);						\
}									\
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);		\
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
{									\
	return fuzz_k8s_one(data, size, parse_one, free_one);		\
}

#endif /* PODVS_FUZZ_K8S_H */
