// SPDX-License-Identifier: GPL-2.0
/*
 * The webhook check driving the rotation (issue 12, D10), against a fake
 * API connection whose requests the test answers:
 *  - the leader renews a due leaf by a PUT of the Secret that keeps
 *    ca.crt (and so the caBundle), then serves the new leaf;
 *  - a follower never writes: it serves the Secret's (still valid) leaf;
 *  - during a CA rotation the leader switches the leaf only once the
 *    configuration was seen to carry both CAs;
 *  - a change of the watched Secret runs the check at once, or right after
 *    the running one;
 *  - a 429 with Retry-After holds the next check that long (D18).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <cmocka.h>

#include "podvsd/webhook/rotation.h"
#include "podvsd/webhook/webhook.h"
#include "podvsd/webhook/webhook_config.h"
#include "podvsd/webhook/webhook_tls.h"

#define DAY	(24 * 3600)

static struct pd_log quiet = { .level = PD_LOG_ERROR + 1 };
static struct pd_http_req *reqs[32];
static int sent;

static int fake_start(struct pd_http *h, struct pd_http_req *r)
{
	(void)h;
	assert_true(sent < 32);
	reqs[sent++] = r;
	return 0;
}

/* The last request started whose path ends with @suffix. */
static struct pd_http_req *find(const char *suffix)
{
	for (int i = sent - 1; i >= 0; i--) {
		size_t n = strlen(reqs[i]->path), m = strlen(suffix);

		if (reqs[i]->active && n >= m &&
		    !strcmp(reqs[i]->path + n - m, suffix))
			return reqs[i];
	}
	return NULL;
}

static void answer(struct pd_http_req *r, long status, const char *body)
{
	assert_non_null(r);
	r->active = false;
	r->on_done(r, 0, status, body, strlen(body), "");
}

struct env {
	struct pd_loop loop;
	struct pd_log log;
	struct pd_http http;
	struct pd_hmap services;
	struct pd_webhook_opts opts;
	struct pd_webhook wh;
	bool leader;
	char names_buf[PD_CERT_MAX_NAMES][256];
	const char *names[PD_CERT_MAX_NAMES];
	size_t n_names;
};

static bool is_leader(void *ctx)
{
	return ((struct env *)ctx)->leader;
}

static struct env *env_new(bool leader)
{
	struct env *e = calloc(1, sizeof(*e));
	struct pd_webhook_hooks hooks = { .is_leader = is_leader };
	char err[128];

	assert_non_null(e);
	hooks.ctx = e;
	e->leader = leader;
	e->log = quiet;
	sent = 0;
	assert_int_equal(pd_loop_init(&e->loop), 0);
	e->http.fake_start = fake_start;
	pd_hmap_init(&e->services);
	pd_webhook_opts_default(&e->opts);
	e->opts.on = true;
	assert_int_equal(pd_hostport_parse("127.0.0.1:1", &e->opts.address,
					   err, sizeof(err)), 0);
	e->opts.address.port = 0;	/* any free port */
	assert_int_equal(pd_webhook_init(&e->wh, &e->loop, &e->log, &e->opts,
					 &e->http, &e->services, &hooks), 0);
	e->n_names = pd_certs_service_names(e->opts.service, e->opts.ns,
					    e->names_buf, e->names);
	return e;
}

static void env_free(struct env *e)
{
	pd_webhook_fini(&e->wh);
	pd_hmap_fini(&e->services);
	pd_loop_fini(&e->loop);
	free(e);
}

static const char *secret_path(const struct env *e)
{
	static char p[128];

	snprintf(p, sizeof(p), "/secrets/%s", e->wh.secret_name);
	return p;
}

/* The Secret JSON of @c at resourceVersion "5" (malloc'ed). */
static char *secret(const struct env *e, const struct pd_certs *c)
{
	char *s = pd_wh_secret_json(e->wh.secret_name, e->opts.ns, c, "5");

	assert_non_null(s);
	return s;
}

