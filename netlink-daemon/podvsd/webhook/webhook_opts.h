/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The admission webhook's options:
 *
 *   --webhook-address ADDR:PORT|off   serve HTTPS POST /mutate here
 *                                     (default off: no webhook)
 *   --webhook-service NAME/NAMESPACE  the Service in front of the webhook,
 *                                     for the configuration's clientConfig
 *                                     and the certificate's names
 *   --webhook-cert FILE --webhook-key FILE [--webhook-ca FILE]
 *                                     serve this certificate (caBundle:
 *                                     the CA file, else the certificate)
 *                                     instead of the self-managed Secret
 *   --webhook-check-period SECONDS    how often the Secret and the
 *                                     configuration are checked (0: at
 *                                     start only)
 */
#ifndef PODVSD_WEBHOOK_OPTS_H
#define PODVSD_WEBHOOK_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/addr.h"

#define PD_WH_DEFAULT_SERVICE	"podvs-webhook"
#define PD_WH_DEFAULT_NAMESPACE	"podvs-system"
#define PD_WH_DEFAULT_PERIOD	60	/* seconds */
#define PD_WH_NAME_LEN		64	/* DNS label + NUL */

struct pd_webhook_opts {
	bool on;
	struct pd_hostport address;
	char service[PD_WH_NAME_LEN];
	char ns[PD_WH_NAME_LEN];
	const char *cert;		/* NULL: self-managed Secret */
	const char *key;
	const char *ca;
	unsigned int period;		/* seconds */
};

enum {
	PD_OPT_WH_ADDRESS = 0x200,
	PD_OPT_WH_SERVICE,
	PD_OPT_WH_CERT,
	PD_OPT_WH_KEY,
	PD_OPT_WH_CA,
	PD_OPT_WH_PERIOD,
};

/* getopt_long entries, for options.c's table. */
#define PD_WEBHOOK_LONG_OPTS \
	{ "webhook-address",	required_argument, NULL, PD_OPT_WH_ADDRESS }, \
	{ "webhook-service",	required_argument, NULL, PD_OPT_WH_SERVICE }, \
	{ "webhook-cert",	required_argument, NULL, PD_OPT_WH_CERT }, \
	{ "webhook-key",	required_argument, NULL, PD_OPT_WH_KEY }, \
	{ "webhook-ca",		required_argument, NULL, PD_OPT_WH_CA }, \
	{ "webhook-check-period", required_argument, NULL, PD_OPT_WH_PERIOD }

#define PD_WEBHOOK_USAGE \
"  --webhook-address ADDR:PORT|off\n" \
"                           serve the mutating admission webhook (HTTPS,\n" \
"                           POST /mutate) here (default off)\n" \
"  --webhook-service NAME/NAMESPACE\n" \
"                           the Service in front of the webhook (default\n" \
"                           " PD_WH_DEFAULT_SERVICE "/" PD_WH_DEFAULT_NAMESPACE \
"); podvsd keeps the Secret\n" \
"                           NAME-tls and the MutatingWebhookConfiguration\n" \
"                           podvs-readiness-gate in shape\n" \
"  --webhook-cert FILE, --webhook-key FILE, --webhook-ca FILE\n" \
"                           serve this certificate instead of the Secret;\n" \
"                           the CA (default: the certificate) goes to the\n" \
"                           configuration's caBundle\n" \
"  --webhook-check-period SECONDS\n" \
"                           re-check the Secret and the configuration this\n" \
"                           often; 0 at start only (default 60)\n"

void pd_webhook_opts_default(struct pd_webhook_opts *w);
/* One option; 0 or -EINVAL with a precise message; 1 if not ours. */
int pd_webhook_opt(struct pd_webhook_opts *w, int c, const char *arg,
		   char *err, size_t errlen);
/* After all options: the combinations that make no sense. */
int pd_webhook_opts_check(const struct pd_webhook_opts *w, char *err,
			  size_t errlen);

#endif /* PODVSD_WEBHOOK_OPTS_H */
