/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * podvs: direct-to-Pod layer-4 load balancer, generic netlink ABI.
 *
 * This header is the only contract between the kernel module and userspace.
 * Rules: attributes and commands are only ever appended; every flag word has
 * a known-bits mask and the kernel rejects unknown bits; addresses are raw
 * network-order bytes (4 for AF_INET, 16 for AF_INET6); ports are u16 in
 * network byte order (NLA_BE16); counters are u64 (padded with *_PAD).
 *
 * Permissions: every command that changes state (NEW_*, SET_*, DEL_*, FLUSH,
 * ZERO, BATCH) needs CAP_NET_ADMIN in the user namespace that owns the
 * caller's network namespace (GENL_UNS_ADMIN_PERM).  Reads (GET_*) are
 * allowed to any process in the namespace, as `ip route show` is: they only
 * reveal the namespace's own configuration and flows.  Joining the "changes"
 * multicast group is a read too: any process may, and it hears only its own
 * namespace's notifications.
 *
 * All state is per network namespace: a request acts on the namespace of the
 * netlink socket it arrives on.
 */
#ifndef _UAPI_LINUX_PODVS_H
#define _UAPI_LINUX_PODVS_H

#include <linux/types.h>

#define PODVS_GENL_NAME		"podvs"
#define PODVS_GENL_VERSION	1
/* multicast group: a PODVS_CMD_NOTIFY is sent after every committed change */
#define PODVS_GENL_MCGRP	"changes"

/* Scheduler names are at most this long, including the NUL. */
#define PODVS_SCHED_NAME_LEN	16
/* Owner tags are at most this long, including the NUL. */
#define PODVS_OWNER_LEN		32

/* Defaults the module starts with in every network namespace. */
#define PODVS_DEFAULT_SCHED		"mh"
/*
 * The schedulers the module carries (kmod/sched.c registers them), as an
 * array initializer: userspace checks a name against it before sending.
 */
#define PODVS_SCHED_NAMES		"mh", "sh", "rr", "wrr", "lc"
#define PODVS_DEFAULT_MH_TABLE_SIZE	65537
/* persistence timeout when PODVS_SVC_F_PERSISTENT comes without TIMEOUT
 * (ipvsadm's manual says 300 s; ipvsadm itself sends 360 for a bare -p)
 */
#define PODVS_DEFAULT_PERSIST_TIMEOUT	300	/* seconds */

