// SPDX-License-Identifier: GPL-2.0
/*
 * podvsadm: command line parser (argv -> struct adm_cmd).  No I/O.
 *
 * Syntax is ipvsadm's: one command option (-A, -a, -L, ...) plus
 * parameters, short options may be bundled (-Ln, -At ADDR), long options
 * take "--opt VALUE" or "--opt=VALUE".  Options ipvsadm has and podvs does
 * not (gatewaying, tunnels, thresholds, fwmark, sync daemon...) are refused
 * by name.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "cli.h"

#define MAX_TIMEOUT	(86400 * 31)	/* ipvsadm's bound: 31 days */
/*
 * -p without a timeout: what ipvsadm really sends (its
 * IPVS_SVC_PERSISTENT_TIMEOUT, 6 minutes), not the 300 of its manual page
 * and of PODVS_DEFAULT_PERSIST_TIMEOUT, so the two tools build the same table.
 */
#define ADM_PERSIST_TIMEOUT	360

const char *const adm_schedulers[] = { PODVS_SCHED_NAMES, NULL };

bool adm_sched_known(const char *name)
{
	int i;

	for (i = 0; adm_schedulers[i]; i++)
		if (!strcmp(name, adm_schedulers[i]))
			return true;
	return false;
}

static const char *const cmd_names[__ADM_MAX] = {
	[ADM_NONE] = "(none)",
	[ADM_ADD_SERVICE] = "-A (add-service)",
	[ADM_EDIT_SERVICE] = "-E (edit-service)",
	[ADM_DEL_SERVICE] = "-D (delete-service)",
	[ADM_ADD_DEST] = "-a (add-server)",
	[ADM_EDIT_DEST] = "-e (edit-server)",
	[ADM_DEL_DEST] = "-d (delete-server)",
	[ADM_FLUSH] = "-C (clear)",
	[ADM_LIST] = "-L (list)",
	[ADM_ZERO] = "-Z (zero)",
	[ADM_SAVE] = "-S (save)",
	[ADM_RESTORE] = "-R (restore)",
	[ADM_SET] = "--set",
	[ADM_INFO] = "--info",
	[ADM_DRAIN] = "--drain",
	[ADM_UNDRAIN] = "--undrain",
	[ADM_ANNOUNCE] = "--announce",
	[ADM_DECOMMISSION] = "--decommission",
	[ADM_RECOMMISSION] = "--recommission",
	[ADM_VERSION] = "-v (version)",
	[ADM_HELP] = "-h (help)",
};

static const char *const opt_names[__OPT_MAX] = {
	[OPT_NUMERIC] = "-n (numeric)",
	[OPT_CONNECTION] = "-c (connection)",
	[OPT_SERVICE] = "-t|-u (service-address)",
	[OPT_SCHEDULER] = "-s (scheduler)",
	[OPT_PERSISTENT] = "-p (persistent)",
	[OPT_NETMASK] = "-M (netmask)",
	[OPT_SERVER] = "-r (real-server)",
	[OPT_FORWARD] = "-m (masquerading)",
	[OPT_WEIGHT] = "-w (weight)",
	[OPT_TIMEOUT] = "--timeout",
	[OPT_STATS] = "--stats",
	[OPT_RATE] = "--rate",
	[OPT_PERSISTCONN] = "--persistent-conn",
	[OPT_NOSORT] = "--nosort",
	[OPT_EXACT] = "--exact",
	[OPT_SCHED_FLAGS] = "-b (sched-flags)",
	[OPT_DRAIN] = "--drain/--undrain",
	[OPT_JSON] = "-o json (--json)",
	[OPT_DEST_FILTER] = "--dest",
	[OPT_CLIENT_FILTER] = "--client",
	[OPT_MH_SIZE] = "--mh-table-size",
	[OPT_OWNER] = "--owner",
	[OPT_HOLD] = "--hold",
	[OPT_READY] = "--ready",
};

const char *adm_cmd_name(enum adm_cmd_id cmd)
{
	return cmd < __ADM_MAX ? cmd_names[cmd] : "?";
}

const char *adm_opt_name(enum adm_opt opt)
{
	return opt < __OPT_MAX ? opt_names[opt] : "?";
}

#define B(o)	(1U << (o))

