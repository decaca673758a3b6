// SPDX-License-Identifier: GPL-2.0
/* VS/dest model, owner tags, VS tables and the op applier. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/table.h"

struct pd_vs *pd_vs_new(const struct pd_vs_key *key)
{
	struct pd_vs *vs = calloc(1, sizeof(*vs));

	if (vs)
		vs->key = *key;
	return vs;
}

void pd_vs_free(struct pd_vs *vs)
{
	if (!vs)
		return;
	free(vs->dests);
	free(vs);
}

struct pd_vs *pd_vs_dup(const struct pd_vs *vs)
{
	struct pd_vs *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *vs;
	c->dests = NULL;
	c->cap = c->n_dests;
	if (vs->n_dests) {
		c->dests = malloc(vs->n_dests * sizeof(*c->dests));
		if (!c->dests) {
			free(c);
			return NULL;
		}
		memcpy(c->dests, vs->dests, vs->n_dests * sizeof(*c->dests));
	}
	return c;
}

int pd_prefix_cmp(const struct pd_cidr *a, const struct pd_cidr *b)
{
	int c = pd_addr_cmp(&a->addr, &b->addr);

	return c ? c : (int)a->plen - (int)b->plen;
}

static int prefix_qcmp(const void *a, const void *b)
{
	return pd_prefix_cmp(a, b);
}

void pd_vs_snat_sort(struct pd_vs *vs)
{
	qsort(vs->snat, vs->n_snat, sizeof(*vs->snat), prefix_qcmp);
}

bool pd_snat_eq(const struct pd_vs *a, const struct pd_vs *b)
{
	if (a->n_snat != b->n_snat)
		return false;
	for (size_t i = 0; i < a->n_snat; i++)
		if (pd_prefix_cmp(&a->snat[i], &b->snat[i]))
			return false;
	return true;
}

void pd_vs_key_init(struct pd_vs_key *k, const struct pd_addr *vip,
		    uint8_t proto, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->vip.af = vip->af;
	memcpy(k->vip.b, vip->b, pd_addr_len(vip->af));
	k->proto = proto;
	k->port = port;
}

int pd_vs_key_cmp(const struct pd_vs_key *a, const struct pd_vs_key *b)
{
	int c = pd_addr_cmp(&a->vip, &b->vip);

	if (c)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return 0;
}

static const char *proto_str(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "TCP" : proto == IPPROTO_UDP ? "UDP" :
	       "?";
}

static void hostport(uint16_t af, const uint8_t *b, uint16_t port, char *buf,
		     size_t len)
{
	struct pd_addr a = { .af = af };
	char s[PD_ADDR_STRLEN];

	memcpy(a.b, b, 16);
	pd_addr_str(&a, s);
	snprintf(buf, len, af == AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
}

const char *pd_vs_key_str(const struct pd_vs_key *k, char *buf)
{
	char hp[PD_ADDR_STRLEN + 8];

	hostport(k->vip.af, k->vip.b, k->port, hp, sizeof(hp));
	snprintf(buf, PD_VS_KEY_STRLEN, "%s %s", proto_str(k->proto), hp);
	return buf;
}

const char *pd_dest_str(const struct pd_vs_key *k, const struct pd_dest *d,
			char *buf)
{
	hostport(k->vip.af, d->addr, d->port, buf, PD_ADDR_STRLEN + 8);
	return buf;
}

int pd_dest_cmp(const struct pd_dest *a, const struct pd_dest *b)
{
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));

	if (c)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int dest_cmp_v(const void *a, const void *b)
{
	return pd_dest_cmp(a, b);
}

long pd_vs_dest_find(const struct pd_vs *vs, const struct pd_dest *d)
{
	const struct pd_dest *f;

	if (!vs->n_dests)
		return -1;
	f = bsearch(d, vs->dests, vs->n_dests, sizeof(*d), dest_cmp_v);
	return f ? f - vs->dests : -1;
}

static int reserve(struct pd_vs *vs)
{
	size_t cap = vs->cap ? vs->cap * 2 : 4;
	struct pd_dest *n;

	if (vs->n_dests < vs->cap)
		return 0;
	n = realloc(vs->dests, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	vs->dests = n;
	vs->cap = cap;
	return 0;
}

int pd_vs_dest_append(struct pd_vs *vs, const struct pd_dest *d)
{
	if (reserve(vs))
		return -ENOMEM;
	vs->dests[vs->n_dests++] = *d;
	return 0;
}

void pd_vs_dest_sort(struct pd_vs *vs)
{
	if (vs->n_dests > 1)
		qsort(vs->dests, vs->n_dests, sizeof(*vs->dests), dest_cmp_v);
}

/* First index whose key is >= @d's (binary search). */
static size_t lower_bound(const struct pd_vs *vs, const struct pd_dest *d)
{
	size_t lo = 0, hi = vs->n_dests;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pd_dest_cmp(&vs->dests[mid], d) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int pd_vs_dest_insert(struct pd_vs *vs, const struct pd_dest *d)
{
	size_t i = lower_bound(vs, d);

	if (i < vs->n_dests && !pd_dest_cmp(&vs->dests[i], d))
		return -EEXIST;
	if (reserve(vs))
		return -ENOMEM;
	memmove(&vs->dests[i + 1], &vs->dests[i],
		(vs->n_dests - i) * sizeof(*d));
	vs->dests[i] = *d;
	vs->n_dests++;
	return 0;
}

void pd_vs_dest_remove(struct pd_vs *vs, size_t i)
{
	memmove(&vs->dests[i], &vs->dests[i + 1],
		(vs->n_dests - i - 1) * sizeof(*vs->dests));
	vs->n_dests--;
}

bool pd_owned(const char *owner)
{
	return !strncmp(owner, PD_OWNER_PREFIX, strlen(PD_OWNER_PREFIX));
}

void pd_owner_tag(const char *ns, const char *name, char *buf)
{
	size_t pre = strlen(PD_OWNER_PREFIX);
	size_t room = PODVS_OWNER_LEN - 1 - pre;
	char full[2 * 256];
	uint32_t h = 2166136261u;
	int n = snprintf(full, sizeof(full), "%s/%s", ns, name);

	memcpy(buf, PD_OWNER_PREFIX, pre);
	if (n >= 0 && (size_t)n <= room) {
		memcpy(buf + pre, full, n + 1);
		return;
	}
	for (const char *p = full; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 16777619u;
	}
	/* prefix + 15 characters + '~' + 8 hex digits = 31 */
	memcpy(buf + pre, full, room - 9);
	snprintf(buf + pre + room - 9, 10, "~%08x", (unsigned int)h);
}

void pd_table_init(struct pd_table *t)
{
	pd_hmap_init(&t->map);
}

void pd_table_fini(struct pd_table *t)
{
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(&t->map, &it); e;
	     e = pd_hmap_next(&t->map, &it))
		pd_vs_free(e->val);
	pd_hmap_fini(&t->map);
}