/**
 * enum podvs_cmd - generic netlink commands
 *
 * @PODVS_CMD_GET_INFO: module version and table sizes.  Reply: PODVS_A_INFO.
 * @PODVS_CMD_NEW_SERVICE: add a virtual service.  Request: PODVS_A_SERVICE
 *	with AF, PROTOCOL, ADDR, PORT (key) and optional SCHED, FLAGS,
 *	TIMEOUT, NETMASK, MH_TABLE_SIZE, OWNER.  -EEXIST if the key exists.
 * @PODVS_CMD_SET_SERVICE: change an existing service's non-key attributes
 *	(only those present change).  -ENOENT if missing.
 * @PODVS_CMD_DEL_SERVICE: delete a service and all its dests; their flows
 *	are ended (TCP flows answered with RST on their next packet).
 * @PODVS_CMD_GET_SERVICE: with a key, one service; as a dump, all services
 *	of the namespace.  Reply: PODVS_A_SERVICE per service, with STATS.
 * @PODVS_CMD_NEW_DEST: add a dest.  Request: PODVS_A_SERVICE (key only) and
 *	PODVS_A_DEST with ADDR, PORT and optional WEIGHT, FLAGS, OWNER.
 * @PODVS_CMD_SET_DEST: change weight/flags (drain) of an existing dest.
 * @PODVS_CMD_DEL_DEST: delete a dest; its flows are ended.
 * @PODVS_CMD_GET_DEST: dump the dests of the service named by
 *	PODVS_A_SERVICE (key).  Reply: PODVS_A_SERVICE (key) + PODVS_A_DEST.
 * @PODVS_CMD_GET_CONFIG: per-namespace settings.  Reply: PODVS_A_CONFIG.
 * @PODVS_CMD_SET_CONFIG: change per-namespace settings; attributes absent
 *	or zero keep their value (as ipvsadm --set does).
 * @PODVS_CMD_FLUSH: delete every service of the namespace (ipvsadm -C).
 * @PODVS_CMD_ZERO: zero counters, of one service if PODVS_A_SERVICE names
 *	one, else of all services and the global drop counters.
 * @PODVS_CMD_GET_CONN: dump connections.  Optional filters in the request:
 *	PODVS_A_SERVICE (key), PODVS_A_DEST (ADDR and/or PORT),
 *	PODVS_A_CONN (CADDR and/or CPORT; its other attributes are
 *	rejected).  Reply: PODVS_A_CONN per flow.
 * @PODVS_CMD_BATCH: many service/dest operations in one message, applied
 *	atomically: either every PODVS_A_OP takes effect or none does.
 *	On failure the extack message names the failing op by its index
 *	("op 17: dest 10.0.0.5:80 already exists in TCP 192.0.2.1:80") and
 *	the extack offset points at its attribute.  Ops are applied in order,
 *	so a batch may add a service and then its dests.  Scheduler tables
 *	are rebuilt once per touched service, at the end of the batch.  A
 *	load larger than one message is sent as several batches, each atomic.
 * @PODVS_CMD_NOTIFY: multicast only, sent on the "changes" group once per
 *	committed write command or batch (none for reads or refused writes);
 *	carries only PODVS_A_INFO with PODVS_INFO_A_GENERATION, the value
 *	GET_INFO reports from then on.  Listeners re-read what they need.
 * @PODVS_CMD_GET_ANNOUNCE: the announcement state of the namespace (see
 *	"VIP announcement" below).  Reply: PODVS_A_ANNOUNCE.
 * @PODVS_CMD_SET_ANNOUNCE: change it.  Request: PODVS_A_ANNOUNCE with any
 *	of HOLD, READY, DECOMMISSIONED; absent attributes keep their value.
 *	A request with HOLD restarts the watchdog: it is podvsd's heartbeat.
 *	Refused whole (nothing applied) when any attribute is out of range.
 *	PODVS_CMD_NOTIFY follows only when HOLD, READY, DECOMMISSIONED or the
 *	carrier changed, not for a heartbeat that only restarts the watchdog;
 *	the generation is not bumped (it counts service and config changes).
 */
enum podvs_cmd {
	PODVS_CMD_UNSPEC,
	PODVS_CMD_GET_INFO,
	PODVS_CMD_NEW_SERVICE,
	PODVS_CMD_SET_SERVICE,
	PODVS_CMD_DEL_SERVICE,
	PODVS_CMD_GET_SERVICE,
	PODVS_CMD_NEW_DEST,
	PODVS_CMD_SET_DEST,
	PODVS_CMD_DEL_DEST,
	PODVS_CMD_GET_DEST,
	PODVS_CMD_GET_CONFIG,
	PODVS_CMD_SET_CONFIG,
	PODVS_CMD_FLUSH,
	PODVS_CMD_ZERO,
	PODVS_CMD_GET_CONN,
	PODVS_CMD_BATCH,
	PODVS_CMD_NOTIFY,
	PODVS_CMD_GET_ANNOUNCE,
	PODVS_CMD_SET_ANNOUNCE,

	__PODVS_CMD_MAX
};

#define PODVS_CMD_MAX (__PODVS_CMD_MAX - 1)