/* Per command: options it needs and options it accepts. */
static const struct {
	uint32_t need, allow;
} cmd_opts[__ADM_MAX] = {
	[ADM_ADD_SERVICE] = { B(OPT_SERVICE), B(OPT_SERVICE) | B(OPT_SCHEDULER) |
		B(OPT_PERSISTENT) | B(OPT_NETMASK) | B(OPT_SCHED_FLAGS) |
		B(OPT_MH_SIZE) | B(OPT_OWNER) },
	[ADM_EDIT_SERVICE] = { B(OPT_SERVICE), B(OPT_SERVICE) | B(OPT_SCHEDULER) |
		B(OPT_PERSISTENT) | B(OPT_NETMASK) | B(OPT_SCHED_FLAGS) |
		B(OPT_MH_SIZE) | B(OPT_OWNER) },
	[ADM_DEL_SERVICE] = { B(OPT_SERVICE), B(OPT_SERVICE) },
	[ADM_ADD_DEST] = { B(OPT_SERVICE) | B(OPT_SERVER), B(OPT_SERVICE) |
		B(OPT_SERVER) | B(OPT_FORWARD) | B(OPT_WEIGHT) | B(OPT_DRAIN) |
		B(OPT_OWNER) },
	[ADM_EDIT_DEST] = { B(OPT_SERVICE) | B(OPT_SERVER), B(OPT_SERVICE) |
		B(OPT_SERVER) | B(OPT_FORWARD) | B(OPT_WEIGHT) | B(OPT_DRAIN) |
		B(OPT_OWNER) },
	[ADM_DEL_DEST] = { B(OPT_SERVICE) | B(OPT_SERVER),
		B(OPT_SERVICE) | B(OPT_SERVER) },
	[ADM_LIST] = { 0, B(OPT_NUMERIC) | B(OPT_CONNECTION) | B(OPT_SERVICE) |
		B(OPT_TIMEOUT) | B(OPT_STATS) | B(OPT_RATE) | B(OPT_PERSISTCONN) |
		B(OPT_NOSORT) | B(OPT_EXACT) | B(OPT_JSON) | B(OPT_DEST_FILTER) |
		B(OPT_CLIENT_FILTER) },
	[ADM_ZERO] = { 0, B(OPT_SERVICE) },
	[ADM_SAVE] = { 0, B(OPT_NUMERIC) | B(OPT_NOSORT) },
	[ADM_INFO] = { 0, B(OPT_JSON) },
	[ADM_DRAIN] = { B(OPT_SERVICE) | B(OPT_SERVER),
		B(OPT_SERVICE) | B(OPT_SERVER) | B(OPT_DRAIN) },
	[ADM_UNDRAIN] = { B(OPT_SERVICE) | B(OPT_SERVER),
		B(OPT_SERVICE) | B(OPT_SERVER) | B(OPT_DRAIN) },
	[ADM_ANNOUNCE] = { 0, B(OPT_JSON) | B(OPT_HOLD) | B(OPT_READY) },
	[ADM_DECOMMISSION] = { 0, 0 },
	[ADM_RECOMMISSION] = { 0, 0 },
};

/* Parser state: the command being built plus arguments checked at the end. */
struct pstate {
	struct adm_cmd *c;
	char *err;
	size_t errlen;
	const char *svc_arg;
	const char *server_arg;
	const char *netmask_arg;
	const char *flags_arg;
	const char *dest_arg;
	const char *client_arg;
	const char *pos[4];		/* positional arguments */
	int npos;
};

static int fail(struct pstate *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct pstate *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

static int set_cmd(struct pstate *ps, enum adm_cmd_id cmd)
{
	if (ps->c->cmd != ADM_NONE && ps->c->cmd != cmd)
		return fail(ps, "more than one command: %s and %s",
			    adm_cmd_name(ps->c->cmd), adm_cmd_name(cmd));
	ps->c->cmd = cmd;
	return 0;
}

static int set_opt(struct pstate *ps, enum adm_opt opt)
{
	if (ps->c->opts & B(opt))
		return fail(ps, "option %s given twice", adm_opt_name(opt));
	ps->c->opts |= B(opt);
	return 0;
}

/*
 * Strict decimal in [min, max]; no sign, no spaces, no hex.  By hand, not
 * strtoul(): a restore file has a few of these on each of 100,000 lines.
 */
static bool parse_uint(const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	unsigned long v = 0, d;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		d = (unsigned long)(*s - '0');
		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v < min)
		return false;
	*out = v;
	return true;
}

static int parse_port(const char *s, uint8_t proto, uint16_t *port)
{
	const char *pname = proto == IPPROTO_UDP ? "udp" : "tcp";
	struct servent *se;
	unsigned long v;

	if (*s >= '0' && *s <= '9') {
		if (!parse_uint(s, 0, 65535, &v))
			return -1;
		*port = (uint16_t)v;
		return 0;
	}
	se = *s ? getservbyname(s, pname) : NULL;
	if (!se)
		return -1;
	*port = ntohs((uint16_t)se->s_port);
	return 0;
}

/* Split "ADDR:PORT" / "[ADDR]:PORT" / "ADDR" / "[ADDR]" into its parts. */
static int split_addrport(const char *arg, char *host, size_t hlen,
			  const char **portp, bool *bracketed)
{
	const char *end, *colon;
	size_t n;

	*portp = NULL;
	*bracketed = arg[0] == '[';
	if (*bracketed) {
		end = strchr(arg, ']');
		if (!end)
			return -1;
		n = (size_t)(end - arg - 1);
		if (end[1] == ':')
			*portp = end + 2;
		else if (end[1])
			return -1;
		arg++;
	} else {
		colon = strchr(arg, ':');
		/* a second colon means a bare IPv6 address: no port */
		if (colon && !strchr(colon + 1, ':'))
			*portp = colon + 1;
		n = *portp ? (size_t)(colon - arg) : strlen(arg);
	}
	if (n >= hlen)
		return -1;
	memcpy(host, arg, n);
	host[n] = '\0';
	return 0;
}

