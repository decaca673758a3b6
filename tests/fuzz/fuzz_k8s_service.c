// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: podvsd's Service parser (k8s_service_parse) on JSON input. */
#include "fuzz_k8s.h"

FUZZ_K8S_TARGET(service)