/**
 * enum podvs_attr - top-level attributes
 *
 * @PODVS_A_INFO: nested enum podvs_info_attr
 * @PODVS_A_SERVICE: nested enum podvs_svc_attr
 * @PODVS_A_DEST: nested enum podvs_dest_attr
 * @PODVS_A_CONFIG: nested enum podvs_cfg_attr
 * @PODVS_A_CONN: nested enum podvs_conn_attr
 * @PODVS_A_OP: nested enum podvs_op_attr; repeated, in order, in a
 *	PODVS_CMD_BATCH request (one PODVS_A_OP per operation)
 * @PODVS_A_ANNOUNCE: nested enum podvs_ann_attr
 */
enum podvs_attr {
	PODVS_A_UNSPEC,
	PODVS_A_INFO,
	PODVS_A_SERVICE,
	PODVS_A_DEST,
	PODVS_A_CONFIG,
	PODVS_A_CONN,
	PODVS_A_OP,
	PODVS_A_ANNOUNCE,

	__PODVS_A_MAX
};

#define PODVS_A_MAX (__PODVS_A_MAX - 1)

/**
 * enum podvs_info_attr - PODVS_A_INFO
 *
 * @PODVS_INFO_A_VERSION: string, module version (the VERSION file's, "1.2.3")
 * @PODVS_INFO_A_ABI: u32, PODVS_GENL_VERSION the module speaks
 * @PODVS_INFO_A_SERVICES: u32, services in this namespace
 * @PODVS_INFO_A_DESTS: u32, dests in this namespace
 * @PODVS_INFO_A_CONNS: u32, connection entries in this namespace
 * @PODVS_INFO_A_SVC_BUCKETS: u32, current service hash table size
 * @PODVS_INFO_A_CONN_BUCKETS: u32, current connection hash table size
 * @PODVS_INFO_A_CONN_MAX: u32, bound on connection entries
 * @PODVS_INFO_A_GENERATION: u32, bumped on every committed change
 * @PODVS_INFO_A_DROPS: nested enum podvs_drop_attr, u64 counters
 * @PODVS_INFO_A_SCHEDULERS: string, space-separated scheduler names
 * @PODVS_INFO_A_PAD: padding for u64 attributes
 * @PODVS_INFO_A_LEARNED: u64, flows learned from a packet of the Pod side
 *	(reverse translation without an entry, see below)
 */
enum podvs_info_attr {
	PODVS_INFO_A_UNSPEC,
	PODVS_INFO_A_VERSION,
	PODVS_INFO_A_ABI,
	PODVS_INFO_A_SERVICES,
	PODVS_INFO_A_DESTS,
	PODVS_INFO_A_CONNS,
	PODVS_INFO_A_SVC_BUCKETS,
	PODVS_INFO_A_CONN_BUCKETS,
	PODVS_INFO_A_CONN_MAX,
	PODVS_INFO_A_GENERATION,
	PODVS_INFO_A_DROPS,
	PODVS_INFO_A_SCHEDULERS,
	PODVS_INFO_A_PAD,
	PODVS_INFO_A_LEARNED,

	__PODVS_INFO_A_MAX
};

#define PODVS_INFO_A_MAX (__PODVS_INFO_A_MAX - 1)

/**
 * enum podvs_drop_attr - why packets to a VIP were dropped (u64 each)
 *
 * @PODVS_DROP_A_NO_SERVICE: VIP known, port has no service (rejected)
 * @PODVS_DROP_A_NO_DEST: service has no usable dest
 * @PODVS_DROP_A_CONN_LIMIT: connection table full
 * @PODVS_DROP_A_NO_ROUTE: no route to the dest
 * @PODVS_DROP_A_NOMEM: allocation failed in the datapath
 * @PODVS_DROP_A_MALFORMED: truncated or bad header
 * @PODVS_DROP_A_DEST_GONE: packet of a flow whose dest was deleted (TCP: RST)
 * @PODVS_DROP_A_PAD: padding
 * @PODVS_DROP_A_AMBIGUOUS: a packet from a dest address and port without an
 *	entry, that the reverse-translation rule (below) cannot give to one
 *	service; dropped rather than sent with the Pod's address
 * @PODVS_DROP_A_SNAT_PORTS: hairpin SNAT found no free source port
 */
