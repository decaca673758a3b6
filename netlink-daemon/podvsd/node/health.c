// SPDX-License-Identifier: GPL-2.0
/* Active health checks on the epoll loop (see health.h). */
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "node/health.h"

struct hc_target {
	struct pd_health *h;
	struct pd_addr addr;
	uint16_t port;			/* the dest's port */
	uint8_t proto;			/* the dest's protocol */
	struct pd_hc_cfg cfg;
	struct pd_hc_counts c;
	bool optimistic;
	uintptr_t gen;
	uint64_t next_ms;		/* next probe */
	uint64_t deadline_ms;		/* the running probe's timeout */
	size_t hidx;			/* index in h->heap */
	unsigned int fidx;		/* index in h->flying while probing */
	struct pd_io io;		/* fd -1: no probe running */
	bool sent;			/* HTTP request written */
	char buf[64];
	size_t len;
	char why[96];			/* last failure */
	char svc[];			/* "ns/name", as long as it is */
};

/* ---- configuration ----------------------------------------------------- */

static const struct {
	const char *ann;
	size_t off;
	unsigned int min, max, def;
} hc_nums[] = {
	{ PD_ANN_HC_INTERVAL, offsetof(struct pd_hc_cfg, interval_s), 1, 300, 5 },
	{ PD_ANN_HC_TIMEOUT, offsetof(struct pd_hc_cfg, timeout_s), 1, 60, 2 },
	{ PD_ANN_HC_HEALTHY, offsetof(struct pd_hc_cfg, healthy), 1, 10, 2 },
	{ PD_ANN_HC_UNHEALTHY, offsetof(struct pd_hc_cfg, unhealthy), 1, 10, 3 },
	{ PD_ANN_HC_PORT, offsetof(struct pd_hc_cfg, port), 1, 65535, 0 },
};

