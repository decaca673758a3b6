// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd /metrics without a daemon: families read through the sources
 * struct (the API side only while it is up, the hook's families last),
 * the /readyz reasons, the /debug/table lines, and real requests to the
 * server on the loop (base/http_server.c) over loopback.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "podvsd/metrics.h"

struct env {
	struct pd_log log;
	struct pd_loop loop;
	struct pd_reconciler rec;
	struct pd_health health;
	struct pd_gate_stats gate;
	unsigned long rejected, events;
	long ungated;
	bool api_up, synced;
	struct pd_informer svcs, slices;
	struct pd_http_stats api;
	struct pd_elector leader, gw;
	struct pd_metrics m;
};

static bool synced(void *ctx)
{
	return ((struct env *)ctx)->synced;
}

static long ungated(void *ctx)
{
	return ((struct env *)ctx)->ungated;
}

static void more(void *ctx, FILE *out)
{
	(void)ctx;
	fputs("# more\n", out);
}

static struct env *env_new(const struct pd_hostport *at)
{
	struct env *e = calloc(1, sizeof(*e));
	struct pd_backend be = { 0 };
	struct pd_metrics_src src;
	struct pd_metrics_hooks h = { .synced = synced, .render = more,
				      .ungated = ungated };

	assert_non_null(e);
	e->log.level = PD_LOG_ERROR + 1;
	assert_int_equal(pd_loop_init(&e->loop), 0);
	pd_rec_init(&e->rec, &e->log, &be, 0);
	e->svcs.name = "services";
	e->slices.name = "endpointslices";
	src = (struct pd_metrics_src){
		.rec = &e->rec, .health = &e->health, .gate = &e->gate,
		.rejected = &e->rejected, .api_up = &e->api_up,
		.informers = { &e->svcs, &e->slices }, .api = &e->api,
		.events_posted = &e->events, .leader = &e->leader,
		.gw = &e->gw,
	};
	h.ctx = e;
	assert_int_equal(pd_metrics_init(&e->m, &e->loop, &e->log, at, &src,
					 &h), 0);
	return e;
}

static void env_free(struct env *e)
{
	pd_metrics_fini(&e->m);
	pd_rec_fini(&e->rec);
	pd_loop_fini(&e->loop);
	free(e);
}

static char *render(struct env *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	pd_metrics_render(&e->m, f);
	fclose(f);
	return buf;
}

static void test_render(void **state)
{
	struct env *e = env_new(NULL);
	char *out;

	(void)state;
	e->synced = true;
	e->rec.stats.syncs = 3;
	e->rejected = 4;
	e->svcs.stats.watches = 2;
	e->leader.stats.conflicts = 1;
	e->gw.stats.conflicts = 2;
	e->gate.gated_true = 5;
	e->ungated = -1;
	out = render(e);
	assert_non_null(strstr(out, "\npodvsd_ready 1\n"));
	assert_non_null(strstr(out, "\npodvsd_syncs_total 3\n"));
	assert_non_null(strstr(out, "\npodvsd_rejected_objects_total 4\n"));
	assert_non_null(strstr(out, "{kind=\"EndpointSlice\"} 0\n"));
	/* API down: no informer, API, Lease or gate families */
	assert_null(strstr(out, "podvsd_watch_restarts_total"));
	assert_null(strstr(out, "podvsd_gated_pods"));
	assert_string_equal(out + strlen(out) - 7, "# more\n");
	free(out);
	e->api_up = true;
	out = render(e);
	assert_non_null(strstr(out, "# TYPE podvsd_watch_restarts_total counter"
			       "\npodvsd_watch_restarts_total{resource="
			       "\"services\"} 1\npodvsd_watch_restarts_total"
			       "{resource=\"endpointslices\"} 0\n"));
	assert_non_null(strstr(out, "\npodvsd_lease_conflicts_total 3\n"));
	assert_non_null(strstr(out, "\npodvsd_gated_pods{status=\"true\"} 5\n"
			       "podvsd_gated_pods{status=\"false\"} 0\n"));
	assert_string_equal(out + strlen(out) - 7, "# more\n");
	assert_null(strstr(out, "podvs_announce_ready"));
	assert_null(strstr(out, "podvsd_ungated_pods"));	/* unknown */
	free(out);
	e->ungated = 2;
	out = render(e);
	assert_non_null(strstr(out, "# TYPE podvsd_ungated_pods gauge\n"
			       "podvsd_ungated_pods 2\n"));
	free(out);
	env_free(e);
}

static void test_announce(void **state)
{
	struct env *e = env_new(NULL);
	struct pd_ann_stats a = { .ready = true, .vips = 3 };
	unsigned long sysctl_errors = 2;
	char *out;

	(void)state;
	a.withdrawals[PD_ANN_API_LOST] = 4;
	e->m.src.ann = &a;
	e->m.src.sysctl_errors = &sysctl_errors;
	out = render(e);
	assert_non_null(strstr(out, "\npodvs_announce_ready 1\n"));
	assert_non_null(strstr(out, "\npodvs_announce_up 0\n"));
	assert_non_null(strstr(out, "\npodvs_announced_vips 3\n"));
	assert_non_null(strstr(out, "# TYPE podvs_announce_withdrawals_total "
			       "counter\npodvs_announce_withdrawals_total"
			       "{reason=\"no_dest\"} 0\n"
			       "podvs_announce_withdrawals_total"
			       "{reason=\"api_lost\"} 4\n"));
	assert_non_null(strstr(out, "{reason=\"watchdog\"} 0\n"));
	assert_non_null(strstr(out, "\npodvsd_sysctl_errors_total 2\n"));
	free(out);
	env_free(e);
}

static void test_ready(void **state)
{
	struct env *e = env_new(NULL);
	const char *why;

	(void)state;
	assert_false(pd_metrics_ready(&e->m, &why));
	assert_string_equal(why, "caches not synced yet");
	e->synced = true;
	assert_false(pd_metrics_ready(&e->m, &why));
	assert_string_equal(why, "no successful sync yet");
	e->rec.stats.syncs = 1;
	e->rec.stats.sync_errors = 1;
	e->rec.need_full = true;
	assert_false(pd_metrics_ready(&e->m, &why));
	assert_string_equal(why, "the last sync failed");
	e->rec.need_full = false;
	assert_true(pd_metrics_ready(&e->m, &why));
	assert_string_equal(why, "ok");
	env_free(e);
}

static void test_table(void **state)
{
	struct pd_table t;
	struct pd_vs_key k;
	struct pd_addr vip;
	struct pd_dest d = { .addr = { 10, 0, 0, 1 }, .port = 8080,
			     .weight = 1 };
	struct pd_vs *vs;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	pd_table_init(&t);
	pd_addr_parse("192.0.2.1", &vip);
	pd_vs_key_init(&k, &vip, IPPROTO_TCP, 80);
	vs = pd_vs_new(&k);
	assert_non_null(vs);
	snprintf(vs->sched, sizeof(vs->sched), "rr");
	snprintf(vs->owner, sizeof(vs->owner), "podvsd:ns/a");
	assert_int_equal(pd_vs_dest_insert(vs, &d), 0);
	d.addr[3] = 2;
	d.flags = PODVS_DEST_F_DRAIN;
	assert_int_equal(pd_vs_dest_insert(vs, &d), 0);
	assert_int_equal(pd_table_put(&t, vs), 0);
	f = open_memstream(&buf, &len);
	pd_table_render(&t, f);
	fclose(f);
	assert_string_equal(buf, "TCP 192.0.2.1:80 rr owner=podvsd:ns/a = "
			    "10.0.0.1:8080 10.0.0.2:8080,drain\n");
	free(buf);
	pd_table_fini(&t);
}

/* ---- over HTTP -------------------------------------------------------- */

struct client {
	struct pd_io io;
	char buf[65536];
	size_t len;
};

static void on_reply(struct pd_loop *loop, struct pd_io *io, uint32_t ev)
{
	struct client *c = io->ctx;
	ssize_t n;

	(void)ev;
	n = read(io->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n > 0) {
		c->len += n;
		c->buf[c->len] = '\0';
		return;
	}
	if (n < 0 && errno == EAGAIN)
		return;
	loop->stop = true;	/* HTTP/1.0: the server closed */
}

static void on_timeout(struct pd_loop *loop, struct pd_timer *t)
{
	(void)t;
	loop->stop = true;
}

/* Send @req to @port, run the loop until the answer ends; returns it. */
static const char *ask(struct env *e, uint16_t port, const char *req,
		       struct client *c)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct pd_timer guard;

	memset(c, 0, sizeof(*c));
	c->io.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->io.fd >= 0);
	assert_int_equal(connect(c->io.fd, (struct sockaddr *)&sin,
				 sizeof(sin)), 0);
	assert_int_equal(write(c->io.fd, req, strlen(req)),
			 (ssize_t)strlen(req));
	fcntl(c->io.fd, F_SETFL, O_NONBLOCK);
	c->io.fn = on_reply;
	c->io.ctx = c;
	assert_int_equal(pd_loop_watch(&e->loop, &c->io, EPOLLIN), 0);
	assert_int_equal(pd_timer_init(&e->loop, &guard, on_timeout, NULL), 0);
	assert_int_equal(pd_timer_arm_ms(&guard, 5000, 0), 0);
	e->loop.stop = false;
	assert_int_equal(pd_loop_run(&e->loop), 0);
	pd_timer_fini(&e->loop, &guard);
	pd_loop_unwatch(&e->loop, &c->io);
	close(c->io.fd);
	return c->buf;
}

