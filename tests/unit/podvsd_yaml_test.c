// SPDX-License-Identifier: GPL-2.0
/* podvsd's kubeconfig YAML subset: what kubectl writes parses to the same
 * tree as its JSON; everything outside the subset fails with its line. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "podvsd/yaml.h"

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
	expect_error("a: 1\n\tb: 2\n", "line 2: tab in indentation");
	expect_error("a: {b: 1}\n", "line 1: '{' (flow style, block scalar, "
		     "anchor, alias or tag) is not supported");
	expect_error("a: |\n  text\n", "line 1: '|' (flow style, block "
		     "scalar, anchor, alias or tag) is not supported");
	expect_error("a: &x 1\n", "line 1: '&' (flow style, block scalar, "
		     "anchor, alias or tag) is not supported");
	expect_error("a: 1\n    b: 2\n", "line 2: unexpected indentation");
	expect_error("a: 'open\n", "line 1: unterminated single-quoted "
		     "string");
	expect_error("a: \"open\n", "line 1: unterminated double-quoted "
		     "string");
	expect_error("a: \"\\q\"\n", "line 1: unsupported escape \\q");
	expect_error("a: 1\njust text\n", "line 2: unexpected content");
	expect_error("# nothing\n\n", "empty document");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubectl_style),
		cmocka_unit_test(test_scalars_and_comments),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_rejections),
	};

	return cmocka_run_group_tests_name("podvsd_yaml", tests, NULL, NULL);
}