static int bad(char *err, size_t errlen, int nbad, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(char *err, size_t errlen, int nbad, const char *fmt, ...)
{
	va_list ap;

	if (!nbad) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return nbad + 1;
}

static int parse_num(const char *v, unsigned int min, unsigned int max,
		     unsigned int *out)
{
	char *end;
	unsigned long n;

	if (!*v || *v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_type(const char *v, struct pd_hc_cfg *cfg)
{
	static const char *const names[] = { "tcp", "http", "none" };

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		if (!strcmp(v, names[i])) {
			cfg->type = i;
			return 0;
		}
	}
	return -EINVAL;
}

static bool path_ok(const char *v)
{
	if (v[0] != '/' || strlen(v) >= PD_HC_PATH_LEN)
		return false;
	for (; *v; v++)
		if (*v <= ' ' || *v == 0x7f)
			return false;
	return true;
}

int pd_hc_parse(const struct k8s_service *s, struct pd_hc_cfg *cfg,
		char *err, size_t errlen)
{
	const char *v = k8s_annotation(&s->meta, PD_ANN_HC);
	int nbad = 0;

	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	strcpy(cfg->path, "/");
	if (v && parse_type(v, cfg))
		nbad = bad(err, errlen, nbad, "annotation %s: '%.32s' is not "
			   "one of tcp, http, none", PD_ANN_HC, v);
	v = k8s_annotation(&s->meta, PD_ANN_HC_PATH);
	if (v && path_ok(v))
		strcpy(cfg->path, v);
	else if (v)
		nbad = bad(err, errlen, nbad, "annotation %s: '%.32s' is not "
			   "an absolute path without spaces (< 128 bytes)",
			   PD_ANN_HC_PATH, v);
	for (size_t i = 0; i < sizeof(hc_nums) / sizeof(*hc_nums); i++) {
		unsigned int *f = (void *)((char *)cfg + hc_nums[i].off);

		*f = hc_nums[i].def;
		v = k8s_annotation(&s->meta, hc_nums[i].ann);
		if (!v || !parse_num(v, hc_nums[i].min, hc_nums[i].max, f))
			continue;
		nbad = bad(err, errlen, nbad, "annotation %s: '%.32s' is not "
			   "an integer in [%u, %u]", hc_nums[i].ann, v,
			   hc_nums[i].min, hc_nums[i].max);
	}
	return nbad;
}

/* ---- state ------------------------------------------------------------- */

bool pd_hc_record(struct pd_hc_counts *c, const struct pd_hc_cfg *cfg,
		  bool ok)
{
	enum pd_hc_state old = c->state;

	if (ok) {
		c->ok_run++;
		c->fail_run = 0;
		if (c->ok_run >= cfg->healthy)
			c->state = PD_HC_UP;
	} else {
		c->fail_run++;
		c->ok_run = 0;
		if (c->fail_run >= cfg->unhealthy)
			c->state = PD_HC_DOWN;
	}
	return c->state != old;
}

int pd_hc_http_status(const char *buf, size_t len)
{
	int code = 0;

	if (len < 12 || strncmp(buf, "HTTP/1.", 7) || buf[8] != ' ')
		return -1;
	for (size_t i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		code = code * 10 + buf[i] - '0';
	}
	if (len > 12 && buf[12] != ' ' && buf[12] != '\r')
		return -1;
	return code;
}

static bool target_healthy(const struct hc_target *t)
{
	if (t->cfg.type == PD_HC_NONE || t->c.state == PD_HC_UP)
		return true;
	return t->c.state == PD_HC_UNKNOWN && t->optimistic;
}

/* ---- the due-time heap ---------------------------------------------------- */

/* When @t next needs the scan: its probe's timeout, or its next probe. */
static uint64_t due(const struct hc_target *t)
{
	return t->io.fd >= 0 ? t->deadline_ms : t->next_ms;
}

static void heap_swap(struct pd_health *h, size_t i, size_t j)
{
	struct hc_target *t = h->heap[i];

	h->heap[i] = h->heap[j];
	h->heap[j] = t;
	h->heap[i]->hidx = i;
	h->heap[j]->hidx = j;
}

static void sift_up(struct pd_health *h, size_t i)
{
	while (i && due(h->heap[i]) < due(h->heap[(i - 1) / 2])) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct pd_health *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < h->n_heap && due(h->heap[l]) < due(h->heap[m]))
			m = l;
		if (l + 1 < h->n_heap && due(h->heap[l + 1]) < due(h->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		heap_swap(h, i, m);
		i = m;
	}
}

/* @t's due time changed: move it to its place. */
static void heap_fix(struct pd_health *h, struct hc_target *t)
{
	sift_up(h, t->hidx);
	sift_down(h, t->hidx);
}

static int heap_push(struct pd_health *h, struct hc_target *t)
{
	if (h->n_heap == h->heap_cap) {
		size_t cap = h->heap_cap ? 2 * h->heap_cap : 64;
		struct hc_target **v = realloc(h->heap, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->heap = v;
		h->heap_cap = cap;
	}
	t->hidx = h->n_heap;
	h->heap[h->n_heap++] = t;
	sift_up(h, t->hidx);
	return 0;
}

static void heap_remove(struct pd_health *h, struct hc_target *t)
{
	size_t i = t->hidx;
	struct hc_target *last = h->heap[--h->n_heap];

	if (i == h->n_heap)
		return;
	h->heap[i] = last;
	last->hidx = i;
	heap_fix(h, last);
}

/* ---- probes ------------------------------------------------------------ */

static void probe_close(struct hc_target *t)
{
	struct pd_health *h = t->h;

	if (t->io.fd < 0)
		return;
	pd_loop_unwatch(h->loop, &t->io);
	close(t->io.fd);
	t->io.fd = -1;
	h->flying[t->fidx] = h->flying[--h->inflight];
	h->flying[t->fidx]->fidx = t->fidx;
	heap_fix(h, t);		/* due: the next probe, not the timeout */
}

/* @t moves from state @from to its current one: keep the counts. */
static void recount(struct hc_target *t, enum pd_hc_state from)
{
	t->h->count[from]--;
	t->h->count[t->c.state]++;
}

static void probe_done(struct hc_target *t, bool ok, const char *why)
{
	struct pd_health *h = t->h;
	char a[PD_ADDR_STRLEN];
	enum pd_hc_state from = t->c.state;

	probe_close(t);
	h->stats.probes++;
	if (!ok) {
		h->stats.failures++;
		snprintf(t->why, sizeof(t->why), "%s", why);
	}
	if (!pd_hc_record(&t->c, &t->cfg, ok))
		return;
	recount(t, from);
	h->stats.transitions++;
	pd_info(h->log, "msg=\"health changed\" service=%s dest=%s:%u "
		"state=%s%s%s%s", t->svc, pd_addr_str(&t->addr, a), t->port,
		t->c.state == PD_HC_UP ? "healthy" : "unhealthy",
		ok ? "" : " err=\"", ok ? "" : t->why, ok ? "" : "\"");
	/*
	 * Every transition: the drain and the readiness gate's verdict
	 * both follow target_healthy() (unknown -> up of an optimistic
	 * target changes neither, but a recompute is cheap and rare).
	 */
	if (h->changed)
		h->changed(h->ctx, t->svc);
}

static void http_send(struct hc_target *t)
{
	char req[PD_HC_PATH_LEN + 96], a[PD_ADDR_STRLEN];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n"
			 "User-Agent: podvsd-health\r\n\r\n", t->cfg.path,
			 pd_addr_str(&t->addr, a));

	if (send(t->io.fd, req, n, MSG_NOSIGNAL) != n)
		return probe_done(t, false, "http: request not sent");
	t->sent = true;
	if (pd_loop_watch(t->h->loop, &t->io, EPOLLIN))
		probe_done(t, false, "http: cannot watch the socket");
}

static void http_read(struct hc_target *t)
{
	ssize_t n = recv(t->io.fd, t->buf + t->len, sizeof(t->buf) - t->len,
			 0);
	char why[64];
	int code;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0)
		return probe_done(t, false, strerror(errno));
	t->len += n;
	if (n && t->len < 14 && !memchr(t->buf, '\n', t->len))
		return;		/* the status line is not complete yet */
	code = pd_hc_http_status(t->buf, t->len);
	if (code < 0)
		return probe_done(t, false, "http: no status line");
	snprintf(why, sizeof(why), "http: status %d", code);
	probe_done(t, code >= 200 && code < 400, why);
}

static void on_probe(struct pd_loop *loop, struct pd_io *io, uint32_t events)
{
	struct hc_target *t = io->ctx;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	char why[96];

	(void)loop;
	(void)events;
	if (t->sent)
		return http_read(t);
	if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl))
		soerr = errno;
	if (soerr) {
		snprintf(why, sizeof(why), "connect: %s", strerror(soerr));
		return probe_done(t, false, why);
	}
	if (t->cfg.type == PD_HC_TCP)
		return probe_done(t, true, "");
	http_send(t);
}