/* The certificates of the Secret body PUT by @r. */
static void written(const struct pd_http_req *r, struct pd_certs *out)
{
	cJSON *j;
	char why[128];

	assert_non_null(r);
	assert_string_equal(r->method, "PUT");
	j = cJSON_Parse(r->body);
	assert_non_null(j);
	assert_int_equal(pd_wh_secret_parse(j, out, why, sizeof(why)), 0);
	cJSON_Delete(j);
}

/* The configuration as podvsd wants it for bundle @ca, at rv "9". */
static char *config(const struct env *e, const char *ca)
{
	cJSON *c = pd_wh_config(e->opts.service, e->opts.ns, ca);
	char *s;

	cJSON_AddStringToObject(cJSON_GetObjectItem(c, "metadata"),
				"resourceVersion", "9");
	s = cJSON_PrintUnformatted(c);
	cJSON_Delete(c);
	return s;
}

static void assert_serving(const char *pem)
{
	char *cur = pd_wh_tls_current_pem();

	assert_non_null(cur);
	assert_string_equal(cur, pem);
	free(cur);
}

static void gen(struct env *e, struct pd_certs *c, time_t now)
{
	char err[256];

	assert_int_equal(pd_certs_generate(c, e->names, e->n_names, now,
					   PD_CERT_DAYS, err, sizeof(err)), 0);
}

/* The leader renews a leaf that ends in 25 days: PUT, same ca.crt. */
static void test_leader_renews_leaf(void **state)
{
	struct env *e = env_new(true);
	struct pd_certs old, w;
	char *body;

	(void)state;
	gen(e, &old, time(NULL) - 340 * DAY);
	pd_webhook_ensure(&e->wh);
	body = secret(e, &old);
	answer(find(secret_path(e)), 200, body);
	free(body);
	written(find(secret_path(e)), &w);
	assert_string_equal(w.ca_crt, old.ca_crt);	/* the CA kept */
	assert_string_equal(w.ca_key, old.ca_key);
	assert_string_not_equal(w.tls_crt, old.tls_crt);
	answer(find(secret_path(e)), 200, "{}");
	assert_int_equal(e->wh.stats.rotations, 1);
	assert_int_equal(e->wh.stats.secret_writes, 0);	/* not a repair */
	assert_serving(w.tls_crt);
	/* then the configuration, its caBundle the same CA */
	answer(find("/podvs-readiness-gate"), 404, "{}");
	assert_string_equal(e->wh.ca_bundle, old.ca_crt);
	pd_certs_fini(&old);
	pd_certs_fini(&w);
	env_free(e);
}

/* A follower with the same Secret writes nothing and serves its leaf. */
static void test_follower_serves(void **state)
{
	struct env *e = env_new(false);
	struct pd_certs old;
	char *body;
	int before;

	(void)state;
	gen(e, &old, time(NULL) - 340 * DAY);
	pd_webhook_ensure(&e->wh);
	body = secret(e, &old);
	before = sent;
	answer(find(secret_path(e)), 200, body);
	free(body);
	assert_int_equal(sent, before + 1);	/* only the config GET */
	assert_non_null(find("/podvs-readiness-gate"));
	assert_serving(old.tls_crt);
	answer(find("/podvs-readiness-gate"), 404, "{}");
	pd_certs_fini(&old);
	env_free(e);
}

/* Publish was written long ago: the switch waits for the configuration
 * to be seen with both CAs, then the leaf moves to the new CA. */
