// SPDX-License-Identifier: GPL-2.0
/*
 * pvbench: traffic tools for the podvs benchmarks (tests/bench), fast
 * enough to load a gateway under TCG, where Python is not.
 *
 *   pvbench serve [-u PORT] [-t PORT] [-H PORT]
 *	A Pod's servers in one epoll loop: a UDP sink (-u), a TCP
 *	accept-and-close server (-t) and a keep-alive HTTP/1.1 responder (-H).
 *	SIGUSR1 prints "udp N tcp N http N" (datagrams, connections,
 *	responses so far); SIGTERM prints the same and exits.
 *   pvbench udp-send -d ADDR -p PORT -T SECS [-s SRC]... [-n SOCKS] [-l LEN]
 *	Sends LEN-byte datagrams (default 18: 64-byte frames) for SECS
 *	seconds from SOCKS sockets (default 64, so as many source ports)
 *	bound round-robin to the SRC addresses, in sendmmsg batches.
 *	Prints "sent N errors N".
 *   pvbench tcp-crr -d ADDR -p PORT -T SECS [-s SRC]... [-c CONC]
 *	Opens TCP connections for SECS seconds, CONC (default 32) in flight,
 *	source addresses round-robin over SRC; each connection is closed
 *	with a RST as soon as the handshake completes (SYN, SYN-ACK, ACK,
 *	RST cross the gateway; no TIME_WAIT anywhere).
 *	Prints "conns N failed N".
 *
 * IPv4 only: the benchmarks compare data paths, not address families.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SRC		64
#define MAX_SOCKS	1024
#define BATCH		64
#define MAX_EVENTS	256
#define HTTP_BUF	4096

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT	24
#endif

static const char *prog = "pvbench";

struct opts {
	struct in_addr dst;
	struct in_addr src[MAX_SRC];
	unsigned int nsrc;
	unsigned int port;
	unsigned int secs;
	unsigned int socks;
	unsigned int conc;
	unsigned int len;
	unsigned int udp_port, tcp_port, http_port;
	bool have_dst;
};

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

static void usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s\n", prog, msg, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned int parse_uint(const char *s, unsigned int min, unsigned int max,
			       const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < min || v > max)
		usage_error(what, s);
	return (unsigned int)v;
}

static void parse_addr(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1)
		usage_error("not an IPv4 address", s);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .socks = 64, .conc = 32, .len = 18 };
	while ((c = getopt(argc, argv, "d:p:T:s:n:l:c:u:t:H:")) != -1) {
		switch (c) {
		case 'd': parse_addr(optarg, &o->dst); o->have_dst = true; break;
		case 'p': o->port = parse_uint(optarg, 1, 65535, "bad port"); break;
		case 'T': o->secs = parse_uint(optarg, 1, 3600, "bad duration"); break;
		case 'n': o->socks = parse_uint(optarg, 1, MAX_SOCKS, "bad socket count"); break;
		case 'l': o->len = parse_uint(optarg, 1, 1400, "bad length"); break;
		case 'c': o->conc = parse_uint(optarg, 1, MAX_EVENTS, "bad concurrency"); break;
		case 'u': o->udp_port = parse_uint(optarg, 1, 65535, "bad UDP port"); break;
		case 't': o->tcp_port = parse_uint(optarg, 1, 65535, "bad TCP port"); break;
		case 'H': o->http_port = parse_uint(optarg, 1, 65535, "bad HTTP port"); break;
		case 's':
			if (o->nsrc == MAX_SRC)
				usage_error("too many source addresses", optarg);
			parse_addr(optarg, &o->src[o->nsrc++]);
			break;
		default:
			exit(2);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument", argv[optind]);
}

static void need_target(const struct opts *o)
{
	if (!o->have_dst || !o->port || !o->secs)
		usage_error("-d ADDR, -p PORT and -T SECS are required", NULL);
}

static struct sockaddr_in sin_of(struct in_addr a, unsigned int port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = a,
				     .sin_port = htons(port) };
}

/* A socket of @type bound to @src (port 0: chosen by the kernel). */
static int bound_socket(int type, const struct opts *o, unsigned int i)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (!o->nsrc)
		return fd;
	if (type & SOCK_STREAM)
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	sa = sin_of(o->src[i % o->nsrc], 0);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind source address");
	return fd;
}

