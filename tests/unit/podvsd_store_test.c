// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd object store: the resourceVersion rule (same version: nothing
 * changes), the slice index following a slice between Services, deletes
 * and relist pruning, each change reported once per Service touched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "podvsd_json.h"

#include "podvsd/k8s/store.h"

/* The Service keys ->changed named, space-separated ("-" for NULL). */
static char seen[512];

static void on_changed(void *ctx, const char *key)
{
	size_t o = strlen(seen);

	(void)ctx;
	snprintf(seen + o, sizeof(seen) - o, "%s%s", o ? " " : "",
		 key ? key : "-");
}

static struct k8s_service *svc(const char *name, const char *rv)
{
	char buf[512], err[256];
	cJSON *j;
	struct k8s_service *s;

	snprintf(buf, sizeof(buf),
		 "{'metadata': {'name': '%s', 'namespace': 'ns', 'uid': 'u',"
		 " 'resourceVersion': '%s'}, 'spec': {'ports': "
		 "[{'port': 80}]}}", name, rv);
	j = json(buf);
	s = k8s_service_parse(j, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	cJSON_Delete(j);
	return s;
}

static struct k8s_slice *slice(const char *name, const char *svc_name,
			       const char *rv)
{
	char buf[512], err[256];
	cJSON *j;
	struct k8s_slice *s;

	snprintf(buf, sizeof(buf),
		 "{'metadata': {'name': '%s', 'namespace': 'ns', 'uid': 'x',"
		 " 'resourceVersion': '%s', 'labels': "
		 "{'kubernetes.io/service-name': '%s'}}, 'addressType': "
		 "'IPv4', 'endpoints': []}", name, rv, svc_name);
	j = json(buf);
	s = k8s_slice_parse(j, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	cJSON_Delete(j);
	return s;
}

static void expect_changed(const char *want)
{
	assert_string_equal(seen, want);
	seen[0] = '\0';
}

static void test_unchanged(void **state)
{
	struct k8s_service *a = svc("a", "1"), *b = svc("a", "2");

	(void)state;
	assert_false(pd_store_unchanged(NULL, &a->meta));
	assert_true(pd_store_unchanged(&a->meta, &a->meta));
	assert_false(pd_store_unchanged(&a->meta, &b->meta));
	k8s_service_free(a);
	k8s_service_free(b);
}

static void test_services(void **state)
{
	struct pd_store st;
	const struct k8s_service *s;

	(void)state;
	seen[0] = '\0';
	pd_store_init(&st, on_changed, NULL);
	assert_int_equal(pd_store_service_upsert(&st, svc("a", "1")), 0);
	expect_changed("ns/a");
	/* the same version again: dropped, nothing changed */
	assert_int_equal(pd_store_service_upsert(&st, svc("a", "1")), 0);
	expect_changed("");
	assert_int_equal(pd_store_service_upsert(&st, svc("a", "2")), 0);
	expect_changed("ns/a");
	s = pd_hmap_sget(&st.services, "ns/a");
	assert_non_null(s);
	assert_string_equal(s->meta.resource_version, "2");
	pd_store_service_delete(&st, "ns", "nope");
	expect_changed("");
	pd_store_service_delete(&st, "ns", "a");
	expect_changed("ns/a");
	assert_int_equal(st.services.n, 0);
	pd_store_fini(&st);
}

static void test_slices(void **state)
{
	struct pd_store st;
	size_t n;
	const struct k8s_slice *const *v;

	(void)state;
	seen[0] = '\0';
	pd_store_init(&st, on_changed, NULL);
	assert_int_equal(pd_store_slice_upsert(&st, slice("x1", "a", "1")), 0);
	assert_int_equal(pd_store_slice_upsert(&st, slice("x2", "a", "1")), 0);
	expect_changed("ns/a ns/a");
	v = pd_store_service_slices(&st, "ns/a", &n);
	assert_int_equal(n, 2);
	assert_non_null(v);
	assert_int_equal(pd_store_slice_upsert(&st, slice("x2", "a", "1")), 0);
	expect_changed("");
	/* relabelled: leaves a's index for b's, both Services change */
	assert_int_equal(pd_store_slice_upsert(&st, slice("x2", "b", "2")), 0);
	expect_changed("ns/a ns/b");
	pd_store_service_slices(&st, "ns/a", &n);
	assert_int_equal(n, 1);
	v = pd_store_service_slices(&st, "ns/b", &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->meta.name, "x2");
	pd_store_slice_delete(&st, "ns", "x1");
	expect_changed("ns/a");
	assert_null(pd_store_service_slices(&st, "ns/a", &n));
	assert_int_equal(n, 0);
	assert_int_equal(st.svc_slices.n, 1);
	pd_store_fini(&st);
}

static void test_prune(void **state)
{
	struct pd_store st;
	struct pd_hmap keep;

	(void)state;
	seen[0] = '\0';
	pd_store_init(&st, on_changed, NULL);
	pd_hmap_init(&keep);
	pd_store_service_upsert(&st, svc("a", "1"));
	pd_store_service_upsert(&st, svc("b", "1"));
	pd_store_slice_upsert(&st, slice("x1", "a", "1"));
	pd_store_slice_upsert(&st, slice("x2", "b", "1"));
	expect_changed("ns/a ns/b ns/a ns/b");
	assert_int_equal(pd_hmap_sput(&keep, "ns/b", (void *)1, NULL), 0);
	assert_int_equal(pd_hmap_sput(&keep, "ns/x2", (void *)1, NULL), 0);
	pd_store_services_prune(&st, &keep);
	expect_changed("ns/a");
	pd_store_slices_prune(&st, &keep);
	expect_changed("ns/a");
	assert_int_equal(st.services.n, 1);
	assert_int_equal(st.slices.n, 1);
	assert_non_null(pd_hmap_sget(&st.services, "ns/b"));
	assert_non_null(pd_hmap_sget(&st.slices, "ns/x2"));
	pd_hmap_fini(&keep);
	pd_store_fini(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_slices),
		cmocka_unit_test(test_prune),
	};

	return cmocka_run_group_tests_name("podvsd_store", tests, NULL, NULL);
}