enum podvs_drop_attr {
	PODVS_DROP_A_UNSPEC,
	PODVS_DROP_A_NO_SERVICE,
	PODVS_DROP_A_NO_DEST,
	PODVS_DROP_A_CONN_LIMIT,
	PODVS_DROP_A_NO_ROUTE,
	PODVS_DROP_A_NOMEM,
	PODVS_DROP_A_MALFORMED,
	PODVS_DROP_A_DEST_GONE,
	PODVS_DROP_A_PAD,
	PODVS_DROP_A_AMBIGUOUS,
	PODVS_DROP_A_SNAT_PORTS,

	__PODVS_DROP_A_MAX
};

#define PODVS_DROP_A_MAX (__PODVS_DROP_A_MAX - 1)

/**
 * enum podvs_svc_flags - PODVS_SVC_A_FLAGS bits
 *
 * @PODVS_SVC_F_PERSISTENT: client keeps its dest for TIMEOUT seconds across
 *	connections (ipvsadm -p; Kubernetes sessionAffinity ClientIP)
 * @PODVS_SVC_F_HASH_PORT: hash schedulers (mh, sh) also hash the client's
 *	source port (ipvsadm -b mh-port / sh-port)
 * @PODVS_SVC_F_HASH_FALLBACK: accepted for ipvsadm compatibility
 *	(mh-fallback / sh-fallback); podvs hash schedulers always fall back
 *	from a drained or weight-0 dest, so the bit only round-trips
 */
enum podvs_svc_flags {
	PODVS_SVC_F_PERSISTENT		= 1U << 0,
	PODVS_SVC_F_HASH_PORT		= 1U << 1,
	PODVS_SVC_F_HASH_FALLBACK	= 1U << 2,
};

#define PODVS_SVC_F_ALL (PODVS_SVC_F_PERSISTENT | PODVS_SVC_F_HASH_PORT | \
			 PODVS_SVC_F_HASH_FALLBACK)

/**
 * enum podvs_svc_attr - PODVS_A_SERVICE
 *
 * Key: AF, PROTOCOL, ADDR, PORT.
 *
 * @PODVS_SVC_A_AF: u16, AF_INET or AF_INET6
 * @PODVS_SVC_A_PROTOCOL: u8, IPPROTO_TCP or IPPROTO_UDP
 * @PODVS_SVC_A_ADDR: binary, the VIP (4 or 16 bytes, matching AF)
 * @PODVS_SVC_A_PORT: be16, virtual port (non-zero)
 * @PODVS_SVC_A_SCHED: string, scheduler name (mh, sh, rr, wrr, lc)
 * @PODVS_SVC_A_FLAGS: u32, enum podvs_svc_flags.  In SET requests only the
 *	bits in PODVS_SVC_A_FLAGS_MASK change.
 * @PODVS_SVC_A_FLAGS_MASK: u32, which flag bits a SET changes (default: all)
 * @PODVS_SVC_A_TIMEOUT: u32, persistence timeout in seconds (1..2^31/HZ)
 * @PODVS_SVC_A_NETMASK: u8, persistence prefix length (v4 <= 32, v6 <= 128)
 * @PODVS_SVC_A_MH_TABLE_SIZE: u32, Maglev table size, a prime in
 *	[251, 1048573]; default PODVS_DEFAULT_MH_TABLE_SIZE
 * @PODVS_SVC_A_OWNER: string, free-form tag of who created the entry
 *	(podvsd sets it to recognise its own services on restart)
 * @PODVS_SVC_A_STATS: nested enum podvs_stats_attr (replies only)
 * @PODVS_SVC_A_DESTS: u32, number of dests (replies only)
 * @PODVS_SVC_A_PAD: padding
 * @PODVS_SVC_A_SNAT_FROM: nested, up to PODVS_SNAT_RANGES_MAX
 *	PODVS_RANGE_A_PREFIX: clients in these prefixes (hairpin: Pods and
 *	nodes of the cluster) are source-NATed to the gateway's address
 *	towards the Pod, so the Pod's reply comes back through the gateway.
 *	Such a Pod sees the gateway, not the client.  In SET the list is
 *	replaced; an empty nest clears it.  Default: empty (no SNAT).
 */
