// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd API server configuration: in-cluster (env + service account
 * files), kubeconfig JSON (current context, token, tokenFile, base64 and
 * file certificates, relative paths) and each rejection's message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "podvsd/k8s/kubeconfig.h"

static char dir[64];

static void put(const char *name, const char *content_sq)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	for (const char *p = content_sq; *p; p++)
		fputc(*p == '\'' ? '"' : *p, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/podvsd-kc-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

#define KC(cluster, user) \
	"{'current-context': 'c1', 'contexts': [" \
	"{'name': 'c0', 'context': {'cluster': 'x', 'user': 'x'}}," \
	"{'name': 'c1', 'context': {'cluster': 'k1', 'user': 'u1', " \
	"'namespace': 'lb'}}], 'clusters': [{'name': 'k1', 'cluster': {" \
	cluster "}}], 'users': [{'name': 'u1', 'user': {" user "}}]}"

static int load(struct pd_kube_config *c, const char *json_sq, char *err)
{
	char path[256];

	put("kc.json", json_sq);
	snprintf(path, sizeof(path), "%s/kc.json", dir);
	return pd_kube_kubeconfig(c, path, err, 512);
}

static void test_token_and_ca_file(void **state)
{
	struct pd_kube_config c;
	char err[512] = "";

	(void)state;
	put("ca.pem", "CA-PEM\n");
	assert_int_equal(load(&c, KC("'server': 'https://192.0.2.5:6443', "
				     "'certificate-authority': 'ca.pem'",
				     "'token': 'abc'"), err), 0);
	assert_string_equal(c.server, "https://192.0.2.5:6443");
	assert_string_equal(c.ca.data, "CA-PEM\n");	/* relative path */
	assert_string_equal(c.token, "abc");
	assert_string_equal(c.token_file, "");
	assert_string_equal(c.ns, "lb");
	assert_false(c.insecure);
	pd_kube_config_fini(&c);
}

static void test_token_file_and_rotation(void **state)
{
	struct pd_kube_config c;
	char err[512] = "";

	(void)state;
	put("tok", "first\n");
	assert_int_equal(load(&c, KC("'server': 'https://h:1', "
				     "'insecure-skip-tls-verify': true",
				     "'tokenFile': 'tok'"), err), 0);
	assert_string_equal(c.token, "first");
	assert_true(c.insecure);
	put("tok", "second");
	assert_int_equal(pd_kube_read_token(c.token_file, &c.token, err,
					    sizeof(err)), 0);
	assert_string_equal(c.token, "second");
	/* an empty file keeps the old token */
	put("tok", "\n");
	assert_int_equal(pd_kube_read_token(c.token_file, &c.token, err,
					    sizeof(err)), -EINVAL);
	assert_string_equal(c.token, "second");
	pd_kube_config_fini(&c);
}

static void test_client_cert_data(void **state)
{
	struct pd_kube_config c;
	char err[512] = "";

	(void)state;
	/* "CERT" and "KEY" in base64 */
	assert_int_equal(load(&c, KC("'server': 'https://h:1', "
				     "'certificate-authority-data': 'Q0E='",
				     "'client-certificate-data': 'Q0VSVA==', "
				     "'client-key-data': 'S0VZ'"), err), 0);
	assert_string_equal(c.ca.data, "CA");
	assert_string_equal(c.cert.data, "CERT");
	assert_string_equal(c.key.data, "KEY");
	assert_null(c.token);
	pd_kube_config_fini(&c);
}

static void test_yaml(void **state)
{
	struct pd_kube_config c;
	char err[512] = "";

	(void)state;
	put("tok", "yaml-token\n");
	assert_int_equal(load(&c,
		"apiVersion: v1\n"
		"clusters:\n"
		"- cluster:\n"
		"    certificate-authority-data: Q0E=\n"
		"    server: https://[2001:db8::1]:6443\n"
		"  name: k1\n"
		"contexts:\n"
		"- context:\n"
		"    cluster: k1\n"
		"    user: u1\n"
		"  name: c1\n"
		"current-context: c1   # this one\n"
		"kind: Config\n"
		"preferences: {}\n"
		"users:\n"
		"- name: u1\n"
		"  user:\n"
		"    tokenFile: tok\n", err), 0);
	assert_string_equal(c.server, "https://[2001:db8::1]:6443");
	assert_string_equal(c.ca.data, "CA");
	assert_string_equal(c.token, "yaml-token");
	assert_string_equal(c.ns, "default");
	pd_kube_config_fini(&c);
}

/* YAML with every file kind: CA, client certificate and key by path. */
static void test_yaml_files(void **state)
{
	struct pd_kube_config c;
	char err[512] = "";

	(void)state;
	put("ca2.pem", "CA2\n");
	put("crt.pem", "CRT\n");
	put("key.pem", "KEY\n");
	assert_int_equal(load(&c,
		"current-context: c1\n"
		"contexts: [{name: c1, context: {cluster: k1, user: u1, "
		"namespace: lb}}]\n"
		"clusters:\n"
		"  - name: k1\n"
		"    cluster:\n"
		"      server: https://192.0.2.9:6443\n"
		"      certificate-authority: ca2.pem\n"
		"      insecure-skip-tls-verify: false\n"
		"users:\n"
		"  - name: u1\n"
		"    user:\n"
		"      client-certificate: crt.pem\n"
		"      client-key: key.pem\n", err), 0);
	assert_string_equal(c.server, "https://192.0.2.9:6443");
	assert_string_equal(c.ca.data, "CA2\n");
	assert_string_equal(c.cert.data, "CRT\n");
	assert_string_equal(c.key.data, "KEY\n");
	assert_null(c.token);
	assert_false(c.insecure);
	assert_string_equal(c.ns, "lb");
	pd_kube_config_fini(&c);
}

static const struct {
	const char *json;
	const char *err;	/* after "kubeconfig <path>: " */
} bad[] = {
	{ "server: x\n", "no current-context" },
	{ "a: {b: c}\n", "no current-context" },
	{ "a: 1\n  b: 2\n", "line 2: mapping values are not allowed in this "
	  "context" },
	{ "a: 1\na: 2\n", "line 2: duplicate key 'a'" },
	{ "{'current-context': ['c1']}", "top level: current-context is not "
	  "a string" },
	{ "{'current-context': 'c1', 'contexts': {'c1': 1}}",
	  "contexts is not a list" },
	{ "{'current-context': 'c1', 'contexts': [{'name': 'c1', "
	  "'context': 'x'}]}", "contexts entry 'c1' has no context mapping" },
	{ "{'current-context': 'c1', 'contexts': [{'name': 'c1', "
	  "'context': {'cluster': 'k1', 'user': {}}}]}",
	  "context 'c1': user is not a string" },
	{ "{'current-context': 'c1', 'contexts': [{'name': 'c1', "
	  "'context': {'cluster': 'k1'}}]}",
	  "context 'c1' lacks cluster or user" },
	{ KC("'server': 6443", "'token': 't'"),
	  "cluster 'k1': server is not a string" },
	{ KC("'server': 'https://h:1', 'insecure-skip-tls-verify': 'yes'",
	     "'token': 't'"),
	  "cluster 'k1': insecure-skip-tls-verify is not true or false" },
	{ KC("'server': 'https://h:1'", "'token': true"),
	  "user 'u1': token is not a string" },
	{ KC("'server': 'https://h:1'", "'client-key-data': ['S0VZ']"),
	  "user 'u1': client-key-data is not a string" },
	{ "{'current-context': 'c1', 'contexts': [{'name': 'c1', "
	  "'context': {'cluster': 'k1', 'user': 'u1'}}], 'clusters': [{"
	  "'name': 'k1', 'cluster': {'server': 'https://h:1'}}]}",
	  "no users entry named 'u1'" },
	{ "[1, 2]", "not a mapping at the top" },
	{ "{'contexts': []}", "no current-context" },
	{ "{'current-context': 'nope', 'contexts': []}",
	  "no contexts entry named 'nope'" },
	{ KC("'server': 'http://h:1'", "'token': 't'"),
	  "cluster 'k1': server 'http://h:1' is not https://" },
	{ KC("'insecure-skip-tls-verify': true", "'token': 't'"),
	  "cluster 'k1' has no server" },
	{ KC("'server': 'https://h:1'", ""),
	  "user 'u1' has no token, tokenFile or client certificate" },
	{ KC("'server': 'https://h:1'", "'client-certificate-data': 'Q0E='"),
	  "user 'u1' has a client certificate without a key, or a key "
	  "without a certificate" },
	{ KC("'server': 'https://h:1', 'certificate-authority-data': '!!'",
	     "'token': 't'"), "cluster 'k1': certificate-authority-data is not valid "
	  "base64" },
};

static void test_rejections(void **state)
{
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct pd_kube_config c;
		char err[512] = "", want[600];

		snprintf(want, sizeof(want), "kubeconfig %s/kc.json: %s", dir,
			 bad[i].err);
		if (!load(&c, bad[i].json, err)) {
			pd_kube_config_fini(&c);
			snprintf(err, sizeof(err), "(accepted)");
		}
		if (strcmp(err, want)) {
			print_error("case %zu: got '%s'\n want '%s'\n", i, err,
				    want);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_missing_files(void **state)
{
	struct pd_kube_config c;
	char err[512], want[600];

	(void)state;
	assert_int_equal(load(&c, KC("'server': 'https://h:1', "
				     "'certificate-authority': '/nonexistent'",
				     "'token': 't'"), err), -ENOENT);
	assert_string_equal(err, "reading certificate-authority /nonexistent: "
			    "No such file or directory");
	assert_int_equal(load(&c, KC("'server': 'https://h:1'",
				     "'tokenFile': 'gone'"), err), -ENOENT);
	snprintf(want, sizeof(want), "reading token %s/gone: No such file or "
		 "directory", dir);
	assert_string_equal(err, want);
}

static void test_incluster(void **state)
{
	struct pd_kube_config c;
	char err[512];

	(void)state;
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(pd_kube_incluster(&c, dir, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "not running in a cluster "
			    "(KUBERNETES_SERVICE_HOST/PORT unset): use "
			    "--kubeconfig");
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	put("ca.crt", "SA-CA");
	put("token", "sa-token\n");
	put("namespace", "podvs-system\n");
	assert_int_equal(pd_kube_incluster(&c, dir, err, sizeof(err)), 0);
	assert_string_equal(c.server, "https://[fd00::1]:443");
	assert_string_equal(c.ca.data, "SA-CA");
	assert_string_equal(c.token, "sa-token");
	assert_string_equal(c.ns, "podvs-system");
	assert_non_null(strstr(c.token_file, "/token"));
	pd_kube_config_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_and_ca_file),
		cmocka_unit_test(test_token_file_and_rotation),
		cmocka_unit_test(test_client_cert_data),
		cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_yaml_files),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_incluster),
	};

	return cmocka_run_group_tests_name("podvsd_kubeconfig", tests, setup,
					   teardown);
}
