/* SPDX-License-Identifier: GPL-2.0 */
/* podvsd command line. */
#ifndef PODVSD_OPTIONS_H
#define PODVSD_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/podvs.h>

#include "base/addr.h"
#include "base/log.h"
#include "webhook/webhook_opts.h"

#define PD_DEFAULT_METRICS	"0.0.0.0:9742"
#define PD_DEFAULT_LINK		"podvs0"
#define PD_DEFAULT_DRAIN	300	/* seconds a removed dest may keep flows */
#define PD_DEFAULT_RESYNC	300	/* seconds between kernel read-backs */
#define PD_MAX_VIP_POOLS	2	/* one per family */
#define PD_NODE_NAME_LEN	254	/* DNS subdomain + NUL */
#define PD_LINK_NAME_LEN	16	/* IFNAMSIZ */

struct pd_opts {
	const char *kubeconfig;		/* NULL: in-cluster configuration */
	bool metrics_off;
	struct pd_hostport metrics;	/* --metrics-address */
	struct pd_cidr vip_pool[PD_MAX_VIP_POOLS];
	unsigned int n_vip_pools;
	enum pd_log_level log_level;
	char node_name[PD_NODE_NAME_LEN];
	char link[PD_LINK_NAME_LEN];
	unsigned int drain_timeout;	/* seconds */
	unsigned int resync_period;	/* seconds, 0: never */
	bool no_vip_link;		/* leave podvs0 alone */
	unsigned int announce_grace;	/* seconds, 1..3600 */
	struct pd_cidr snat_from[PODVS_SNAT_RANGES_MAX];	/* --snat-from */
	size_t n_snat_from;
	bool dry_run;			/* no kernel: log operations only */
	struct pd_webhook_opts webhook;	/* --webhook-* */
	bool help;
	bool version;
};

/*
 * pd_opts_parse - fill @o from argv; defaults for what is absent.
 * @env_node: $NODE_NAME (may be NULL); @host: gethostname() fallback.
 *
 * Returns 0, or -EINVAL with a precise message in @err (the caller prints
 * it and exits 2).  Uses getopt_long(), so it resets optind itself.
 */
int pd_opts_parse(struct pd_opts *o, int argc, char **argv,
		  const char *env_node, const char *host,
		  char *err, size_t errlen);

void pd_opts_usage(FILE *out);

#endif /* PODVSD_OPTIONS_H */
