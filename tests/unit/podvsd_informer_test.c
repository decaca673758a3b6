// SPDX-License-Identifier: GPL-2.0
/*
 * podvsd informer (list + watch) against a scripted transport: paging with
 * continue, pruning after a relist, watch events and bookmarks moving the
 * resourceVersion, 410 as HTTP status, as an ERROR event and on an expired
 * continue, malformed JSON, transport errors with jittered exponential
 * backoff, normal watch ends, partial lines across chunks.
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
#include <sys/timerfd.h>

#include "podvsd/k8s/api_fresh.h"
#include "podvsd/k8s/informer.h"

struct fake {
	struct pd_http_req *req;	/* the active request */
	int started;
	char paths[16][1024];
	char log[8192];			/* "+ns/a@1 -ns/b prune[ns/a] ..." */
	int synced, changed;
	int fail_start;
};

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };

static int fake_start(void *t, struct pd_http_req *r)
{
	struct fake *f = t;

	if (f->fail_start) {
		f->fail_start--;
		return -ECONNREFUSED;
	}
	snprintf(f->paths[f->started++ % 16], 1024, "%s", r->path);
	f->req = r;
	r->active = true;
	r->retry_after_s = 0;	/* as pd_http does per request */
	return 0;
}

static void fake_cancel(void *t, struct pd_http_req *r)
{
	(void)t;
	r->active = false;
}

static void logf_(struct fake *f, const char *fmt, ...)
{
	size_t o = strlen(f->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->log + o, sizeof(f->log) - o, fmt, ap);
	va_end(ap);
}

static const char *md(const cJSON *o, const char *k)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, k);

	return cJSON_IsString(v) ? v->valuestring : "?";
}

static void op_upsert(void *ctx, const cJSON *o)
{
	logf_(ctx, "+%s@%s ", md(o, "name"), md(o, "resourceVersion"));
}

static void op_remove(void *ctx, const cJSON *o)
{
	logf_(ctx, "-%s ", md(o, "name"));
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void op_prune(void *ctx, const struct pd_hmap *keep)
{
	struct pd_hmap_iter it;
	char *keys[64];
	size_t n = 0;

	for (struct pd_hmap_ent *e = pd_hmap_first(keep, &it); e && n < 64;
	     e = pd_hmap_next(keep, &it))
		keys[n++] = strndup((char *)e->key, e->klen);
	qsort(keys, n, sizeof(*keys), key_cmp);
	logf_(ctx, "prune[");
	for (size_t i = 0; i < n; i++) {
		logf_(ctx, "%s%s", i ? "," : "", keys[i]);
		free(keys[i]);
	}
	logf_(ctx, "] ");
}

static void op_changed(void *ctx)
{
	((struct fake *)ctx)->changed++;
}

static void op_synced(void *ctx)
{
	((struct fake *)ctx)->synced++;
}

static const struct pd_informer_ops ops = {
	.upsert = op_upsert, .remove = op_remove, .prune = op_prune,
	.changed = op_changed, .synced = op_synced,
};

struct env {
	struct pd_loop loop;
	struct fake f;
	struct pd_informer inf;
};

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));
	struct pd_informer_transport tr = {
		.start = fake_start, .cancel = fake_cancel, .t = &e->f,
	};

	assert_int_equal(pd_loop_init(&e->loop), 0);
	assert_int_equal(pd_informer_init(&e->inf, &e->loop, &quiet, &tr,
					  "things", "/api/v1/things", &ops,
					  &e->f), 0);
	return e;
}

static void env_free(struct env *e)
{
	pd_informer_fini(&e->inf);
	pd_loop_fini(&e->loop);
	free(e);
}

