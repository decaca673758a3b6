/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The API server client's transport: libcurl's multi interface driven by
 * the daemon's epoll loop (curl's sockets and its timeout become pd_io and
 * a pd_timer), one connection pool shared by every request (HTTP/2
 * multiplexing when the server offers it, keep-alive otherwise), TLS from
 * struct pd_kube_config, the bearer token re-read from its file every
 * minute and after a 401 (the request is then retried once).
 *
 * Liveness of the connection (issue 12, D6): every PD_HTTP_PROBE_MS a
 * GET /livez with a PD_HTTP_PROBE_TIMEOUT_S deadline goes out on the
 * shared connection, as an HTTP/2 PING would (libcurl 7.88 sends PINGs
 * only from curl_easy_upkeep() on easy-interface connections, never for
 * a multi handle, and never waits for the ACK).  Any HTTP answer, to the
 * probe or to any request, proves the connection alive.  A probe with
 * no answer, or any request that times out, declares the connection
 * dead: every socket curl holds is shut down, so each stream on it fails
 * at once (its owner retries with backoff) and the next request opens a
 * new connection.  A silent loss is so noticed within
 * PD_HTTP_PROBE_MS + PD_HTTP_PROBE_TIMEOUT_S (20 s); the kernel's
 * TCP_USER_TIMEOUT (20 s) is the backstop.  pd_http_dead_since() is the
 * connection's part of the staleness signal (k8s/api_fresh.h).
 */
#ifndef PODVSD_HTTP_H
#define PODVSD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>

#include "k8s/kubeconfig.h"
#include "base/log.h"
#include "base/loop.h"

#define PD_HTTP_MAX_BODY	(256u << 20)	/* buffered response bound */
#define PD_TOKEN_REREAD_MS	60000
#define PD_HTTP_PROBE_MS	10000	/* liveness request period */
#define PD_HTTP_PROBE_TIMEOUT_S	10	/* its deadline */
#define PD_HTTP_PROBE_PATH	"/livez"
/*
 * A 429 (API Priority and Fairness) or 503 answer's Retry-After: every
 * caller waits at least that long before its next request of the same
 * kind, but never longer than this (a broken or hostile header must not
 * park the daemon; client-go's rest client has no cap, 5 min is what a
 * cluster recovering from overload plausibly needs).
 */
#define PD_RETRY_AFTER_MAX_MS	300000

struct pd_http;
struct pd_http_req;

/*
 * on_data: for a streaming request, each piece of a 200 response as it
 * arrives; return false to abort the request (on_done then gets
 * PD_HTTP_ABORTED).  on_done: exactly once per started request.  @res is
 * 0 when an HTTP response arrived (see @status), else a curl error; @body
 * holds a buffered body (non-streamed, or a streamed request's non-200
 * body), NUL-terminated.
 */
typedef bool (*pd_http_data_fn)(struct pd_http_req *r, const char *data,
				size_t len);
/* on_status: once the final status line and headers are in. */
typedef void (*pd_http_status_fn)(struct pd_http_req *r, long status);
typedef void (*pd_http_done_fn)(struct pd_http_req *r, int res, long status,
				const char *body, size_t len,
				const char *errmsg);

#define PD_HTTP_ABORTED		(-1)

struct pd_http_req {
	/* set by the caller */
	const char *method;		/* NULL: GET */
	char path[1024];		/* "/api/v1/services?limit=500" */
	const char *body;		/* NULL: none */
	const char *content_type;
	long timeout_s;			/* whole request; 0: none */
	pd_http_data_fn on_data;	/* non-NULL: stream 200 bodies */
	pd_http_done_fn on_done;
	pd_http_status_fn on_status;	/* may be NULL */
	void *ctx;
	/* read-only for the caller once on_status/on_done ran */
	long retry_after_s;		/* Retry-After (seconds form), or 0 */
	/* private */
	struct pd_http *http;
	CURL *easy;
	struct curl_slist *hdrs;
	char *buf;
	size_t len, cap;
	long status;
	bool active;
	bool retried;
	bool aborted;
	char errbuf[CURL_ERROR_SIZE];
};

struct pd_http_stats {
	unsigned long requests;
	unsigned long failures;		/* transport errors */
	unsigned long unauthorized;	/* 401s */
	unsigned long token_reloads;
	unsigned long probes;		/* liveness requests sent */
	unsigned long probe_failures;	/* ... that got no answer */
	unsigned long resets;		/* connections declared dead */
	unsigned long throttled;	/* 429s */
	long http_version;		/* last response: 10, 11, 20, 0 */
};

/* One socket curl uses; on a list so a reset can shut them all down. */
struct pd_http_sock {
	struct pd_io io;
	struct pd_http_sock *next, **pprev;
};

struct pd_http {
	CURLM *multi;
	struct pd_loop *loop;
	struct pd_log *log;
	struct pd_kube_config *cfg;
	struct pd_timer timer;		/* curl's timeout */
	struct pd_timer token_timer;
	struct pd_timer probe_timer;
	struct pd_http_req probe;
	struct pd_http_sock *socks;
	uint64_t probe_sent_ms;
	uint64_t dead_since_ms;		/* declared dead; 0: alive */
	uint64_t last_answer_ms;	/* the last HTTP answer of any request */
	struct pd_http_stats stats;
	/* tests only: replaces curl; the test calls r->on_done itself */
	int (*fake_start)(struct pd_http *h, struct pd_http_req *r);
};

/*
 * The wait a caller owes after an answer with Retry-After @retry_after_s
 * (0: none): the larger of @backoff_ms and the header, the header capped
 * at PD_RETRY_AFTER_MAX_MS.
 */
uint64_t pd_http_retry_ms(long retry_after_s, uint64_t backoff_ms);

int pd_http_init(struct pd_http *h, struct pd_loop *loop, struct pd_log *log,
		 struct pd_kube_config *cfg);
void pd_http_fini(struct pd_http *h);
/* Start @r (not active).  0 or -errno; on_done is not called on error. */
int pd_http_start(struct pd_http *h, struct pd_http_req *r);
/* Stop an active request without calling on_done. */
void pd_http_cancel(struct pd_http *h, struct pd_http_req *r);
/*
 * Since when the connection is known dead (monotonic ms), 0 while it
 * answers.  Set by a failed probe or a timed-out request, cleared by the
 * next HTTP answer.
 */
uint64_t pd_http_dead_since(const struct pd_http *h);
/* Declare the connection dead now: shut down every socket (tests, and
 * the informers' watch idle timeout when the probe says nothing). */
void pd_http_reset(struct pd_http *h, const char *why);
/* Re-read the token file now (also done every minute and on 401). */
int pd_http_reload_token(struct pd_http *h);

#endif /* PODVSD_HTTP_H */
