/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Kubernetes objects the webhook keeps in shape, as pure JSON
 * functions (no I/O):
 *
 *   Secret NAMESPACE/SERVICE-tls (kubernetes.io/tls): ca.crt, tls.crt,
 *   tls.key of the serving certificate (see certs.h)
 *
 *   MutatingWebhookConfiguration podvs-readiness-gate: one webhook
 *   readiness-gate.podvs.io, clientConfig.service SERVICE/NAMESPACE port
 *   443 path /mutate, caBundle, rules pods CREATE, namespaceSelector
 *   podvs.io/readiness-gate-inject=enabled, failurePolicy Ignore,
 *   sideEffects None, admissionReviewVersions [v1], timeoutSeconds 5.
 *
 * A stored configuration is "damaged" when a field podvsd sets differs
 * (fields the API server defaults, such as matchPolicy, are left alone).
 */
#ifndef PODVSD_WEBHOOK_CONFIG_H
#define PODVSD_WEBHOOK_CONFIG_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "webhook/certs.h"

#define PD_WH_CONFIG_NAME	"podvs-readiness-gate"
#define PD_WH_WEBHOOK_NAME	"readiness-gate.podvs.io"
#define PD_WH_PATH		"/mutate"
#define PD_WH_SERVICE_PORT	443
#define PD_WH_TIMEOUT_S		5
#define PD_WH_SECRET_SUFFIX	"-tls"
#define PD_WH_MANAGED_BY	"podvsd"

/* The configuration podvsd wants; NULL on allocation failure. */
cJSON *pd_wh_config(const char *service, const char *ns,
		    const char *ca_pem);
/*
 * pd_json_contains - is every field of @want in @have with the same
 * value (arrays: same length, element by element)?  0, or -1 with the
 * path of the first difference in @where ("webhooks[0].failurePolicy").
 */
int pd_json_contains(const cJSON *have, const cJSON *want, char *where,
		     size_t len);
/* The stored configuration @have against @want: 0, or -1 and @why. */
int pd_wh_config_check(const cJSON *have, const cJSON *want, char *why,
		       size_t len);

/* The Secret holding @c; @rv: metadata.resourceVersion for a PUT. */
char *pd_wh_secret_json(const char *name, const char *ns,
			const struct pd_certs *c, const char *rv);
/* The certificates of a Secret (missing keys stay NULL); -EINVAL with
 * @why if data is not base64; -ENOMEM. */
int pd_wh_secret_parse(const cJSON *secret, struct pd_certs *out, char *why,
		       size_t len);

/* Base64 of @s; NULL on allocation failure. */
char *pd_base64(const char *s);

#endif /* PODVSD_WEBHOOK_CONFIG_H */
