// SPDX-License-Identifier: GPL-2.0
/* A YAML-subset reader for kubeconfig files. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml.h"

struct yline {
	int no;			/* 1-based line number */
	int indent;
	char *text;		/* content after the indentation */
};

struct yparser {
	struct yline *l;
	size_t n;
	size_t pos;
	char *err;
	size_t errlen;
	bool failed;
};

static cJSON *yfail(struct yparser *p, int no, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static cJSON *yfail(struct yparser *p, int no, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return NULL;
	p->failed = true;
	n = snprintf(p->err, p->errlen, "line %d: ", no);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return NULL;
}

/* Cut a comment (" #" outside quotes) and trailing blanks. */
static void strip(char *s)
{
	char q = 0;
	char *e;

	for (char *c = s; *c; c++) {
		if (q) {
			if (*c == q)
				q = 0;
		} else if (*c == '\'' || *c == '"') {
			q = *c;
		} else if (*c == '#' && (c == s || c[-1] == ' ')) {
			*c = '\0';
			break;
		}
	}
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\r'))
		*--e = '\0';
}

/* Split @text into significant lines. */
static int split(struct yparser *p, char *text)
{
	int no = 0;

	for (char *line = text, *next; line; line = next) {
		struct yline *l;
		int ind = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		no++;
		while (line[ind] == ' ')
			ind++;
		if (line[ind] == '\t') {
			yfail(p, no, "tab in indentation");
			return -EINVAL;
		}
		strip(line + ind);
		if (!line[ind] || !strcmp(line + ind, "---"))
			continue;
		l = realloc(p->l, (p->n + 1) * sizeof(*l));
		if (!l)
			return -ENOMEM;
		p->l = l;
		p->l[p->n++] = (struct yline){ .no = no, .indent = ind,
					       .text = line + ind };
	}
	return 0;
}

static cJSON *double_quoted(struct yparser *p, int no, const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len + 1), *o = out;
	cJSON *v;

	if (!out)
		return NULL;
	for (const char *c = s + 1; *c && *c != '"'; c++) {
		if (*c != '\\') {
			*o++ = *c;
			continue;
		}
		c++;
		switch (*c) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case '"': case '\\': case '/': *o++ = *c; break;
		default:
			free(out);
			return yfail(p, no, "unsupported escape \\%c", *c);
		}
	}
	*o = '\0';
	if (s[len - 1] != '"' || len < 2) {
		free(out);
		return yfail(p, no, "unterminated double-quoted string");
	}
	v = cJSON_CreateString(out);
	free(out);
	return v;
}

static cJSON *single_quoted(struct yparser *p, int no, const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len + 1), *o = out;
	cJSON *v;

	if (!out)
		return NULL;
	for (const char *c = s + 1; *c; c++) {
		if (*c == '\'' && c[1] == '\'') {
			*o++ = *c++;
		} else if (*c == '\'') {
			if (c[1]) {
				free(out);
				return yfail(p, no, "text after a quoted string");
			}
			break;
		} else {
			*o++ = *c;
		}
	}
	*o = '\0';
	if (len < 2 || s[len - 1] != '\'') {
		free(out);
		return yfail(p, no, "unterminated single-quoted string");
	}
	v = cJSON_CreateString(out);
	free(out);
	return v;
}

static cJSON *scalar(struct yparser *p, int no, const char *s)
{
	if (*s == '"')
		return double_quoted(p, no, s);
	if (*s == '\'')
		return single_quoted(p, no, s);
	if (!strcmp(s, "{}"))
		return cJSON_CreateObject();
	if (!strcmp(s, "[]"))
		return cJSON_CreateArray();
	if (strchr("{[|>&*!%@`", *s))
		return yfail(p, no, "'%c' (flow style, block scalar, anchor, "
			     "alias or tag) is not supported", *s);
	if (!strcmp(s, "true"))
		return cJSON_CreateTrue();
	if (!strcmp(s, "false"))
		return cJSON_CreateFalse();
	if (!strcmp(s, "null") || !strcmp(s, "~"))
		return cJSON_CreateNull();
	return cJSON_CreateString(s);
}