static char *sq(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

/* Complete the active request with an HTTP response. */
static void respond(struct env *e, long status, const char *body_sq)
{
	struct pd_http_req *r = e->f.req;
	char *b = sq(body_sq);

	assert_true(r->active);
	r->active = false;
	r->on_done(r, 0, status, b, strlen(b), "");
	free(b);
}

static void fail_transport(struct env *e, const char *msg)
{
	struct pd_http_req *r = e->f.req;

	r->active = false;
	r->on_done(r, 7, 0, "", 0, msg);
}

/* Feed watch bytes; returns on_data's verdict.  Aborts finish the
 * request as the HTTP layer would. */
static bool feed(struct env *e, const char *data_sq)
{
	struct pd_http_req *r = e->f.req;
	char *d = sq(data_sq);
	bool ok = r->on_data(r, d, strlen(d));

	free(d);
	if (!ok) {
		r->active = false;
		r->on_done(r, PD_HTTP_ABORTED, 200, "", 0, "aborted");
	}
	return ok;
}

static void fire_backoff(struct env *e)
{
	assert_int_equal(e->inf.state, PD_INF_BACKOFF);
	e->inf.backoff.fn(&e->loop, &e->inf.backoff);
}

static const char *last_path(struct env *e)
{
	return e->f.paths[(e->f.started - 1) % 16];
}

#define ITEM(n, rv) "{'metadata': {'namespace': 'ns', 'name': '" n "', " \
		    "'resourceVersion': '" rv "'}}"
#define EV(t, n, rv) "{'type': '" t "', 'object': " ITEM(n, rv) "}\n"

static void list_two_pages(struct env *e)
{
	assert_int_equal(pd_informer_start(&e->inf), 0);
	/* the first list is served from the watch cache (D18) */
	assert_string_equal(last_path(e),
			    "/api/v1/things?limit=500&resourceVersion=0");
	respond(e, 200, "{'metadata': {'resourceVersion': '10', 'continue': "
		"'tok/=1'}, 'items': [" ITEM("a", "5") "," ITEM("b", "7") "]}");
	/* the continue token is URL-encoded */
	assert_string_equal(last_path(e),
			    "/api/v1/things?limit=500&continue=tok%2F%3D1");
	assert_int_equal(e->f.synced, 0);
	respond(e, 200, "{'metadata': {'resourceVersion': '10'}, 'items': ["
		ITEM("c", "9") "]}");
}

/* A path with a query of its own: the informer's parameters follow '&'. */
static void test_path_with_query(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct pd_informer_transport tr = {
		.start = fake_start, .cancel = fake_cancel, .t = &e->f,
	};

	(void)state;
	assert_int_equal(pd_loop_init(&e->loop), 0);
	assert_int_equal(pd_informer_init(&e->inf, &e->loop, &quiet, &tr,
					  "nodes", "/api/v1/nodes?fieldSelector="
					  "metadata.name%3Dgw1", &ops, &e->f), 0);
	assert_int_equal(pd_informer_start(&e->inf), 0);
	assert_string_equal(last_path(e), "/api/v1/nodes?fieldSelector="
			    "metadata.name%3Dgw1&limit=500&resourceVersion=0");
	respond(e, 200, "{'metadata': {'resourceVersion': '10'}, 'items': []}");
	assert_non_null(strstr(last_path(e), "/api/v1/nodes?fieldSelector="
			       "metadata.name%3Dgw1&watch=1&"));
	env_free(e);
}

static void test_list_then_watch(void **state)
{
	struct env *e = env_new();

	(void)state;
	list_two_pages(e);
	assert_string_equal(e->f.log, "+a@5 +b@7 +c@9 prune[ns/a,ns/b,ns/c] ");
	assert_int_equal(e->f.synced, 1);
	assert_int_equal(e->inf.state, PD_INF_WATCHING);
	assert_non_null(strstr(last_path(e), "/api/v1/things?watch=1&"
			       "allowWatchBookmarks=true&resourceVersion=10&"
			       "timeoutSeconds="));
	assert_non_null(e->f.req->on_data);
	env_free(e);
}

static void test_watch_events(void **state)
{
	struct env *e = env_new();

	(void)state;
	list_two_pages(e);
	e->f.log[0] = '\0';
	/* an event split across chunks, then two in one chunk */
	assert_true(feed(e, "{'type': 'MODIFIED', 'obj"));
	assert_string_equal(e->f.log, "");
	assert_true(feed(e, "ect': " ITEM("a", "11") "}\n"
			 EV("DELETED", "b", "12") EV("ADDED", "d", "13")));
	assert_true(feed(e, "{'type': 'BOOKMARK', 'object': {'metadata': "
			 "{'resourceVersion': '20'}}}\n\n"));
	assert_string_equal(e->f.log, "+a@11 -b +d@13 ");
	assert_string_equal(e->inf.rv, "20");
	assert_int_equal(e->inf.stats.events, 3);
	assert_int_equal(e->inf.stats.bookmarks, 1);
	/* a normal end: re-watch from the bookmark at once */
	respond(e, 200, "");
	assert_int_equal(e->inf.state, PD_INF_WATCHING);
	assert_non_null(strstr(last_path(e), "resourceVersion=20&"));
	env_free(e);
}

static void test_gone_error_event_relists(void **state)
{
	struct env *e = env_new();

	(void)state;
	list_two_pages(e);
	e->f.log[0] = '\0';
	assert_false(feed(e, "{'type': 'ERROR', 'object': {'kind': 'Status', "
			  "'code': 410, 'reason': 'Expired'}}\n"));
	/* relisted at once, no backoff */
	assert_int_equal(e->inf.state, PD_INF_LISTING);
	assert_string_equal(last_path(e), "/api/v1/things?limit=500");
	/* b was deleted while we were away: the relist prunes it */
	respond(e, 200, "{'metadata': {'resourceVersion': '30'}, 'items': ["
		ITEM("a", "5") "," ITEM("c", "25") "]}");
	assert_string_equal(e->f.log, "+a@5 +c@25 prune[ns/a,ns/c] ");
	assert_int_equal(e->f.synced, 1);	/* only the first time */
	assert_int_equal(e->inf.stats.gone, 1);
	env_free(e);
}

static void test_gone_http_status(void **state)
{
	struct env *e = env_new();

	(void)state;
	list_two_pages(e);
	respond(e, 410, "{'kind': 'Status', 'code': 410}");
	assert_int_equal(e->inf.state, PD_INF_LISTING);
	/* an expired continue token restarts the list from the start */
	respond(e, 200, "{'metadata': {'resourceVersion': '40', 'continue': "
		"'x'}, 'items': []}");
	respond(e, 410, "{'kind': 'Status', 'code': 410}");
	assert_string_equal(last_path(e), "/api/v1/things?limit=500");
	assert_int_equal(e->inf.stats.gone, 2);
	env_free(e);
}

static void test_malformed_event_relists_after_backoff(void **state)
{
	struct env *e = env_new();

	(void)state;
	list_two_pages(e);
	assert_false(feed(e, "{'type': 'MODIFIED', 'object': {'meta\n"));
	assert_int_equal(e->inf.stats.malformed, 1);
	fire_backoff(e);
	assert_int_equal(e->inf.state, PD_INF_LISTING);
	/* a relist after an error: from the cache, never older than rv 10 */
	assert_string_equal(last_path(e), "/api/v1/things?limit=500&"
			    "resourceVersion=10&resourceVersionMatch=NotOlderThan");
	/* an event without an object, or of unknown type, is malformed */
	respond(e, 200, "{'metadata': {'resourceVersion': '50'}, 'items': []}");
	assert_false(feed(e, "{'type': 'ADDED'}\n"));
	fire_backoff(e);
	respond(e, 200, "{'metadata': {'resourceVersion': '51'}, 'items': []}");
	assert_false(feed(e, "{'type': 'SURPRISE', 'object': {}}\n"));
	assert_int_equal(e->inf.stats.malformed, 3);
	env_free(e);
}

static void test_malformed_list(void **state)
{
	struct env *e = env_new();

	(void)state;
	pd_informer_start(&e->inf);
	respond(e, 200, "{'metadata': {'resourceVersion': '1'}, 'items': [");
	fire_backoff(e);
	respond(e, 200, "{'metadata': {}, 'items': []}");	/* no rv */
	fire_backoff(e);
	respond(e, 200, "{'metadata': {'resourceVersion': '1'}, "
		"'items': {}}");
	assert_int_equal(e->inf.stats.malformed, 3);
	assert_int_equal(e->f.synced, 0);
	fire_backoff(e);
	respond(e, 200, "{'metadata': {'resourceVersion': '1'}, 'items': null}");
	assert_int_equal(e->f.synced, 1);
	env_free(e);
}

static void test_transport_errors_backoff(void **state)
{
	struct env *e = env_new();

	(void)state;
	list_two_pages(e);
	assert_true(feed(e, EV("ADDED", "z", "15")));
	/* the stream drops: re-watch from rv 15 after a backoff */
	fail_transport(e, "connection reset");
	assert_int_equal(e->inf.state, PD_INF_BACKOFF);
	fire_backoff(e);
	assert_int_equal(e->inf.state, PD_INF_WATCHING);
	assert_non_null(strstr(last_path(e), "resourceVersion=15&"));
	/* 500s and refused connections keep backing off */
	respond(e, 500, "{'kind': 'Status', 'message': 'boom'}");
	assert_int_equal(e->inf.state, PD_INF_BACKOFF);
	e->f.fail_start = 1;
	fire_backoff(e);
	assert_int_equal(e->inf.state, PD_INF_BACKOFF);
	fire_backoff(e);
	assert_int_equal(e->inf.state, PD_INF_WATCHING);
	assert_int_equal(e->inf.stats.errors, 2);
	env_free(e);
}

static void test_list_error_retries_list(void **state)
{
	struct env *e = env_new();

	(void)state;
	pd_informer_start(&e->inf);
	respond(e, 500, "{'message': 'etcd down'}");
	fire_backoff(e);
	assert_string_equal(last_path(e),
			    "/api/v1/things?limit=500&resourceVersion=0");
	respond(e, 403, "{'message': 'forbidden'}");
	fire_backoff(e);
	assert_string_equal(last_path(e),
			    "/api/v1/things?limit=500&resourceVersion=0");
	env_free(e);
}

static void test_empty_watch_end_backs_off(void **state)
{
	struct env *e = env_new();

	(void)state;
	list_two_pages(e);
	respond(e, 200, "");		/* ended before any event */
	assert_int_equal(e->inf.state, PD_INF_BACKOFF);
	fire_backoff(e);
	assert_int_equal(e->inf.state, PD_INF_WATCHING);
	env_free(e);
}

static void test_backoff_schedule(void **state)
{
	struct env *e = env_new();
	uint64_t want_max[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000,
				30000 };

	(void)state;
	for (size_t i = 0; i < 8; i++) {
		uint64_t d = pd_informer_next_backoff(&e->inf);

		assert_true(d >= want_max[i] / 2 && d <= want_max[i]);
	}
	env_free(e);
}

/* ms until @t fires, 0 when disarmed */
static uint64_t armed_ms(const struct pd_timer *t)
{
	struct itimerspec its;

	assert_int_equal(timerfd_gettime(t->io.fd, &its), 0);
	return (uint64_t)its.it_value.tv_sec * 1000 +
	       (uint64_t)its.it_value.tv_nsec / 1000000;
}

/* Within 1 s below @want: the timer was armed with @want just now. */
static void assert_armed(const struct pd_timer *t, uint64_t want)
{
	uint64_t ms = armed_ms(t);

	assert_true(ms <= want && ms + 1000 > want);
}

/*
 * D6: a watch that sends nothing, not even a bookmark, for the bookmark
 * period plus slack is cut and re-watched from its resourceVersion;
 * every byte re-arms the limit, and the informer counts as failing from
 * the stream's last byte.
 */
static void test_watch_idle_timeout(void **state)
{
	struct env *e = env_new();
	uint64_t t0;

	(void)state;
	list_two_pages(e);
	assert_int_equal(e->inf.state, PD_INF_WATCHING);
	assert_armed(&e->inf.idle, PD_WATCH_IDLE_MS);
	assert_true(PD_WATCH_IDLE_MS > PD_BOOKMARK_PERIOD_MS);
	e->f.req->on_status(e->f.req, 200);
	assert_true(feed(e, "{'type': 'BOOKMARK', 'object': {'metadata': "
			 "{'resourceVersion': '12'}}}\n"));
	assert_armed(&e->inf.idle, PD_WATCH_IDLE_MS);
	assert_int_equal(e->inf.unhealthy_since_ms, 0);
	t0 = e->inf.last_data_ms;
	/* the limit passes: cut, re-watched after a backoff, from rv 12 */
	e->inf.idle.fn(&e->loop, &e->inf.idle);
	assert_false(e->f.req->active);
	assert_int_equal(e->inf.stats.idle_timeouts, 1);
	assert_int_equal(e->inf.unhealthy_since_ms, t0);
	assert_int_equal(armed_ms(&e->inf.idle), 0);
	fire_backoff(e);
	assert_int_equal(e->inf.state, PD_INF_WATCHING);
	assert_non_null(strstr(last_path(e), "resourceVersion=12&"));
	/* the new stream answers: current again */
	e->f.req->on_status(e->f.req, 200);
	assert_int_equal(e->inf.unhealthy_since_ms, 0);
	/* a stream that ends disarms the limit */
	respond(e, 200, "");
	assert_int_equal(armed_ms(&e->inf.idle), 0);
	env_free(e);
}

/* D18: a 429's Retry-After stretches the backoff, within the cap. */
static void test_retry_after(void **state)
{
	struct env *e = env_new();

	(void)state;
	pd_informer_start(&e->inf);
	e->f.req->retry_after_s = 20;
	respond(e, 429, "{'message': 'too many requests'}");
	assert_int_equal(e->inf.stats.throttled, 1);
	assert_armed(&e->inf.backoff, 20000);
	fire_backoff(e);
	e->f.req->retry_after_s = 100000;
	respond(e, 429, "{'message': 'too many requests'}");
	assert_armed(&e->inf.backoff, PD_RETRY_AFTER_MAX_MS);
	fire_backoff(e);
	/* without Retry-After: the jittered backoff (third step, <= 2 s) */
	respond(e, 503, "{'message': 'unavailable'}");
	assert_true(armed_ms(&e->inf.backoff) <= 2000);
	assert_int_equal(e->inf.stats.throttled, 2);
	env_free(e);
}

/*
 * D7: the staleness signal.  A failing informer counts after the grace
 * period, from when it began failing; a dead connection at once; the
 * earliest wins; recovery clears it.
 */
static void test_stale_signal(void **state)
{
	struct env *e = env_new();
	struct pd_http http = { 0 };
	struct pd_api_fresh f;
	uint64_t t0, now;

	(void)state;
	pd_api_fresh_init(&f, &http);
	assert_int_equal(pd_api_fresh_add(&f, &e->inf), 0);
	pd_informer_start(&e->inf);
	assert_int_equal(pd_api_stale_since(&f, pd_now_ms()), 0);
	respond(e, 500, "{'message': 'etcd down'}");
	t0 = e->inf.unhealthy_since_ms;
	assert_true(t0 != 0);
	/* one failed request: not stale within the grace period */
	assert_int_equal(pd_api_stale_since(&f, t0 + PD_API_STALE_GRACE_MS - 1),
			 0);
	now = t0 + PD_API_STALE_GRACE_MS;
	assert_int_equal(pd_api_stale_since(&f, now), t0);
	/* a connection declared dead earlier: stale since then, at once */
	http.dead_since_ms = t0 - 7000;
	assert_int_equal(pd_api_stale_since(&f, t0), t0 - 7000);
	http.dead_since_ms = 0;
	/* the relist completes: fresh */
	fire_backoff(e);
	respond(e, 200, "{'metadata': {'resourceVersion': '5'}, 'items': []}");
	assert_int_equal(pd_api_stale_since(&f, now), 0);
	for (int i = 0; i < PD_API_FRESH_MAX - 1; i++)
		assert_int_equal(pd_api_fresh_add(&f, &e->inf), 0);
	assert_int_equal(pd_api_fresh_add(&f, &e->inf), -ENOSPC);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_then_watch),
		cmocka_unit_test(test_path_with_query),
		cmocka_unit_test(test_watch_events),
		cmocka_unit_test(test_gone_error_event_relists),
		cmocka_unit_test(test_gone_http_status),
		cmocka_unit_test(test_malformed_event_relists_after_backoff),
		cmocka_unit_test(test_malformed_list),
		cmocka_unit_test(test_transport_errors_backoff),
		cmocka_unit_test(test_list_error_retries_list),
		cmocka_unit_test(test_empty_watch_end_backs_off),
		cmocka_unit_test(test_backoff_schedule),
		cmocka_unit_test(test_watch_idle_timeout),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_stale_signal),
	};

	return cmocka_run_group_tests_name("podvsd_informer", tests, NULL,
					   NULL);
}