static void test_http(void **state)
{
	struct pd_hostport at = { .port = 0 };
	static struct client c;
	const union MHD_DaemonInfo *info;
	struct env *e;
	uint16_t port;

	(void)state;
	assert_int_equal(pd_addr_parse("127.0.0.1", &at.addr), 0);
	e = env_new(&at);
	assert_non_null(e->m.httpd.mhd);
	info = MHD_get_daemon_info(e->m.httpd.mhd,
				   MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	port = info->port;
	assert_true(port > 0);
	ask(e, port, "GET /readyz HTTP/1.0\r\n\r\n", &c);
	assert_non_null(strstr(c.buf, "HTTP/1.1 503"));
	assert_non_null(strstr(c.buf, "\r\n\r\ncaches not synced yet\n"));
	e->synced = true;
	e->rec.stats.syncs = 1;
	ask(e, port, "GET /metrics HTTP/1.0\r\n\r\n", &c);
	assert_non_null(strstr(c.buf, "HTTP/1.1 200"));
	assert_non_null(strstr(c.buf, "Content-Type: text/plain; "
			       "version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(c.buf, "\npodvsd_ready 1\n"));
	ask(e, port, "GET /nope HTTP/1.0\r\n\r\n", &c);
	assert_non_null(strstr(c.buf, "HTTP/1.1 404"));
	ask(e, port, "DELETE /metrics HTTP/1.0\r\n\r\n", &c);
	assert_non_null(strstr(c.buf, "HTTP/1.1 405"));
	assert_int_equal(e->m.requests, 4);
	/* stop, then fini: nothing left to stop twice */
	pd_httpd_stop(&e->m.httpd);
	assert_null(e->m.httpd.mhd);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_announce),
		cmocka_unit_test(test_ready),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_http),
	};

	return cmocka_run_group_tests_name("podvsd_metrics", tests, NULL,
					   NULL);
}
