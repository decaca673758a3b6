/* SPDX-License-Identifier: GPL-2.0 */
/*
 * podvsadm: the ipvsadm command language for podvs.
 *
 * The parser (parse.c, restore.c) turns argv or a restore file into
 * struct adm_cmd without touching the kernel; the formatters (format.c,
 * json.c) print structs; commands.c is the only part that talks to the
 * kernel (through libpodvs).  So everything but commands.c is unit-tested
 * on the host.
 */
#ifndef _PODVSADM_CLI_H
#define _PODVSADM_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include "libpodvs.h"

/* Exit statuses. */
enum {
	EXIT_OK		= 0,
	EXIT_KERNEL	= 1,	/* the kernel refused, or no module */
	EXIT_USAGE	= 2,	/* bad command line or restore input */
};

enum adm_cmd_id {
	ADM_NONE,
	ADM_ADD_SERVICE,	/* -A */
	ADM_EDIT_SERVICE,	/* -E */
	ADM_DEL_SERVICE,	/* -D */
	ADM_ADD_DEST,		/* -a */
	ADM_EDIT_DEST,		/* -e */
	ADM_DEL_DEST,		/* -d */
	ADM_FLUSH,		/* -C */
	ADM_LIST,		/* -L, -l */
	ADM_ZERO,		/* -Z */
	ADM_SAVE,		/* -S */
	ADM_RESTORE,		/* -R */
	ADM_SET,		/* --set */
	ADM_INFO,		/* --info */
	ADM_DRAIN,		/* --drain without -a/-e */
	ADM_UNDRAIN,		/* --undrain without -a/-e */
	ADM_ANNOUNCE,		/* --announce: show, or set --hold/--ready */
	ADM_DECOMMISSION,	/* --decommission */
	ADM_RECOMMISSION,	/* --recommission */
	ADM_VERSION,		/* -v, --version */
	ADM_HELP,		/* -h, --help */
	__ADM_MAX
};

/* Options seen (bit numbers); names in adm_opt_name(). */
enum adm_opt {
	OPT_NUMERIC,		/* -n */
	OPT_CONNECTION,		/* -c */
	OPT_SERVICE,		/* -t / -u */
	OPT_SCHEDULER,		/* -s */
	OPT_PERSISTENT,		/* -p */
	OPT_NETMASK,		/* -M */
	OPT_SERVER,		/* -r */
	OPT_FORWARD,		/* -m */
	OPT_WEIGHT,		/* -w */
	OPT_TIMEOUT,		/* --timeout */
	OPT_STATS,		/* --stats */
	OPT_RATE,		/* --rate */
	OPT_PERSISTCONN,	/* --persistent-conn */
	OPT_NOSORT,		/* --nosort */
	OPT_EXACT,		/* --exact, -X */
	OPT_SCHED_FLAGS,	/* -b */
	OPT_DRAIN,		/* --drain / --undrain with -a / -e */
	OPT_JSON,		/* -o json, --json */
	OPT_DEST_FILTER,	/* --dest */
	OPT_CLIENT_FILTER,	/* --client */
	OPT_MH_SIZE,		/* --mh-table-size */
	OPT_OWNER,		/* --owner */
	OPT_HOLD,		/* --hold, with --announce */
	OPT_READY,		/* --ready, with --announce */
	OPT_SNAT_FROM,		/* --snat-from */
	__OPT_MAX
};

/* Output format bits. */
enum {
	FMT_NUMERIC	= 1U << 0,
	FMT_STATS	= 1U << 1,
	FMT_RATE	= 1U << 2,
	FMT_EXACT	= 1U << 3,
	FMT_NOSORT	= 1U << 4,
	FMT_PERSISTCONN	= 1U << 5,
	FMT_JSON	= 1U << 6,
	FMT_RULE	= 1U << 7,	/* -S */
};

struct adm_cmd {
	enum adm_cmd_id cmd;
	uint32_t opts;			/* 1 << enum adm_opt */
	unsigned int fmt;		/* FMT_* */
	struct lpv_service svc;		/* key and, for -A/-E, options */
	struct lpv_dest dest;		/* -r and dest options */
	bool drain;			/* --drain (true) / --undrain (false) */
	struct lpv_config cfg;		/* --set */
	struct lpv_conn_filter filter;		/* -Lc filters */
	struct lpv_announce ann;	/* --announce --hold/--ready, --(de|re)commission */
};

#define ADM_ERR_LEN	512

/*
 * Parse a command line (argv[0] is the program name and is skipped when
 * @skip_prog).  Returns 0, or EXIT_USAGE with a message in @err naming the
 * bad argument.  Pure: no I/O, no kernel.
 */
int adm_parse(int argc, char **argv, bool skip_prog, struct adm_cmd *c,
	      char *err, size_t errlen);

/* Name of a command / option for messages: "-A (add-service)". */
const char *adm_cmd_name(enum adm_cmd_id cmd);
const char *adm_opt_name(enum adm_opt opt);

/* Valid schedulers (podvs's set); NULL-terminated. */
extern const char *const adm_schedulers[];
bool adm_sched_known(const char *name);

/*
 * Address and port parsing shared by the parser and the restore code.
 * "ADDR:PORT", "[V6ADDR]:PORT"; @need_port: a missing port is an error
 * (else *port is left alone).  Returns 0 or -1 with a message in @err.
 */