enum podvs_svc_attr {
	PODVS_SVC_A_UNSPEC,
	PODVS_SVC_A_AF,
	PODVS_SVC_A_PROTOCOL,
	PODVS_SVC_A_ADDR,
	PODVS_SVC_A_PORT,
	PODVS_SVC_A_SCHED,
	PODVS_SVC_A_FLAGS,
	PODVS_SVC_A_FLAGS_MASK,
	PODVS_SVC_A_TIMEOUT,
	PODVS_SVC_A_NETMASK,
	PODVS_SVC_A_MH_TABLE_SIZE,
	PODVS_SVC_A_OWNER,
	PODVS_SVC_A_STATS,
	PODVS_SVC_A_DESTS,
	PODVS_SVC_A_PAD,
	PODVS_SVC_A_SNAT_FROM,

	__PODVS_SVC_A_MAX
};

#define PODVS_SVC_A_MAX (__PODVS_SVC_A_MAX - 1)

/**
 * enum podvs_dest_flags - PODVS_DEST_A_FLAGS bits
 *
 * @PODVS_DEST_F_DRAIN: no new flows; existing flows continue
 */
enum podvs_dest_flags {
	PODVS_DEST_F_DRAIN	= 1U << 0,
};

#define PODVS_DEST_F_ALL (PODVS_DEST_F_DRAIN)

/**
 * enum podvs_fwd_method - PODVS_DEST_A_FWD
 *
 * @PODVS_FWD_MASQ: destination NAT to the Pod, replies reverse-translated
 *	(ipvsadm -m); the only method podvs implements
 */
enum podvs_fwd_method {
	PODVS_FWD_MASQ = 0,
};

/**
 * enum podvs_dest_attr - PODVS_A_DEST
 *
 * Key (within its service): ADDR, PORT.  A dest has its service's family.
 *
 * @PODVS_DEST_A_ADDR: binary, the Pod address (4 or 16 bytes)
 * @PODVS_DEST_A_PORT: be16, the Pod port (may differ from the virtual port)
 * @PODVS_DEST_A_WEIGHT: u32, 0..65535 (default 1); 0 = quiescent
 * @PODVS_DEST_A_FLAGS: u32, enum podvs_dest_flags; in SET, only bits in
 *	PODVS_DEST_A_FLAGS_MASK change
 * @PODVS_DEST_A_FLAGS_MASK: u32, which flag bits a SET changes (default all)
 * @PODVS_DEST_A_FWD: u32, enum podvs_fwd_method
 * @PODVS_DEST_A_OWNER: string, as PODVS_SVC_A_OWNER
 * @PODVS_DEST_A_ACTIVE_CONNS: u32, established flows (replies only)
 * @PODVS_DEST_A_INACTIVE_CONNS: u32, other flows (replies only)
 * @PODVS_DEST_A_PERSIST_CONNS: u32, persistence entries (replies only)
 * @PODVS_DEST_A_STATS: nested enum podvs_stats_attr (replies only)
 * @PODVS_DEST_A_PAD: padding
 */
enum podvs_dest_attr {
	PODVS_DEST_A_UNSPEC,
	PODVS_DEST_A_ADDR,
	PODVS_DEST_A_PORT,
	PODVS_DEST_A_WEIGHT,
	PODVS_DEST_A_FLAGS,
	PODVS_DEST_A_FLAGS_MASK,
	PODVS_DEST_A_FWD,
	PODVS_DEST_A_OWNER,
	PODVS_DEST_A_ACTIVE_CONNS,
	PODVS_DEST_A_INACTIVE_CONNS,
	PODVS_DEST_A_PERSIST_CONNS,
	PODVS_DEST_A_STATS,
	PODVS_DEST_A_PAD,

