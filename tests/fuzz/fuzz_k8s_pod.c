// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: podvsd's Pod parser (k8s_pod_parse) on JSON input. */
#include "fuzz_k8s.h"

FUZZ_K8S_TARGET(pod)