static void probe_open(struct hc_target *t, uint64_t now)
{
	struct sockaddr_storage ss;
	socklen_t sl = pd_addr_sockaddr(&t->addr, t->cfg.port ?: t->port,
					&ss);
	int fd = socket(t->addr.af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	char why[96];

	t->next_ms = now + t->cfg.interval_s * 1000ULL;
	t->deadline_ms = now + t->cfg.timeout_s * 1000ULL;
	t->sent = false;
	t->len = 0;
	if (fd < 0) {
		snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		return probe_done(t, false, why);
	}
	t->io.fd = fd;
	t->fidx = t->h->inflight++;
	t->h->flying[t->fidx] = t;
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		snprintf(why, sizeof(why), "connect: %s", strerror(errno));
		return probe_done(t, false, why);
	}
	if (pd_loop_watch(t->h->loop, &t->io, EPOLLOUT))
		probe_done(t, false, "cannot watch the socket");
}

static void probe_start(struct hc_target *t, uint64_t now)
{
	probe_open(t, now);
	heap_fix(t->h, t);	/* due: the timeout, or the next probe */
}

/* ---- targets ----------------------------------------------------------- */

/* "ns/name tcp|udp addr port": the same address and port over TCP and
 * UDP are two targets (a DNS Pod may pass one and fail the other). */
static const char *target_key(const char *svc, const struct pd_hc_dest *d,
			      char *buf, size_t len)
{
	char s[PD_ADDR_STRLEN];

	snprintf(buf, len, "%s %s %s %u", svc,
		 d->proto == IPPROTO_UDP ? "udp" : "tcp",
		 pd_addr_str(d->addr, s), d->port);
	return buf;
}