static cJSON *block(struct yparser *p, int indent);

/* The position of the ':' ending a mapping key in @s, or NULL. */
static char *key_colon(char *s)
{
	char q = 0;

	for (char *c = s; *c; c++) {
		if (q) {
			if (*c == q)
				q = 0;
		} else if (*c == '\'' || *c == '"') {
			q = *c;
		} else if (*c == ':' && (c[1] == ' ' || !c[1])) {
			return c;
		}
	}
	return NULL;
}

/* A value after "key:" / "- ": inline scalar, or a nested block. */
static cJSON *value(struct yparser *p, const struct yline *l, int indent,
		    const char *rest)
{
	const struct yline *next = p->pos < p->n ? &p->l[p->pos] : NULL;

	if (*rest)
		return scalar(p, l->no, rest);
	if (next && (next->indent > indent ||
		     (next->indent == indent && next->text[0] == '-' &&
		      (next->text[1] == ' ' || !next->text[1]))))
		return block(p, next->indent);
	return cJSON_CreateNull();
}

static cJSON *mapping(struct yparser *p, int indent)
{
	cJSON *m = cJSON_CreateObject();

	while (m && !p->failed && p->pos < p->n &&
	       p->l[p->pos].indent == indent) {
		struct yline *l = &p->l[p->pos];
		char *colon = key_colon(l->text), *rest;
		cJSON *k, *v;

		if (!colon || l->text[0] == '-')
			break;
		*colon = '\0';
		rest = colon + 1 + (colon[1] == ' ');
		while (*rest == ' ')
			rest++;
		k = scalar(p, l->no, l->text);
		p->pos++;
		v = k && cJSON_IsString(k) ? value(p, l, indent, rest) : NULL;
		if (!v) {
			cJSON_Delete(k);
			break;
		}
		cJSON_AddItemToObject(m, k->valuestring, v);
		cJSON_Delete(k);
	}
	if (!p->failed && p->pos < p->n && p->l[p->pos].indent > indent)
		yfail(p, p->l[p->pos].no, "unexpected indentation");
	if (p->failed) {
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

static cJSON *sequence(struct yparser *p, int indent)
{
	cJSON *a = cJSON_CreateArray();

	while (a && !p->failed && p->pos < p->n &&
	       p->l[p->pos].indent == indent && p->l[p->pos].text[0] == '-') {
		struct yline *l = &p->l[p->pos];
		char *rest = l->text + 1;
		cJSON *v;

		while (*rest == ' ')
			rest++;
		if (*rest && ((key_colon(rest) && *rest != '"' &&
			       *rest != '\'') ||
			      (rest[0] == '-' && (rest[1] == ' ' || !rest[1])))) {
			/* "- key: v" or "- - v": a block at rest's column */
			l->indent += rest - l->text;
			l->text = rest;
			v = block(p, l->indent);
		} else {
			p->pos++;
			v = value(p, l, indent, rest);
		}
		if (!v)
			break;
		cJSON_AddItemToArray(a, v);
	}
	if (p->failed) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

static cJSON *block(struct yparser *p, int indent)
{
	const char *t = p->l[p->pos].text;

	if (t[0] == '-' && (t[1] == ' ' || !t[1]))
		return sequence(p, indent);
	return mapping(p, indent);
}

cJSON *pd_yaml_parse(const char *text, char *err, size_t errlen)
{
	struct yparser p = { .err = err, .errlen = errlen };
	char *copy = strdup(text);
	cJSON *root = NULL;

	if (!copy || split(&p, copy)) {
		if (!p.failed)
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!p.n) {
		snprintf(err, errlen, "empty document");
		goto out;
	}
	root = block(&p, p.l[0].indent);
	if (root && p.pos < p.n) {
		yfail(&p, p.l[p.pos].no, "unexpected content");
		cJSON_Delete(root);
		root = NULL;
	}
out:
	free(p.l);
	free(copy);
	return root;
}
