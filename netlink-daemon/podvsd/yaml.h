/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The YAML subset kubeconfig files use, read into a cJSON tree: block
 * mappings and sequences by indentation (a sequence may sit at its key's
 * indentation, as kubectl writes it), plain, 'single' and "double" quoted
 * scalars, true/false/null, the empty flow collections {} and [], and
 * comments.  Anything else (flow collections with content, block scalars
 * | >, anchors, aliases, tags, several documents, tabs) is rejected with
 * the line number: a kubeconfig never needs them, and podvsd has no YAML
 * library to lean on.  JSON files go through cJSON directly.
 */
#ifndef PODVSD_YAML_H
#define PODVSD_YAML_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* NULL with @err ("line 7: ...") on error. */
cJSON *pd_yaml_parse(const char *text, char *err, size_t errlen);

#endif /* PODVSD_YAML_H */