int adm_parse_addrport(const char *arg, const char *opt, uint8_t proto,
		       bool need_port, uint16_t *af, union lpv_addr *addr,
		       uint16_t *port, char *err, size_t errlen);

/*
 * --snat-from CIDR[,CIDR...] for a service of family @af (snat.c): sets
 * s->snat_from, s->nsnat and LPV_SVC_HAS_SNAT_FROM; "" is an empty list
 * (clears it).  Returns 0 or -1 with a message in @err.
 */
int adm_parse_snat_from(const char *arg, uint16_t af, struct lpv_service *s,
			char *err, size_t errlen);
/* The list as --snat-from takes it ("10.1.0.0/16,10.2.0.0/16"), "" if none. */
#define ADM_SNAT_STRLEN	(PODVS_SNAT_RANGES_MAX * (INET6_ADDRSTRLEN + 5))
void adm_snat_from_str(char *buf, size_t len, const struct lpv_service *s);

/* ---- restore files ---------------------------------------------------- */

/* For tests: a whole file parsed into memory (podvsadm itself streams). */
struct adm_restore_line {
	unsigned int lineno;
	struct adm_cmd cmd;
};

struct adm_restore {
	struct adm_restore_line *lines;
	size_t n, cap;
};

/*
 * For tests: parse a whole restore file (ipvsadm -S format, one command
 * per line, optionally starting with "ipvsadm" or "podvsadm"; blank lines
 * and lines starting with '#' are skipped).  Nothing is applied here.
 * Returns 0 or EXIT_USAGE with "line N: ..." in @err.  Duplicate -A of one
 * service, or -a of one dest, without a delete in between are errors.
 */
int adm_restore_parse(FILE *in, struct adm_restore *r, char *err,
		      size_t errlen);
void adm_restore_free(struct adm_restore *r);

/*
 * The same, streamed: @fn gets each command (with its line number) once
 * its line parsed and passed the duplicate checks, in file order, and may
 * return a negative errno to stop.  Returns 0, EXIT_USAGE with "line N:
 * ..." in @err (-ENOMEM from @fn included), or @fn's other error as is.
 * A syntax error on a later line comes after earlier calls of @fn: only
 * act on them (send anything) once this returned 0.
 */
typedef int (*adm_restore_fn)(void *priv, unsigned int lineno,
			      const struct adm_cmd *c);

int adm_restore_scan(FILE *in, adm_restore_fn fn, void *priv, char *err,
		     size_t errlen);

/* ---- output ------------------------------------------------------------ */

/* A service with its dests, as listed. */
struct adm_svc_entry {
	struct lpv_service svc;
	struct lpv_dest *dests;
	size_t ndests;
};

/* Sort services / dests in ipvsadm's order (af, proto, addr, port). */
void adm_sort_services(struct adm_svc_entry *e, size_t n);
void adm_sort_dests(struct lpv_dest *d, size_t n);

/* "IP Virtual Server version ..." header line. */
void adm_print_header(FILE *f, const struct lpv_info *info);
/* The column titles for @fmt (nothing for FMT_RULE). */
void adm_print_title(FILE *f, unsigned int fmt);
/* One service and its dests, as -L (or -S with FMT_RULE) prints them. */
void adm_print_service(FILE *f, const struct adm_svc_entry *e, unsigned int fmt);
void adm_print_conn_title(FILE *f);
void adm_print_conn(FILE *f, const struct lpv_conn *c, unsigned int fmt);
void adm_print_timeout(FILE *f, const struct lpv_config *cfg);
void adm_print_info(FILE *f, const struct lpv_info *info);
/*
 * --version: the tool's line, then the module's from @info, or, with @info
 * NULL, "podvs module: unknown (@why)" (not loaded, not reachable).
 */
void adm_print_version(FILE *f, const struct lpv_info *info, const char *why);
/* The announcement state (--announce). */
void adm_print_announce(FILE *f, const struct lpv_announce *a);
/* ipvsadm's number column: %9llu, or K/M/G/T suffixes, or exact. */
void adm_print_largenum(FILE *f, unsigned long long n, unsigned int fmt);
/* "192.0.2.1:80" or "[2001:db8::1]:80" (names unless FMT_NUMERIC). */
void adm_addrport(char *buf, size_t len, uint16_t af,
		  const union lpv_addr *addr, uint16_t port, uint8_t proto,
		  unsigned int fmt);
/* Scheduler flags as -b takes them ("mh-fallback,mh-port"), "" if none. */
void adm_sched_flags_str(char *buf, size_t len, const struct lpv_service *s);

/* JSON (json.c): a whole listing, connections, config, info. */
int adm_json_services(FILE *f, const struct adm_svc_entry *e, size_t n);
int adm_json_conns(FILE *f, const struct lpv_conn *c, size_t n);
int adm_json_config(FILE *f, const struct lpv_config *cfg);
int adm_json_info(FILE *f, const struct lpv_info *info);
int adm_json_announce(FILE *f, const struct lpv_announce *a);

/* Help text (usage.c). */
void adm_usage(FILE *f, const char *prog);

/* The entry point behind main() (commands.c). */
int podvsadm_main(int argc, char **argv);

#endif /* _PODVSADM_CLI_H */
