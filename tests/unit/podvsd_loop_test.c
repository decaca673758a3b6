// SPDX-License-Identifier: GPL-2.0
/* podvsd's event loop: a callback may unwatch and free another io whose
 * event is already in the batch being dispatched; that io must not be
 * called (it was, and podvsd crashed when curl closed one socket while
 * another had an event pending).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "podvsd/base/loop.h"

struct side {
	struct pd_io io;
	int pipe[2];
	struct side *other;
	int calls;
};

static struct side *ran;	/* the side whose callback ran */
static int callbacks;

static void stop_soon(struct pd_loop *loop, struct pd_timer *t)
{
	(void)t;
	loop->stop = true;
}

/* Whichever side runs first frees the other one. */
static void on_ready(struct pd_loop *loop, struct pd_io *io, uint32_t events)
{
	struct side *s = io->ctx;
	struct side *o = s->other;

	(void)events;
	s->calls++;
	callbacks++;
	ran = s;
	pd_loop_unwatch(loop, &s->io);
	if (o) {
		pd_loop_unwatch(loop, &o->io);
		close(o->pipe[0]);
		close(o->pipe[1]);
		memset(o, 0x5a, sizeof(*o));	/* what a reused allocation looks like */
		free(o);
		s->other = NULL;
	}
}

static struct side *side_new(struct pd_loop *loop)
{
	struct side *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	assert_int_equal(pipe(s->pipe), 0);
	s->io.fd = s->pipe[0];
	s->io.fn = on_ready;
	s->io.ctx = s;
	assert_int_equal(pd_loop_watch(loop, &s->io, EPOLLIN), 0);
	assert_int_equal(write(s->pipe[1], "x", 1), 1);	/* readable now */
	return s;
}

static void test_unwatch_pending(void **state)
{
	struct pd_loop loop;
	struct pd_timer stop;
	struct side *a, *b, *survivor;

	(void)state;
	assert_int_equal(pd_loop_init(&loop), 0);
	a = side_new(&loop);
	b = side_new(&loop);
	a->other = b;
	b->other = a;
	/* both pipes are readable: one epoll_wait returns both events */
	assert_int_equal(pd_timer_init(&loop, &stop, stop_soon, NULL), 0);
	assert_int_equal(pd_timer_arm_ms(&stop, 50, 0), 0);
	assert_int_equal(pd_loop_run(&loop), 0);
	/* the freed side was never called: only one callback ran */
	assert_int_equal(callbacks, 1);
	survivor = ran;
	assert_true(survivor == a || survivor == b);
	assert_int_equal(survivor->calls, 1);
	assert_null(survivor->other);
	close(survivor->pipe[0]);
	close(survivor->pipe[1]);
	free(survivor);
	pd_timer_fini(&loop, &stop);
	pd_loop_fini(&loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unwatch_pending),
	};

	return cmocka_run_group_tests_name("podvsd_loop", tests, NULL, NULL);
}
