/* SPDX-License-Identifier: GPL-2.0 */
/*
 * YAML files (kubeconfigs) read with libyaml into a cJSON tree: mappings
 * become objects, sequences arrays; plain null, ~ and empty scalars null,
 * plain true/false booleans (YAML 1.2 core schema), every other scalar a
 * string (numbers too: kubeconfig fields are strings).  Aliases are
 * expanded.  Refused with the line: libyaml's syntax errors, duplicate
 * keys, keys that are not scalars, non-standard tags, a second document,
 * nesting deeper than PD_YAML_MAX_DEPTH, more than PD_YAML_MAX_NODES nodes
 * (aliases that repeat a subtree count every time).
 */
#ifndef PODVSD_YAML_H
#define PODVSD_YAML_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define PD_YAML_MAX_DEPTH	64
#define PD_YAML_MAX_NODES	100000

/* NULL with @err ("line 7: ...", or "empty document") on error. */
cJSON *pd_yaml_parse(const char *text, char *err, size_t errlen);

#endif /* PODVSD_YAML_H */
