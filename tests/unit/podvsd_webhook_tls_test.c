// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd's webhook serving certificate, issue 12 D10:
 *  - a new pair is refused, the old one kept, when it is not PEM, the key
 *    is not the certificate's, or the certificate has expired;
 *  - --webhook-cert/--webhook-key files are reloaded when they change; a
 *    bad new pair keeps the old one serving, is told once (error line and
 *    a Warning Event) and not retried until the files change again;
 *  - the swap happens under a running server: a request in flight on a
 *    connection made before it completes, and the next handshake gets the
 *    new certificate (a real TLS client in a child process).
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <gnutls/gnutls.h>

#include "podvsd/webhook/webhook.h"
#include "podvsd/webhook/webhook_tls.h"

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };

static void gen(struct pd_certs *c, time_t now, unsigned int days)
{
	const char *names[] = { "podvs-webhook.kube-system.svc" };
	char err[256];

	assert_int_equal(pd_certs_generate(c, names, 1, now, days, err,
					   sizeof(err)), 0);
}

static void assert_serving(const char *pem)
{
	char *cur = pd_wh_tls_current_pem();

	assert_non_null(cur);
	assert_string_equal(cur, pem);
	free(cur);
}

static void test_refusals(void **state)
{
	struct pd_certs a, b, old;
	char err[256];
	time_t now = time(NULL);

	(void)state;
	gen(&a, now, 30);
	gen(&b, now, 30);
	gen(&old, now - 40 * 86400, 30);	/* expired 10 days ago */
	assert_int_equal(pd_wh_tls_load(a.tls_crt, a.tls_key, now, err,
					sizeof(err)), 0);
	assert_serving(a.tls_crt);
	assert_int_equal(pd_wh_tls_load("garbage", a.tls_key, now, err,
					sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "the certificate"));
	assert_int_equal(pd_wh_tls_load(b.tls_crt, a.tls_key, now, err,
					sizeof(err)), -EINVAL);
	assert_string_equal(err, "the key is not the key of the certificate");
	assert_int_equal(pd_wh_tls_load(b.tls_crt, "-----BEGIN PRIVATE KEY"
					"-----\nAAAA\n-----END PRIVATE KEY-----"
					"\n", now, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "the key: "));
	assert_int_equal(pd_wh_tls_load(old.tls_crt, old.tls_key, now, err,
					sizeof(err)), -EINVAL);
	assert_string_equal(err, "the certificate has expired");
	assert_serving(a.tls_crt);		/* every refusal kept a */
	/* a chain (leaf + CA, as cert-manager writes tls.crt) is fine */
	{
		char chain[8192];

		snprintf(chain, sizeof(chain), "%s%s", b.tls_crt, b.ca_crt);
		assert_int_equal(pd_wh_tls_load(chain, b.tls_key, now, err,
						sizeof(err)), 0);
		assert_serving(chain);
	}
	pd_wh_tls_clear();
	assert_false(pd_wh_tls_loaded());
	pd_certs_fini(&a);
	pd_certs_fini(&b);
	pd_certs_fini(&old);
}

/* ---- a webhook on 127.0.0.1 with files in a temporary directory ------- */

struct env {
	struct pd_loop loop;
	struct pd_log log;
	struct pd_http http;		/* fake: requests never answered */
	struct pd_http events_http;	/* fake: Events kept */
	struct pd_events events;
	struct pd_hmap services;
	struct pd_webhook_opts opts;
	struct pd_webhook wh;
	char dir[64], cert[96], key[96];
};

static struct pd_http_req *event_reqs[4];
static int events_sent;

static int never(struct pd_http *h, struct pd_http_req *r)
{
	(void)h;
	(void)r;
	return 0;
}

static int keep_event(struct pd_http *h, struct pd_http_req *r)
{
	(void)h;
	assert_true(events_sent < 4);
	event_reqs[events_sent++] = r;
	return 0;
}

/* Write @data to @path through a rename, as a Secret volume update is
 * atomic. */