	__PODVS_DEST_A_MAX
};

#define PODVS_DEST_A_MAX (__PODVS_DEST_A_MAX - 1)

/**
 * enum podvs_stats_attr - counters (u64) and rates (u64, per second,
 *	EWMA over 2 s ticks as IPVS computes them)
 */
enum podvs_stats_attr {
	PODVS_STATS_A_UNSPEC,
	PODVS_STATS_A_CONNS,
	PODVS_STATS_A_INPKTS,
	PODVS_STATS_A_OUTPKTS,
	PODVS_STATS_A_INBYTES,
	PODVS_STATS_A_OUTBYTES,
	PODVS_STATS_A_CPS,
	PODVS_STATS_A_INPPS,
	PODVS_STATS_A_OUTPPS,
	PODVS_STATS_A_INBPS,
	PODVS_STATS_A_OUTBPS,
	PODVS_STATS_A_PAD,

	__PODVS_STATS_A_MAX
};

#define PODVS_STATS_A_MAX (__PODVS_STATS_A_MAX - 1)

/**
 * enum podvs_cfg_attr - PODVS_A_CONFIG, per network namespace; timeouts in
 *	seconds (1..2^31/HZ)
 *
 * @PODVS_CFG_A_TCP_TIMEOUT: u32, TCP established (default 900)
 * @PODVS_CFG_A_TCPFIN_TIMEOUT: u32, FIN_WAIT / TIME_WAIT (default 120)
 * @PODVS_CFG_A_UDP_TIMEOUT: u32, UDP (default 300)
 * @PODVS_CFG_A_SYNRECV_TIMEOUT: u32, SYN_RECV (default 60)
 * @PODVS_CFG_A_CLOSE_TIMEOUT: u32, CLOSE (default 10)
 * @PODVS_CFG_A_CONN_MAX: u32, bound on connection entries (default
 *	1048576); new flows beyond it are dropped and counted (CONN_LIMIT)
 */
enum podvs_cfg_attr {
	PODVS_CFG_A_UNSPEC,
	PODVS_CFG_A_TCP_TIMEOUT,
	PODVS_CFG_A_TCPFIN_TIMEOUT,
	PODVS_CFG_A_UDP_TIMEOUT,
	PODVS_CFG_A_SYNRECV_TIMEOUT,
	PODVS_CFG_A_CLOSE_TIMEOUT,
	PODVS_CFG_A_CONN_MAX,

	__PODVS_CFG_A_MAX
};

#define PODVS_CFG_A_MAX (__PODVS_CFG_A_MAX - 1)

/**
 * enum podvs_conn_state - PODVS_CONN_A_STATE
 */
enum podvs_conn_state {
	PODVS_CONN_S_NONE,
	PODVS_CONN_S_SYN_SENT,		/* client SYN seen */
	PODVS_CONN_S_SYN_RECV,		/* Pod SYN-ACK seen */
	PODVS_CONN_S_ESTABLISHED,
	PODVS_CONN_S_FIN_WAIT,
	PODVS_CONN_S_TIME_WAIT,
	PODVS_CONN_S_CLOSE,		/* RST seen */
	PODVS_CONN_S_UDP,		/* UDP flow */
	PODVS_CONN_S_PERSIST,		/* persistence template, not a flow */

	__PODVS_CONN_S_MAX
};

