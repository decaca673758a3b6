/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fire-and-forget writes to the API server: Events, status patches.  The
 * caller builds the body; pd_api_write() takes it over with the request
 * (one allocation holding both), frees both after the answer, and hands
 * the outcome to @done with the caller's @key (e.g. "ns/name") and @ctx.
 * When the start fails (no body, no memory, no transport) everything is
 * freed at once and @done is not called: the caller sees the error.
 */
#ifndef PODVSD_API_WRITE_H
#define PODVSD_API_WRITE_H

#include "k8s/http_client.h"

/* Every write gives up after this long. */
#define PD_API_WRITE_TIMEOUT_S	30

/*
 * @res: 0 when an answer came (see @status), else the transport error;
 * @msg: then the answer's body, else the transport's message;
 * @retry_after_s: the answer's Retry-After (0: none), which the caller
 * honours through pd_http_retry_ms() before it writes again.
 */
typedef void (*pd_api_done_fn)(void *ctx, const char *key, int res,
			       long status, const char *msg,
			       long retry_after_s);

struct pd_api_target {
	const char *method;		/* "POST", "PATCH" */
	const char *content_type;
	const char *key;		/* copied; handed back to done */
	pd_api_done_fn done;		/* may be NULL */
	void *ctx;
};

/* Send @body (malloc'ed, owned from here on; NULL: fails) to @path;
 * no @http (tests): -ENOTCONN. */
int pd_api_write(struct pd_http *http, const struct pd_api_target *t,
		 const char *path, char *body);

#endif /* PODVSD_API_WRITE_H */