static void target_free(struct hc_target *t)
{
	probe_close(t);
	heap_remove(t->h, t);
	t->h->count[t->c.state]--;
	free(t);
}

static uintptr_t svc_gen(const struct pd_health *h, const char *svc)
{
	return (uintptr_t)pd_hmap_sget(&h->gens, svc);
}

static bool deferred(struct pd_health *h)
{
	if (h->inflight < PD_HC_MAX_INFLIGHT)
		return false;
	h->stats.deferred++;
	return true;
}

static void target_drop(struct pd_health *h, struct hc_target *t)
{
	char key[K8S_KEY_LEN + 64];
	const struct pd_hc_dest d = {
		.addr = &t->addr, .proto = t->proto, .port = t->port,
	};

	/* its verdict (see pd_health_verdict) turns to a pass */
	if (t->c.state != PD_HC_UP && h->changed)
		h->changed(h->ctx, t->svc);
	pd_hmap_sdel(&h->targets, target_key(t->svc, &d, key, sizeof(key)));
	target_free(t);
}

/*
 * The due targets only, earliest first: drop those whose Service moved on
 * without them, time out probes, start probes.  Each one handled is due
 * again later (a probe's timeout or next interval, at least a second).
 */
/* Probes past their timeout fail (at most PD_HC_MAX_INFLIGHT to look at). */
static void time_out(struct pd_health *h, uint64_t now)
{
	for (unsigned int i = 0; i < h->inflight;) {
		struct hc_target *t = h->flying[i];

		if (now >= t->deadline_ms)
			probe_done(t, false, "timeout");	/* moves [i] */
		else
			i++;
	}
}

void pd_health_scan(struct pd_health *h, uint64_t now)
{
	unsigned int budget = PD_HC_SCAN_BUDGET;

	time_out(h, now);
	while (h->n_heap && due(h->heap[0]) <= now) {
		struct hc_target *t = h->heap[0];

		if (t->gen != svc_gen(h, t->svc)) {
			target_drop(h, t);
		} else if (t->io.fd >= 0) {
			probe_done(t, false, "timeout");
		} else if (!budget || deferred(h)) {
			return;
		} else {
			probe_start(t, now);
			budget--;
		}
	}
}

static void on_scan(struct pd_loop *loop, struct pd_timer *tm)
{
	(void)loop;
	pd_health_scan(tm->ctx, pd_now_ms());
}

int pd_health_init(struct pd_health *h, struct pd_loop *loop,
		   struct pd_log *log, pd_hc_changed_fn changed, void *ctx)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->loop = loop;
	h->log = log;
	h->changed = changed;
	h->ctx = ctx;
	pd_hmap_init(&h->targets);
	pd_hmap_init(&h->gens);
	pd_hmap_init(&h->reported);
	h->scan.io.fd = -1;
	if (!loop)
		return 0;	/* tests: no probes */
	err = pd_timer_init(loop, &h->scan, on_scan, h);
	err = err ?: pd_timer_arm_ms(&h->scan, PD_HC_SCAN_MS, PD_HC_SCAN_MS);
	h->up = !err;
	return err;
}

void pd_health_fini(struct pd_health *h)
{
	struct pd_hmap_iter it;

	for (struct pd_hmap_ent *e = pd_hmap_first(&h->targets, &it); e;
	     e = pd_hmap_next(&h->targets, &it))
		target_free(e->val);
	pd_hmap_fini(&h->targets);
	free(h->heap);
	h->heap = NULL;
	h->n_heap = h->heap_cap = 0;
	pd_hmap_fini(&h->gens);
	for (struct pd_hmap_ent *e = pd_hmap_first(&h->reported, &it); e;
	     e = pd_hmap_next(&h->reported, &it))
		free(e->val);
	pd_hmap_fini(&h->reported);
	if (h->loop)
		pd_timer_fini(h->loop, &h->scan);
	h->up = false;
}

void pd_health_begin(struct pd_health *h, const char *svc)
{
	uintptr_t g = svc_gen(h, svc) + 1;

	pd_hmap_sput(&h->gens, svc, (void *)(g ?: 1), NULL);
}

