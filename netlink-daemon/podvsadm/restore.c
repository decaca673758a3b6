// SPDX-License-Identifier: GPL-2.0
/*
 * podvsadm: restore files (-R).  The whole input is parsed before anything
 * is sent, so a syntax error anywhere changes nothing.  Each command goes
 * to a callback as soon as its line checked out: commands.c encodes it into
 * the batch right away (a 110,000-line file is not held as parsed structs),
 * and sends the batch once the last line passed.
 *
 * Duplicates (a service added twice, a dest added twice, with no delete in
 * between) are caught here with a small hash set of keys.  A delete of a
 * service, or -C, retires its dests by bumping an epoch, so the check stays
 * O(1) per line for 100,000-line files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define MAX_TOKENS	64

/* Key of a service (is_dest = 0) or of a dest within a service. */
struct rkey {
	uint8_t is_dest;
	uint8_t protocol;
	uint16_t af;
	uint16_t port, dport;
	uint8_t addr[16], daddr[16];
};

struct rent {
	struct rkey key;
	bool used;
	unsigned int line;	/* line that added it; 0: not added (or gone) */
	unsigned long epoch;	/* service: current; dest: its service's then */
	unsigned long flush;	/* -C generation when added */
};

struct rset {
	struct rent *tab;
	size_t cap, n;
	unsigned long epochs, flush;
};

_Static_assert(sizeof(struct rkey) % sizeof(uint64_t) == 0,
	       "struct rkey is hashed a 64-bit word at a time");

/* A word at a time, then the high bits folded into the low ones we mask. */
static uint64_t hash_key(const struct rkey *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0, w;
	size_t i;

	for (i = 0; i < sizeof(*k); i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	}
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	return h ^ (h >> 32);
}

static struct rent *rset_find(struct rset *s, const struct rkey *k)
{
	size_t i = (size_t)hash_key(k) & (s->cap - 1);

	while (s->tab[i].used && memcmp(&s->tab[i].key, k, sizeof(*k)))
		i = (i + 1) & (s->cap - 1);
	return &s->tab[i];
}

static int rset_grow(struct rset *s)
{
	struct rset ns = { .cap = s->cap ? s->cap * 2 : 1024 };
	size_t i;

	ns.tab = calloc(ns.cap, sizeof(*ns.tab));
	if (!ns.tab)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++)
		if (s->tab[i].used)
			*rset_find(&ns, &s->tab[i].key) = s->tab[i];
	free(s->tab);
	s->tab = ns.tab;
	s->cap = ns.cap;
	return 0;
}

/* Room for @extra more entries, so pointers from rset_get() stay valid. */
static int rset_reserve(struct rset *s, size_t extra)
{
	while ((s->n + extra) * 2 > s->cap)
		if (rset_grow(s))
			return -ENOMEM;
	return 0;
}

/* The entry for @k, created (line 0) if new; call rset_reserve() first. */
static struct rent *rset_get(struct rset *s, const struct rkey *k)
{
	struct rent *e = rset_find(s, k);

	if (!e->used) {
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->key = *k;
		s->n++;
	}
	return e;
}

static void svc_key(struct rkey *k, const struct lpv_service *svc)
{
	memset(k, 0, sizeof(*k));
	k->protocol = svc->protocol;
	k->af = svc->af;
	k->port = svc->port;
	memcpy(k->addr, svc->addr.raw, sizeof(k->addr));
}

static void dest_key(struct rkey *k, const struct adm_cmd *c)
{
	svc_key(k, &c->svc);
	k->is_dest = 1;
	k->dport = c->dest.port;
	memcpy(k->daddr, c->dest.addr.raw, sizeof(k->daddr));
}

static void svc_str(char *buf, size_t len, const struct adm_cmd *c)
{
	char ap[80];

	adm_addrport(ap, sizeof(ap), c->svc.af, &c->svc.addr, c->svc.port,
		     c->svc.protocol, FMT_NUMERIC);
	snprintf(buf, len, "%s %s", c->svc.protocol == IPPROTO_UDP ? "UDP" : "TCP", ap);
}

static bool svc_live(const struct rset *s, const struct rent *e)
{
	return e->line && e->flush == s->flush;
}

static int track_svc(struct rset *s, const struct adm_cmd *c, unsigned int line,
		     char *err, size_t errlen)
{
	struct rent *e;
	struct rkey k;

	if (rset_reserve(s, 1))
		return -ENOMEM;
	svc_key(&k, &c->svc);
	e = rset_get(s, &k);
	if (c->cmd == ADM_ADD_SERVICE && svc_live(s, e)) {
		char name[100];

		svc_str(name, sizeof(name), c);
		snprintf(err, errlen, "line %u: service %s already added on line %u",
			 line, name, e->line);
		return EXIT_USAGE;
	}
	if (c->cmd == ADM_ADD_SERVICE || c->cmd == ADM_DEL_SERVICE) {
		e->line = c->cmd == ADM_ADD_SERVICE ? line : 0;
		e->epoch = ++s->epochs;
		e->flush = s->flush;
	}
	return 0;
}