int adm_parse_addrport(const char *arg, const char *opt, uint8_t proto,
		       bool need_port, uint16_t *af, union lpv_addr *addr,
		       uint16_t *port, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *portp;
	bool br;

	if (split_addrport(arg, host, sizeof(host), &portp, &br) < 0) {
		snprintf(err, errlen, "%s %s: malformed address (use ADDRESS:PORT or "
			 "[IPv6-ADDRESS]:PORT)", opt, arg);
		return -1;
	}
	if (lpv_addr_parse(host, af, addr) ||
	    (br && *af != AF_INET6)) {
		snprintf(err, errlen, "%s %s: invalid address '%s' (numeric IPv4 or "
			 "IPv6 only)", opt, arg, host);
		return -1;
	}
	if (!portp && need_port) {
		snprintf(err, errlen, "%s %s: missing port (use %s)", opt, arg,
			 *af == AF_INET6 ? "[ADDRESS]:PORT" : "ADDRESS:PORT");
		return -1;
	}
	if (!portp)
		return 0;
	if (parse_port(portp, proto, port) < 0) {
		snprintf(err, errlen, "%s %s: invalid port '%s' (1..65535 or a "
			 "service name)", opt, arg, portp);
		return -1;
	}
	if (*port == 0) {
		snprintf(err, errlen, "%s %s: port 0 is not supported by podvs (no "
			 "wildcard-port services; use 1..65535)", opt, arg);
		return -1;
	}
	return 0;
}

/* ---- option handlers -------------------------------------------------- */

struct optdef;
typedef int (*opt_fn)(struct pstate *ps, const struct optdef *o, const char *arg);

enum argkind { NOARG, REQARG, OPTARG };

struct optdef {
	const char *lng;
	char shrt;
	enum argkind arg;
	opt_fn fn;
	int val;
	const char *hint;	/* for unsupported options */
};

static int h_cmd(struct pstate *ps, const struct optdef *o, const char *arg)
{
	(void)arg;
	return set_cmd(ps, (enum adm_cmd_id)o->val);
}

static int h_flag(struct pstate *ps, const struct optdef *o, const char *arg)
{
	static const unsigned int fmt_of[__OPT_MAX] = {
		[OPT_NUMERIC] = FMT_NUMERIC, [OPT_STATS] = FMT_STATS,
		[OPT_RATE] = FMT_RATE, [OPT_EXACT] = FMT_EXACT,
		[OPT_NOSORT] = FMT_NOSORT, [OPT_PERSISTCONN] = FMT_PERSISTCONN,
	};

	(void)arg;
	ps->c->fmt |= fmt_of[o->val];
	return set_opt(ps, (enum adm_opt)o->val);
}

static int h_nop(struct pstate *ps, const struct optdef *o, const char *arg)
{
	(void)ps, (void)o, (void)arg;
	return 0;
}

static int h_service(struct pstate *ps, const struct optdef *o, const char *arg)
{
	struct lpv_service *s = &ps->c->svc;
	const char opt[] = { '-', o->shrt, '\0' };

	s->protocol = (uint8_t)o->val;
	ps->svc_arg = arg;
	if (set_opt(ps, OPT_SERVICE))
		return EXIT_USAGE;
	if (adm_parse_addrport(arg, opt, s->protocol, true, &s->af, &s->addr,
			       &s->port, ps->err, ps->errlen))
		return EXIT_USAGE;
	return 0;
}

static int unknown_sched(struct pstate *ps, const char *arg)
{
	size_t i, len = 0;
	char list[64];

	list[0] = '\0';
	for (i = 0; adm_schedulers[i]; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "", adm_schedulers[i]);
	return fail(ps, "-s %s: unknown scheduler (podvs has %s)", arg, list);
}

static int h_sched(struct pstate *ps, const struct optdef *o, const char *arg)
{
	struct lpv_service *s = &ps->c->svc;

	(void)o;
	if (set_opt(ps, OPT_SCHEDULER))
		return EXIT_USAGE;
	if (!adm_sched_known(arg))
		return unknown_sched(ps, arg);
	snprintf(s->sched, sizeof(s->sched), "%s", arg);
	s->present |= LPV_SVC_HAS_SCHED;
	return 0;
}

static int h_persistent(struct pstate *ps, const struct optdef *o, const char *arg)
{
	struct lpv_service *s = &ps->c->svc;
	unsigned long v = ADM_PERSIST_TIMEOUT;

	(void)o;
	if (set_opt(ps, OPT_PERSISTENT))
		return EXIT_USAGE;
	if (arg && !parse_uint(arg, 1, MAX_TIMEOUT, &v))
		return fail(ps, "-p %s: invalid persistence timeout (1..%d seconds)",
			    arg, MAX_TIMEOUT);
	s->flags |= PODVS_SVC_F_PERSISTENT;
	s->timeout = (uint32_t)v;
	s->present |= LPV_SVC_HAS_TIMEOUT;
	return 0;
}

static int h_save_arg(struct pstate *ps, const struct optdef *o, const char *arg)
{
	const char **slot[__OPT_MAX] = {
		[OPT_NETMASK] = &ps->netmask_arg,
		[OPT_SERVER] = &ps->server_arg,
		[OPT_SCHED_FLAGS] = &ps->flags_arg,
		[OPT_DEST_FILTER] = &ps->dest_arg,
		[OPT_CLIENT_FILTER] = &ps->client_arg,
	};

	*slot[o->val] = arg;
	return set_opt(ps, (enum adm_opt)o->val);
}

static int h_weight(struct pstate *ps, const struct optdef *o, const char *arg)
{
	unsigned long v;

	(void)o;
	if (set_opt(ps, OPT_WEIGHT))
		return EXIT_USAGE;
	if (!parse_uint(arg, 0, 65535, &v))
		return fail(ps, "-w %s: invalid weight (0..65535)", arg);
	ps->c->dest.weight = (uint32_t)v;
	return 0;
}

