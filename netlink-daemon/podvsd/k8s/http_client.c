// SPDX-License-Identifier: GPL-2.0
/* libcurl multi interface on the epoll loop. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <strings.h>

#include "k8s/http_client.h"

static void check_done(struct pd_http *h);

static void on_sock(struct pd_loop *loop, struct pd_io *io, uint32_t events)
{
	struct pd_http *h = io->ctx;
	int flags = 0, running;

	(void)loop;
	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	/* io may be freed inside (CURL_POLL_REMOVE): do not touch it after */
	curl_multi_socket_action(h->multi, io->fd, flags, &running);
	check_done(h);
}

static void sock_free(struct pd_http *h, struct pd_http_sock *hs)
{
	pd_loop_unwatch(h->loop, &hs->io);
	*hs->pprev = hs->next;
	if (hs->next)
		hs->next->pprev = hs->pprev;
	free(hs);
}

static struct pd_http_sock *sock_new(struct pd_http *h, curl_socket_t s)
{
	struct pd_http_sock *hs = calloc(1, sizeof(*hs));

	if (!hs)
		return NULL;
	hs->io.fd = s;
	hs->io.fn = on_sock;
	hs->io.ctx = h;
	hs->next = h->socks;
	hs->pprev = &h->socks;
	if (h->socks)
		h->socks->pprev = &hs->next;
	h->socks = hs;
	curl_multi_assign(h->multi, s, hs);
	return hs;
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp,
		   void *socketp)
{
	struct pd_http *h = userp;
	struct pd_http_sock *hs = socketp;
	uint32_t ev = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (hs)
			sock_free(h, hs);
		curl_multi_assign(h->multi, s, NULL);
		return 0;
	}
	if (!hs)
		hs = sock_new(h, s);
	if (!hs)
		return -1;
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	return pd_loop_watch(h->loop, &hs->io, ev) ? -1 : 0;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct pd_http *h = userp;

	(void)m;
	if (timeout_ms < 0)
		return pd_timer_arm_ms(&h->timer, 0, 0) ? -1 : 0;
	/* 0 means "now": let the loop call us back, never recurse */
	return pd_timer_arm_ms(&h->timer, timeout_ms ?: 1, 0) ? -1 : 0;
}

static void on_timer(struct pd_loop *loop, struct pd_timer *t)
{
	struct pd_http *h = t->ctx;
	int running;

	(void)loop;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
}

int pd_http_reload_token(struct pd_http *h)
{
	char err[512];
	int ret;

	if (!h->cfg->token_file[0])
		return 0;
	ret = pd_kube_read_token(h->cfg->token_file, &h->cfg->token, err,
				 sizeof(err));
	if (ret) {
		char q[600];

		pd_warn(h->log, "msg=\"keeping the old token\" err=%s",
			pd_quote(err, q, sizeof(q)));
	} else {
		h->stats.token_reloads++;
	}
	return ret;
}

static void on_token_timer(struct pd_loop *loop, struct pd_timer *t)
{
	(void)loop;
	pd_http_reload_token(t->ctx);
}

uint64_t pd_http_dead_since(const struct pd_http *h)
{
	return h->dead_since_ms;
}

/*
 * Shut every socket down: reads then return EOF at once, so curl fails
 * each stream on them and closes the connection instead of reusing it
 * (a silently dead peer never answers, and curl 7.88 keeps a multiplexed
 * connection whose stream timed out).  The events arrive through the
 * loop; nothing is freed here.
 */
static void reset_since(struct pd_http *h, uint64_t since, const char *why)
{
	struct pd_http_sock *hs;
	unsigned int n = 0;
	char q[600];

	if (!h->dead_since_ms)
		h->dead_since_ms = since ? since : 1;
	for (hs = h->socks; hs; hs = hs->next, n++)
		shutdown(hs->io.fd, SHUT_RDWR);
	h->stats.resets++;
	pd_warn(h->log, "msg=\"API connection declared dead, reconnecting\" "
		"sockets=%u err=%s", n, pd_quote(why, q, sizeof(q)));
}

void pd_http_reset(struct pd_http *h, const char *why)
{
	reset_since(h, pd_now_ms(), why);
}

static void probe_done(struct pd_http_req *r, int res, long status,
		       const char *body, size_t len, const char *errmsg)
{
	struct pd_http *h = r->ctx;

	(void)status, (void)body, (void)len;
	if (!res)
		return;		/* any HTTP answer: alive (finish() noted it) */
	h->stats.probe_failures++;
	reset_since(h, h->probe_sent_ms, errmsg);
}

static void on_probe_timer(struct pd_loop *loop, struct pd_timer *t)
{
	struct pd_http *h = t->ctx;

	(void)loop;
	if (h->probe.active)
		return;		/* still waiting: its own deadline decides */
	snprintf(h->probe.path, sizeof(h->probe.path), "%s",
		 PD_HTTP_PROBE_PATH);
	h->probe.timeout_s = PD_HTTP_PROBE_TIMEOUT_S;
	h->probe.on_done = probe_done;
	h->probe.ctx = h;
	h->probe_sent_ms = pd_now_ms();
	if (!pd_http_start(h, &h->probe))
		h->stats.probes++;
}