static struct hc_target *target_new(struct pd_health *h, const char *key,
				    const char *svc,
				    const struct pd_hc_dest *d)
{
	size_t len = strnlen(svc, K8S_KEY_LEN - 1);
	struct hc_target *t = calloc(1, sizeof(*t) + len + 1);

	if (!t)
		return NULL;
	t->h = h;
	memcpy(t->svc, svc, len);
	t->addr = *d->addr;
	t->port = d->port;
	t->proto = d->proto;
	t->io.fd = -1;
	t->io.fn = on_probe;
	t->io.ctx = t;
	t->next_ms = 0;		/* probe at the next scan */
	if (heap_push(h, t)) {
		free(t);
		return NULL;
	}
	if (pd_hmap_sput(&h->targets, key, t, NULL)) {
		heap_remove(h, t);
		free(t);
		return NULL;
	}
	h->count[t->c.state]++;
	return t;
}

/* Left out of its Service's recomputes before this one (not yet
 * dropped: it was not due)? */
static bool stale(const struct pd_health *h, const struct hc_target *t)
{
	return t->gen + 1 < svc_gen(h, t->svc);
}

/* A new configuration, or back after a while: start over. */
static void restart(struct hc_target *t, const struct pd_hc_cfg *cfg)
{
	enum pd_hc_state from = t->c.state;

	probe_close(t);
	memset(&t->c, 0, sizeof(t->c));
	recount(t, from);
	t->cfg = *cfg;
	t->next_ms = 0;
	heap_fix(t->h, t);
}

bool pd_hc_active(const struct pd_hc_cfg *cfg, const struct pd_hc_dest *d)
{
	if (cfg->type == PD_HC_NONE)
		return false;
	/* a TCP connect to a UDP port proves nothing: only a named port */
	return d->proto != IPPROTO_UDP || cfg->port;
}

bool pd_health_drain(struct pd_health *h, const char *svc,
		     const struct k8s_service *s, const struct pd_hc_dest *d,
		     bool optimistic)
{
	char key[K8S_KEY_LEN + 64], err[8];
	struct hc_target *t;
	struct pd_hc_cfg cfg;

	pd_hc_parse(s, &cfg, err, sizeof(err));
	if (!pd_hc_active(&cfg, d))
		return false;	/* an old target of @svc goes at the scan */
	target_key(svc, d, key, sizeof(key));
	t = pd_hmap_sget(&h->targets, key);
	if (!t)
		t = target_new(h, key, svc, d);
	if (!t)
		return false;	/* out of memory: do not drain on our account */
	if (memcmp(&t->cfg, &cfg, sizeof(cfg)) || stale(h, t))
		restart(t, &cfg);
	t->optimistic = optimistic;
	t->gen = svc_gen(h, svc);
	return !target_healthy(t);
}

enum pd_hc_verdict pd_health_verdict(const struct pd_health *h,
				     const char *svc,
				     const struct pd_hc_dest *d, char *why,
				     size_t len)
{
	char key[K8S_KEY_LEN + 64];
	const struct hc_target *t = pd_hmap_sget(&h->targets,
						 target_key(svc, d, key,
							    sizeof(key)));

	if (!t || target_healthy(t))
		return PD_HCV_PASS;
	if (t->c.state == PD_HC_UNKNOWN) {
		snprintf(why, len, "HealthCheckPending: %u of %u checks "
			 "passed", t->c.ok_run, t->cfg.healthy);
		return PD_HCV_PENDING;
	}
	snprintf(why, len, "HealthCheckFailed: %s", t->why);
	return PD_HCV_FAILED;
}

bool pd_hc_report(struct pd_health *h, const char *svc, const char *rv)
{
	char *old = pd_hmap_sget(&h->reported, svc), *dup;

	if (old && !strcmp(old, rv))
		return false;
	dup = strdup(rv);
	if (!dup || pd_hmap_sput(&h->reported, svc, dup, NULL)) {
		free(dup);
		return true;
	}
	free(old);
	return true;
}

size_t pd_health_count(const struct pd_health *h, enum pd_hc_state st)
{
	return h->count[st];
}
