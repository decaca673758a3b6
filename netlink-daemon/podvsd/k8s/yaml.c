// SPDX-License-Identifier: GPL-2.0
/* YAML (kubeconfig) files read with libyaml into a cJSON tree. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "k8s/yaml.h"

#define YAML_STD_TAG	"tag:yaml.org,2002:"

struct conv {
	yaml_document_t *doc;
	unsigned long nodes;	/* converted so far, aliases counted again */
	int depth;
	char *err;
	size_t errlen;
};

static cJSON *conv_fail(struct conv *c, const yaml_node_t *n,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static cJSON *conv_fail(struct conv *c, const yaml_node_t *n,
			const char *fmt, ...)
{
	va_list ap;
	int len;

	len = snprintf(c->err, c->errlen, "line %lu: ",
		       (unsigned long)n->start_mark.line + 1);
	va_start(ap, fmt);
	if (len >= 0 && (size_t)len < c->errlen)
		vsnprintf(c->err + len, c->errlen - len, fmt, ap);
	va_end(ap);
	return NULL;
}

static bool one_of(const char *v, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(v, *words))
			return true;
	return false;
}

/* Plain null, true and false of YAML 1.2's core schema become JSON's;
 * every other scalar (numbers too) is a string, as kubeconfig fields are.
 */
static cJSON *scalar(struct conv *c, const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	const char *v = (const char *)n->data.scalar.value;
	cJSON *out;

	if (strlen(v) != n->data.scalar.length)
		return conv_fail(c, n, "NUL character in a scalar");
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		out = cJSON_CreateString(v);
	else if (one_of(v, nulls))
		out = cJSON_CreateNull();
	else if (one_of(v, trues))
		out = cJSON_CreateTrue();
	else if (one_of(v, falses))
		out = cJSON_CreateFalse();
	else
		out = cJSON_CreateString(v);
	return out ?: conv_fail(c, n, "out of memory");
}

static cJSON *convert(struct conv *c, const yaml_node_t *n);

static cJSON *mapping(struct conv *c, const yaml_node_t *n)
{
	cJSON *o = cJSON_CreateObject(), *v;
	const yaml_node_pair_t *p;
	const yaml_node_t *kn;
	const char *key;

	if (!o)
		return conv_fail(c, n, "out of memory");
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		kn = yaml_document_get_node(c->doc, p->key);
		if (!kn || kn->type != YAML_SCALAR_NODE)
			goto bad_key;
		key = (const char *)kn->data.scalar.value;
		if (cJSON_GetObjectItemCaseSensitive(o, key)) {
			conv_fail(c, kn, "duplicate key '%s'", key);
			goto free_obj;
		}
		v = convert(c, yaml_document_get_node(c->doc, p->value));
		if (!v)
			goto free_obj;
		if (!cJSON_AddItemToObject(o, key, v)) {
			cJSON_Delete(v);
			conv_fail(c, kn, "out of memory");
			goto free_obj;
		}
	}
	return o;

bad_key:
	conv_fail(c, kn ?: n, "a mapping key that is not a scalar");
free_obj:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *sequence(struct conv *c, const yaml_node_t *n)
{
	cJSON *a = cJSON_CreateArray(), *v;
	const yaml_node_item_t *i;

	if (!a)
		return conv_fail(c, n, "out of memory");
	for (i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		v = convert(c, yaml_document_get_node(c->doc, *i));
		if (!v || !cJSON_AddItemToArray(a, v)) {
			if (v) {
				cJSON_Delete(v);
				conv_fail(c, n, "out of memory");
			}
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

/* Standard tags (!!str, !!map, ... and the ones libyaml fills in) only. */
static bool tag_ok(const yaml_node_t *n)
{
	return !n->tag || !strncmp((const char *)n->tag, YAML_STD_TAG,
				   strlen(YAML_STD_TAG));
}

static cJSON *convert(struct conv *c, const yaml_node_t *n)
{
	cJSON *out = NULL;

	if (!n) {	/* libyaml links only nodes it made */
		snprintf(c->err, c->errlen, "a node missing from the document");
		return NULL;
	}
	if (++c->nodes > PD_YAML_MAX_NODES)
		return conv_fail(c, n, "more than %d nodes (aliases repeating "
				 "a subtree?)", PD_YAML_MAX_NODES);
	if (!tag_ok(n))
		return conv_fail(c, n, "tag '%s' is not supported", n->tag);
	if (++c->depth > PD_YAML_MAX_DEPTH) {
		c->depth--;
		return conv_fail(c, n, "nested deeper than %d levels",
				 PD_YAML_MAX_DEPTH);
	}
	switch (n->type) {
	case YAML_SCALAR_NODE:
		out = scalar(c, n);
		break;
	case YAML_MAPPING_NODE:
		out = mapping(c, n);
		break;
	case YAML_SEQUENCE_NODE:
		out = sequence(c, n);
		break;
	default:
		conv_fail(c, n, "unknown node type %d", n->type);
	}
	c->depth--;
	return out;
}

/* libyaml's own words, with the line (and what it was reading). */
static void parser_error(const yaml_parser_t *p, char *err, size_t errlen)
{
	const char *problem = p->problem ?: "invalid YAML";

	if (p->error == YAML_READER_ERROR)
		snprintf(err, errlen, "byte %zu: %s", p->problem_offset, problem);
	else if (p->context)
		snprintf(err, errlen, "line %zu: %s (%s at line %zu)",
			 p->problem_mark.line + 1, problem, p->context,
			 p->context_mark.line + 1);
	else
		snprintf(err, errlen, "line %zu: %s", p->problem_mark.line + 1,
			 problem);
}

/* One document: anything after it but the end of the stream is refused. */
static bool only_document(yaml_parser_t *p, char *err, size_t errlen)
{
	yaml_document_t next;
	const yaml_node_t *root;
	bool ok;

	if (!yaml_parser_load(p, &next)) {
		parser_error(p, err, errlen);
		return false;
	}
	root = yaml_document_get_root_node(&next);
	ok = !root;
	if (!ok)
		snprintf(err, errlen, "line %zu: a second document (a "
			 "kubeconfig is one)", next.start_mark.line + 1);
	yaml_document_delete(&next);
	return ok;
}

cJSON *pd_yaml_parse(const char *text, char *err, size_t errlen)
{
	struct conv c = { .err = err, .errlen = errlen };
	const yaml_node_t *root;
	yaml_parser_t parser;
	yaml_document_t doc;
	cJSON *out = NULL;

	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     strlen(text));
	if (!yaml_parser_load(&parser, &doc)) {
		parser_error(&parser, err, errlen);
		goto delete_parser;
	}
	c.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		snprintf(err, errlen, "empty document");
	else
		out = convert(&c, root);
	yaml_document_delete(&doc);
	if (out && !only_document(&parser, err, errlen)) {
		cJSON_Delete(out);
		out = NULL;
	}
delete_parser:
	yaml_parser_delete(&parser);
	return out;
}