/* ---- udp-send ---- */

static int udp_send_main(int argc, char **argv)
{
	static char payload[1400];
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	struct sockaddr_in dst;
	unsigned long long sent = 0, errors = 0;
	int fds[MAX_SOCKS];
	unsigned int i;
	struct opts o;
	double end;
	int n;

	parse_opts(argc, argv, &o);
	need_target(&o);
	dst = sin_of(o.dst, o.port);
	for (i = 0; i < o.socks; i++) {
		fds[i] = bound_socket(SOCK_DGRAM, &o, i);
		if (connect(fds[i], (struct sockaddr *)&dst, sizeof(dst)))
			die("connect");
	}
	iov = (struct iovec){ .iov_base = payload, .iov_len = o.len };
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	end = now() + o.secs;
	for (i = 0; now() < end; i = (i + 1) % o.socks) {
		n = sendmmsg(fds[i], msgs, BATCH, 0);
		if (n > 0)
			sent += n;
		else
			errors++;
	}
	printf("sent %llu errors %llu\n", sent, errors);
	return 0;
}

/* ---- tcp-crr ---- */

struct crr {
	const struct opts *o;
	struct sockaddr_in dst;
	int ep;
	unsigned int next_src;
	unsigned long long conns, failed;
};

static void crr_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Start one non-blocking connect; a refused start counts as failed. */
static void crr_start(struct crr *c)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	int fd;

	fd = bound_socket(SOCK_STREAM | SOCK_NONBLOCK, c->o, c->next_src++);
	if (connect(fd, (struct sockaddr *)&c->dst, sizeof(c->dst)) &&
	    errno != EINPROGRESS) {
		c->failed++;
		close(fd);
		return;
	}
	ev.data.fd = fd;
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev))
		die("epoll_ctl");
}

static void crr_done(struct crr *c, int fd)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		c->failed++;
	else
		c->conns++;
	crr_close(fd);
}

static int tcp_crr_main(int argc, char **argv)
{
	struct epoll_event evs[MAX_EVENTS];
	struct crr c = { 0 };
	unsigned int i;
	struct opts o;
	double end;
	int n;

	parse_opts(argc, argv, &o);
	need_target(&o);
	c.o = &o;
	c.dst = sin_of(o.dst, o.port);
	c.ep = epoll_create1(EPOLL_CLOEXEC);
	if (c.ep < 0)
		die("epoll_create1");
	for (i = 0; i < o.conc; i++)
		crr_start(&c);
	end = now() + o.secs;
	while (now() < end) {
		n = epoll_wait(c.ep, evs, MAX_EVENTS, 100);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < (unsigned int)(n > 0 ? n : 0); i++) {
			crr_done(&c, evs[i].data.fd);
			crr_start(&c);
		}
	}
	printf("conns %llu failed %llu\n", c.conns, c.failed);
	return 0;
}

/* ---- serve ---- */

enum fd_kind { FD_UDP, FD_TCP_LISTEN, FD_HTTP_LISTEN, FD_HTTP };

struct http_conn {
	int fd;
	size_t used;
	char buf[HTTP_BUF];
};

static volatile sig_atomic_t report_now, stop_now;
static unsigned long long n_udp, n_tcp, n_http;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report_now = 1;
	else
		stop_now = 1;
}

static void report(void)
{
	printf("udp %llu tcp %llu http %llu\n", n_udp, n_tcp, n_http);
	fflush(stdout);
}

/* epoll data: a kind in the low 2 bits of a pointer or of fd << 2. */
static void ep_add(int ep, int fd, uint64_t data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		die("epoll_ctl");
}

static void ep_add_fd(int ep, int fd, enum fd_kind kind)
{
	ep_add(ep, fd, (uint64_t)fd << 2 | kind);
}

static int listen_on(int type, unsigned int port)
{
	struct sockaddr_in sa = sin_of((struct in_addr){ htonl(INADDR_ANY) }, port);
	int fd, one = 1, big = 8 << 20;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (type == SOCK_DGRAM)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 4096))
		die("listen");
	return fd;
}

static void udp_drain(int fd)
{
	static char bufs[BATCH][64];
	static struct iovec iovs[BATCH];
	static struct mmsghdr msgs[BATCH];
	int i, n;

	for (i = 0; i < BATCH; i++) {
		iovs[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = sizeof(bufs[i]) };
		msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iovs[i], .msg_iovlen = 1 };
	}
	while ((n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL)) > 0)
		n_udp += n;
}

