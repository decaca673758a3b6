/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The API server client's transport: libcurl's multi interface driven by
 * the daemon's epoll loop (curl's sockets and its timeout become pd_io and
 * a pd_timer), one connection pool shared by every request (HTTP/2
 * multiplexing when the server offers it, keep-alive otherwise), TLS from
 * struct pd_kube_config, the bearer token re-read from its file every
 * minute and after a 401 (the request is then retried once).
 */
#ifndef PODVSD_HTTP_H
#define PODVSD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>

#include "k8s/kubeconfig.h"
#include "base/log.h"
#include "base/loop.h"

#define PD_HTTP_MAX_BODY	(256u << 20)	/* buffered response bound */
#define PD_TOKEN_REREAD_MS	60000

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
	void *ctx;
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
};

struct pd_http {
	CURLM *multi;
	struct pd_loop *loop;
	struct pd_log *log;
	struct pd_kube_config *cfg;
	struct pd_timer timer;		/* curl's timeout */
	struct pd_timer token_timer;
	struct pd_http_stats stats;
	/*
	 * When the API server last answered anything (any HTTP status), in
	 * pd_now_ms() time; 0 before the first answer.  podvsd renews its
	 * Leases every 2 s, so on a live connection this is never old; a
	 * silently dead one (packets dropped) leaves it to age.
	 */
	uint64_t last_answer_ms;
};

int pd_http_init(struct pd_http *h, struct pd_loop *loop, struct pd_log *log,
		 struct pd_kube_config *cfg);
void pd_http_fini(struct pd_http *h);
/* Start @r (not active).  0 or -errno; on_done is not called on error. */
int pd_http_start(struct pd_http *h, struct pd_http_req *r);
/* Stop an active request without calling on_done. */
void pd_http_cancel(struct pd_http *h, struct pd_http_req *r);
/* True when the API server answered within the last @window_ms. */
static inline bool pd_http_heard_within(const struct pd_http *h,
					uint64_t now_ms, uint64_t window_ms)
{
	return h->last_answer_ms && now_ms - h->last_answer_ms <= window_ms;
}
/* Re-read the token file now (also done every minute and on 401). */
int pd_http_reload_token(struct pd_http *h);

#endif /* PODVSD_HTTP_H */
