/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libpodvs: the userspace client of the podvs generic netlink family.
 *
 * This library is the only userspace code that builds or parses podvs
 * messages (include/uapi/linux/podvs.h); podvsadm and podvsd both use it.
 *
 * Conventions
 *  - Names: the library's own types, functions and constants are lpv_* and
 *    LPV_*; PODVS_* and enum podvs_* come from the uapi header.  The kernel
 *    module's podvs_* names (struct podvs_service, ...) are the other side
 *    of the ABI and mean different things (as libipvs's ipvs_* next to
 *    the kernel's ip_vs_*).
 *  - Every function returning int returns 0 (or a count, where documented)
 *    on success and a negative errno on failure.  After a failure,
 *    lpv_errmsg() returns a human-readable message: the kernel's extack
 *    text when the kernel sent one ("dest 10.0.0.5:80 already exists ..."),
 *    else a description of the errno.
 *  - Addresses are held in union lpv_addr in network byte order (the first
 *    4 bytes for AF_INET); ports are host byte order in these structs and
 *    converted to big endian on the wire.
 *  - Optional attributes: a struct's "present" word (LPV_SVC_HAS_*,
 *    LPV_DEST_HAS_*) says which optional fields are meaningful.  In
 *    requests only those fields are sent (a SET changes only what is sent);
 *    in replies the library sets the bits of the attributes the kernel sent.
 *  - Arrays returned by *_list() are allocated with malloc(); free() them.
 *  - A handle is not thread safe; use one per thread.
 */
#ifndef _LIBPODVS_H
#define _LIBPODVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/podvs.h>

/* Size of the buffer holding the last error message (incl. the NUL). */
#define LPV_ERRMSG_LEN		512

/* The message lpv_open() gives when the family is not registered. */
#define LPV_ERR_NOT_LOADED \
	"podvs kernel module not loaded (generic netlink family \"podvs\" not found)"

union lpv_addr {
	struct in_addr v4;
	struct in6_addr v6;
	uint8_t raw[16];
};

/* Counters and rates, as enum podvs_stats_attr. */
struct lpv_stats {
	uint64_t conns;
	uint64_t inpkts;
	uint64_t outpkts;
	uint64_t inbytes;
	uint64_t outbytes;
	uint64_t cps;
	uint64_t inpps;
	uint64_t outpps;
	uint64_t inbps;
	uint64_t outbps;
};

/* struct lpv_service.present bits */
enum {
	LPV_SVC_HAS_SCHED		= 1U << 0,
	LPV_SVC_HAS_FLAGS		= 1U << 1,	/* flags (and flags_mask) */
	LPV_SVC_HAS_FLAGS_MASK		= 1U << 2,
	LPV_SVC_HAS_TIMEOUT		= 1U << 3,
	LPV_SVC_HAS_NETMASK		= 1U << 4,
	LPV_SVC_HAS_MH_TABLE_SIZE	= 1U << 5,
	LPV_SVC_HAS_OWNER		= 1U << 6,
	LPV_SVC_HAS_STATS		= 1U << 7,	/* replies only */
	LPV_SVC_HAS_NDESTS		= 1U << 8,	/* replies only */
};

/*
 * A virtual service.  Key: af, protocol, addr, port (always sent).
 * af is AF_INET or AF_INET6; protocol IPPROTO_TCP or IPPROTO_UDP.
 */
struct lpv_service {
	uint16_t af;
	uint8_t protocol;
	union lpv_addr addr;
	uint16_t port;
	uint32_t present;			/* LPV_SVC_HAS_* */
	char sched[PODVS_SCHED_NAME_LEN];
	uint32_t flags;				/* enum podvs_svc_flags */
	uint32_t flags_mask;			/* SET: bits that change */
	uint32_t timeout;			/* persistence, seconds */
	uint8_t netmask;			/* persistence prefix length */
	uint32_t mh_table_size;
	char owner[PODVS_OWNER_LEN];
	struct lpv_stats stats;			/* replies */
	uint32_t ndests;			/* replies */
};

/* struct lpv_dest.present bits */
enum {
	LPV_DEST_HAS_WEIGHT		= 1U << 0,
	LPV_DEST_HAS_FLAGS		= 1U << 1,
	LPV_DEST_HAS_FLAGS_MASK		= 1U << 2,
	LPV_DEST_HAS_FWD		= 1U << 3,
	LPV_DEST_HAS_OWNER		= 1U << 4,
	LPV_DEST_HAS_CONNS		= 1U << 5,	/* replies only */
	LPV_DEST_HAS_STATS		= 1U << 6,	/* replies only */
};

/* A real server (Pod).  Key within its service: addr, port.  Its address
 * family is its service's.
 */