static int track_dest(struct rset *s, const struct adm_cmd *c, unsigned int line,
		      char *err, size_t errlen)
{
	struct rent *svc, *d;
	struct rkey k;

	if (rset_reserve(s, 2))
		return -ENOMEM;
	svc_key(&k, &c->svc);
	svc = rset_get(s, &k);
	dest_key(&k, c);
	d = rset_get(s, &k);
	if (c->cmd == ADM_ADD_DEST && d->line && d->epoch == svc->epoch &&
	    d->flush == s->flush) {
		char name[100], dn[80];

		svc_str(name, sizeof(name), c);
		adm_addrport(dn, sizeof(dn), c->svc.af, &c->dest.addr, c->dest.port,
			     c->svc.protocol, FMT_NUMERIC);
		snprintf(err, errlen, "line %u: server %s of %s already added on line %u",
			 line, dn, name, d->line);
		return EXIT_USAGE;
	}
	if (c->cmd == ADM_ADD_DEST || c->cmd == ADM_DEL_DEST) {
		d->line = c->cmd == ADM_ADD_DEST ? line : 0;
		d->epoch = svc->epoch;
		d->flush = s->flush;
	}
	return 0;
}

static int track(struct rset *s, const struct adm_cmd *c, unsigned int line,
		 char *err, size_t errlen)
{
	switch (c->cmd) {
	case ADM_FLUSH:
		s->flush++;
		return 0;
	case ADM_ADD_SERVICE:
	case ADM_EDIT_SERVICE:
	case ADM_DEL_SERVICE:
		return track_svc(s, c, line, err, errlen);
	default:
		return track_dest(s, c, line, err, errlen);
	}
}

/* ---- lines --------------------------------------------------------------- */

static bool restorable(enum adm_cmd_id cmd)
{
	switch (cmd) {
	case ADM_ADD_SERVICE:
	case ADM_EDIT_SERVICE:
	case ADM_DEL_SERVICE:
	case ADM_ADD_DEST:
	case ADM_EDIT_DEST:
	case ADM_DEL_DEST:
	case ADM_FLUSH:
	case ADM_DRAIN:
	case ADM_UNDRAIN:
		return true;
	default:
		return false;
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The next word of *@p, NUL-terminated in place, or NULL at the end. */
static char *next_word(char **p)
{
	char *s = *p, *w;

	while (is_blank(*s))
		s++;
	if (!*s)
		return NULL;
	w = s;
	while (*s && !is_blank(*s))
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

/* Split @line in place; skips a leading "ipvsadm"/"podvsadm". */
static int tokenize(char *line, char **tok, int max)
{
	char *t;
	int n = 0;

	while ((t = next_word(&line))) {
		if (n == 0 && t[0] == '#')
			return 0;
		if (n == 0 && (!strcmp(t, "ipvsadm") || !strcmp(t, "podvsadm")))
			continue;
		if (n == max)
			return -1;
		tok[n++] = t;
	}
	return n;
}

static int push(void *priv, unsigned int line, const struct adm_cmd *c)
{
	struct adm_restore *r = priv;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		void *p = realloc(r->lines, cap * sizeof(*r->lines));

		if (!p)
			return -ENOMEM;
		r->lines = p;
		r->cap = cap;
	}
	r->lines[r->n].lineno = line;
	r->lines[r->n++].cmd = *c;
	return 0;
}

struct scan {
	struct rset set;
	adm_restore_fn fn;
	void *priv;
};

/* 0, EXIT_USAGE (message in @err) or what the callback returned. */
static int one_line(struct scan *sc, char *text, unsigned int line, char *err,
		    size_t errlen)
{
	char msg[ADM_ERR_LEN], *tok[MAX_TOKENS];
	struct adm_cmd c;
	int n = tokenize(text, tok, MAX_TOKENS), ret;

	if (n < 0) {
		snprintf(err, errlen, "line %u: too many words", line);
		return EXIT_USAGE;
	}
	if (n == 0)
		return 0;
	if (adm_parse(n, tok, false, &c, msg, sizeof(msg))) {
		snprintf(err, errlen, "line %u: %s", line, msg);
		return EXIT_USAGE;
	}
	if (!restorable(c.cmd)) {
		snprintf(err, errlen, "line %u: %s is not allowed in a restore file",
			 line, adm_cmd_name(c.cmd));
		return EXIT_USAGE;
	}
	ret = track(&sc->set, &c, line, err, errlen);
	if (!ret)
		ret = sc->fn(sc->priv, line, &c);
	if (ret != -ENOMEM)
		return ret;
	snprintf(err, errlen, "line %u: out of memory", line);
	return EXIT_USAGE;
}

int adm_restore_scan(FILE *in, adm_restore_fn fn, void *priv, char *err,
		     size_t errlen)
{
	struct scan sc = { .fn = fn, .priv = priv };
	unsigned int line = 0;
	char *buf = NULL;
	size_t cap = 0;
	int ret = 0;

	while (!ret && getline(&buf, &cap, in) >= 0)
		ret = one_line(&sc, buf, ++line, err, errlen);
	if (!ret && ferror(in)) {
		snprintf(err, errlen, "reading the restore input failed");
		ret = EXIT_USAGE;
	}
	free(buf);
	free(sc.set.tab);
	return ret;
}

int adm_restore_parse(FILE *in, struct adm_restore *r, char *err, size_t errlen)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = adm_restore_scan(in, push, r, err, errlen);
	if (ret)
		adm_restore_free(r);
	return ret;
}

void adm_restore_free(struct adm_restore *r)
{
	free(r->lines);
	memset(r, 0, sizeof(*r));
}
