// SPDX-License-Identifier: GPL-2.0
/* epoll event loop and timerfd timers. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "base/loop.h"

#define PD_LOOP_EVENTS	32

int pd_loop_init(struct pd_loop *loop)
{
	memset(loop, 0, sizeof(*loop));
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	return loop->epfd < 0 ? -errno : 0;
}

void pd_loop_fini(struct pd_loop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

int pd_loop_watch(struct pd_loop *loop, struct pd_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };
	int op = io->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	if (epoll_ctl(loop->epfd, op, io->fd, &ev))
		return -errno;
	io->added = true;
	return 0;
}

/* After this, io gets no callback, not even for an event already read in
 * the batch being dispatched: its owner may free it right away.
 */
void pd_loop_unwatch(struct pd_loop *loop, struct pd_io *io)
{
	if (!io->added)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->added = false;
	for (int i = 0; i < loop->nbatch; i++)
		if (loop->batch[i].data.ptr == io)
			loop->batch[i].data.ptr = NULL;
}

static void dispatch(struct pd_loop *loop, struct epoll_event *evs, int n)
{
	loop->batch = evs;
	loop->nbatch = n;
	for (int i = 0; i < n && !loop->stop; i++) {
		struct pd_io *io = evs[i].data.ptr;

		if (io)
			io->fn(loop, io, evs[i].events);
	}
	loop->batch = NULL;
	loop->nbatch = 0;
}

int pd_loop_run(struct pd_loop *loop)
{
	struct epoll_event evs[PD_LOOP_EVENTS];

	while (!loop->stop) {
		int n = epoll_wait(loop->epfd, evs, PD_LOOP_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		dispatch(loop, evs, n);
	}
	return 0;
}

static void timer_ready(struct pd_loop *loop, struct pd_io *io,
			uint32_t events)
{
	struct pd_timer *t = io->ctx;
	uint64_t expirations;

	(void)events;
	if (read(io->fd, &expirations, sizeof(expirations)) < 0)
		return;	/* EAGAIN: disarmed or re-armed meanwhile */
	t->fn(loop, t);
}

int pd_timer_init(struct pd_loop *loop, struct pd_timer *t, pd_timer_fn fn,
		  void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->ctx = ctx;
	t->io.fn = timer_ready;
	t->io.ctx = t;
	t->io.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->io.fd < 0)
		return -errno;
	return pd_loop_watch(loop, &t->io, EPOLLIN);
}

static struct timespec ms_ts(uint64_t ms)
{
	return (struct timespec){ .tv_sec = ms / 1000,
				  .tv_nsec = (ms % 1000) * 1000000 };
}

int pd_timer_arm_ms(struct pd_timer *t, uint64_t first_ms,
		    uint64_t interval_ms)
{
	struct itimerspec its = {
		.it_value = ms_ts(first_ms),
		.it_interval = ms_ts(interval_ms),
	};

	return timerfd_settime(t->io.fd, 0, &its, NULL) ? -errno : 0;
}

void pd_timer_fini(struct pd_loop *loop, struct pd_timer *t)
{
	if (t->io.fd < 0)
		return;
	pd_loop_unwatch(loop, &t->io);
	close(t->io.fd);
	t->io.fd = -1;
}

uint64_t pd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