struct lpv_dest {
	union lpv_addr addr;
	uint16_t port;
	uint32_t present;			/* LPV_DEST_HAS_* */
	uint32_t weight;			/* 0..65535 */
	uint32_t flags;				/* enum podvs_dest_flags */
	uint32_t flags_mask;			/* SET: bits that change */
	uint32_t fwd;				/* enum podvs_fwd_method */
	char owner[PODVS_OWNER_LEN];
	uint32_t active_conns;			/* replies */
	uint32_t inactive_conns;		/* replies */
	uint32_t persist_conns;			/* replies */
	struct lpv_stats stats;			/* replies */
};

/* Per-namespace settings, seconds.  In lpv_config_set() a zero field keeps
 * the current value (as ipvsadm --set does).
 */
struct lpv_config {
	uint32_t tcp_timeout;
	uint32_t tcpfin_timeout;
	uint32_t udp_timeout;
	uint32_t synrecv_timeout;
	uint32_t close_timeout;
	uint32_t conn_max;
};

/* Drop counters, as enum podvs_drop_attr. */
struct lpv_drops {
	uint64_t no_service;
	uint64_t no_dest;
	uint64_t conn_limit;
	uint64_t no_route;
	uint64_t nomem;
	uint64_t malformed;
	uint64_t dest_gone;
	uint64_t ambiguous;
	uint64_t snat_ports;
};

/* PODVS_CMD_GET_INFO reply; absent attributes read as 0 / "". */
struct lpv_info {
	char version[32];
	uint32_t abi;
	uint32_t services;
	uint32_t dests;
	uint32_t conns;
	uint32_t svc_buckets;
	uint32_t conn_buckets;
	uint32_t conn_max;
	uint32_t generation;
	struct lpv_drops drops;
	char schedulers[256];
	uint64_t learned;			/* PODVS_INFO_A_LEARNED */
};

/* One connection entry (PODVS_CMD_GET_CONN). */
struct lpv_conn {
	uint16_t af;
	uint8_t protocol;
	union lpv_addr caddr, vaddr, daddr;
	uint16_t cport, vport, dport;
	uint8_t state;				/* enum podvs_conn_state */
	uint32_t expires;			/* seconds */
	uint32_t flags;				/* enum podvs_conn_flags */
	bool has_laddr;				/* hairpin SNAT: laddr, lport */
	union lpv_addr laddr;
	uint16_t lport;
};

/* struct lpv_conn_filter.present bits */
enum {
	LPV_CONN_FILTER_SERVICE		= 1U << 0,	/* svc key */
	LPV_CONN_FILTER_DADDR		= 1U << 1,
	LPV_CONN_FILTER_DPORT		= 1U << 2,
	LPV_CONN_FILTER_CADDR		= 1U << 3,
	LPV_CONN_FILTER_CPORT		= 1U << 4,
};

/* Filters for lpv_conn_list(); the kernel applies them during the dump. */
struct lpv_conn_filter {
	uint32_t present;			/* LPV_CONN_FILTER_* */
	struct lpv_service svc;			/* key fields only */
	union lpv_addr daddr;
	uint16_t dport;
	union lpv_addr caddr;
	uint16_t cport;
};

/*
 * VIP announcement state of the namespace (PODVS_A_ANNOUNCE; see "VIP
 * announcement" in the uapi header).  lpv_announce_get() fills every
 * field; up, remaining_ms, expiries and links are reported only.
 * lpv_announce_set() sends only the fields whose has_* is true (the
 * others keep their value in the kernel); has_hold restarts the watchdog:
 * it is podvsd's heartbeat.  hold is 1..3600 seconds in a set, 0 in a
 * reply when the watchdog never ran.
 */
struct lpv_announce {
	uint32_t hold;				/* seconds */
	bool ready, decommissioned, up;
	uint32_t remaining_ms, expiries, links;	/* replies */
	bool has_hold, has_ready, has_decommissioned;	/* set */
};

struct lpv_handle;

/*
 * lpv_open - open a generic netlink socket and resolve the "podvs" family.
 * @hp: set to the new handle on success, NULL on failure
 * @errmsg: optional buffer for the failure message (LPV_ERRMSG_LEN bytes
 *	is enough); if the family is not registered the message is
 *	LPV_ERR_NOT_LOADED and the return value -ENOENT
 *
 * The socket has NETLINK_EXT_ACK and NETLINK_CAP_ACK enabled and its send and
 * receive buffers raised (SO_*BUFFORCE when permitted) for large batches.
 */
int lpv_open(struct lpv_handle **hp, char *errmsg, size_t errlen);
void lpv_close(struct lpv_handle *h);

/* Message of the last failed call on @h (never NULL; "" if none). */
const char *lpv_errmsg(const struct lpv_handle *h);

/* File descriptor of the notification socket (-1 before
 * lpv_notify_subscribe()); poll it for POLLIN.
 */
int lpv_notify_fd(const struct lpv_handle *h);

int lpv_info_get(struct lpv_handle *h, struct lpv_info *info);

/* Services.  svc holds at least the key; add/edit send the fields named in
 * svc->present.  get fills *svc from the kernel (key in, everything out).
 */