struct pd_vs *pd_table_get(const struct pd_table *t,
			   const struct pd_vs_key *k)
{
	return pd_hmap_get(&t->map, k, sizeof(*k));
}

int pd_table_put(struct pd_table *t, struct pd_vs *vs)
{
	void *old;
	int err = pd_hmap_put(&t->map, &vs->key, sizeof(vs->key), vs, &old);

	if (!err)
		pd_vs_free(old);
	return err;
}

struct pd_vs *pd_table_take(struct pd_table *t, const struct pd_vs_key *k)
{
	return pd_hmap_del(&t->map, k, sizeof(*k));
}

static int vs_ptr_cmp(const void *a, const void *b)
{
	const struct pd_vs *const *x = a, *const *y = b;

	return pd_vs_key_cmp(&(*x)->key, &(*y)->key);
}

int pd_table_sorted(const struct pd_table *t, struct pd_vs ***out, size_t *n)
{
	struct pd_hmap_iter it;
	size_t i = 0;

	*out = NULL;
	*n = t->map.n;
	if (!*n)
		return 0;
	*out = malloc(*n * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (struct pd_hmap_ent *e = pd_hmap_first(&t->map, &it); e;
	     e = pd_hmap_next(&t->map, &it))
		(*out)[i++] = e->val;
	qsort(*out, *n, sizeof(**out), vs_ptr_cmp);
	return 0;
}

int pd_ops_push(struct pd_ops *ops, const struct pd_op *op)
{
	if (ops->n == ops->cap) {
		size_t cap = ops->cap ? ops->cap * 2 : 64;
		struct pd_op *v = realloc(ops->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ops->v = v;
		ops->cap = cap;
	}
	ops->v[ops->n++] = *op;
	return 0;
}

void pd_ops_reset(struct pd_ops *ops)
{
	ops->n = 0;
}

void pd_ops_fini(struct pd_ops *ops)
{
	free(ops->v);
	memset(ops, 0, sizeof(*ops));
}

static const char *cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case PODVS_CMD_NEW_SERVICE:	return "add service";
	case PODVS_CMD_SET_SERVICE:	return "edit service";
	case PODVS_CMD_DEL_SERVICE:	return "delete service";
	case PODVS_CMD_NEW_DEST:	return "add dest";
	case PODVS_CMD_SET_DEST:	return "edit dest";
	case PODVS_CMD_DEL_DEST:	return "delete dest";
	}
	return "?";
}

