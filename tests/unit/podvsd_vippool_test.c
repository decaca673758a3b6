// SPDX-License-Identifier: GPL-2.0
/* podvsd --vip-pool: lowest free address, which Services want one, the
 * status merge patch, and the leader's pass over the reconciler's Services
 * (the allocation recorded, kept, and written again after a failed
 * status write). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "podvsd/sync/backend.h"
#include "podvsd/sync/vippool.h"
#include "podvsd/sync/vippool_pass.h"

static void use(struct pd_hmap *m, const char *ip)
{
	struct pd_addr a;

	assert_int_equal(pd_addr_parse(ip, &a), 0);
	pd_hmap_put(m, &a, sizeof(a), (void *)1, NULL);
}

static const char *alloc(const char *cidr, struct pd_hmap *used, char *buf)
{
	struct pd_cidr c;
	struct pd_addr a;
	char err[128];

	assert_int_equal(pd_cidr_parse(cidr, &c, err, sizeof(err)), 0);
	if (pd_pool_alloc(&c, used, &a))
		return "ENOSPC";
	return pd_addr_str(&a, buf);
}

static void test_alloc(void **state)
{
	struct pd_hmap used;
	char buf[PD_ADDR_STRLEN];

	(void)state;
	pd_hmap_init(&used);
	/* never the network address */
	assert_string_equal(alloc("192.0.2.0/30", &used, buf), "192.0.2.1");
	use(&used, "192.0.2.1");
	assert_string_equal(alloc("192.0.2.0/30", &used, buf), "192.0.2.2");
	use(&used, "192.0.2.2");
	/* .3 is the broadcast address: full */
	assert_string_equal(alloc("192.0.2.0/30", &used, buf), "ENOSPC");
	/* a /31 has no broadcast */
	assert_string_equal(alloc("192.0.2.4/31", &used, buf), "192.0.2.5");
	/* carries across bytes */
	use(&used, "198.51.100.255");
	assert_string_equal(alloc("198.51.100.254/31", &used, buf),
			    "ENOSPC");
	assert_string_equal(alloc("198.51.100.0/23", &used, buf),
			    "198.51.100.1");
	use(&used, "2001:db8::1");
	assert_string_equal(alloc("2001:db8::/120", &used, buf), "2001:db8::2");
	pd_hmap_fini(&used);
}

static struct k8s_service *svc(const char *spec, const char *ingress)
{
	char buf[1024], err[256];
	cJSON *j;
	struct k8s_service *s;

	snprintf(buf, sizeof(buf),
		 "{\"metadata\": {\"name\": \"a\", \"namespace\": \"b\", "
		 "\"uid\": \"u\", \"resourceVersion\": \"1\"}, \"spec\": {%s}, "
		 "\"status\": {\"loadBalancer\": {\"ingress\": [%s]}}}",
		 spec, ingress);
	j = cJSON_Parse(buf);
	s = k8s_service_parse(j, err, sizeof(err));
	cJSON_Delete(j);
	assert_non_null(s);
	return s;
}

#define LB "\"type\": \"LoadBalancer\", \"loadBalancerClass\": \"podvs.io/direct\""

static void test_wants(void **state)
{
	struct k8s_service *a = svc(LB, "");
	struct k8s_service *b = svc(LB, "{\"ip\": \"192.0.2.1\"}");
	struct k8s_service *c = svc(LB ", \"ipFamilies\": [\"IPv6\"]", "");
	struct k8s_service *d = svc("\"type\": \"LoadBalancer\"", "");
	struct k8s_service *e = svc("\"loadBalancerClass\": "
				    "\"podvs.io/direct\"", "");

	(void)state;
	assert_true(pd_pool_wants(a, AF_INET));
	assert_true(pd_pool_wants(a, AF_INET6));
	assert_false(pd_pool_wants(b, AF_INET));	/* has one */
	assert_true(pd_pool_wants(b, AF_INET6));
	assert_false(pd_pool_wants(c, AF_INET));	/* family not asked */
	assert_true(pd_pool_wants(c, AF_INET6));
	assert_false(pd_pool_wants(d, AF_INET));	/* another class */
	assert_false(pd_pool_wants(e, AF_INET));	/* not LoadBalancer */
	k8s_service_free(a);
	k8s_service_free(b);
	k8s_service_free(c);
	k8s_service_free(d);
	k8s_service_free(e);
}

static void test_patch(void **state)
{
	struct pd_addr a[2];
	char *p;

	(void)state;
	pd_addr_parse("192.0.2.9", &a[0]);
	pd_addr_parse("2001:db8::9", &a[1]);
	p = pd_pool_status_patch("41", NULL, a, 2);
	assert_string_equal(p, "{\"metadata\":{\"resourceVersion\":\"41\"},"
			    "\"status\":{\"loadBalancer\":{\"ingress\":"
			    "[{\"ip\":\"192.0.2.9\"},{\"ip\":\"2001:db8::9\"}]}}}");
	free(p);
	/* other writers' entries stay as they are, hostname and ipMode */
	p = pd_pool_status_patch("42", "[{\"hostname\":\"lb.example\"},"
				 "{\"ip\":\"192.0.2.7\",\"ipMode\":\"Proxy\"}]",
				 &a[1], 1);
	assert_string_equal(p, "{\"metadata\":{\"resourceVersion\":\"42\"},"
			    "\"status\":{\"loadBalancer\":{\"ingress\":"
			    "[{\"hostname\":\"lb.example\"},{\"ip\":"
			    "\"192.0.2.7\",\"ipMode\":\"Proxy\"},{\"ip\":"
			    "\"2001:db8::9\"}]}}}");
	free(p);
	/* no resourceVersion: no unconditional write */
	assert_null(pd_pool_status_patch("", NULL, a, 1));
	assert_null(pd_pool_status_patch(NULL, NULL, a, 1));
}