int lpv_service_add(struct lpv_handle *h, const struct lpv_service *svc);
int lpv_service_edit(struct lpv_handle *h, const struct lpv_service *svc);
int lpv_service_del(struct lpv_handle *h, const struct lpv_service *svc);
int lpv_service_get(struct lpv_handle *h, struct lpv_service *svc);
/* Dump every service of the namespace; *svcs is malloc'ed (NULL if none). */
int lpv_service_list(struct lpv_handle *h, struct lpv_service **svcs,
		     size_t *n);

/* Dests of the service whose key is in @svc. */
int lpv_dest_add(struct lpv_handle *h, const struct lpv_service *svc,
		 const struct lpv_dest *dest);
int lpv_dest_edit(struct lpv_handle *h, const struct lpv_service *svc,
		  const struct lpv_dest *dest);
int lpv_dest_del(struct lpv_handle *h, const struct lpv_service *svc,
		 const struct lpv_dest *dest);
int lpv_dest_list(struct lpv_handle *h, const struct lpv_service *svc,
		  struct lpv_dest **dests, size_t *n);

int lpv_config_get(struct lpv_handle *h, struct lpv_config *cfg);
int lpv_config_set(struct lpv_handle *h, const struct lpv_config *cfg);

int lpv_announce_get(struct lpv_handle *h, struct lpv_announce *ann);
/* -EINVAL (no request sent) when no has_* is set. */
int lpv_announce_set(struct lpv_handle *h, const struct lpv_announce *ann);

/* Delete every service (ipvsadm -C). */
int lpv_flush(struct lpv_handle *h);
/* Zero counters of @svc, or of everything (and the drop counters) if NULL. */
int lpv_zero(struct lpv_handle *h, const struct lpv_service *svc);

/* Dump connections matching @filter (NULL: all). */
int lpv_conn_list(struct lpv_handle *h,
		  const struct lpv_conn_filter *filter,
		  struct lpv_conn **conns, size_t *n);

/*
 * Batches: many service/dest operations applied by the kernel atomically.
 *
 * Ops are appended in order (cmd is one of PODVS_CMD_{NEW,SET,DEL}_SERVICE
 * or PODVS_CMD_{NEW,SET,DEL}_DEST; @dest is NULL for service ops) and
 * encoded at once.  lpv_batch_send() packs them into PODVS_CMD_BATCH
 * messages no larger than the socket allows (a few MiB when the socket
 * buffers could be raised; 100,000 dests fit in a handful of messages).
 * Each message is atomic in the kernel; if the ops do not fit in one
 * message, messages before a failing one stay applied (res->applied).
 */
struct lpv_batch;

struct lpv_batch_result {
	size_t failed_op;	/* caller's index of the failing op, or SIZE_MAX */
	size_t applied;		/* ops committed before the failure */
	size_t messages;	/* messages sent (incl. a failing one) */
};

struct lpv_batch *lpv_batch_new(void);
void lpv_batch_free(struct lpv_batch *b);
/* Returns the op's index (>= 0) or -errno (-EINVAL: bad cmd or dest). */
int lpv_batch_append(struct lpv_batch *b, uint8_t cmd,
		     const struct lpv_service *svc,
		     const struct lpv_dest *dest);
size_t lpv_batch_count(const struct lpv_batch *b);
/* True if @cmd is a dest command (NEW/SET/DEL_DEST: append needs a dest). */
bool lpv_cmd_is_dest(uint8_t cmd);
/* Bound the size of each message (0: the socket's limit).  For tests. */
void lpv_batch_set_max_msg(struct lpv_batch *b, size_t bytes);
/*
 * Send every op.  On failure returns -errno; lpv_errmsg() is the kernel's
 * message with the op index rewritten to the caller's index ("op 17: ...")
 * and @res (optional) tells which op failed and how many were committed.
 */
int lpv_batch_send(struct lpv_handle *h, struct lpv_batch *b,
		   struct lpv_batch_result *res);

/*
 * Change notifications: join the "changes" multicast group on a second
 * socket of @h, then poll lpv_notify_fd() and call lpv_notify_recv(),
 * which reads every pending PODVS_CMD_NOTIFY without blocking and stores the
 * newest generation.  Returns the number read (0 if none), -ENOBUFS when
 * notifications were lost (re-read the full state), or another -errno.
 */
int lpv_notify_subscribe(struct lpv_handle *h);
int lpv_notify_recv(struct lpv_handle *h, uint32_t *generation);

/* Helpers shared by the tools. */

/* Parse a numeric IPv4 or IPv6 address (no brackets); sets *af. */
int lpv_addr_parse(const char *s, uint16_t *af, union lpv_addr *addr);
/* Format an address; returns buf. */
const char *lpv_addr_str(uint16_t af, const union lpv_addr *addr,
			 char *buf, size_t len);
/* Address length for af (4, 16) or 0 if af is unknown. */
size_t lpv_addr_len(uint16_t af);
/* Name of a connection state as ipvsadm prints it ("ESTABLISHED", ...). */
const char *lpv_conn_state_name(uint8_t state);

#endif /* _LIBPODVS_H */