static void put(const char *path, const char *data)
{
	char tmp[128];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_int_equal(fputs(data, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void put_pair(struct env *e, const struct pd_certs *c)
{
	put(e->cert, c->tls_crt);
	put(e->key, c->tls_key);
}

static void env_start(struct env *e, const struct pd_certs *first)
{
	const struct pd_webhook_hooks hooks = { .events = &e->events };
	char err[128];

	memset(e, 0, sizeof(*e));
	e->log = quiet;
	snprintf(e->dir, sizeof(e->dir), "/tmp/podvsd-whtls-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->cert, sizeof(e->cert), "%s/tls.crt", e->dir);
	snprintf(e->key, sizeof(e->key), "%s/tls.key", e->dir);
	put_pair(e, first);
	assert_int_equal(pd_loop_init(&e->loop), 0);
	e->http.fake_start = never;
	e->events_http.fake_start = keep_event;
	events_sent = 0;
	pd_events_init(&e->events, &e->events_http, &e->log, "node-a");
	pd_hmap_init(&e->services);
	pd_webhook_opts_default(&e->opts);
	e->opts.on = true;
	assert_int_equal(pd_hostport_parse("127.0.0.1:1", &e->opts.address,
					   err, sizeof(err)), 0);
	e->opts.address.port = 0;	/* any free port (the flag wants 1..) */
	e->opts.cert = e->cert;
	e->opts.key = e->key;
	assert_int_equal(pd_webhook_init(&e->wh, &e->loop, &e->log, &e->opts,
					 &e->http, &e->services, &hooks), 0);
	assert_non_null(e->wh.httpd.mhd);
}

static void env_stop(struct env *e)
{
	char path[128];

	pd_webhook_fini(&e->wh);
	pd_hmap_fini(&e->services);
	pd_loop_fini(&e->loop);
	for (int i = 0; i < events_sent; i++) {
		struct pd_http_req *r = event_reqs[i];

		r->active = false;
		r->on_done(r, 0, 201, "{}", 2, "");
	}
	unlink(e->cert);
	unlink(e->key);
	snprintf(path, sizeof(path), "%s", e->dir);
	rmdir(path);
}

static void test_files_reload(void **state)
{
	struct pd_certs a, b, c, x;
	struct env *e = calloc(1, sizeof(*e));
	time_t now = time(NULL);

	(void)state;
	assert_non_null(e);
	gen(&a, now, 30);
	gen(&b, now, 30);
	gen(&c, now, 30);
	gen(&x, now - 40 * 86400, 30);		/* expired */
	env_start(e, &a);
	assert_serving(a.tls_crt);
	/* nothing changed: nothing done */
	assert_int_equal(pd_webhook_files_check(&e->wh), 0);
	assert_int_equal(e->wh.stats.cert_loads, 1);
	/* renewed: served from now on, the server not restarted */
	{
		struct MHD_Daemon *mhd = e->wh.httpd.mhd;

		put_pair(e, &b);
		assert_int_equal(pd_webhook_files_check(&e->wh), 0);
		assert_serving(b.tls_crt);
		assert_ptr_equal(e->wh.httpd.mhd, mhd);
		assert_int_equal(e->wh.stats.cert_loads, 2);
	}
	/* half written (new certificate, old key): refused, b serves, told
	 * once as an Event, not tried again while the files stay */
	put(e->cert, c.tls_crt);
	assert_int_equal(pd_webhook_files_check(&e->wh), -EINVAL);
	assert_serving(b.tls_crt);
	assert_int_equal(e->wh.stats.cert_refused, 1);
	assert_int_equal(events_sent, 1);
	assert_non_null(strstr(event_reqs[0]->body,
			       "\"reason\":\"WebhookCertificateRefused\""));
	assert_non_null(strstr(event_reqs[0]->body, "the key is not the key "
			       "of the certificate"));
	assert_non_null(strstr(event_reqs[0]->body,
			       "\"name\":\"podvs-webhook\""));
	assert_int_equal(pd_webhook_files_check(&e->wh), 0);
	assert_int_equal(e->wh.stats.cert_refused, 1);
	assert_int_equal(events_sent, 1);
	/* the key follows: served */
	put(e->key, c.tls_key);
	assert_int_equal(pd_webhook_files_check(&e->wh), 0);
	assert_serving(c.tls_crt);
	/* an expired pair, a missing file: refused, c serves */
	put_pair(e, &x);
	assert_int_equal(pd_webhook_files_check(&e->wh), -EINVAL);
	assert_serving(c.tls_crt);
	assert_non_null(strstr(e->wh.refused, "expired"));
	unlink(e->key);
	assert_int_equal(pd_webhook_files_check(&e->wh), -EINVAL);
	assert_serving(c.tls_crt);
	assert_int_equal(e->wh.stats.cert_refused, 3);
	env_stop(e);
	free(e);
	pd_certs_fini(&a);
	pd_certs_fini(&b);
	pd_certs_fini(&c);
	pd_certs_fini(&x);
}

/* ---- the swap under a connection -------------------------------------- */

/* A TLS session to 127.0.0.1:@port trusting only @ca_pem; -1 if the
 * handshake (with verification) fails. */
static int client_connect(uint16_t port, const char *ca_pem,
			  gnutls_session_t *s,
			  gnutls_certificate_credentials_t *cred)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	gnutls_datum_t ca = { (unsigned char *)ca_pem, strlen(ca_pem) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ret;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	gnutls_certificate_allocate_credentials(cred);
	gnutls_certificate_set_x509_trust_mem(*cred, &ca, GNUTLS_X509_FMT_PEM);
	gnutls_init(s, GNUTLS_CLIENT);
	gnutls_set_default_priority(*s);
	gnutls_credentials_set(*s, GNUTLS_CRD_CERTIFICATE, *cred);
	gnutls_session_set_verify_cert(*s, "podvs-webhook.kube-system.svc",
				       0);
	gnutls_transport_set_int(*s, fd);
	do {
		ret = gnutls_handshake(*s);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	return ret < 0 ? -1 : fd;
}

static int send_all(gnutls_session_t s, const char *p)
{
	size_t len = strlen(p);

	while (len) {
		ssize_t n = gnutls_record_send(s, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * The child: a request started under certificate @a, finished after the
 * parent swapped to @b (told through @go/@done), must be answered; a new
 * connection must then verify against b's CA and fail against a's.
 */
static int client(uint16_t port, const char *ca_a, const char *ca_b,
		  int tell, int wait)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	char buf[512] = "", c;
	int fd = client_connect(port, ca_a, &s, &cred);
	ssize_t n;

	if (fd < 0)
		return 10;
	if (send_all(s, "GET /healthz HTTP/1.1\r\nHost: x\r\n"))
		return 11;
	if (write(tell, "a", 1) != 1 || read(wait, &c, 1) != 1)
		return 12;
	if (send_all(s, "\r\n"))
		return 13;
	n = gnutls_record_recv(s, buf, sizeof(buf) - 1);
	if (n <= 0 || strncmp(buf, "HTTP/1.1 200", 12))
		return 14;
	gnutls_bye(s, GNUTLS_SHUT_WR);
	close(fd);
	if (client_connect(port, ca_a, &s, &cred) >= 0)
		return 15;	/* still the old certificate */
	if (client_connect(port, ca_b, &s, &cred) < 0)
		return 16;
	return 0;
}

struct swap_ctx {
	struct env *e;
	struct pd_certs *next;
	struct pd_io io;
	int reply;
	int swapped;
};

static void on_child(struct pd_loop *loop, struct pd_io *io, uint32_t ev)
{
	struct swap_ctx *x = io->ctx;
	char c;

	(void)ev;
	if (read(io->fd, &c, 1) != 1) {		/* the child is done */
		loop->stop = true;
		return;
	}
	assert_int_equal(pd_webhook_serve(&x->e->wh, x->next,
					  x->next->ca_crt), 0);
	x->swapped++;
	assert_int_equal(write(x->reply, "b", 1), 1);
}

static void test_swap_keeps_connection(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct pd_certs a, b, b_copy;
	struct swap_ctx x = { .e = e };
	const union MHD_DaemonInfo *info;
	time_t now = time(NULL);
	int up[2], down[2], status;
	pid_t pid;

	(void)state;
	assert_non_null(e);
	gen(&a, now, 30);
	gen(&b, now, 30);
	b_copy = (struct pd_certs){ .ca_crt = strdup(b.ca_crt),
				    .tls_crt = strdup(b.tls_crt),
				    .tls_key = strdup(b.tls_key) };
	env_start(e, &a);
	info = MHD_get_daemon_info(e->wh.httpd.mhd, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(up[0]);
		close(down[1]);
		_exit(client(info->port, a.ca_crt, b.ca_crt, up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	x.next = &b_copy;
	x.reply = down[1];
	x.io = (struct pd_io){ .fd = up[0], .fn = on_child, .ctx = &x };
	assert_int_equal(pd_loop_watch(&e->loop, &x.io, EPOLLIN), 0);
	assert_int_equal(pd_loop_run(&e->loop), 0);
	pd_loop_unwatch(&e->loop, &x.io);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(x.swapped, 1);
	close(up[0]);
	close(down[1]);
	env_stop(e);
	free(e);
	pd_certs_fini(&a);
	pd_certs_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_files_reload),
		cmocka_unit_test(test_swap_keeps_connection),
	};

	return cmocka_run_group_tests_name("podvsd_webhook_tls", tests, NULL,
					   NULL);
}