static int h_masq(struct pstate *ps, const struct optdef *o, const char *arg)
{
	(void)o, (void)arg;
	return set_opt(ps, OPT_FORWARD);
}

static int h_drain(struct pstate *ps, const struct optdef *o, const char *arg)
{
	(void)arg;
	if (ps->c->opts & B(OPT_DRAIN))
		return fail(ps, "--drain and --undrain given together or twice");
	ps->c->drain = o->val;
	ps->c->opts |= B(OPT_DRAIN);
	return 0;
}

static int h_output(struct pstate *ps, const struct optdef *o, const char *arg)
{
	(void)o;
	if (arg && strcmp(arg, "json"))
		return fail(ps, "-o %s: unknown output format (podvsadm has -o json; "
			    "ipvsadm's -o/--ops one-packet scheduling is not supported)",
			    arg);
	if (!arg)
		return fail(ps, "option -o (ops, one-packet scheduling) is not "
			    "supported by podvs; for JSON output use -o json");
	ps->c->fmt |= FMT_JSON;
	return set_opt(ps, OPT_JSON);
}

static int h_json(struct pstate *ps, const struct optdef *o, const char *arg)
{
	return h_output(ps, o, arg ? arg : "json");
}

static bool is_prime(unsigned long n)
{
	unsigned long d;

	if (n < 2)
		return false;
	for (d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

static int h_mhsize(struct pstate *ps, const struct optdef *o, const char *arg)
{
	unsigned long v;

	(void)o;
	if (set_opt(ps, OPT_MH_SIZE))
		return EXIT_USAGE;
	if (!parse_uint(arg, 251, 1048573, &v) || !is_prime(v))
		return fail(ps, "--mh-table-size %s: must be a prime in 251..1048573",
			    arg);
	ps->c->svc.mh_table_size = (uint32_t)v;
	ps->c->svc.present |= LPV_SVC_HAS_MH_TABLE_SIZE;
	return 0;
}

static int h_owner(struct pstate *ps, const struct optdef *o, const char *arg)
{
	(void)o;
	if (set_opt(ps, OPT_OWNER))
		return EXIT_USAGE;
	if (!*arg || strlen(arg) >= PODVS_OWNER_LEN)
		return fail(ps, "--owner '%s': must be 1..%d characters", arg,
			    PODVS_OWNER_LEN - 1);
	snprintf(ps->c->svc.owner, sizeof(ps->c->svc.owner), "%s", arg);
	snprintf(ps->c->dest.owner, sizeof(ps->c->dest.owner), "%s", arg);
	return 0;
}

/* The uapi's range (PODVS_ANN_A_HOLD): 1..3600 seconds. */
#define ADM_HOLD_MAX	3600

static int h_hold(struct pstate *ps, const struct optdef *o, const char *arg)
{
	unsigned long v;

	(void)o;
	if (set_opt(ps, OPT_HOLD))
		return EXIT_USAGE;
	if (!parse_uint(arg, 1, ADM_HOLD_MAX, &v))
		return fail(ps, "--hold %s: invalid hold time (1..%d seconds)", arg,
			    ADM_HOLD_MAX);
	ps->c->ann.hold = (uint32_t)v;
	ps->c->ann.has_hold = true;
	return 0;
}

static int h_ready(struct pstate *ps, const struct optdef *o, const char *arg)
{
	(void)o;
	if (set_opt(ps, OPT_READY))
		return EXIT_USAGE;
	if (strcmp(arg, "0") && strcmp(arg, "1"))
		return fail(ps, "--ready %s: must be 0 or 1", arg);
	ps->c->ann.ready = arg[0] == '1';
	ps->c->ann.has_ready = true;
	return 0;
}

static int h_unsupported(struct pstate *ps, const struct optdef *o, const char *arg)
{
	char name[40];

	(void)arg;
	if (o->shrt)
		snprintf(name, sizeof(name), "-%c (%s)", o->shrt, o->lng);
	else
		snprintf(name, sizeof(name), "--%s", o->lng);
	return fail(ps, "option %s is not supported by podvs%s%s", name,
		    o->hint ? ": " : "", o->hint ? o->hint : "");
}

#define CMD(l, s, id)	{ l, s, NOARG, h_cmd, id, NULL }
#define FLAG(l, s, id)	{ l, s, NOARG, h_flag, id, NULL }
#define NOSUP(l, s, a, hint) { l, s, a, h_unsupported, 0, hint }

static const struct optdef optdefs[] = {
	CMD("add-service", 'A', ADM_ADD_SERVICE),
	CMD("edit-service", 'E', ADM_EDIT_SERVICE),
	CMD("delete-service", 'D', ADM_DEL_SERVICE),
	CMD("clear", 'C', ADM_FLUSH),
	CMD("list", 'L', ADM_LIST),
	CMD("list", 'l', ADM_LIST),
	CMD("zero", 'Z', ADM_ZERO),
	CMD("add-server", 'a', ADM_ADD_DEST),
	CMD("edit-server", 'e', ADM_EDIT_DEST),
	CMD("delete-server", 'd', ADM_DEL_DEST),
	CMD("save", 'S', ADM_SAVE),
	CMD("restore", 'R', ADM_RESTORE),
	CMD("set", 0, ADM_SET),
	CMD("info", 0, ADM_INFO),
	CMD("announce", 0, ADM_ANNOUNCE),
	CMD("decommission", 0, ADM_DECOMMISSION),
	CMD("recommission", 0, ADM_RECOMMISSION),
	CMD("help", 'h', ADM_HELP),
	CMD("version", 'v', ADM_VERSION),
	{ "tcp-service", 't', REQARG, h_service, IPPROTO_TCP, NULL },
	{ "udp-service", 'u', REQARG, h_service, IPPROTO_UDP, NULL },
	{ "scheduler", 's', REQARG, h_sched, 0, NULL },
	{ "persistent", 'p', OPTARG, h_persistent, 0, NULL },
	{ "netmask", 'M', REQARG, h_save_arg, OPT_NETMASK, NULL },
	{ "sched-flags", 'b', REQARG, h_save_arg, OPT_SCHED_FLAGS, NULL },
	{ "real-server", 'r', REQARG, h_save_arg, OPT_SERVER, NULL },
	{ "masquerading", 'm', NOARG, h_masq, 0, NULL },
	{ "weight", 'w', REQARG, h_weight, 0, NULL },
	{ "drain", 0, NOARG, h_drain, 1, NULL },
	{ "undrain", 0, NOARG, h_drain, 0, NULL },
	FLAG("numeric", 'n', OPT_NUMERIC),
	FLAG("connection", 'c', OPT_CONNECTION),
	FLAG("timeout", 0, OPT_TIMEOUT),
	FLAG("stats", 0, OPT_STATS),
	FLAG("rate", 0, OPT_RATE),
	FLAG("exact", 'X', OPT_EXACT),
	FLAG("nosort", 0, OPT_NOSORT),
	FLAG("persistent-conn", 0, OPT_PERSISTCONN),
	{ "sort", 0, NOARG, h_nop, 0, NULL },
	{ "output", 'o', OPTARG, h_output, 0, NULL },
	{ "json", 0, NOARG, h_json, 0, NULL },
	{ "dest", 0, REQARG, h_save_arg, OPT_DEST_FILTER, NULL },
	{ "client", 0, REQARG, h_save_arg, OPT_CLIENT_FILTER, NULL },
	{ "mh-table-size", 0, REQARG, h_mhsize, 0, NULL },
	{ "owner", 0, REQARG, h_owner, 0, NULL },
	{ "hold", 0, REQARG, h_hold, 0, NULL },
	{ "ready", 0, REQARG, h_ready, 0, NULL },
	NOSUP("gatewaying", 'g', NOARG, "only masquerading (-m)"),
	NOSUP("ipip", 'i', NOARG, "only masquerading (-m)"),
	NOSUP("u-threshold", 'x', REQARG, "no connection thresholds"),
	NOSUP("l-threshold", 'y', REQARG, "no connection thresholds"),
	NOSUP("fwmark-service", 'f', REQARG, "services are -t|-u ADDRESS:PORT"),
	NOSUP("ipv6", '6', NOARG, "services are -t|-u ADDRESS:PORT"),
	NOSUP("sctp-service", 0, REQARG, "only TCP (-t) and UDP (-u)"),
	NOSUP("pe", 0, REQARG, "no persistence engines"),
	NOSUP("ops", 0, NOARG, "no one-packet scheduling"),
	NOSUP("thresholds", 0, NOARG, "no connection thresholds"),
	NOSUP("tun-info", 0, NOARG, "only masquerading (-m)"),
	NOSUP("tun-type", 0, REQARG, "only masquerading (-m)"),
	NOSUP("tun-port", 0, REQARG, "only masquerading (-m)"),
	NOSUP("tun-nocsum", 0, NOARG, "only masquerading (-m)"),
	NOSUP("tun-csum", 0, NOARG, "only masquerading (-m)"),
	NOSUP("tun-remcsum", 0, NOARG, "only masquerading (-m)"),
	NOSUP("start-daemon", 0, REQARG, "no connection sync daemon"),
	NOSUP("stop-daemon", 0, REQARG, "no connection sync daemon"),
	NOSUP("daemon", 0, NOARG, "no connection sync daemon"),
	NOSUP("mcast-interface", 0, REQARG, "no connection sync daemon"),
	NOSUP("mcast-group", 0, REQARG, "no connection sync daemon"),
	NOSUP("mcast-port", 0, REQARG, "no connection sync daemon"),
	NOSUP("mcast-ttl", 0, REQARG, "no connection sync daemon"),
	NOSUP("sync-maxlen", 0, REQARG, "no connection sync daemon"),
	NOSUP("syncid", 0, REQARG, "no connection sync daemon"),
};

#define NOPTS	(sizeof(optdefs) / sizeof(optdefs[0]))

static const struct optdef *find_long(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strlen(optdefs[i].lng) == len && !strncmp(optdefs[i].lng, name, len))
			return &optdefs[i];
	return NULL;
}

/* Short options by character, indexed once (a restore file has ~6 a line). */
static const struct optdef *find_short(char c)
{
	static const struct optdef *by_char[128];
	static bool indexed;
	size_t i;

	if (!indexed) {
		for (i = NOPTS; i-- > 0;)
			if (optdefs[i].shrt > 0)
				by_char[(unsigned char)optdefs[i].shrt] = &optdefs[i];
		indexed = true;
	}
	return c > 0 ? by_char[(unsigned char)c] : NULL;
}

/* ---- the token loop ----------------------------------------------------- */

struct toks {
	int argc, i;
	char **argv;
};

static const char *next_tok(struct toks *t)
{
	return t->i < t->argc ? t->argv[t->i++] : NULL;
}

/* An optional argument is the next token unless that looks like an option. */
static const char *peek_optarg(struct toks *t)
{
	if (t->i < t->argc && t->argv[t->i][0] != '-')
		return t->argv[t->i++];
	return NULL;
}

static int run_opt(struct pstate *ps, const struct optdef *o, const char *inl,
		   struct toks *t, const char *shown)
{
	const char *arg = inl;

	if (o->arg == NOARG && inl)
		return fail(ps, "option %s takes no argument", shown);
	if (o->arg == REQARG && !arg) {
		arg = next_tok(t);
		if (!arg)
			return fail(ps, "option %s needs an argument", shown);
	}
	if (o->arg == OPTARG && !arg)
		arg = peek_optarg(t);
	return o->fn(ps, o, arg);
}

static int long_opt(struct pstate *ps, const char *tok, struct toks *t)
{
	const char *name = tok + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct optdef *o = find_long(name, len);

	if (!o)
		return fail(ps, "unknown option '%.*s'", (int)len + 2, tok);
	return run_opt(ps, o, eq ? eq + 1 : NULL, t, tok);
}

static int short_opts(struct pstate *ps, const char *tok, struct toks *t)
{
	const char *p;
	char shown[3] = "-?";

	for (p = tok + 1; *p; p++) {
		const struct optdef *o = find_short(*p);
		int err;

		shown[1] = *p;
		if (!o)
			return fail(ps, "unknown option '-%c'", *p);
		if (o->arg != NOARG) {
			/* the rest of the bundle is the argument, if any */
			return run_opt(ps, o, p[1] ? p + 1 : NULL, t, shown);
		}
		err = run_opt(ps, o, NULL, t, shown);
		if (err)
			return err;
	}
	return 0;
}

static int scan(struct pstate *ps, struct toks *t)
{
	const char *tok;
	int err = 0;

	while (!err && (tok = next_tok(t))) {
		if (!strncmp(tok, "--", 2) && tok[2])
			err = long_opt(ps, tok, t);
		else if (tok[0] == '-' && tok[1])
			err = short_opts(ps, tok, t);
		else if (ps->npos < (int)(sizeof(ps->pos) / sizeof(ps->pos[0])))
			ps->pos[ps->npos++] = tok;
		else
			err = fail(ps, "unexpected argument '%s'", tok);
	}
	return err;
}

/* ---- checks once every token is read ------------------------------------ */

static const char *need_text(enum adm_opt opt)
{
	return opt == OPT_SERVICE ? "-t or -u VIRTUAL-ADDRESS:PORT" :
				    "-r SERVER-ADDRESS[:PORT]";
}

static int first_bit(uint32_t v)
{
	return __builtin_ctz(v);
}

static int check_cmd_opts(struct pstate *ps)
{
	struct adm_cmd *c = ps->c;
	uint32_t bad, missing;

	if (c->cmd == ADM_NONE && (c->opts & B(OPT_DRAIN)))
		c->cmd = c->drain ? ADM_DRAIN : ADM_UNDRAIN;
	if (c->cmd == ADM_NONE)
		return fail(ps, "no command given (one of -A -E -D -a -e -d -C -L -Z "
			    "-S -R --set --info --drain --undrain --announce "
			    "--decommission --recommission -h -v)");
	if (c->cmd == ADM_HELP || c->cmd == ADM_VERSION)
		return 0;
	bad = c->opts & ~cmd_opts[c->cmd].allow;
	if (bad)
		return fail(ps, "option %s cannot be used with %s",
			    adm_opt_name((enum adm_opt)first_bit(bad)),
			    adm_cmd_name(c->cmd));
	missing = cmd_opts[c->cmd].need & ~c->opts;
	if (missing)
		return fail(ps, "%s needs %s", adm_cmd_name(c->cmd),
			    need_text((enum adm_opt)first_bit(missing)));
	if (c->cmd != ADM_SET && ps->npos)
		return fail(ps, "unexpected argument '%s'", ps->pos[0]);
	return 0;
}

static int check_list(struct pstate *ps)
{
	uint32_t o = ps->c->opts;
	uint32_t shape = B(OPT_STATS) | B(OPT_RATE) | B(OPT_PERSISTCONN);

	uint32_t not_tmo = B(OPT_CONNECTION) | B(OPT_SERVICE) | shape;

	if ((o & B(OPT_TIMEOUT)) && (o & not_tmo))
		return fail(ps, "option --timeout cannot be combined with %s",
			    adm_opt_name((enum adm_opt)first_bit(o & not_tmo)));
	if ((o & B(OPT_CONNECTION)) && (o & shape))
		return fail(ps, "option -c (connection) cannot be combined with %s",
			    adm_opt_name((enum adm_opt)first_bit(o & shape)));
	if (!(o & B(OPT_CONNECTION)) && (o & B(OPT_DEST_FILTER)))
		return fail(ps, "option --dest filters connections: use it with -c");
	if (!(o & B(OPT_CONNECTION)) && (o & B(OPT_CLIENT_FILTER)))
		return fail(ps, "option --client filters connections: use it with -c");
	return 0;
}

static const char *af_name(uint16_t af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

static int finish_server(struct pstate *ps)
{
	struct adm_cmd *c = ps->c;
	uint16_t af = 0, port = 0;

	if (adm_parse_addrport(ps->server_arg, "-r", c->svc.protocol, false, &af,
			       &c->dest.addr, &port, ps->err, ps->errlen))
		return EXIT_USAGE;
	if (af != c->svc.af)
		return fail(ps, "-r %s: %s server for an %s service (families must "
			    "match)", ps->server_arg, af_name(af), af_name(c->svc.af));
	c->dest.port = port ? port : c->svc.port;
	return 0;
}

/* IPv4: dotted contiguous mask; IPv6: prefix length 1..128. */
static int finish_netmask(struct pstate *ps)
{
	struct lpv_service *s = &ps->c->svc;
	const char *arg = ps->netmask_arg;
	struct in_addr m;
	unsigned long v;
	uint32_t h;

	if (s->af == AF_INET6) {
		if (!parse_uint(arg, 1, 128, &v))
			return fail(ps, "-M %s: an IPv6 netmask is a prefix length "
				    "1..128", arg);
		s->netmask = (uint8_t)v;
		return 0;
	}
	if (inet_pton(AF_INET, arg, &m) != 1)
		return fail(ps, "-M %s: an IPv4 netmask is dotted-quad, e.g. "
			    "255.255.255.0", arg);
	h = ntohl(m.s_addr);
	if (h & (~h >> 1))
		return fail(ps, "-M %s: not a contiguous netmask", arg);
	s->netmask = (uint8_t)(h ? 32 - __builtin_ctz(h) : 0);
	if (!s->netmask)
		return fail(ps, "-M %s: netmask must not be 0.0.0.0", arg);
	return 0;
}

static int one_flag(struct pstate *ps, const char *flag, const char *sched)
{
	static const struct {
		const char *name, *sched;
		uint32_t bit;
	} tab[] = {
		{ "mh-fallback", "mh", PODVS_SVC_F_HASH_FALLBACK },
		{ "mh-port", "mh", PODVS_SVC_F_HASH_PORT },
		{ "sh-fallback", "sh", PODVS_SVC_F_HASH_FALLBACK },
		{ "sh-port", "sh", PODVS_SVC_F_HASH_PORT },
		{ "flag-1", NULL, PODVS_SVC_F_HASH_FALLBACK },
		{ "flag-2", NULL, PODVS_SVC_F_HASH_PORT },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(flag, tab[i].name))
			continue;
		if (tab[i].sched && strcmp(tab[i].sched, sched))
			return fail(ps, "-b %s: flag %s needs -s %s (the service "
				    "uses %s)", ps->flags_arg, flag, tab[i].sched,
				    sched);
		ps->c->svc.flags |= tab[i].bit;
		return 0;
	}
	return fail(ps, "-b %s: unknown scheduler flag '%s' (mh-fallback, mh-port, "
		    "sh-fallback, sh-port)", ps->flags_arg, flag);
}

static int finish_sched_flags(struct pstate *ps)
{
	const char *sched = ps->c->svc.present & LPV_SVC_HAS_SCHED ?
			    ps->c->svc.sched : PODVS_DEFAULT_SCHED;
	const char *arg = ps->flags_arg;
	size_t len = strlen(arg);
	char buf[128], *save = NULL, *flag;
	int err = 0;

	if (!len || len >= sizeof(buf) || arg[0] == ',' || arg[len - 1] == ',' ||
	    strstr(arg, ",,"))
		return fail(ps, "-b '%s': empty or over-long scheduler flag list", arg);
	memcpy(buf, arg, len + 1);
	for (flag = strtok_r(buf, ",", &save); flag && !err;
	     flag = strtok_r(NULL, ",", &save))
		err = one_flag(ps, flag, sched);
	return err;
}

/* --dest / --client: ADDR or ADDR:PORT, same family as everything else. */
static int finish_filter(struct pstate *ps, const char *arg, const char *opt,
			 union lpv_addr *addr, uint16_t *port, uint32_t abit,
			 uint32_t pbit)
{
	struct lpv_conn_filter *f = &ps->c->filter;
	uint16_t af = 0, p = 0;

	if (adm_parse_addrport(arg, opt, ps->c->svc.protocol, false, &af, addr,
			       &p, ps->err, ps->errlen))
		return EXIT_USAGE;
	if (f->svc.af && f->svc.af != af)
		return fail(ps, "%s %s: %s address, but the listing is for %s", opt,
			    arg, af_name(af), af_name(f->svc.af));
	f->svc.af = af;
	f->present |= abit;
	if (p) {
		*port = p;
		f->present |= pbit;
	}
	return 0;
}

static int finish_filters(struct pstate *ps)
{
	struct adm_cmd *c = ps->c;
	struct lpv_conn_filter *f = &c->filter;
	int err = 0;

	if (c->opts & B(OPT_SERVICE)) {
		f->svc = c->svc;
		f->present |= LPV_CONN_FILTER_SERVICE;
	}
	if (ps->dest_arg)
		err = finish_filter(ps, ps->dest_arg, "--dest", &f->daddr, &f->dport,
				    LPV_CONN_FILTER_DADDR, LPV_CONN_FILTER_DPORT);
	if (!err && ps->client_arg)
		err = finish_filter(ps, ps->client_arg, "--client", &f->caddr,
				    &f->cport, LPV_CONN_FILTER_CADDR,
				    LPV_CONN_FILTER_CPORT);
	return err;
}

static int finish_set(struct pstate *ps)
{
	uint32_t *out[] = { &ps->c->cfg.tcp_timeout, &ps->c->cfg.tcpfin_timeout,
			    &ps->c->cfg.udp_timeout };
	static const char *const what[] = { "tcp", "tcpfin", "udp" };
	unsigned long v;
	int i;

	if (ps->npos != 3)
		return fail(ps, "--set needs 3 timeout values: tcp tcpfin udp (0 "
			    "keeps a value)");
	for (i = 0; i < 3; i++) {
		if (!parse_uint(ps->pos[i], 0, MAX_TIMEOUT, &v))
			return fail(ps, "--set: invalid %s timeout '%s' (0..%d seconds, "
				    "0 keeps the current value)", what[i], ps->pos[i],
				    MAX_TIMEOUT);
		*out[i] = (uint32_t)v;
	}
	return 0;
}

/* What the kernel is sent: ipvsadm's semantics, see podvsadm(8). */
static void apply_svc_defaults(struct adm_cmd *c)
{
	struct lpv_service *s = &c->svc;

	if (!(s->present & LPV_SVC_HAS_SCHED)) {
		snprintf(s->sched, sizeof(s->sched), "%s", PODVS_DEFAULT_SCHED);
		s->present |= LPV_SVC_HAS_SCHED;
	}
	s->present |= LPV_SVC_HAS_FLAGS | LPV_SVC_HAS_NETMASK;
	if (!(c->opts & B(OPT_NETMASK)))
		s->netmask = s->af == AF_INET6 ? 128 : 32;
	if (c->opts & B(OPT_OWNER))
		s->present |= LPV_SVC_HAS_OWNER;
}

static void apply_dest_defaults(struct adm_cmd *c)
{
	struct lpv_dest *d = &c->dest;

	if (c->cmd == ADM_ADD_DEST || c->cmd == ADM_EDIT_DEST) {
		if (!(c->opts & B(OPT_WEIGHT)))
			d->weight = 1;
		d->fwd = PODVS_FWD_MASQ;
		d->present |= LPV_DEST_HAS_WEIGHT | LPV_DEST_HAS_FWD;
		if (c->opts & B(OPT_OWNER))
			d->present |= LPV_DEST_HAS_OWNER;
	}
	if (c->cmd == ADM_ADD_DEST || (c->opts & B(OPT_DRAIN))) {
		d->flags = c->drain ? PODVS_DEST_F_DRAIN : 0;
		d->present |= LPV_DEST_HAS_FLAGS;
	}
	if (c->cmd != ADM_ADD_DEST && (c->opts & B(OPT_DRAIN))) {
		d->flags_mask = PODVS_DEST_F_DRAIN;
		d->present |= LPV_DEST_HAS_FLAGS_MASK;
	}
}

/* --announce with --hold/--ready sets them (and prints nothing), so no
 * -o json; --decommission / --recommission set their flag.
 */
static int finish_announce(struct pstate *ps)
{
	struct adm_cmd *c = ps->c;
	uint32_t set = B(OPT_HOLD) | B(OPT_READY);

	if (c->cmd == ADM_DECOMMISSION || c->cmd == ADM_RECOMMISSION) {
		c->ann.decommissioned = c->cmd == ADM_DECOMMISSION;
		c->ann.has_decommissioned = true;
		return 0;
	}
	if ((c->opts & set) && (c->opts & B(OPT_JSON)))
		return fail(ps, "option %s cannot be combined with %s: --announce "
			    "with --hold or --ready sets, it does not show",
			    adm_opt_name(OPT_JSON),
			    adm_opt_name((enum adm_opt)first_bit(c->opts & set)));
	return 0;
}

static bool is_announce(enum adm_cmd_id cmd)
{
	return cmd == ADM_ANNOUNCE || cmd == ADM_DECOMMISSION ||
	       cmd == ADM_RECOMMISSION;
}

static int finish(struct pstate *ps)
{
	struct adm_cmd *c = ps->c;
	int err;

	err = check_cmd_opts(ps);
	if (!err && c->cmd == ADM_LIST)
		err = check_list(ps);
	if (!err && ps->server_arg)
		err = finish_server(ps);
	if (!err && ps->netmask_arg)
		err = finish_netmask(ps);
	if (!err && ps->flags_arg)
		err = finish_sched_flags(ps);
	if (!err && c->cmd == ADM_LIST)
		err = finish_filters(ps);
	if (!err && c->cmd == ADM_SET)
		err = finish_set(ps);
	if (!err && is_announce(c->cmd))
		err = finish_announce(ps);
	if (err)
		return err;
	if (c->cmd == ADM_ADD_SERVICE || c->cmd == ADM_EDIT_SERVICE)
		apply_svc_defaults(c);
	if (c->opts & B(OPT_SERVER))
		apply_dest_defaults(c);
	return 0;
}

int adm_parse(int argc, char **argv, bool skip_prog, struct adm_cmd *c,
	      char *err, size_t errlen)
{
	struct pstate ps = { .c = c, .err = err, .errlen = errlen };
	struct toks t = { .argc = argc, .argv = argv, .i = skip_prog ? 1 : 0 };
	int ret;

	memset(c, 0, sizeof(*c));
	if (errlen)
		err[0] = '\0';
	ret = scan(&ps, &t);
	return ret ? ret : finish(&ps);
}