/**
 * enum podvs_conn_attr - PODVS_A_CONN
 *
 * @PODVS_CONN_A_AF: u16
 * @PODVS_CONN_A_PROTOCOL: u8
 * @PODVS_CONN_A_CADDR: binary, client address
 * @PODVS_CONN_A_CPORT: be16, client port
 * @PODVS_CONN_A_VADDR: binary, VIP
 * @PODVS_CONN_A_VPORT: be16, virtual port
 * @PODVS_CONN_A_DADDR: binary, Pod address
 * @PODVS_CONN_A_DPORT: be16, Pod port
 * @PODVS_CONN_A_STATE: u8, enum podvs_conn_state
 * @PODVS_CONN_A_EXPIRES: u32, seconds until the entry expires
 * @PODVS_CONN_A_LADDR: binary, hairpin SNAT only: the gateway address the
 *	Pod sees as the client
 * @PODVS_CONN_A_LPORT: be16, hairpin SNAT only: the port with it
 * @PODVS_CONN_A_FLAGS: u32, enum podvs_conn_flags
 */
enum podvs_conn_attr {
	PODVS_CONN_A_UNSPEC,
	PODVS_CONN_A_AF,
	PODVS_CONN_A_PROTOCOL,
	PODVS_CONN_A_CADDR,
	PODVS_CONN_A_CPORT,
	PODVS_CONN_A_VADDR,
	PODVS_CONN_A_VPORT,
	PODVS_CONN_A_DADDR,
	PODVS_CONN_A_DPORT,
	PODVS_CONN_A_STATE,
	PODVS_CONN_A_EXPIRES,
	PODVS_CONN_A_LADDR,
	PODVS_CONN_A_LPORT,
	PODVS_CONN_A_FLAGS,

	__PODVS_CONN_A_MAX
};

#define PODVS_CONN_A_MAX (__PODVS_CONN_A_MAX - 1)

/**
 * enum podvs_conn_flags - PODVS_CONN_A_FLAGS bits
 *
 * @PODVS_CONN_FL_LEARNED: the entry was made from a Pod-side packet (its
 *	first packet on this gateway came from the Pod)
 * @PODVS_CONN_FL_SNAT: hairpin SNAT: the Pod sees LADDR:LPORT as the client
 */
enum podvs_conn_flags {
	PODVS_CONN_FL_LEARNED	= 1U << 0,
	PODVS_CONN_FL_SNAT	= 1U << 1,
};

/*
 * Reverse translation (a fleet of gateways behind ECMP).
 *
 * A packet from a dest (Pod address, port, protocol) that finds no entry on
 * this gateway, because its request came in through another gateway, or
 * the entry was lost to a restart or a timeout, is translated back to the
 * VIP and port of the service that owns the dest, and an entry is learned
 * from it (PODVS_CONN_FL_LEARNED), in its TCP state as far as one packet
 * tells it (SYN-ACK: SYN_RECV, FIN: FIN_WAIT, other segments: ESTABLISHED),
 * without a persistence template.  ICMP errors from a Pod, and its RSTs,
 * are translated the same way but learn no entry; a Pod's SYN without ACK
 * is no reply and is left alone.  Only forwarded packets are translated so:
 * not the gateway's own, nor packets addressed to the gateway itself.  A
 * dest that is draining or of weight 0 is translated (it still has flows);
 * a deleted one is no dest: its packets pass untouched.  The datapath sees
 * a batch's dests only once the batch has committed.
 *
 * Which service owns a dest: the one service that has it.  When one Pod
 * address and port is a dest of several services (two VIPs on the same
 * Pods), the candidates are the services of the packet's family and
 * protocol whose scheduler is a hash of the client (mh, sh) and would send
 * this client address and port to this dest now (a drained dest is sent
 * no one); if exactly one service is left, it owns the packet.  Otherwise
 * the packet is dropped and counted (PODVS_DROP_A_AMBIGUOUS): sent
 * untranslated, it would only make the client reset the connection.  Use
 * distinct Pod ports per service (as two targetPorts) when two VIPs share
 * Pods and replies can cross gateways.
 */