static void test_switch_waits_for_config(void **state)
{
	struct env *e = env_new(true);
	struct pd_certs a, p, s;
	char err[256], *body, *cfg;
	time_t t = time(NULL);

	(void)state;
	gen(e, &a, t - 30 * DAY);
	assert_int_equal(pd_rot_apply(&a, PD_ROT_PUBLISH, e->names,
				      e->n_names, t - 3600, &p, err,
				      sizeof(err)), 0);
	body = secret(e, &p);
	/* first check: the configuration not known yet, no switch */
	pd_webhook_ensure(&e->wh);
	answer(find(secret_path(e)), 200, body);
	assert_serving(a.tls_crt);			/* the old leaf */
	assert_string_equal(e->wh.ca_bundle, p.ca_crt);	/* both CAs */
	cfg = config(e, p.ca_crt);
	answer(find("/podvs-readiness-gate"), 200, cfg);	/* matches */
	free(cfg);
	assert_true(e->wh.config_current);
	/* next check: now the switch */
	pd_webhook_ensure(&e->wh);
	answer(find(secret_path(e)), 200, body);
	written(find(secret_path(e)), &s);
	assert_string_equal(s.phase, "switch");
	assert_string_equal(s.ca_crt, p.ca_crt);	/* both kept */
	assert_string_not_equal(s.tls_crt, a.tls_crt);
	answer(find(secret_path(e)), 200, "{}");
	assert_serving(s.tls_crt);
	answer(find("/podvs-readiness-gate"), 404, "{}");
	free(body);
	pd_certs_fini(&a);
	pd_certs_fini(&p);
	pd_certs_fini(&s);
	env_free(e);
}

static uint64_t armed_ms(const struct pd_timer *t)
{
	struct itimerspec its;

	assert_int_equal(timerfd_gettime(t->io.fd, &its), 0);
	return (uint64_t)its.it_value.tv_sec * 1000 +
	       (uint64_t)its.it_value.tv_nsec / 1000000 +
	       (its.it_value.tv_nsec % 1000000 ? 1 : 0);
}

/* A watched Secret change: the check at once, or after the running one. */
static void test_watch_triggers(void **state)
{
	struct env *e = env_new(false);
	struct pd_certs a;
	cJSON *obj;
	char *body;

	(void)state;
	gen(e, &a, time(NULL));
	body = secret(e, &a);
	obj = cJSON_Parse(body);
	/* a check running: rerun when it ends, not the 60 s period */
	pd_webhook_ensure(&e->wh);
	e->wh.secret.ops->upsert(e->wh.secret.ctx, obj);
	assert_true(e->wh.recheck);
	answer(find(secret_path(e)), 200, body);
	answer(find("/podvs-readiness-gate"), 404, "{}");
	assert_false(e->wh.recheck);
	assert_true(armed_ms(&e->wh.check_timer) <= 1);
	/* idle, the period armed: a change arms the check at once */
	pd_timer_arm_ms(&e->wh.check_timer, 60000, 0);
	e->wh.secret.ops->upsert(e->wh.secret.ctx, obj);
	assert_true(armed_ms(&e->wh.check_timer) <= 1);
	assert_int_equal(e->wh.stats.secret_events, 2);
	/* the watch is on our Secret only */
	assert_non_null(strstr(e->wh.secret.path, "fieldSelector=metadata."
			       "name%3Dpodvs-webhook-tls"));
	cJSON_Delete(obj);
	free(body);
	pd_certs_fini(&a);
	env_free(e);
}

/* D18: a throttled check waits for the header, not the 2 s retry. */
static void test_retry_after(void **state)
{
	struct env *e = env_new(true);
	struct pd_http_req *r;

	(void)state;
	pd_webhook_ensure(&e->wh);
	r = find(secret_path(e));
	assert_non_null(r);
	r->retry_after_s = 9;
	answer(r, 429, "{\"message\": \"too many requests\"}");
	assert_true(armed_ms(&e->wh.check_timer) > 8000);
	assert_true(armed_ms(&e->wh.check_timer) <= 9000);
	/* without the header: the ordinary retry */
	pd_webhook_ensure(&e->wh);
	r = find(secret_path(e));
	answer(r, 500, "{}");
	assert_true(armed_ms(&e->wh.check_timer) <= PD_WH_RETRY_MS);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leader_renews_leaf),
		cmocka_unit_test(test_follower_serves),
		cmocka_unit_test(test_switch_waits_for_config),
		cmocka_unit_test(test_watch_triggers),
		cmocka_unit_test(test_retry_after),
	};

	return cmocka_run_group_tests_name("podvsd_webhook_ensure", tests, NULL,
					   NULL);
}