/* The parser keeps the entries as read, for the patch above. */
static void test_ingress_kept(void **state)
{
	struct k8s_service *s = svc(LB, "{\"hostname\": \"lb.example\", "
				    "\"ipMode\": \"Proxy\"}");

	(void)state;
	assert_string_equal(s->ingress_json, "[{\"hostname\":\"lb.example\","
			    "\"ipMode\":\"Proxy\"}]");
	assert_int_equal(s->n_ingress_ips, 0);
	k8s_service_free(s);
}

static const char *alloc_of(const struct pd_reconciler *rec, char *buf)
{
	const struct pd_alloc *a = pd_hmap_sget(&rec->allocs, "b/a");

	assert_non_null(a);
	assert_int_equal(a->n, 1);
	return pd_addr_str(&a->addr[0], buf);
}

static void test_pass(void **state)
{
	struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };
	struct pd_memkernel mem;
	struct pd_backend be;
	struct pd_reconciler rec;
	struct pd_pool_pass p;
	struct pd_cidr pool;
	char err[128], buf[PD_ADDR_STRLEN];

	(void)state;
	pd_memkernel_init(&mem, NULL);
	pd_memkernel_backend(&mem, &be);
	pd_rec_init(&rec, &quiet, &be, 0);
	assert_int_equal(pd_cidr_parse("192.0.2.0/30", &pool, err,
				       sizeof(err)), 0);
	/* no API client: every status write fails to start */
	pd_pool_pass_init(&p, &rec, NULL, &quiet, &pool, 1);
	assert_int_equal(pd_rec_service_upsert(&rec, svc(LB ", \"ipFamilies\":"
							 " [\"IPv4\"]", "")),
			 0);
	pd_pool_pass(&p);
	assert_string_equal(alloc_of(&rec, buf), "192.0.2.1");
	assert_int_equal(p.allocated, 1);
	assert_int_equal(p.busy.n, 0);		/* not written: again next */
	pd_pool_pass(&p);
	assert_string_equal(alloc_of(&rec, buf), "192.0.2.1");	/* kept */
	assert_int_equal(p.allocated, 2);
	pd_pool_pass_fini(&p);
	pd_rec_fini(&rec);
	pd_memkernel_fini(&mem);
}

/* D16: a full pool is counted each pass and told once; an ex-leader
 * forgets what it allocated. */
static void test_exhausted_stepdown(void **state)
{
	struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };
	struct pd_memkernel mem;
	struct pd_backend be;
	struct pd_reconciler rec;
	struct pd_pool_pass p;
	struct pd_cidr pool;
	struct k8s_service *b;
	char err[128];

	(void)state;
	pd_memkernel_init(&mem, NULL);
	pd_memkernel_backend(&mem, &be);
	pd_rec_init(&rec, &quiet, &be, 0);
	/* one usable address (.1): the /31 has no broadcast, .0 is the net */
	assert_int_equal(pd_cidr_parse("192.0.2.0/31", &pool, err,
				       sizeof(err)), 0);
	pd_pool_pass_init(&p, &rec, NULL, &quiet, &pool, 1);
	assert_int_equal(pd_rec_service_upsert(&rec, svc(LB ", \"ipFamilies\":"
							 " [\"IPv4\"]", "")),
			 0);
	b = svc(LB ", \"ipFamilies\": [\"IPv4\"]", "");
	b->meta.name = "c";
	assert_int_equal(pd_rec_service_upsert(&rec, b), 0);
	pd_pool_pass(&p);
	assert_int_equal(rec.allocs.n, 1);
	assert_int_equal(p.exhausted, 1);	/* the other one: none left */
	assert_int_equal(p.starved.n, 1);	/* told once */
	pd_pool_pass(&p);
	assert_int_equal(p.exhausted, 2);
	assert_int_equal(p.starved.n, 1);
	assert_int_equal(pd_rec_sync(&rec, 1000), 0);
	assert_false(pd_rec_pending(&rec));
	/* not leader any more: nothing of ours stays programmed */
	pd_pool_pass_stepdown(&p);
	assert_int_equal(rec.allocs.n, 0);
	assert_int_equal(p.busy.n, 0);
	assert_int_equal(p.starved.n, 0);
	assert_true(pd_rec_pending(&rec));	/* unprogrammed at the sync */
	pd_pool_pass_fini(&p);
	pd_rec_fini(&rec);
	pd_memkernel_fini(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_wants),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_ingress_kept),
		cmocka_unit_test(test_exhausted_stepdown),
	};

	return cmocka_run_group_tests_name("podvsd_vippool", tests, NULL, NULL);
}