/*
 * VIP announcement (a fleet of gateways behind BGP).
 *
 * Links of kind "podvs" (`ip link add podvs0 type podvs`) carry the VIPs a
 * routing daemon announces (BIRD's direct protocol with `check link`).
 * Their carrier is on only while all of these hold:
 *  - the watchdog runs: a SET_ANNOUNCE with HOLD came less than HOLD
 *    seconds ago (podvsd sends one every few seconds; when podvsd is dead
 *    for HOLD seconds, the carrier goes off and the routes are withdrawn);
 *  - READY is 1 (podvsd: synced with the API server and able to program
 *    the kernel);
 *  - DECOMMISSIONED is 0 (the operator's switch; it outlives podvsd).
 * Which VIPs are on the link (those with a usable dest) is podvsd's.
 * The carrier changes nothing in forwarding: a gateway whose routes are
 * withdrawn keeps forwarding whatever still reaches it.
 */
#define PODVS_SNAT_RANGES_MAX		16
#define PODVS_DEFAULT_HOLD		60	/* seconds */
#define PODVS_LINK_KIND			"podvs"

/**
 * enum podvs_range_attr - one entry of PODVS_SVC_A_SNAT_FROM
 *
 * @PODVS_RANGE_A_PREFIX: binary, the address (4 or 16 bytes, the service's
 *	family) followed by one byte of prefix length; host bits must be 0
 */
enum podvs_range_attr {
	PODVS_RANGE_A_UNSPEC,
	PODVS_RANGE_A_PREFIX,

	__PODVS_RANGE_A_MAX
};

#define PODVS_RANGE_A_MAX (__PODVS_RANGE_A_MAX - 1)

/**
 * enum podvs_ann_attr - PODVS_A_ANNOUNCE
 *
 * @PODVS_ANN_A_HOLD: u32, seconds (1..3600): restart the watchdog with this
 *	hold time.  In replies: the hold time last set (0: never started).
 * @PODVS_ANN_A_READY: u8, 0 or 1 (default 0)
 * @PODVS_ANN_A_DECOMMISSIONED: u8, 0 or 1 (default 0)
 * @PODVS_ANN_A_UP: u8, replies only: the carrier of podvs links now
 * @PODVS_ANN_A_REMAINING_MS: u32, replies only: until the watchdog fires
 *	(0 when it has fired or never ran)
 * @PODVS_ANN_A_EXPIRIES: u32, replies only: times the watchdog has fired
 * @PODVS_ANN_A_LINKS: u32, replies only: podvs links in the namespace
 */
enum podvs_ann_attr {
	PODVS_ANN_A_UNSPEC,
	PODVS_ANN_A_HOLD,
	PODVS_ANN_A_READY,
	PODVS_ANN_A_DECOMMISSIONED,
	PODVS_ANN_A_UP,
	PODVS_ANN_A_REMAINING_MS,
	PODVS_ANN_A_EXPIRIES,
	PODVS_ANN_A_LINKS,

	__PODVS_ANN_A_MAX
};

#define PODVS_ANN_A_MAX (__PODVS_ANN_A_MAX - 1)

/**
 * enum podvs_op_attr - one operation of a PODVS_CMD_BATCH (PODVS_A_OP)
 *
 * @PODVS_OP_A_CMD: u8, one of PODVS_CMD_{NEW,SET,DEL}_{SERVICE,DEST}
 * @PODVS_OP_A_SERVICE: nested enum podvs_svc_attr, as for that command
 * @PODVS_OP_A_DEST: nested enum podvs_dest_attr, for dest commands
 */
enum podvs_op_attr {
	PODVS_OP_A_UNSPEC,
	PODVS_OP_A_CMD,
	PODVS_OP_A_SERVICE,
	PODVS_OP_A_DEST,

	__PODVS_OP_A_MAX
};

#define PODVS_OP_A_MAX (__PODVS_OP_A_MAX - 1)

#endif /* _UAPI_LINUX_PODVS_H */