static void tcp_accept_close(int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		n_tcp++;
		close(fd);
	}
}

static void http_accept(int ep, int lfd)
{
	struct http_conn *h;
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		h = calloc(1, sizeof(*h));
		if (!h)
			die("calloc");
		h->fd = fd;
		ep_add(ep, fd, (uint64_t)(uintptr_t)h | FD_HTTP);
	}
}

static void http_close(struct http_conn *h)
{
	close(h->fd);
	free(h);
}

static bool wants_close(const char *req, size_t len)
{
	static const char hdr[] = "\r\nconnection: close";
	size_t i, n = sizeof(hdr) - 1;

	for (i = 0; i + n <= len; i++)
		if (!strncasecmp(req + i, hdr, n))
			return true;
	return false;
}

static bool http_respond(int fd, bool close_it)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n"
				   "Content-Type: text/plain\r\n";
	static const char keep[] = "\r\npodvs\n";
	static const char last[] = "Connection: close\r\n\r\npodvs\n";
	char buf[sizeof(head) + sizeof(last)];
	size_t len = sizeof(head) - 1;

	memcpy(buf, head, len);
	if (close_it) {
		memcpy(buf + len, last, sizeof(last) - 1);
		len += sizeof(last) - 1;
	} else {
		memcpy(buf + len, keep, sizeof(keep) - 1);
		len += sizeof(keep) - 1;
	}
	return write(fd, buf, len) == (ssize_t)len;
}

/* Answer every complete request in the buffer; false: close the conn. */
static bool http_answer(struct http_conn *h)
{
	char *end;
	size_t req;
	bool close_it;

	while ((end = memmem(h->buf, h->used, "\r\n\r\n", 4))) {
		req = end + 4 - h->buf;
		close_it = wants_close(h->buf, req);
		if (!http_respond(h->fd, close_it))
			return false;
		n_http++;
		memmove(h->buf, h->buf + req, h->used - req);
		h->used -= req;
		if (close_it)
			return false;
	}
	return h->used < sizeof(h->buf);
}

static void http_read(struct http_conn *h)
{
	ssize_t n;

	n = read(h->fd, h->buf + h->used, sizeof(h->buf) - h->used);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		http_close(h);
		return;
	}
	h->used += n;
	if (!http_answer(h))
		http_close(h);
}

static void serve_event(int ep, uint64_t data)
{
	int fd = (int)(data >> 2);

	switch (data & 3) {
	case FD_UDP: udp_drain(fd); break;
	case FD_TCP_LISTEN: tcp_accept_close(fd); break;
	case FD_HTTP_LISTEN: http_accept(ep, fd); break;
	case FD_HTTP: http_read((struct http_conn *)(uintptr_t)(data & ~3ULL)); break;
	}
}

static void serve_loop(int ep)
{
	struct epoll_event evs[MAX_EVENTS];
	int i, n;

	while (!stop_now) {
		n = epoll_wait(ep, evs, MAX_EVENTS, -1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < n; i++)
			serve_event(ep, evs[i].data.u64);
		if (report_now) {
			report_now = 0;
			report();
		}
	}
	report();
}

static int serve_main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct opts o;
	int ep;

	parse_opts(argc, argv, &o);
	if (!o.udp_port && !o.tcp_port && !o.http_port)
		usage_error("serve needs -u, -t or -H", NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	if (o.udp_port)
		ep_add_fd(ep, listen_on(SOCK_DGRAM, o.udp_port), FD_UDP);
	if (o.tcp_port)
		ep_add_fd(ep, listen_on(SOCK_STREAM, o.tcp_port), FD_TCP_LISTEN);
	if (o.http_port)
		ep_add_fd(ep, listen_on(SOCK_STREAM, o.http_port), FD_HTTP_LISTEN);
	printf("ready\n");
	fflush(stdout);
	serve_loop(ep);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} subcommands[] = {
	{ "serve", serve_main },
	{ "udp-send", udp_send_main },
	{ "tcp-crr", tcp_crr_main },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s serve|udp-send|tcp-crr [options]\n", prog);
		return 2;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	usage_error("unknown subcommand", argv[1]);
	return 2;
}