int pd_http_init(struct pd_http *h, struct pd_loop *loop, struct pd_log *log,
		 struct pd_kube_config *cfg)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->loop = loop;
	h->log = log;
	h->cfg = cfg;
	h->timer.io.fd = h->token_timer.io.fd = h->probe_timer.io.fd = -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -EIO;
	h->multi = curl_multi_init();
	if (!h->multi)
		return -ENOMEM;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	err = pd_timer_init(loop, &h->timer, on_timer, h);
	err = err ?: pd_timer_init(loop, &h->token_timer, on_token_timer, h);
	err = err ?: pd_timer_arm_ms(&h->token_timer, PD_TOKEN_REREAD_MS,
				     PD_TOKEN_REREAD_MS);
	err = err ?: pd_timer_init(loop, &h->probe_timer, on_probe_timer, h);
	err = err ?: pd_timer_arm_ms(&h->probe_timer, PD_HTTP_PROBE_MS,
				     PD_HTTP_PROBE_MS);
	return err;
}

static size_t write_cb(char *p, size_t size, size_t n, void *ud)
{
	struct pd_http_req *r = ud;
	size_t len = size * n;

	if (!r->status)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->on_data && r->status == 200) {
		if (r->on_data(r, p, len))
			return len;
		r->aborted = true;
		return 0;
	}
	if (r->len + len + 1 > PD_HTTP_MAX_BODY)
		return 0;
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 16384;
		char *b;

		while (cap < r->len + len + 1)
			cap *= 2;
		b = realloc(r->buf, cap);
		if (!b)
			return 0;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, p, len);
	r->len += len;
	r->buf[r->len] = '\0';
	return len;
}

static void note_answer(struct pd_http *h, struct pd_http_req *r)
{
	long v = 0;

	curl_easy_getinfo(r->easy, CURLINFO_HTTP_VERSION, &v);
	v = v == CURL_HTTP_VERSION_2_0 ? 20 : v == CURL_HTTP_VERSION_1_1 ?
	    11 : v == CURL_HTTP_VERSION_1_0 ? 10 : 0;
	if (v != h->stats.http_version)
		pd_info(h->log, "msg=\"API server answered\" http_version=%s",
			v == 20 ? "2" : v == 11 ? "1.1" : v == 10 ? "1.0" :
			"unknown");
	h->stats.http_version = v;
	h->last_answer_ms = pd_now_ms();
	if (h->dead_since_ms)
		pd_info(h->log, "msg=\"API connection alive again\" "
			"after_ms=%llu", (unsigned long long)
			(h->last_answer_ms - h->dead_since_ms));
	h->dead_since_ms = 0;
}

/* Retry-After, and the end of the headers (on_status). */
static size_t header_cb(char *p, size_t size, size_t n, void *ud)
{
	struct pd_http_req *r = ud;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
		char *end;
		long s = strtol(p + 12, &end, 10);

		/* seconds only; an HTTP-date leaves our own backoff */
		r->retry_after_s = end != p + 12 && s > 0 ? s : 0;
	} else if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
		long status = 0;

		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200)
			return len;	/* an interim 1xx */
		r->status = status;
		note_answer(r->http, r);
		if (status == 429)
			r->http->stats.throttled++;
		if (r->on_status)
			r->on_status(r, status);
	}
	return len;
}

static int set_headers(struct pd_http *h, struct pd_http_req *r)
{
	struct curl_slist *l = NULL, *n;

	n = curl_slist_append(l, "Accept: application/json");
	if (n && r->content_type) {
		char line[128];

		l = n;
		snprintf(line, sizeof(line), "Content-Type: %s",
			 r->content_type);
		n = curl_slist_append(l, line);
	}
	if (n && h->cfg->token) {
		char *auth;

		l = n;
		if (asprintf(&auth, "Authorization: Bearer %s",
			     h->cfg->token) < 0)
			auth = NULL;
		n = auth ? curl_slist_append(l, auth) : NULL;
		free(auth);
	}
	if (!n) {
		curl_slist_free_all(l);
		return -ENOMEM;
	}
	curl_slist_free_all(r->hdrs);
	r->hdrs = n;
	return 0;
}

static void set_blob(CURL *e, CURLoption opt, const struct pd_blob *b)
{
	struct curl_blob blob = {
		.data = b->data, .len = b->len, .flags = CURL_BLOB_COPY,
	};

	if (b->len)
		curl_easy_setopt(e, opt, &blob);
}

