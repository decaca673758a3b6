// SPDX-License-Identifier: GPL-2.0
/* podvsd's YAML reading (libyaml into cJSON): what kubectl writes parses to
 * the same tree as its JSON, the rest of YAML too; what cannot be one
 * kubeconfig fails with its line. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "podvsd/k8s/yaml.h"

static void expect(const char *yaml, const char *json)
{
	char err[256] = "";
	cJSON *y = pd_yaml_parse(yaml, err, sizeof(err));
	cJSON *j = cJSON_Parse(json);
	char *ys;

	if (!y)
		fail_msg("parse failed: %s", err);
	assert_non_null(j);
	ys = cJSON_PrintUnformatted(y);
	if (!cJSON_Compare(y, j, true))
		fail_msg("got %s\nwant %s", ys, json);
	free(ys);
	cJSON_Delete(y);
	cJSON_Delete(j);
}

static void test_kubectl_style(void **state)
{
	(void)state;
	expect("apiVersion: v1\n"
	       "clusters:\n"
	       "- cluster:\n"
	       "    certificate-authority-data: Q0E=\n"
	       "    server: https://192.0.2.1:6443\n"
	       "  name: kind-kind\n"
	       "contexts:\n"
	       "- context:\n"
	       "    cluster: kind-kind\n"
	       "    user: kind-kind\n"
	       "  name: kind-kind\n"
	       "current-context: kind-kind\n"
	       "kind: Config\n"
	       "preferences: {}\n"
	       "users:\n"
	       "- name: kind-kind\n"
	       "  user:\n"
	       "    client-certificate-data: Q0VSVA==\n"
	       "    client-key-data: S0VZ\n",
	       "{\"apiVersion\": \"v1\", \"clusters\": [{\"cluster\": "
	       "{\"certificate-authority-data\": \"Q0E=\", \"server\": "
	       "\"https://192.0.2.1:6443\"}, \"name\": \"kind-kind\"}], "
	       "\"contexts\": [{\"context\": {\"cluster\": \"kind-kind\", "
	       "\"user\": \"kind-kind\"}, \"name\": \"kind-kind\"}], "
	       "\"current-context\": \"kind-kind\", \"kind\": \"Config\", "
	       "\"preferences\": {}, \"users\": [{\"name\": \"kind-kind\", "
	       "\"user\": {\"client-certificate-data\": \"Q0VSVA==\", "
	       "\"client-key-data\": \"S0VZ\"}}]}");
}

static void test_scalars_and_comments(void **state)
{
	(void)state;
	expect("# a comment\n"
	       "a: 'it''s # not a comment'   # but this is\n"
	       "b: \"tab\\there \\\"q\\\"\"\n"
	       "c: true\n"
	       "d: false\n"
	       "e: null\n"
	       "f: ~\n"
	       "g: 6443\n"
	       "h:\n"
	       "i: []\n"
	       "\"quoted key\": x:y\n"
	       "url: https://a:1/b#frag\n",
	       "{\"a\": \"it's # not a comment\", \"b\": \"tab\\there "
	       "\\\"q\\\"\", \"c\": true, \"d\": false, \"e\": null, "
	       "\"f\": null, \"g\": \"6443\", \"h\": null, \"i\": [], "
	       "\"quoted key\": \"x:y\", \"url\": \"https://a:1/b#frag\"}");
}

static void test_nesting(void **state)
{
	(void)state;
	/* indented sequences, sequences of scalars and of sequences */
	expect("users:\n"
	       "  - name: a\n"
	       "    user:\n"
	       "      exec:\n"
	       "        args:\n"
	       "          - one\n"
	       "          - \"two\"\n"
	       "  - name: b\n"
	       "m:\n"
	       "- - x\n"
	       "  - y\n"
	       "- z\n",
	       "{\"users\": [{\"name\": \"a\", \"user\": {\"exec\": {\"args\": "
	       "[\"one\", \"two\"]}}}, {\"name\": \"b\"}], \"m\": [[\"x\", "
	       "\"y\"], \"z\"]}");
}

