// SPDX-License-Identifier: GPL-2.0
/* The admission webhook's command line options. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook/webhook_opts.h"

void pd_webhook_opts_default(struct pd_webhook_opts *w)
{
	memset(w, 0, sizeof(*w));
	strcpy(w->service, PD_WH_DEFAULT_SERVICE);
	strcpy(w->ns, PD_WH_DEFAULT_NAMESPACE);
	w->period = PD_WH_DEFAULT_PERIOD;
}

/* An RFC 1123 label: 1..63 of [a-z0-9-], alphanumeric at both ends. */
static bool dns_label(const char *s, size_t len)
{
	if (!len || len >= PD_WH_NAME_LEN || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-", s[i]) ||
		    !s[i])
			return false;
	return true;
}

static int opt_service(struct pd_webhook_opts *w, const char *arg, char *err,
		       size_t errlen)
{
	const char *slash = strchr(arg, '/');

	if (!slash || !dns_label(arg, slash - arg) ||
	    !dns_label(slash + 1, strlen(slash + 1))) {
		snprintf(err, errlen, "--webhook-service: '%s' is not NAME/"
			 "NAMESPACE (two DNS labels: a-z, 0-9, '-', at most "
			 "%d characters each)", arg, PD_WH_NAME_LEN - 1);
		return -EINVAL;
	}
	snprintf(w->service, sizeof(w->service), "%.*s", (int)(slash - arg),
		 arg);
	snprintf(w->ns, sizeof(w->ns), "%s", slash + 1);
	return 0;
}

static int opt_address(struct pd_webhook_opts *w, const char *arg, char *err,
		       size_t errlen)
{
	char why[128];

	w->on = strcmp(arg, "off");
	if (!w->on)
		return 0;
	if (pd_hostport_parse(arg, &w->address, why, sizeof(why))) {
		snprintf(err, errlen, "--webhook-address: %s", why);
		return -EINVAL;
	}
	return 0;
}

static int opt_file(const char *name, const char *arg, const char **out,
		    char *err, size_t errlen)
{
	if (!*arg) {
		snprintf(err, errlen, "--%s: empty path", name);
		return -EINVAL;
	}
	*out = arg;
	return 0;
}

static int opt_period(struct pd_webhook_opts *w, const char *arg, char *err,
		      size_t errlen)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || errno || n > INT_MAX / 1000) {
		snprintf(err, errlen, "--webhook-check-period: '%s' is not a "
			 "number of seconds (0..%d)", arg, INT_MAX / 1000);
		return -EINVAL;
	}
	w->period = n;
	return 0;
}

int pd_webhook_opt(struct pd_webhook_opts *w, int c, const char *arg,
		   char *err, size_t errlen)
{
	switch (c) {
	case PD_OPT_WH_ADDRESS:
		return opt_address(w, arg, err, errlen);
	case PD_OPT_WH_SERVICE:
		return opt_service(w, arg, err, errlen);
	case PD_OPT_WH_CERT:
		return opt_file("webhook-cert", arg, &w->cert, err, errlen);
	case PD_OPT_WH_KEY:
		return opt_file("webhook-key", arg, &w->key, err, errlen);
	case PD_OPT_WH_CA:
		return opt_file("webhook-ca", arg, &w->ca, err, errlen);
	case PD_OPT_WH_PERIOD:
		return opt_period(w, arg, err, errlen);
	}
	return 1;
}

int pd_webhook_opts_check(const struct pd_webhook_opts *w, char *err,
			  size_t errlen)
{
	if (!w->cert != !w->key) {
		snprintf(err, errlen, "--webhook-cert and --webhook-key go "
			 "together");
		return -EINVAL;
	}
	if (w->ca && !w->cert) {
		snprintf(err, errlen, "--webhook-ca needs --webhook-cert and "
			 "--webhook-key");
		return -EINVAL;
	}
	return 0;
}
