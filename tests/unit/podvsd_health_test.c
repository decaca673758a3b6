// SPDX-License-Identifier: GPL-2.0
/* podvsd health checks: annotation parsing (bad value -> default and a
 * message), the threshold state machine, HTTP status lines, the per-state
 * counts against a probe of a loopback listener, stale targets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "podvsd/node/health.h"

static struct k8s_service *svc(const char *ann)
{
	char json[1024], err[256];
	struct k8s_service *s;
	cJSON *o;

	snprintf(json, sizeof(json), "{\"metadata\":{\"name\":\"web\","
		 "\"namespace\":\"default\",\"uid\":\"u1\","
		 "\"resourceVersion\":\"1\",\"annotations\":{%s}},"
		 "\"spec\":{\"ports\":[{\"port\":80}]}}", ann);
	o = cJSON_Parse(json);
	assert_non_null(o);
	s = k8s_service_parse(o, err, sizeof(err));
	cJSON_Delete(o);
	assert_non_null(s);
	return s;
}

static int parse(const char *ann, struct pd_hc_cfg *cfg, char *err)
{
	struct k8s_service *s = svc(ann);
	int n = pd_hc_parse(s, cfg, err, 256);

	k8s_service_free(s);
	return n;
}

static void test_defaults(void **state)
{
	struct pd_hc_cfg c;
	char err[256];

	(void)state;
	assert_int_equal(parse("", &c, err), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.type, PD_HC_TCP);
	assert_string_equal(c.path, "/");
	assert_int_equal(c.interval_s, 5);
	assert_int_equal(c.timeout_s, 2);
	assert_int_equal(c.healthy, 2);
	assert_int_equal(c.unhealthy, 3);
}

static void test_values(void **state)
{
	struct pd_hc_cfg c;
	char err[256];

	(void)state;
	assert_int_equal(parse("\"podvs.io/health-check\":\"http\","
			       "\"podvs.io/health-path\":\"/healthz?x=1\","
			       "\"podvs.io/health-interval\":\"1\","
			       "\"podvs.io/health-timeout\":\"60\","
			       "\"podvs.io/health-healthy-threshold\":\"1\","
			       "\"podvs.io/health-unhealthy-threshold\":\"10\"",
			       &c, err), 0);
	assert_int_equal(c.type, PD_HC_HTTP);
	assert_string_equal(c.path, "/healthz?x=1");
	assert_int_equal(c.interval_s, 1);
	assert_int_equal(c.timeout_s, 60);
	assert_int_equal(c.healthy, 1);
	assert_int_equal(c.unhealthy, 10);
	assert_int_equal(parse("\"podvs.io/health-check\":\"none\"", &c,
			       err), 0);
	assert_int_equal(c.type, PD_HC_NONE);
}

/* each bad value falls back alone; the first problem is described */
static void test_bad(void **state)
{
	static const struct {
		const char *ann;
		const char *err;
	} cases[] = {
		{ "\"podvs.io/health-check\":\"udp\"",
		  "annotation podvs.io/health-check: 'udp' is not one of tcp, "
		  "http, none" },
		{ "\"podvs.io/health-path\":\"healthz\"",
		  "annotation podvs.io/health-path: 'healthz' is not an "
		  "absolute path without spaces (< 128 bytes)" },
		{ "\"podvs.io/health-path\":\"/a b\"",
		  "annotation podvs.io/health-path: '/a b' is not an absolute "
		  "path without spaces (< 128 bytes)" },
		{ "\"podvs.io/health-interval\":\"0\"",
		  "annotation podvs.io/health-interval: '0' is not an integer "
		  "in [1, 300]" },
		{ "\"podvs.io/health-timeout\":\"2s\"",
		  "annotation podvs.io/health-timeout: '2s' is not an integer "
		  "in [1, 60]" },
		{ "\"podvs.io/health-healthy-threshold\":\"-1\"",
		  "annotation podvs.io/health-healthy-threshold: '-1' is not "
		  "an integer in [1, 10]" },
		{ "\"podvs.io/health-unhealthy-threshold\":\"\"",
		  "annotation podvs.io/health-unhealthy-threshold: '' is not "
		  "an integer in [1, 10]" },
	};
	struct pd_hc_cfg c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(parse(cases[i].ann, &c, err), 1);
		assert_string_equal(err, cases[i].err);
	}
	/* two bad, one good: both bad ones default, the good one holds */
	assert_int_equal(parse("\"podvs.io/health-check\":\"icmp\","
			       "\"podvs.io/health-interval\":\"999\","
			       "\"podvs.io/health-timeout\":\"7\"", &c, err),
			 2);
	assert_int_equal(c.type, PD_HC_TCP);
	assert_int_equal(c.interval_s, 5);
	assert_int_equal(c.timeout_s, 7);
	assert_string_equal(err, "annotation podvs.io/health-check: 'icmp' "
			    "is not one of tcp, http, none");
}