/* Beyond what kubectl writes: flow collections, block scalars, aliases,
 * document markers, quoted booleans. */
static void test_full_yaml(void **state)
{
	(void)state;
	expect("a: {b: 1, c: [x, 'y']}\n", "{\"a\": {\"b\": \"1\", \"c\": [\"x\", \"y\"]}}");
	expect("a: |\n  text\n  more\nb: >\n  folded\n  line\n",
	       "{\"a\": \"text\\nmore\\n\", \"b\": \"folded line\\n\"}");
	expect("a: &x {k: v}\nb: *x\n", "{\"a\": {\"k\": \"v\"}, \"b\": {\"k\": \"v\"}}");
	expect("---\na: 1\n...\n", "{\"a\": \"1\"}");
	expect("a: 'true'\nb: \"null\"\nc: True\nd: NULL\n",
	       "{\"a\": \"true\", \"b\": \"null\", \"c\": true, \"d\": null}");
	expect("{\"json\": [1, {\"too\": true}]}", "{\"json\": [\"1\", {\"too\": true}]}");
}

static void expect_error(const char *yaml, const char *msg)
{
	char err[256] = "";
	cJSON *y = pd_yaml_parse(yaml, err, sizeof(err));

	if (y) {
		char *s = cJSON_PrintUnformatted(y);

		fail_msg("accepted %s as %s", yaml, s);
	}
	assert_string_equal(err, msg);
}

static void test_rejections(void **state)
{
	(void)state;
	/* libyaml's syntax errors, with the line */
	expect_error("a: 1\n\tb: 2\n", "line 2: found a tab character that "
		     "violates indentation (while scanning a plain scalar at "
		     "line 1)");
	expect_error("a: 1\n    b: 2\n", "line 2: mapping values are not "
		     "allowed in this context");
	expect_error("a: 'open\n", "line 2: found unexpected end of stream "
		     "(while scanning a quoted scalar at line 1)");
	expect_error("a: \"\\q\"\n", "line 1: found unknown escape character "
		     "(while parsing a quoted scalar at line 1)");
	expect_error("a: 1\njust text\n", "line 3: could not find expected "
		     "':' (while scanning a simple key at line 2)");
	expect_error("a: *nope\n", "line 1: found undefined alias");
	expect_error("a: \xff\n", "byte 3: invalid leading UTF-8 octet");
	/* valid YAML that cannot be a kubeconfig */
	expect_error("# nothing\n\n", "empty document");
	expect_error("a: 1\nb: 2\na: 3\n", "line 3: duplicate key 'a'");
	expect_error("x:\n  [a]: 1\n", "line 2: a mapping key that is not a "
		     "scalar");
	expect_error("a: 1\n---\nb: 2\n", "line 2: a second document (a "
		     "kubeconfig is one)");
	expect_error("a: 1\n---\nb: 'open\n", "line 4: found unexpected end "
		     "of stream (while scanning a quoted scalar at line 3)");
	expect_error("a: !foo x\n", "line 1: tag '!foo' is not supported");
}

/* Depth and alias expansion are bounded. */
static void test_limits(void **state)
{
	static char deep[2 * 1000 + 8];
	char err[256] = "";
	cJSON *y;

	(void)state;
	strcpy(deep, "a: ");
	memset(deep + 3, '[', 1000);
	memset(deep + 1003, ']', 1000);
	expect_error(deep, "line 1: nested deeper than 64 levels");
	/* 10 x 10 x 10 x 10 x 10 scalars from a few lines */
	y = pd_yaml_parse("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			  "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
			  err, sizeof(err));
	assert_null(y);
	assert_non_null(strstr(err, "more than 100000 nodes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubectl_style),
		cmocka_unit_test(test_scalars_and_comments),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_full_yaml),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests_name("podvsd_yaml", tests, NULL, NULL);
}
