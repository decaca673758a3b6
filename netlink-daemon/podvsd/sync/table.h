/* SPDX-License-Identifier: GPL-2.0 */
/*
 * podvsd's model of the kernel tables: virtual services (VS) with their
 * dests, in the same shape for the desired state (computed from Kubernetes)
 * and the actual state (read back from the kernel), plus the operations
 * that turn one into the other.
 *
 * Ownership: every entry podvsd creates carries an owner tag starting with
 * PD_OWNER_PREFIX; entries without it (made with podvsadm, by hand) are
 * never changed.  The tag of a Service's entries is "podvsd:<ns>/<name>",
 * shortened to fit PODVS_OWNER_LEN (see pd_owner_tag()).
 */
#ifndef PODVSD_TABLE_H
#define PODVSD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/podvs.h>

#include "base/addr.h"
#include "base/hmap.h"

#define PD_OWNER_PREFIX		"podvsd:"

/* A VS key; memset to zero before filling so it can be hashed as bytes. */
struct pd_vs_key {
	struct pd_addr vip;
	uint16_t port;		/* host order */
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP */
	uint8_t pad;
};

/* "TCP 192.0.2.1:80", "UDP [2001:db8::1]:53" */
#define PD_VS_KEY_STRLEN	(PD_ADDR_STRLEN + 16)

struct pd_dest {
	uint8_t addr[16];	/* the VS's family */
	uint16_t port;		/* host order */
	uint16_t weight;
	uint8_t flags;		/* PODVS_DEST_F_* */
	bool foreign;		/* actual only: not tagged by podvsd */
	uint32_t conns;		/* actual only: active + inactive flows */
};

struct pd_vs {
	struct pd_vs_key key;
	char sched[PODVS_SCHED_NAME_LEN];
	uint32_t flags;		/* PODVS_SVC_F_* */
	uint32_t timeout;	/* persistence seconds (if PERSISTENT) */
	uint8_t netmask;	/* persistence prefix (if PERSISTENT) */
	char owner[PODVS_OWNER_LEN];
	/* hairpin SNAT client prefixes (PODVS_SVC_A_SNAT_FROM), the VS's
	 * family only, sorted by pd_prefix_cmp(), unique */
	struct pd_cidr snat[PODVS_SNAT_RANGES_MAX];
	uint8_t n_snat;
	struct pd_dest *dests;	/* sorted by (addr, port), unique */
	size_t n_dests;
	size_t cap;
};

struct pd_vs *pd_vs_new(const struct pd_vs_key *key);
void pd_vs_free(struct pd_vs *vs);
/* Deep copy, or NULL. */
struct pd_vs *pd_vs_dup(const struct pd_vs *vs);
void pd_vs_key_init(struct pd_vs_key *k, const struct pd_addr *vip,
		    uint8_t proto, uint16_t port);
int pd_vs_key_cmp(const struct pd_vs_key *a, const struct pd_vs_key *b);
const char *pd_vs_key_str(const struct pd_vs_key *k, char *buf);
const char *pd_dest_str(const struct pd_vs_key *k, const struct pd_dest *d,
			char *buf);
int pd_dest_cmp(const struct pd_dest *a, const struct pd_dest *b);
/* Index of the dest with @d's key, or -1. */
long pd_vs_dest_find(const struct pd_vs *vs, const struct pd_dest *d);
/* Insert keeping order; -EEXIST if the key is there, -ENOMEM. */
int pd_vs_dest_insert(struct pd_vs *vs, const struct pd_dest *d);
void pd_vs_dest_remove(struct pd_vs *vs, size_t i);
/* Sort dests after unordered appends (pd_vs_dest_append). */
int pd_vs_dest_append(struct pd_vs *vs, const struct pd_dest *d);
void pd_vs_dest_sort(struct pd_vs *vs);

/* Order of SNAT prefixes: family, address, length. */
int pd_prefix_cmp(const struct pd_cidr *a, const struct pd_cidr *b);
/* Sort @vs->snat; then equal lists compare equal with pd_snat_eq(). */
void pd_vs_snat_sort(struct pd_vs *vs);
bool pd_snat_eq(const struct pd_vs *a, const struct pd_vs *b);

bool pd_owned(const char *owner);
/*
 * pd_owner_tag - "podvsd:<ns>/<name>" if it fits PODVS_OWNER_LEN, else
 * "podvsd:" + a prefix of "<ns>/<name>" + "~" + 8 hex digits of its hash:
 * stable, readable and unique enough to tell Services apart in a dump.
 */
void pd_owner_tag(const char *ns, const char *name, char *buf);

/* A set of VSes keyed by pd_vs_key; owns them. */
struct pd_table {
	struct pd_hmap map;
};

void pd_table_init(struct pd_table *t);
void pd_table_fini(struct pd_table *t);
struct pd_vs *pd_table_get(const struct pd_table *t,
			   const struct pd_vs_key *k);
/* Takes @vs; replaces (and frees) an entry with the same key. */
int pd_table_put(struct pd_table *t, struct pd_vs *vs);
/* Removes and returns the entry (caller frees), or NULL. */
struct pd_vs *pd_table_take(struct pd_table *t, const struct pd_vs_key *k);
/* All entries sorted by key, in a malloc'ed array (NULL if empty). */
int pd_table_sorted(const struct pd_table *t, struct pd_vs ***out, size_t *n);

/* What a SET changes. */
enum {
	PD_CHG_SCHED	= 1U << 0,
	PD_CHG_FLAGS	= 1U << 1,
	PD_CHG_TIMEOUT	= 1U << 2,
	PD_CHG_NETMASK	= 1U << 3,
	PD_CHG_OWNER	= 1U << 4,
	PD_CHG_WEIGHT	= 1U << 5,
	PD_CHG_DFLAGS	= 1U << 6,
	PD_CHG_SNAT	= 1U << 7,	/* the whole SNAT list */
};

struct pd_op {
	uint8_t cmd;			/* PODVS_CMD_{NEW,SET,DEL}_{SERVICE,DEST} */
	uint32_t mask;			/* SET: PD_CHG_* */
	struct pd_vs_key key;
	const struct pd_vs *vs;		/* NEW/SET_SERVICE, NEW_DEST: desired VS */
	struct pd_dest dest;		/* dest ops */
};

struct pd_ops {
	struct pd_op *v;
	size_t n;
	size_t cap;
};

int pd_ops_push(struct pd_ops *ops, const struct pd_op *op);
void pd_ops_reset(struct pd_ops *ops);
void pd_ops_fini(struct pd_ops *ops);
/* One line describing @op ("add dest TCP 192.0.2.1:80 -> 10.0.0.5:8080"). */
const char *pd_op_str(const struct pd_op *op, char *buf, size_t len);

/*
 * pd_table_apply - apply @op to @t as the kernel would (also the dry-run
 * backend and the unit tests' fake kernel).  -EEXIST, -ENOENT or -ENOMEM.
 */
int pd_table_apply(struct pd_table *t, const struct pd_op *op);

#endif /* PODVSD_TABLE_H */
