// SPDX-License-Identifier: GPL-2.0
/* One fire-and-forget API write that owns its body (see api_write.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/api_write.h"

struct api_write {
	struct pd_http_req req;
	pd_api_done_fn done;
	void *ctx;
	char *body;
	char key[];
};

static void write_done(struct pd_http_req *r, int res, long status,
		       const char *body, size_t len, const char *errmsg)
{
	struct api_write *w = r->ctx;

	(void)len;
	if (w->done)
		w->done(w->ctx, w->key, res, status, res ? errmsg : body,
			r->retry_after_s);
	free(w->body);
	free(w);
}

int pd_api_write(struct pd_http *http, const struct pd_api_target *t,
		 const char *path, char *body)
{
	const char *key = t->key ? t->key : "";
	size_t klen = strlen(key) + 1;
	struct api_write *w;
	int err;

	if (!body)
		return -ENOMEM;
	if (!http) {
		free(body);
		return -ENOTCONN;
	}
	w = calloc(1, sizeof(*w) + klen);
	if (!w) {
		free(body);
		return -ENOMEM;
	}
	memcpy(w->key, key, klen);
	w->done = t->done;
	w->ctx = t->ctx;
	w->body = body;
	snprintf(w->req.path, sizeof(w->req.path), "%s", path);
	w->req.method = t->method;
	w->req.body = body;
	w->req.content_type = t->content_type;
	w->req.timeout_s = PD_API_WRITE_TIMEOUT_S;
	w->req.on_done = write_done;
	w->req.ctx = w;
	err = pd_http_start(http, &w->req);
	if (err) {
		free(body);
		free(w);
	}
	return err;
}