static void set_tls(struct pd_http *h, CURL *e)
{
	set_blob(e, CURLOPT_CAINFO_BLOB, &h->cfg->ca);
	set_blob(e, CURLOPT_SSLCERT_BLOB, &h->cfg->cert);
	set_blob(e, CURLOPT_SSLKEY_BLOB, &h->cfg->key);
	if (h->cfg->cert.len) {
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (h->cfg->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/*
 * A silently dead API server connection (a firewall or a dead peer that
 * drops instead of resetting) must be noticed in seconds, not when a
 * watch times out or the kernel's keepalive gives up (60 s + 9 x 75 s):
 * the gateway withdraws its VIPs on a lost API server after the announce
 * grace period, counted from when podvsd notices.  Probes from 5 s idle,
 * every 5 s, 3 lost: about 20 s; TCP_USER_TIMEOUT bounds unacknowledged
 * data the same way.  Failures here only lose the tuning: not fatal.
 */
#define PD_TCP_IDLE_S		5
#define PD_TCP_PROBES		3
#define PD_TCP_USER_TIMEOUT_MS	20000

static int sockopt_cb(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
	int idle = PD_TCP_IDLE_S, cnt = PD_TCP_PROBES;
	unsigned int uto = PD_TCP_USER_TIMEOUT_MS;

	(void)ctx;
	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKOPT_OK;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &uto, sizeof(uto));
	return CURL_SOCKOPT_OK;
}

static int setup_easy(struct pd_http *h, struct pd_http_req *r)
{
	char url[1600];
	CURL *e = curl_easy_init();

	if (!e || set_headers(h, r)) {
		curl_easy_cleanup(e);
		return -ENOMEM;
	}
	snprintf(url, sizeof(url), "%s%s", h->cfg->server, r->path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "podvsd/" PODVS_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, r->timeout_s);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* curl sets idle and interval itself too: the same values */
	curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, (long)PD_TCP_IDLE_S);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, (long)PD_TCP_IDLE_S);
	curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, sockopt_cb);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	if (r->method && strcmp(r->method, "GET"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	set_tls(h, e);
	r->easy = e;
	return 0;
}

static int launch(struct pd_http *h, struct pd_http_req *r)
{
	int err = setup_easy(h, r);

	if (err)
		return err;
	r->len = 0;
	r->status = 0;
	r->retry_after_s = 0;
	r->aborted = false;
	r->errbuf[0] = '\0';
	if (curl_multi_add_handle(h->multi, r->easy)) {
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		return -EIO;
	}
	r->active = true;
	h->stats.requests++;
	return 0;
}

int pd_http_start(struct pd_http *h, struct pd_http_req *r)
{
	r->http = h;
	r->retried = false;
	if (h->fake_start) {
		r->retry_after_s = 0;
		r->active = true;
		return h->fake_start(h, r);
	}
	return launch(h, r);
}

uint64_t pd_http_retry_ms(long retry_after_s, uint64_t backoff_ms)
{
	uint64_t ra = retry_after_s > 0 ? (uint64_t)retry_after_s * 1000 : 0;

	if (ra > PD_RETRY_AFTER_MAX_MS)
		ra = PD_RETRY_AFTER_MAX_MS;
	return ra > backoff_ms ? ra : backoff_ms;
}

static void release(struct pd_http *h, struct pd_http_req *r)
{
	curl_multi_remove_handle(h->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	curl_slist_free_all(r->hdrs);
	r->hdrs = NULL;
	r->active = false;
}

void pd_http_cancel(struct pd_http *h, struct pd_http_req *r)
{
	if (!r->active)
		return;
	if (h->fake_start) {
		r->active = false;
		return;
	}
	release(h, r);
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
}

static void finish(struct pd_http *h, struct pd_http_req *r, CURLcode res)
{
	long status = r->status;
	const char *msg = r->errbuf[0] ? r->errbuf : curl_easy_strerror(res);
	char *buf = r->buf;
	size_t len = r->len;
	int code = r->aborted ? PD_HTTP_ABORTED : (int)res;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status == 401)
		h->stats.unauthorized++;
	/* a 401: the token may have rotated; re-read it and retry once */
	if (!res && status == 401 && !r->retried && h->cfg->token_file[0]) {
		release(h, r);
		r->retried = true;
		pd_http_reload_token(h);
		if (!launch(h, r))
			return;
	} else {
		release(h, r);
	}
	if (res && !r->aborted)
		h->stats.failures++;
	/* the connection of a timed-out request is suspect: the probe may
	 * be what timed out, or a watch past its deadline */
	if (res == CURLE_OPERATION_TIMEDOUT && r != &h->probe)
		pd_http_reset(h, msg);
	r->buf = NULL;
	r->len = r->cap = 0;
	r->on_done(r, code, res ? 0 : status, buf ? buf : "", len, msg);
	free(buf);
}

static void check_done(struct pd_http *h)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left))) {
		struct pd_http_req *r;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &r);
		finish(h, r, m->data.result);
	}
}

void pd_http_fini(struct pd_http *h)
{
	pd_http_cancel(h, &h->probe);
	pd_timer_fini(h->loop, &h->probe_timer);
	pd_timer_fini(h->loop, &h->token_timer);
	pd_timer_fini(h->loop, &h->timer);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	h->multi = NULL;
}