static void test_record(void **state)
{
	struct pd_hc_cfg cfg = { .healthy = 2, .unhealthy = 3 };
	struct pd_hc_counts c = { 0 };

	(void)state;
	assert_false(pd_hc_record(&c, &cfg, true));
	assert_int_equal(c.state, PD_HC_UNKNOWN);
	assert_true(pd_hc_record(&c, &cfg, true));
	assert_int_equal(c.state, PD_HC_UP);
	/* two failures, a pass, two failures: the run restarts */
	assert_false(pd_hc_record(&c, &cfg, false));
	assert_false(pd_hc_record(&c, &cfg, false));
	assert_false(pd_hc_record(&c, &cfg, true));
	assert_false(pd_hc_record(&c, &cfg, false));
	assert_false(pd_hc_record(&c, &cfg, false));
	assert_int_equal(c.state, PD_HC_UP);
	assert_true(pd_hc_record(&c, &cfg, false));
	assert_int_equal(c.state, PD_HC_DOWN);
	assert_false(pd_hc_record(&c, &cfg, true));
	assert_true(pd_hc_record(&c, &cfg, true));
	assert_int_equal(c.state, PD_HC_UP);
}

static void test_http_status(void **state)
{
	static const char ok[] = "HTTP/1.1 204 No Content\r\n";

	(void)state;
	assert_int_equal(pd_hc_http_status(ok, strlen(ok)), 204);
	assert_int_equal(pd_hc_http_status("HTTP/1.0 503\r\n", 14), 503);
	assert_int_equal(pd_hc_http_status("HTTP/1.0 200", 12), 200);
	assert_int_equal(pd_hc_http_status("HTTP/2 200 OK\r\n", 15), -1);
	assert_int_equal(pd_hc_http_status("HTTP/1.1 20x OK\r\n", 17), -1);
	assert_int_equal(pd_hc_http_status("HTTP/1.1 2000 \r\n", 16), -1);
	assert_int_equal(pd_hc_http_status("SSH-2.0-x\r\n", 11), -1);
}

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };

static void on_changed(void *ctx, const char *svc)
{
	struct pd_loop *loop = ctx;

	(void)svc;
	loop->stop = true;
}

static void on_guard(struct pd_loop *loop, struct pd_timer *t)
{
	(void)t;
	loop->stop = true;
}