const char *pd_op_str(const struct pd_op *op, char *buf, size_t len)
{
	char k[PD_VS_KEY_STRLEN], d[PD_ADDR_STRLEN + 8];
	bool dest = op->cmd >= PODVS_CMD_NEW_DEST;

	pd_vs_key_str(&op->key, k);
	if (dest)
		pd_dest_str(&op->key, &op->dest, d);
	snprintf(buf, len, "%s %s%s%s", cmd_name(op->cmd), k,
		 dest ? " -> " : "", dest ? d : "");
	return buf;
}

static int apply_svc(struct pd_table *t, const struct pd_op *op)
{
	struct pd_vs *vs = pd_table_get(t, &op->key);
	uint32_t m = op->mask;

	if (op->cmd == PODVS_CMD_NEW_SERVICE) {
		if (vs)
			return -EEXIST;
		vs = pd_vs_new(&op->key);
		if (!vs)
			return -ENOMEM;
		m = ~0U;
		if (pd_table_put(t, vs)) {
			pd_vs_free(vs);
			return -ENOMEM;
		}
	}
	if (!vs)
		return -ENOENT;
	if (op->cmd == PODVS_CMD_DEL_SERVICE) {
		pd_vs_free(pd_table_take(t, &op->key));
		return 0;
	}
	if (m & PD_CHG_SCHED)
		memcpy(vs->sched, op->vs->sched, sizeof(vs->sched));
	if (m & PD_CHG_FLAGS)
		vs->flags = op->vs->flags;
	if (m & PD_CHG_TIMEOUT)
		vs->timeout = op->vs->timeout;
	if (m & PD_CHG_NETMASK)
		vs->netmask = op->vs->netmask;
	if (m & PD_CHG_OWNER)
		memcpy(vs->owner, op->vs->owner, sizeof(vs->owner));
	if (m & PD_CHG_SNAT) {
		memcpy(vs->snat, op->vs->snat, sizeof(vs->snat));
		vs->n_snat = op->vs->n_snat;
	}
	return 0;
}

static int apply_dest(struct pd_table *t, const struct pd_op *op)
{
	struct pd_vs *vs = pd_table_get(t, &op->key);
	struct pd_dest d = op->dest;
	long i;

	if (!vs)
		return -ENOENT;
	if (op->cmd == PODVS_CMD_NEW_DEST) {
		d.conns = 0;
		d.foreign = false;
		return pd_vs_dest_insert(vs, &d);
	}
	i = pd_vs_dest_find(vs, &d);
	if (i < 0)
		return -ENOENT;
	if (op->cmd == PODVS_CMD_DEL_DEST) {
		pd_vs_dest_remove(vs, i);
		return 0;
	}
	if (op->mask & PD_CHG_WEIGHT)
		vs->dests[i].weight = d.weight;
	if (op->mask & PD_CHG_DFLAGS)
		vs->dests[i].flags = d.flags;
	return 0;
}

int pd_table_apply(struct pd_table *t, const struct pd_op *op)
{
	switch (op->cmd) {
	case PODVS_CMD_NEW_SERVICE:
	case PODVS_CMD_SET_SERVICE:
	case PODVS_CMD_DEL_SERVICE:
		return apply_svc(t, op);
	case PODVS_CMD_NEW_DEST:
	case PODVS_CMD_SET_DEST:
	case PODVS_CMD_DEL_DEST:
		return apply_dest(t, op);
	}
	return -EINVAL;
}
