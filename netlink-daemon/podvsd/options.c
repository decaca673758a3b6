// SPDX-License-Identifier: GPL-2.0
/* podvsd command line parsing. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

enum {
	OPT_KUBECONFIG = 0x100,
	OPT_METRICS,
	OPT_VIP_POOL,
	OPT_LOG_LEVEL,
	OPT_NODE_NAME,
	OPT_LINK,
	OPT_DRAIN,
	OPT_RESYNC,
	OPT_NO_VIP_LINK,
	OPT_DRY_RUN,
	OPT_ANNOUNCE_GRACE,
	OPT_SNAT_FROM,
};

static const struct option long_opts[] = {
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "kubeconfig",		required_argument,	NULL, OPT_KUBECONFIG },
	{ "metrics-address",	required_argument,	NULL, OPT_METRICS },
	{ "vip-pool",		required_argument,	NULL, OPT_VIP_POOL },
	{ "log-level",		required_argument,	NULL, OPT_LOG_LEVEL },
	{ "node-name",		required_argument,	NULL, OPT_NODE_NAME },
	{ "link",		required_argument,	NULL, OPT_LINK },
	{ "vip-link",		required_argument,	NULL, OPT_LINK },
	{ "announce-grace",	required_argument,	NULL, OPT_ANNOUNCE_GRACE },
	{ "snat-from",		required_argument,	NULL, OPT_SNAT_FROM },
	{ "drain-timeout",	required_argument,	NULL, OPT_DRAIN },
	{ "resync-period",	required_argument,	NULL, OPT_RESYNC },
	{ "no-vip-link",	no_argument,		NULL, OPT_NO_VIP_LINK },
	{ "dry-run",		no_argument,		NULL, OPT_DRY_RUN },
	PD_WEBHOOK_LONG_OPTS,
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
"Usage: podvsd [OPTION]...\n"
"Watch Kubernetes Services and EndpointSlices and program the podvs kernel\n"
"module so that each selected Service's VIPs forward straight to its Pods.\n"
"\n"
"A Service is selected by spec.loadBalancerClass \"podvs.io/direct\" or by\n"
"the annotation podvs.io/direct-access: \"true\".\n"
"\n"
"Options:\n"
"  --kubeconfig PATH        use this kubeconfig, JSON or YAML (its current\n"
"                           context: server, CA, token, tokenFile or client\n"
"                           certificate) instead of the in-cluster service\n"
"                           account\n"
"  --metrics-address ADDR:PORT|off\n"
"                           serve /metrics (Prometheus text), /healthz and\n"
"                           /readyz here; IPv6 as [ADDR]:PORT\n"
"                           (default " PD_DEFAULT_METRICS ")\n"
"  --vip-pool CIDR          allocate VIPs from CIDR for loadBalancerClass\n"
"                           Services that have none and write them to the\n"
"                           Service's status; once per address family\n"
"  --log-level LEVEL        debug, info, warn or error (default info)\n"
"  --node-name NAME         this node's name, for Events and leases\n"
"                           (default $NODE_NAME, else the host name)\n"
"  --link, --vip-link NAME  link of kind \"podvs\" that holds the VIPs a\n"
"                           routing daemon announces; created, or replaced\n"
"                           if it has another kind (default " PD_DEFAULT_LINK ")\n"
"  --no-vip-link            do not manage VIP addresses on the link\n"
"  --announce-grace SECONDS how long podvsd keeps announcing while it has\n"
"                           lost the API server or cannot program the\n"
"                           kernel; also the kernel watchdog's hold time,\n"
"                           renewed every SECONDS/6 (1..3600, default 60)\n"
"  --snat-from CIDR[,CIDR]  clients in these prefixes (hairpin: Pods and\n"
"                           nodes) are source-NATed to the gateway towards\n"
"                           the Pod; annotation podvs.io/snat-from replaces\n"
"                           the list per Service (default none)\n"
"  --drain-timeout SECONDS  how long a removed endpoint keeps its existing\n"
"                           flows (drained) before it is deleted; 0 deletes\n"
"                           at once (default 300)\n"
"  --resync-period SECONDS  re-read the kernel tables and repair drift this\n"
"                           often; 0 never (default 300)\n"
PD_WEBHOOK_USAGE
"  --dry-run                do not touch the kernel: log the operations that\n"
"                           would be applied\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Announcement (a fleet behind BGP): a VIP is on the podvs link once the\n"
"kernel holds its service with a usable dest and podvsd has synced with the\n"
"API server; READY=0 (routes withdrawn) after --announce-grace seconds\n"
"without the API server or the kernel; the Node annotation\n"
"podvs.io/decommissioned: \"true\" withdraws the gateway (as podvsadm\n"
"--decommission); a podvsd dead for the grace period is withdrawn by the\n"
"module's watchdog.\n"
"\n"
"Signals: SIGTERM or SIGINT stop podvsd and leave the kernel tables in place\n"
"(traffic keeps flowing); a restarted podvsd adopts the entries it owns.\n"
"Exit status: 0 on a clean stop, 1 on a runtime error, 2 on bad options.\n";

void pd_opts_usage(FILE *out)
{
	fputs(usage_text, out);
}

static int parse_seconds(const char *name, const char *arg, unsigned int *v,
			 char *err, size_t errlen)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || errno || n > INT_MAX) {
		snprintf(err, errlen, "--%s: '%s' is not a number of seconds "
			 "(0..%d)", name, arg, INT_MAX);
		return -EINVAL;
	}
	*v = n;
	return 0;
}

static int copy_name(const char *name, const char *arg, char *dst,
		     size_t size, char *err, size_t errlen)
{
	if (!*arg || strlen(arg) >= size) {
		snprintf(err, errlen, "--%s: '%s' must be 1..%zu characters",
			 name, arg, size - 1);
		return -EINVAL;
	}
	strcpy(dst, arg);
	return 0;
}

static int opt_vip_pool(struct pd_opts *o, const char *arg, char *err,
			size_t errlen)
{
	struct pd_cidr c;
	char why[128];

	if (pd_cidr_parse(arg, &c, why, sizeof(why))) {
		snprintf(err, errlen, "--vip-pool: %s", why);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < o->n_vip_pools; i++) {
		if (o->vip_pool[i].addr.af == c.addr.af) {
			snprintf(err, errlen, "--vip-pool: '%s': only one pool "
				 "per address family", arg);
			return -EINVAL;
		}
	}
	o->vip_pool[o->n_vip_pools++] = c;
	return 0;
}

static int opt_metrics(struct pd_opts *o, const char *arg, char *err,
		       size_t errlen)
{
	char why[128];

	o->metrics_off = !strcmp(arg, "off");
	if (o->metrics_off)
		return 0;
	if (pd_hostport_parse(arg, &o->metrics, why, sizeof(why))) {
		snprintf(err, errlen, "--metrics-address: %s", why);
		return -EINVAL;
	}
	return 0;
}

static int opt_log_level(struct pd_opts *o, const char *arg, char *err,
			 size_t errlen)
{
	int level = pd_log_level_parse(arg);

	if (level < 0) {
		snprintf(err, errlen, "--log-level: '%s' is not one of debug, "
			 "info, warn, error", arg);
		return -EINVAL;
	}
	o->log_level = level;
	return 0;
}

static int opt_grace(struct pd_opts *o, const char *arg, char *err,
		     size_t errlen)
{
	if (parse_seconds("announce-grace", arg, &o->announce_grace, err,
			  errlen))
		return -EINVAL;
	if (o->announce_grace < 1 || o->announce_grace > 3600) {
		snprintf(err, errlen, "--announce-grace: '%s' must be 1..3600 "
			 "seconds (the kernel's HOLD range)", arg);
		return -EINVAL;
	}
	return 0;
}

static int opt_snat(struct pd_opts *o, const char *arg, char *err,
		    size_t errlen)
{
	char why[160];
	size_t n;

	if (pd_prefix_list_parse(arg, o->snat_from, PODVS_SNAT_RANGES_MAX, &n,
				 why, sizeof(why))) {
		snprintf(err, errlen, "--snat-from: %s", why);
		return -EINVAL;
	}
	o->n_snat_from = n;
	return 0;
}

static int apply_opt(struct pd_opts *o, int c, const char *arg, char *err,
		     size_t errlen)
{
	switch (c) {
	case 'h':
		o->help = true;
		return 0;
	case 'V':
		o->version = true;
		return 0;
	case OPT_KUBECONFIG:
		if (!*arg) {
			snprintf(err, errlen, "--kubeconfig: empty path");
			return -EINVAL;
		}
		o->kubeconfig = arg;
		return 0;
	case OPT_METRICS:
		return opt_metrics(o, arg, err, errlen);
	case OPT_VIP_POOL:
		return opt_vip_pool(o, arg, err, errlen);
	case OPT_LOG_LEVEL:
		return opt_log_level(o, arg, err, errlen);
	case OPT_NODE_NAME:
		return copy_name("node-name", arg, o->node_name,
				 sizeof(o->node_name), err, errlen);
	case OPT_LINK:
		return copy_name("link", arg, o->link, sizeof(o->link),
				 err, errlen);
	case OPT_DRAIN:
		return parse_seconds("drain-timeout", arg, &o->drain_timeout,
				     err, errlen);
	case OPT_RESYNC:
		return parse_seconds("resync-period", arg, &o->resync_period,
				     err, errlen);
	case OPT_ANNOUNCE_GRACE:
		return opt_grace(o, arg, err, errlen);
	case OPT_SNAT_FROM:
		return opt_snat(o, arg, err, errlen);
	case OPT_NO_VIP_LINK:
		o->no_vip_link = true;
		return 0;
	case OPT_DRY_RUN:
		o->dry_run = true;
		return 0;
	}
	return pd_webhook_opt(&o->webhook, c, arg, err, errlen) ? -EINVAL : 0;
}

static const char *long_name(int val)
{
	for (const struct option *lo = long_opts; lo->name; lo++)
		if (lo->val == val)
			return lo->name;
	return "?";
}

static void defaults(struct pd_opts *o, const char *env_node, const char *host)
{
	char why[128];

	memset(o, 0, sizeof(*o));
	o->log_level = PD_LOG_INFO;
	o->drain_timeout = PD_DEFAULT_DRAIN;
	o->resync_period = PD_DEFAULT_RESYNC;
	o->announce_grace = PODVS_DEFAULT_HOLD;
	strcpy(o->link, PD_DEFAULT_LINK);
	pd_hostport_parse(PD_DEFAULT_METRICS, &o->metrics, why, sizeof(why));
	pd_webhook_opts_default(&o->webhook);
	if (env_node && *env_node)
		snprintf(o->node_name, sizeof(o->node_name), "%s", env_node);
	else if (host)
		snprintf(o->node_name, sizeof(o->node_name), "%s", host);
}

static int bad_opt(int c, char **argv, char *err, size_t errlen)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		snprintf(err, errlen, "option '--%s' requires an argument",
			 optopt ? long_name(optopt) : arg);
	else if (optopt && optopt < 0x100)
		snprintf(err, errlen, "unknown option '-%c'", optopt);
	else
		snprintf(err, errlen, "unknown option '%s'", arg);
	return -EINVAL;
}

int pd_opts_parse(struct pd_opts *o, int argc, char **argv,
		  const char *env_node, const char *host,
		  char *err, size_t errlen)
{
	int c;

	defaults(o, env_node, host);
	optind = 0;	/* glibc: full re-initialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", long_opts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return bad_opt(c, argv, err, errlen);
		if (apply_opt(o, c, optarg, err, errlen))
			return -EINVAL;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!o->node_name[0] && !o->help && !o->version) {
		snprintf(err, errlen, "no node name: set --node-name or "
			 "$NODE_NAME");
		return -EINVAL;
	}
	return pd_webhook_opts_check(&o->webhook, err, errlen);
}