/* A TCP listener on 127.0.0.1; its port in *port. */
static int listener(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static size_t counted(const struct pd_health *h)
{
	return pd_health_count(h, PD_HC_UNKNOWN) +
	       pd_health_count(h, PD_HC_UP) + pd_health_count(h, PD_HC_DOWN);
}

/* A TCP dest @a:@port. */
static bool drain(struct pd_health *h, const char *name,
		  const struct k8s_service *s, const struct pd_addr *a,
		  uint16_t port, bool optimistic)
{
	const struct pd_hc_dest d = {
		.addr = a, .proto = IPPROTO_TCP, .port = port,
	};

	return pd_health_drain(h, name, s, &d, optimistic);
}

static enum pd_hc_verdict verdict(const struct pd_health *h,
				  const char *name, const struct pd_addr *a,
				  uint16_t port, char *why, size_t len)
{
	const struct pd_hc_dest d = {
		.addr = a, .proto = IPPROTO_TCP, .port = port,
	};

	return pd_health_verdict(h, name, &d, why, len);
}

/*
 * The per-state counts (the /metrics gauge, no walk) follow targets
 * through creation, a probe, a configuration change and teardown; a
 * Service without checks keeps no target at all.
 */
static void test_counts(void **state)
{
	struct k8s_service *s1 = svc("\"podvs.io/health-healthy-threshold\":"
				     "\"1\",\"podvs.io/health-interval\":\"1\"");
	struct k8s_service *s2 = svc("\"podvs.io/health-healthy-threshold\":"
				     "\"2\"");
	struct k8s_service *none = svc("\"podvs.io/health-check\":\"none\"");
	struct pd_addr lo = { .af = AF_INET, .b = { 127, 0, 0, 1 } };
	struct pd_loop loop;
	struct pd_timer guard;
	struct pd_health h;
	uint16_t port;
	int lfd = listener(&port);
	char why[128];

	(void)state;
	assert_int_equal(pd_loop_init(&loop), 0);
	assert_int_equal(pd_health_init(&h, &loop, &quiet, on_changed,
					 &loop), 0);
	assert_int_equal(pd_timer_init(&loop, &guard, on_guard, NULL), 0);
	/* not yet checked, not ready: drained, one unknown target */
	assert_true(drain(&h, "ns/a", s1, &lo, port, false));
	assert_int_equal(pd_health_count(&h, PD_HC_UNKNOWN), 1);
	assert_int_equal(verdict(&h, "ns/a", &lo, port, why, sizeof(why)),
			 PD_HCV_PENDING);
	/* no checks: no target, nothing counted, the verdict passes */
	assert_false(drain(&h, "ns/b", none, &lo, port, false));
	assert_int_equal(h.targets.n, 1);
	assert_int_equal(verdict(&h, "ns/b", &lo, port, why, sizeof(why)),
			 PD_HCV_PASS);
	/* the scan probes the listener: healthy */
	assert_int_equal(pd_timer_arm_ms(&guard, 10000, 0), 0);
	assert_int_equal(pd_loop_run(&loop), 0);
	assert_int_equal(pd_health_count(&h, PD_HC_UP), 1);
	assert_int_equal(pd_health_count(&h, PD_HC_UNKNOWN), 0);
	assert_false(drain(&h, "ns/a", s1, &lo, port, false));
	/* a new configuration starts over */
	assert_true(drain(&h, "ns/a", s2, &lo, port, false));
	assert_int_equal(pd_health_count(&h, PD_HC_UP), 0);
	assert_int_equal(pd_health_count(&h, PD_HC_UNKNOWN), 1);
	assert_int_equal(counted(&h), h.targets.n);
	pd_health_fini(&h);
	assert_int_equal(counted(&h), 0);
	pd_timer_fini(&loop, &guard);
	pd_loop_fini(&loop);
	close(lfd);
	k8s_service_free(s1);
	k8s_service_free(s2);
	k8s_service_free(none);
}

/* Run the loop until a target's health moves or @ms pass. */
static void run_for(struct pd_loop *loop, struct pd_timer *guard, uint64_t ms)
{
	assert_int_equal(pd_timer_arm_ms(guard, ms, 0), 0);
	assert_int_equal(pd_loop_run(loop), 0);
	loop->stop = false;
}

/*
 * A target left out of its Service's recompute goes when next due; one
 * back after a recompute without it starts over (unknown, not the health
 * it had), as a new one would.
 */
static void test_stale(void **state)
{
	struct k8s_service *s = svc("\"podvs.io/health-healthy-threshold\":"
				    "\"1\",\"podvs.io/health-interval\":\"1\"");
	struct pd_addr lo = { .af = AF_INET, .b = { 127, 0, 0, 1 } };
	struct pd_loop loop;
	struct pd_timer guard;
	struct pd_health h;
	uint16_t port;
	int lfd = listener(&port);

	(void)state;
	assert_int_equal(pd_loop_init(&loop), 0);
	assert_int_equal(pd_health_init(&h, &loop, &quiet, on_changed,
					 &loop), 0);
	assert_int_equal(pd_timer_init(&loop, &guard, on_guard, NULL), 0);
	pd_health_begin(&h, "ns/a");
	assert_true(drain(&h, "ns/a", s, &lo, port, false));
	run_for(&loop, &guard, 10000);
	assert_int_equal(pd_health_count(&h, PD_HC_UP), 1);
	/* a recompute without it, then one with it: starts over */
	pd_health_begin(&h, "ns/a");
	pd_health_begin(&h, "ns/a");
	assert_true(drain(&h, "ns/a", s, &lo, port, false));
	assert_int_equal(pd_health_count(&h, PD_HC_UNKNOWN), 1);
	assert_int_equal(pd_health_count(&h, PD_HC_UP), 0);
	/* a recompute without it: gone at the next scan (it is due) */
	pd_health_begin(&h, "ns/a");
	assert_int_equal(h.targets.n, 1);
	run_for(&loop, &guard, 600);
	assert_int_equal(h.targets.n, 0);
	assert_int_equal(h.n_heap, 0);
	assert_int_equal(counted(&h), 0);
	pd_health_fini(&h);
	pd_timer_fini(&loop, &guard);
	pd_loop_fini(&loop);
	close(lfd);
	k8s_service_free(s);
}

/*
 * A scan starts at most PD_HC_SCAN_BUDGET probes, and visits only due
 * targets.  127.255.255.255 (loopback's broadcast) fails connect() at once
 * with ENETUNREACH: every probe ends inside the scan, nothing is sent.
 */
static void test_scan_budget(void **state)
{
	struct k8s_service *s = svc("");
	struct pd_addr bc = { .af = AF_INET, .b = { 127, 255, 255, 255 } };
	const unsigned int n = PD_HC_SCAN_BUDGET + 100;
	struct pd_loop loop;
	struct pd_health h;
	uint64_t now = pd_now_ms();

	(void)state;
	assert_int_equal(pd_loop_init(&loop), 0);
	assert_int_equal(pd_health_init(&h, &loop, &quiet, NULL, NULL), 0);
	pd_health_begin(&h, "ns/a");
	for (unsigned int i = 1; i <= n; i++)
		drain(&h, "ns/a", s, &bc, i, true);
	pd_health_scan(&h, now);
	assert_int_equal(h.stats.probes, PD_HC_SCAN_BUDGET);
	assert_int_equal(h.stats.failures, PD_HC_SCAN_BUDGET);
	assert_int_equal(h.inflight, 0);
	/* the rest, not those probed (next due in the 5 s interval) */
	pd_health_scan(&h, now);
	assert_int_equal(h.stats.probes, n);
	pd_health_scan(&h, now + 4999);
	assert_int_equal(h.stats.probes, n);
	pd_health_scan(&h, now + 5000);
	assert_int_equal(h.stats.probes, n + PD_HC_SCAN_BUDGET);
	pd_health_fini(&h);
	pd_loop_fini(&loop);
	k8s_service_free(s);
}

/*
 * Probes stuck in connect() (a loopback listener that never accepts: its
 * queue fills and further SYNs are dropped) time out even while due
 * targets wait for a free probe slot.
 */
static void test_timeouts_not_hidden(void **state)
{
	struct k8s_service *s = svc("\"podvs.io/health-timeout\":\"1\"");
	struct pd_addr lo = { .af = AF_INET, .b = { 127, 0, 0, 1 } };
	const unsigned int n = PD_HC_MAX_INFLIGHT + 10;
	struct pd_loop loop;
	struct pd_health h;
	uint16_t port;
	int lfd = listener(&port);
	uint64_t now = pd_now_ms();
	char name[32];

	(void)state;
	assert_int_equal(pd_loop_init(&loop), 0);
	assert_int_equal(pd_health_init(&h, &loop, &quiet, NULL, NULL), 0);
	for (unsigned int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "ns/s%u", i);
		pd_health_begin(&h, name);
		drain(&h, name, s, &lo, port, true);
	}
	pd_health_scan(&h, now);
	assert_int_equal(h.inflight, PD_HC_MAX_INFLIGHT);
	assert_int_equal(h.stats.probes, 0);
	/* a second later: all time out, the 10 waiting ones start */
	pd_health_scan(&h, now + 1000);
	assert_int_equal(h.stats.probes, PD_HC_MAX_INFLIGHT);
	assert_int_equal(h.stats.failures, PD_HC_MAX_INFLIGHT);
	assert_int_equal(h.inflight, 10);
	pd_health_fini(&h);
	assert_int_equal(h.inflight, 0);
	pd_loop_fini(&loop);
	close(lfd);
	k8s_service_free(s);
}

