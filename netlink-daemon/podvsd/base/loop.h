/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's one event loop: epoll over file descriptors (signalfd,
 * timerfds, the netlink socket, curl's sockets, the HTTP server's socket),
 * each with a callback.
 */
#ifndef PODVSD_LOOP_H
#define PODVSD_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct pd_loop;
struct pd_io;

typedef void (*pd_io_fn)(struct pd_loop *loop, struct pd_io *io,
			 uint32_t events);

/* One watched descriptor; embed it in the owner's struct. */
struct pd_io {
	int fd;
	pd_io_fn fn;
	void *ctx;
	bool added;
};

struct pd_loop {
	int epfd;
	bool stop;		/* set by a callback to end pd_loop_run() */
	int exit_code;
	/* the batch being dispatched: pd_loop_unwatch() clears the events of
	 * an io in it, since its owner may free the io before they are seen
	 */
	struct epoll_event *batch;
	int nbatch;
};

int pd_loop_init(struct pd_loop *loop);
void pd_loop_fini(struct pd_loop *loop);

/* Watch @io->fd for @events (EPOLLIN, EPOLLOUT); add or modify. */
int pd_loop_watch(struct pd_loop *loop, struct pd_io *io, uint32_t events);
void pd_loop_unwatch(struct pd_loop *loop, struct pd_io *io);

/* Dispatch events until a callback sets loop->stop. */
int pd_loop_run(struct pd_loop *loop);

/*
 * A timer on a timerfd.  pd_timer_arm_ms(t, 0) disarms; @interval_ms 0 is a
 * one-shot timer.  The callback runs in the loop; it should read nothing
 * (pd_timer reads the expiration count itself).
 */
struct pd_timer;
typedef void (*pd_timer_fn)(struct pd_loop *loop, struct pd_timer *t);

struct pd_timer {
	struct pd_io io;
	pd_timer_fn fn;
	void *ctx;
};

int pd_timer_init(struct pd_loop *loop, struct pd_timer *t, pd_timer_fn fn,
		  void *ctx);
int pd_timer_arm_ms(struct pd_timer *t, uint64_t first_ms,
		    uint64_t interval_ms);
void pd_timer_fini(struct pd_loop *loop, struct pd_timer *t);

/* Monotonic clock in milliseconds. */
uint64_t pd_now_ms(void);

#endif /* PODVSD_LOOP_H */