/*
 * D1: a target whose check is merely pending fails nothing for the gate
 * when Kubernetes calls its endpoint ready (a restart: every target
 * UNKNOWN); not ready, it is PENDING, never FAILED; only a check observed
 * failing is FAILED.
 */
static void test_verdict_pending(void **state)
{
	struct k8s_service *s = svc("\"podvs.io/health-unhealthy-threshold\":"
				    "\"1\",\"podvs.io/health-interval\":\"1\"");
	struct pd_addr bc = { .af = AF_INET, .b = { 127, 255, 255, 255 } };
	struct pd_loop loop;
	struct pd_health h;
	char why[128];

	(void)state;
	assert_int_equal(pd_loop_init(&loop), 0);
	assert_int_equal(pd_health_init(&h, &loop, &quiet, NULL, NULL), 0);
	pd_health_begin(&h, "ns/a");
	assert_false(drain(&h, "ns/a", s, &bc, 80, true));
	assert_int_equal(pd_health_count(&h, PD_HC_UNKNOWN), 1);
	assert_int_equal(verdict(&h, "ns/a", &bc, 80, why, sizeof(why)),
			 PD_HCV_PASS);
	assert_true(drain(&h, "ns/a", s, &bc, 80, false));
	assert_int_equal(verdict(&h, "ns/a", &bc, 80, why, sizeof(why)),
			 PD_HCV_PENDING);
	assert_non_null(strstr(why, "HealthCheckPending"));
	/* a connect to a broadcast address fails at once: DOWN */
	pd_health_scan(&h, pd_now_ms());
	assert_int_equal(pd_health_count(&h, PD_HC_DOWN), 1);
	assert_true(drain(&h, "ns/a", s, &bc, 80, true));
	assert_int_equal(verdict(&h, "ns/a", &bc, 80, why, sizeof(why)),
			 PD_HCV_FAILED);
	assert_non_null(strstr(why, "HealthCheckFailed"));
	pd_health_fini(&h);
	pd_loop_fini(&loop);
	k8s_service_free(s);
}

/*
 * D3: a UDP dest gets no TCP connect to its own port: no target, the
 * verdict passes (the Pod's readiness is its health).  With
 * podvs.io/health-port it is probed there, and its target is apart from
 * a TCP dest of the same address and port.
 */
static void test_udp(void **state)
{
	struct k8s_service *plain = svc("");
	struct k8s_service *named = svc("\"podvs.io/health-port\":\"8080\"");
	struct pd_addr lo = { .af = AF_INET, .b = { 127, 0, 0, 1 } };
	const struct pd_hc_dest u = {
		.addr = &lo, .proto = IPPROTO_UDP, .port = 53,
	};
	const struct pd_hc_dest t = {
		.addr = &lo, .proto = IPPROTO_TCP, .port = 53,
	};
	struct pd_hc_cfg cfg;
	struct pd_loop loop;
	struct pd_health h;
	char why[128], err[256];

	(void)state;
	assert_int_equal(pd_hc_parse(plain, &cfg, err, sizeof(err)), 0);
	assert_false(pd_hc_active(&cfg, &u));
	assert_true(pd_hc_active(&cfg, &t));
	assert_int_equal(pd_hc_parse(named, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.port, 8080);
	assert_true(pd_hc_active(&cfg, &u));
	assert_int_equal(pd_loop_init(&loop), 0);
	assert_int_equal(pd_health_init(&h, &loop, &quiet, NULL, NULL), 0);
	pd_health_begin(&h, "ns/a");
	assert_false(pd_health_drain(&h, "ns/a", plain, &u, false));
	assert_int_equal(h.targets.n, 0);
	assert_int_equal(pd_health_verdict(&h, "ns/a", &u, why, sizeof(why)),
			 PD_HCV_PASS);
	pd_health_begin(&h, "ns/b");
	assert_true(pd_health_drain(&h, "ns/b", named, &u, false));
	assert_true(pd_health_drain(&h, "ns/b", named, &t, false));
	assert_int_equal(h.targets.n, 2);
	pd_health_fini(&h);
	pd_loop_fini(&loop);
	k8s_service_free(plain);
	k8s_service_free(named);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_scan_budget),
		cmocka_unit_test(test_timeouts_not_hidden),
		cmocka_unit_test(test_verdict_pending),
		cmocka_unit_test(test_udp),
	};

	return cmocka_run_group_tests_name("podvsd_health", tests, NULL, NULL);
}
